"""Which questions are heavy: engine-only time and memory of every question's statement.

``python -m bench.heavy [--store data/bench-city-seed1.lbdb] [--variants 5] [Q5 Q11 …]`` runs each
question's one statement (Q7/Q9: plus the Python algorithm on the projection it reads) for several
anchors drawn from the store — the busiest co-building communities, every district up to
``--variants``, streets, unit pairs — each question in a fresh process that opens the store
read-only, and prints per question the median / p90 / max time and the memory the process gained
(peak RSS − RSS after opening), next to whether its builder marks it heavy (``Statement.heavy``,
admission control: cobuild.graph.admission). ``--pair Q5 Q11`` also runs two statements at once on
two connections, then one after the other, each in a fresh process, and prints both peaks: the
memory admission control saves by queueing them.

Like ``bench.questions``, it opens the store read-only: not while ``cobuild serve`` holds it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import stores

ROOT = Path(__file__).resolve().parent.parent

# key → (builder call, anchor kind); the anchors come from _anchors()
CASES: dict[str, tuple[str, str]] = {
    "Q1": ("R.q1_co_builders(q(), a, True, 'ACTIVE')", "community"),
    "Q2": ("R.q2_unit_communities(q(), a)", "unit"),
    "Q3 street": ("R.q3_coverage_gaps(q(), a, None)", "street"),
    "Q3": ("R.q3_coverage_gaps(q(), a, None)", "district"),
    "Q4": ("R.q4_resident_units(q(), a)", "community"),
    "Q5 street": ("R.q5_rollup(q(), a)", "street"),
    "Q5": ("R.q5_rollup(q(), a)", "district"),
    "Q6": ("R.q6_shortest_connection(q(), a[0], a[1], list(R.CONNECTION_TYPES), 6)", "unit pair"),
    "Q7": ("R.q_projection(q(), R.HUB_TYPES, a)", "district"),
    "Q7 all": ("R.q_projection(q(), R.HUB_TYPES, None)", "none"),
    "Q8": ("R.q8_similar_communities(q(), a)", "community"),
    "Q9": ("R.q_projection(q(), R.CLUSTER_TYPES, a)", "district"),
    "Q9 all": ("R.q_projection(q(), R.CLUSTER_TYPES, None)", "none"),
    "Q10": ("R.q10_unclaimed_demands(q(), a, None)", "district"),
    "Q11": ("R.q11_match_demands(q(), a)", "community"),
    "Q12 street": ("R.q12_claim_rates(q(), a)", "street"),
    "Q12": ("R.q12_claim_rates(q(), a)", "district"),
    "Q13": ("R.q13_units_without_projects(q(), a, None)", "district"),
    "Q17": ("R.q17_reported_members(q(), a)", "community"),
    "Q20": ("R.q20_part_time_members(q(), a)", "community"),
    "Q26": ("R.q26_alliance_members(q(), a)", "alliance"),
    "Q31": ("R.q31_evaluation_scores(q(), None, 2025, None)", "none"),
    "Q32": ("R.q32_missing_evaluations(q(), 2025, a)", "district"),
    "search": ("search_statement('社区', list(SEARCHABLE), 20, d)", "none"),
}

_CHILD = r'''
import json, sys, threading, time
import ladybug
from cobuild.graph.dialect import DIALECTS
from cobuild.graph import algorithms as algo
from cobuild.resolvers import questions as R
from cobuild.resolvers.search import SEARCHABLE, search_statement

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) // 1024
    return 0

store, jobs = sys.argv[1], json.loads(sys.argv[2])
db = ladybug.Database(store, read_only=True)
d = DIALECTS["ladybug"]
q = lambda: R.Q(None, d)
conns = [ladybug.Connection(db, num_threads=1) for _ in jobs]
conns[0].execute("RETURN 1").get_all()
rss0 = status("VmRSS:")

def run(conn, job, out):
    times, heavy, label = [], False, ""
    for a in job["anchors"]:
        stmt = eval(job["call"], {"R": R, "q": q, "a": a, "d": d, "SEARCHABLE": SEARCHABLE,
                                  "search_statement": search_statement})
        heavy, label = stmt.heavy, stmt.label
        t0 = time.perf_counter()
        rows = conn.execute(stmt.text, stmt.params).get_all()
        if job["algo"]:
            cols = ["src", "srcName", "dst", "dstName", "type"]
            proj, _scope = algo.build_projection([dict(zip(cols, r)) for r in rows])
            algo.degree(proj) if job["algo"] == "degree" else algo.components(proj)
        times.append((time.perf_counter() - t0) * 1000)
    out.append({"times": times, "heavy": heavy, "label": label})

outs = [[] for _ in jobs]
threads = [threading.Thread(target=run, args=(c, j, o)) for c, j, o in zip(conns, jobs, outs)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"results": [o[0] for o in outs], "rss0": rss0, "gained": status("VmHWM:") - rss0}))
'''


def _anchors(store: Path, n: int) -> dict[str, list[Any]]:
    import ladybug

    conn = ladybug.Connection(ladybug.Database(str(store), read_only=True), num_threads=1)

    def col(text: str) -> list[Any]:
        return [r[0] for r in conn.execute(text).get_all()]

    busy = col("MATCH (a:AdminArea)-[:CO_BUILDS_WITH]->(:Unit) WHERE a.level = 'COMMUNITY' "
               "RETURN a.id, count(*) AS n ORDER BY n DESC, a.id LIMIT 100")
    units = col("MATCH (:AdminArea)-[:CO_BUILDS_WITH]->(u:Unit) RETURN u.id, count(*) AS n ORDER BY n DESC, u.id LIMIT 100")
    # the busiest first, then every tenth: what people open most, and ordinary ones
    pick = lambda xs: (xs[: (n + 1) // 2] + xs[(n + 1) // 2 :: 10])[:n]  # noqa: E731
    return {
        "community": pick(busy),
        "unit": pick(units),
        "unit pair": [[units[i], units[-1 - i]] for i in range(min(n, len(units) // 2))],
        "district": col(f"MATCH (a:AdminArea) WHERE a.level = 'DISTRICT' RETURN a.id ORDER BY a.id LIMIT {n}"),
        "street": col(f"MATCH (a:AdminArea) WHERE a.level = 'STREET' RETURN a.id ORDER BY a.id LIMIT {n}"),
        "alliance": col(f"MATCH (a:Alliance) RETURN a.id ORDER BY a.id LIMIT {n}"),
        "none": [None] * min(n, 3),
    }


def _job(key: str, anchors: dict[str, list[Any]], warm: bool = True) -> dict[str, Any]:
    call, kind = CASES[key]
    xs = anchors[kind]
    return {"call": call, "anchors": ([xs[0]] if warm else []) + xs,
            "algo": "degree" if key.startswith("Q7") else "components" if key.startswith("Q9") else ""}


def _child(store: Path, jobs: list[dict[str, Any]]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(store), json.dumps(jobs)], capture_output=True, text=True,
                         cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.heavy", description=__doc__.splitlines()[0])
    p.add_argument("--store", type=Path, default=ROOT / "data" / "bench-city-seed1.lbdb")
    p.add_argument("--variants", type=int, default=5, help="anchors per question (the first one also warms the pages up)")
    p.add_argument("--pair", nargs=2, metavar="Q", help="two questions to run at once, then one after the other")
    p.add_argument("only", nargs="*", help="question keys (default: all)")
    args = p.parse_args(argv)
    if stores.missing(args.store):
        return 2
    anchors = _anchors(args.store, args.variants)
    print(f"store {args.store.name}; {args.variants} anchors per question (first run of the first one not counted); "
          "times in ms, memory = peak RSS − RSS after opening, MiB")
    print(f"{'question':12} {'heavy':>5} {'median':>8} {'p90':>8} {'max':>8} {'memory':>7}  label")
    for key in args.only or CASES:
        r = _child(args.store, [_job(key, anchors)])
        res = r["results"][0]
        times = res["times"][1:]
        p90 = sorted(times)[max(0, int(round(0.9 * len(times))) - 1)]
        print(f"{key:12} {'yes' if res['heavy'] else '':>5} {statistics.median(times):8.1f} {p90:8.1f} {max(times):8.1f} "
              f"{r['gained']:7d}  {res['label']}", flush=True)
    if args.pair:
        a, b = args.pair
        together = _child(args.store, [_job(a, anchors, warm=False), _job(b, anchors, warm=False)])
        alone = [_child(args.store, [_job(k, anchors, warm=False)])["gained"] for k in (a, b)]
        print(f"{a} and {b} at once on two connections: +{together['gained']} MiB; each alone: "
              f"{a} +{alone[0]} MiB, {b} +{alone[1]} MiB (queued through one slot: the larger of the two)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
