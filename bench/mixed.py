"""Page questions beside heavy ones: what admission control changes for the people opening pages.

``python -m bench.mixed [--store data/bench-city-seed1.lbdb] [--seconds 20] [--pages 4] [--heavy 4]
[--env COBUILD_HEAVY_SLOTS=1 …] [--service-root DIR]`` serves a working copy of the store with
``cobuild serve`` and drives it for ``--seconds`` with two groups of clients at once: ``--pages``
clients asking community and unit pages (W1, W2) and ``--heavy`` analysts asking matching and
district roll-ups (W4, W6) — the load that took the service to 1.38 GB in the city bench. It prints
per operation the answers, p50 / p95 / max latency and error codes, and the service's peak RSS.

``--service-root`` runs another checkout of cobuild (e.g. ``git archive <commit>`` unpacked in a
folder) with this one's virtualenv, for a before/after comparison on the same data and load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench import stores
from bench import workload as wl
from bench.run import Server, make_key
from bench.stats import Samples

ROOT = Path(__file__).resolve().parent.parent


class _Service(Server):
    """``bench.run.Server`` started from another checkout when one is given."""

    def __init__(self, root: Path, extra_env: dict[str, str], *args: Any) -> None:
        super().__init__(*args)
        self.root = root
        self.env.update(extra_env)
        self.env["PYTHONPATH"] = str(root)

    def start(self) -> None:
        fh = self.log_path.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "cobuild.cli", "serve"], env=self.env, cwd=self.root,
                                     stdout=fh, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise SystemExit(f"the service exited with {self.proc.returncode}; see {self.log_path}")
                try:
                    if client.get(self.base + "/readyz").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        raise SystemExit(f"the service was not ready after 120 s; see {self.log_path}")


async def _drive(base: str, key: str, groups: dict[str, list[wl.Operation]], seconds: float) -> dict[str, Any]:
    rng = random.Random(1)
    results: dict[str, dict[str, Any]] = {}
    stop = time.monotonic() + seconds

    async def worker(ops: list[wl.Operation]) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120, headers={"x-api-key": key}) as client:
            i = rng.randrange(len(ops))
            while time.monotonic() < stop:
                op = ops[i % len(ops)]
                i += 1
                variables = op.variants[rng.randrange(len(op.variants))]
                t0 = time.perf_counter()
                resp = await client.post("/graphql", json={"query": op.query, "variables": variables})
                ms = (time.perf_counter() - t0) * 1000
                r = results.setdefault(op.key, {"ms": [], "codes": {}})
                r["ms"].append(ms)
                body = resp.json() if resp.headers.get("content-type", "").startswith("application/json") else {}
                for e in body.get("errors") or []:
                    code = (e.get("extensions") or {}).get("code", "?")
                    r["codes"][code] = r["codes"].get(code, 0) + 1

    await asyncio.gather(*(worker(ops) for ops, n in groups.values() for _ in range(n)))  # type: ignore[misc]
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.mixed", description=__doc__.splitlines()[0])
    p.add_argument("--store", type=Path, default=ROOT / "data" / "bench-city-seed1.lbdb")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--pages", type=int, default=4, help="clients asking W1/W2 pages")
    p.add_argument("--heavy", type=int, default=4, help="clients asking W4/W6 (matching, roll-ups)")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="extra service setting")
    p.add_argument("--service-root", type=Path, default=ROOT)
    p.add_argument("--variants", type=int, default=30)
    args = p.parse_args(argv)
    if stores.missing(args.store):
        return 2
    work = ROOT / "data" / "bench-mixed"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    store = work / "store.lbdb"
    shutil.copy2(args.store, store)

    async def draw() -> None:
        from cobuild.graph.engines.ladybug import LadybugEngine

        engine = LadybugEngine(store, readers=1)
        await engine.open()
        try:
            await wl.draw_variables(engine, random.Random(1), args.variants)
        finally:
            await engine.close()

    asyncio.run(draw())
    keys = work / "keys.json"
    key = make_key(keys)
    env = dict(e.split("=", 1) for e in args.env)
    server = _Service(args.service_root.resolve(), env, store, keys, work / "service.log")
    server.start()
    try:
        groups = {"pages": ([wl.W1, wl.W2], args.pages), "heavy": ([wl.W4, wl.W6], args.heavy)}
        results = asyncio.run(_drive(server.base, key, groups, args.seconds))  # type: ignore[arg-type]
        memory = server.memory()
    finally:
        server.stop()
    print(f"service {args.service_root.resolve()} {' '.join(args.env)}; {args.pages} page clients (W1/W2) beside "
          f"{args.heavy} analysts (W4/W6) for {args.seconds:g} s; load average {os.getloadavg()[0]:.1f}")
    print(f"{'op':4} {'answers':>7} {'p50':>8} {'p95':>8} {'max':>8}  codes")
    for k in sorted(results):
        s = Samples()
        for ms in results[k]["ms"]:
            s.add(ms)
        print(f"{k:4} {s.n:7d} {s.pct(50):8.1f} {s.pct(95):8.1f} {s.pct(100):8.1f}  {results[k]['codes'] or ''}")
    print(f"service peak RSS {memory['VmHWM'] / 2**20:.0f} MiB (at the end {memory['VmRSS'] / 2**20:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
