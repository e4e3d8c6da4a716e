"""Engine-only timings of the network questions' statements on the cached city network.

``python -m bench.questions [--store data/bench-city-seed1.lbdb] [--runs 3] [Q1 Q5 …]`` opens the
store read-only (so not while ``cobuild serve`` holds it), picks a busy community, a unit, a district
and a street from the data, and prints the median time of each question's one statement — the
figures quoted when a question's Cypher is reshaped for LadybugDB's planner.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

from bench import stores

ROOT = Path(__file__).resolve().parent.parent


def _one(conn: Any, text: str) -> Any:
    rows = conn.execute(text).get_all()
    return rows[0][0] if rows else None


def main(argv: list[str] | None = None) -> int:
    import ladybug

    from cobuild.graph.dialect import DIALECTS
    from cobuild.resolvers import questions as R

    p = argparse.ArgumentParser(prog="python -m bench.questions", description=__doc__.splitlines()[0])
    p.add_argument("--store", type=Path, default=ROOT / "data" / "bench-city-seed1.lbdb")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("only", nargs="*", help="question keys (default: all)")
    args = p.parse_args(argv)
    if stores.missing(args.store):
        return 2
    conn = ladybug.Connection(ladybug.Database(str(args.store), read_only=True), num_threads=1)
    community = _one(conn, "MATCH (a:AdminArea)-[:CO_BUILDS_WITH]->(:Unit) WHERE a.level = 'COMMUNITY' "
                           "RETURN a.id, count(*) AS n ORDER BY n DESC, a.id LIMIT 1")
    unit = _one(conn, "MATCH (:AdminArea)-[:CO_BUILDS_WITH]->(u:Unit) RETURN u.id, count(*) AS n ORDER BY n DESC, u.id LIMIT 1")
    district = _one(conn, "MATCH (a:AdminArea) WHERE a.level = 'DISTRICT' RETURN a.id ORDER BY a.id LIMIT 1")
    d = DIALECTS["ladybug"]

    def q() -> R.Q:
        return R.Q(None, d)

    cases: dict[str, Callable[[], Any]] = {
        "Q1": lambda: R.q1_co_builders(q(), community, True, "ACTIVE"),
        "Q2": lambda: R.q2_unit_communities(q(), unit),
        "Q3": lambda: R.q3_coverage_gaps(q(), district, None),
        "Q4": lambda: R.q4_resident_units(q(), community),
        "Q5": lambda: R.q5_rollup(q(), district),
        "Q10": lambda: R.q10_unclaimed_demands(q(), district, None),
        "Q11": lambda: R.q11_match_demands(q(), community),
        "Q12": lambda: R.q12_claim_rates(q(), district),
        "Q13": lambda: R.q13_units_without_projects(q(), district, None),
        "Q17": lambda: R.q17_reported_members(q(), community),
        "Q32": lambda: R.q32_missing_evaluations(q(), 2025, district),
    }
    print(f"store {args.store.name}: community {community}, unit {unit}, district {district}; median of {args.runs} runs")
    for key in args.only or cases:
        stmt = cases[key]()
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            conn.execute(stmt.text, stmt.params).get_all()
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{key:4} {statistics.median(times):8.1f} ms  {stmt.label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
