"""CPU per answer of the bench's operations, in-process: the whole GraphQL request and its statement alone.

``python -m bench.statements [--store data/bench-city-seed1.lbdb] [--variants 20] [--runs 3] [W1 W2 …]``
copies the cached store to ``data/bench-stmts.lbdb``, draws the bench's variable sets (``bench.workload``,
seed 1), sends each operation's GraphQL document through the real app in this process (httpx's ASGI
transport, an admin key) with the engine's ``run`` recorded, then, per operation:

* **request** — CPU time (``time.process_time``: every thread of this process, LadybugDB's included) and
  wall time of the whole request: auth, parsing, validation, the statement, shaping, JSON — everything
  ``cobuild serve`` spends on it but uvicorn's HTTP parsing (plus httpx's in-process client, ~W0's row);
* **statement** — the captured statement(s) alone, replayed on ``LadybugEngine.run`` (row conversion
  included), after one warm-up run each (LadybugDB's Python API keeps a prepared statement per text
  and connection, as the service's connections do).

Medians over ``variants × runs`` answers, one request at a time (c=1: no queueing, so CPU per answer is
the figure issue #11's targets compare). ``--answers FILE`` writes every answer (the JSON data of each
variant), to compare two checkouts' answers with ``--compare FILE``. The machine is shared: CPU per
answer hardly moves with other load; wall time does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import stores

ROOT = Path(__file__).resolve().parent.parent


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


async def measure(store: Path, keys: list[str], variants: int, runs: int, answers_out: Path | None,
                  compare: Path | None) -> int:
    import httpx

    from bench import workload as wl
    from bench.run import make_key
    from cobuild.app import create_app
    from cobuild.config import Settings
    from cobuild.graph.engines import make_engine

    keys_path = ROOT / "data" / "bench-stmts-keys.json"
    api_key = make_key(keys_path)
    settings = Settings(db_path=store, neo4j_uri=None, keys_path=keys_path, rate_limit_per_s=0, log_level="WARNING",
                        ladybug_readers=1)
    engine = make_engine(settings)
    await engine.open()
    ops = [op for op in wl.OPERATIONS if op.key in keys]
    answers: dict[str, list[Any]] = {}
    try:
        await wl.draw_variables(engine, random.Random(1), variants)
        recorded: list[Any] = []
        real_run = engine.run

        async def recording_run(stmt: Any, mode: str = "read", **kw: Any) -> Any:
            recorded.append(stmt)
            return await real_run(stmt, mode, **kw)

        engine.run = recording_run  # type: ignore[method-assign]
        app = create_app(settings, engine=engine)
        headers = {"x-api-key": api_key}
        print(f"store {store.name}; {variants} variable sets per operation, {runs} runs each; CPU = process time, "
              f"ms per answer (median)")
        print(f"{'op':4} {'req CPU':>8} {'req wall':>9} {'stmt CPU':>9} {'stmt wall':>10} {'outside':>8}  stmts")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            for op in ops:
                if op.kind != "query":
                    continue
                if op.key == "W7n":
                    continue  # measured with W7 (its variants come from W7's answers)
                todo = [(op, v) for v in op.variants]
                per_op: dict[str, dict[str, list[float]]] = {}
                captured: dict[str, list[list[Any]]] = {}
                for key_op, variables in todo + [(None, None)]:
                    if key_op is None:  # W7's follow-up pages, once W7 filled them
                        if op.key != "W7" or wl.W7N not in ops:
                            break
                        todo2 = [(wl.W7N, v) for v in wl.W7N.variants[:variants]]
                    else:
                        todo2 = [(key_op, variables)]
                    for o, vs in todo2:
                        acc = per_op.setdefault(o.key, {"req_cpu": [], "req_wall": [], "stmt_cpu": [], "stmt_wall": []})
                        for i in range(runs + 1):  # the first run warms the connection's prepared statement
                            recorded.clear()
                            c0, w0 = time.process_time(), time.perf_counter()
                            r = await client.post("/graphql", json={"query": o.query, "variables": vs}, headers=headers)
                            c1, w1 = time.process_time(), time.perf_counter()
                            body = r.json()
                            if body.get("errors"):
                                raise SystemExit(f"{o.key} {vs}: {json.dumps(body['errors'], ensure_ascii=False)[:500]}")
                            if i == 0:
                                answers.setdefault(o.key, []).append({"variables": vs, "data": body["data"]})
                                captured.setdefault(o.key, []).append(list(recorded))
                                if o.key == "W7" and body["data"]["units"]["pageInfo"]["hasNextPage"]:
                                    wl.W7N.variants.append({**vs, "after": body["data"]["units"]["pageInfo"]["endCursor"]})
                                continue
                            acc["req_cpu"].append((c1 - c0) * 1000)
                            acc["req_wall"].append((w1 - w0) * 1000)
                        for _ in range(runs):
                            c0, w0 = time.process_time(), time.perf_counter()
                            for stmt in captured[o.key][-1]:
                                await real_run(stmt)
                            acc["stmt_cpu"].append((time.process_time() - c0) * 1000)
                            acc["stmt_wall"].append((time.perf_counter() - w0) * 1000)
                for k, acc in per_op.items():
                    n_stmts = sorted({len(s) for s in captured.get(k, [])})
                    rc, sc = _median(acc["req_cpu"]), _median(acc["stmt_cpu"])
                    print(f"{k:4} {rc:8.2f} {_median(acc['req_wall']):9.2f} {sc:9.2f} {_median(acc['stmt_wall']):10.2f} "
                          f"{rc - sc:8.2f}  {n_stmts}", flush=True)
        engine.run = real_run  # type: ignore[method-assign]
    finally:
        await engine.close()
    if answers_out is not None:
        answers_out.write_text(json.dumps(answers, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        print(f"answers written to {answers_out}")
    if compare is not None:
        other = json.loads(compare.read_text(encoding="utf-8"))
        mine = json.loads(json.dumps(answers, ensure_ascii=False, default=str))
        bad = 0
        for k, xs in mine.items():
            theirs = {json.dumps(a["variables"], sort_keys=True): a["data"] for a in other.get(k, [])}
            for a in xs:
                want = theirs.get(json.dumps(a["variables"], sort_keys=True))
                if want is None:
                    print(f"{k}: no answer to compare for {a['variables']}")
                elif want != a["data"]:
                    bad += 1
                    print(f"{k}: DIFFERENT answer for {a['variables']}")
        print(f"answers compared with {compare}: {'identical' if not bad else f'{bad} differ'}")
        return 1 if bad else 0
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.statements", description=__doc__.splitlines()[0])
    p.add_argument("--store", type=Path, default=ROOT / "data" / "bench-city-seed1.lbdb")
    p.add_argument("--variants", type=int, default=20)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--answers", type=Path, help="write every answer (JSON) here")
    p.add_argument("--compare", type=Path, help="compare every answer with a file written by --answers")
    p.add_argument("only", nargs="*", help="operations (default W1 W2 W3 W4 W6 W7 W7n)")
    args = p.parse_args(argv)
    if stores.missing(args.store):
        return 2
    work = stores.working_copy(args.store, "stmts")
    keys = args.only or ["W1", "W2", "W3", "W4", "W6", "W7", "W7n"]
    return asyncio.run(measure(work, keys, args.variants, args.runs, args.answers, args.compare))


if __name__ == "__main__":
    sys.exit(main())
