"""What keeping the community tallies costs a write, and what a full rebuild costs.

``python -m bench.tallies_write --store data/bench-district-seed1.lbdb [--n 10]`` copies the store
(migrated to the current schema, so it has tallies) to ``data/bench-tallies.lbdb`` and times, per
call (median of ``n``; CPU = process time, every thread of this process):

* **refresh** — :func:`cobuild.graph.tallies.refresh` for one changed pairing (its status: what a
  ``terminatePairing`` or a pairing upsert adds to its unit of work), in its own write transaction;
* **rebuild** — :func:`cobuild.graph.tallies.rebuild`: every tally recounted and stored (``cobuild
  maintain rebuild``, the end of a seed load, a generate or an import).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from bench import stores

ROOT = Path(__file__).resolve().parent.parent


async def measure(store: Path, n: int) -> None:
    from cobuild.graph import changes, tallies
    from cobuild.graph.cypher import Statement
    from cobuild.graph.engines.ladybug import LadybugEngine
    from cobuild.graph.migrate import migrate

    engine = LadybugEngine(store)
    await engine.open()
    try:
        await migrate(engine)
        pairings = [r["id"] for r in await engine.run(Statement(
            "MATCH (p:`Pairing`) WHERE p.`status` = 'ACTIVE' RETURN p.`id` AS id ORDER BY id LIMIT $n", {"n": n}))]
        cpu, wall, touched = [], [], []
        for pid in pairings:
            change = changes.updated("Pairing", pid, None, fields=["status"])
            c0, w0 = time.process_time(), time.perf_counter()
            k = await engine.write(lambda tx, ch=change: tallies.refresh(tx, engine.dialect, [ch]))
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
            touched.append(k)
        print(f"refresh (one pairing changed): CPU {statistics.median(cpu):.1f} ms, wall {statistics.median(wall):.1f} ms "
              f"(median of {len(cpu)}; tallies recomputed per call: {sorted(set(touched))})")
        c0, w0 = time.process_time(), time.perf_counter()
        count = await tallies.rebuild(engine)
        print(f"rebuild: {count} tallies, CPU {(time.process_time() - c0) * 1000:.0f} ms, "
              f"wall {(time.perf_counter() - w0) * 1000:.0f} ms")
        diffs = await tallies.check(engine)
        print(f"check after the writes: {'equal to a recount' if not diffs else diffs[:5]}")
    finally:
        await engine.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.tallies_write", description=__doc__.splitlines()[0])
    p.add_argument("--store", type=Path, default=ROOT / "data" / "bench-district-seed1.lbdb")
    p.add_argument("--n", type=int, default=10)
    args = p.parse_args(argv)
    if stores.missing(args.store):
        return 2
    work = stores.working_copy(args.store, "tallies")
    asyncio.run(measure(work, args.n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
