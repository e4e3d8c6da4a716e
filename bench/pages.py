"""The page queries of docs/frontend.md on the seed network: statements per request and the time of
the one statement (wall and process CPU, median and min over ``--runs``), through the real app.

    .venv/bin/python -m bench.pages [--runs 20] [--store data/pages-bench.lbdb]

CPU time is reported beside wall time because these machines are shared: the CPU a statement used
moves far less with other work than its wall time does. A benchmark, not a test (tests check answers).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^<!-- run:(?P<note>[^\n]*?)-->\n^```graphql\n(?P<body>.*?)^```", re.M | re.S)


def pages() -> list[tuple[str, str, dict[str, Any]]]:
    text = (ROOT / "docs" / "frontend.md").read_text(encoding="utf-8")
    out = []
    for m in BLOCK.finditer(text):
        name = re.search(r"query (\w+)", m.group("body"))
        variables = re.search(r"variables=(\{.*\})", m.group("note"))
        out.append((name.group(1) if name else "?", m.group("body"), json.loads(variables.group(1)) if variables else {}))
    return out


async def main(runs: int, store: Path) -> None:
    from cobuild.graph.engines.ladybug import LadybugEngine
    from cobuild.graph.migrate import migrate
    from cobuild.seeds.load import load
    from tests.client import serve

    engine = LadybugEngine(store)
    await engine.open()
    await migrate(engine)  # idempotent
    await load(engine)  # upserts by id: a second run changes nothing
    timings: list[tuple[float, float]] = []
    original = engine.run

    async def timed(stmt: Any, mode: str = "read", **kw: Any) -> Any:
        c0, t0 = time.process_time(), time.perf_counter()
        rows = await original(stmt, mode, **kw)
        timings.append(((time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000))
        return rows

    engine.run = timed  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        async with serve(engine, Path(tmp)) as gql:
            for name, query, variables in pages():
                per_request: list[int] = []
                timings.clear()
                for _ in range(runs + 2):  # two warm-ups
                    body = await gql(query, variables)
                    assert "errors" not in body, body["errors"]
                    per_request.append(gql.last_statements)
                wall = [w for w, _c in timings[2 * max(per_request):]]
                cpu = [c for _w, c in timings[2 * max(per_request):]]
                print(json.dumps({"page": name, "statements_per_request": sorted(set(per_request)),
                                  "wall_ms_median": round(statistics.median(wall), 1), "wall_ms_min": round(min(wall), 1),
                                  "cpu_ms_median": round(statistics.median(cpu), 1), "cpu_ms_min": round(min(cpu), 1),
                                  "statements_timed": len(wall)}, ensure_ascii=False))
    await engine.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--store", type=Path, default=None, help="a directory for the seeded store (default: a temporary one)")
    args = ap.parse_args()
    if args.store is None:
        with tempfile.TemporaryDirectory() as d:
            asyncio.run(main(args.runs, Path(d) / "pages.lbdb"))
    else:
        asyncio.run(main(args.runs, args.store))
