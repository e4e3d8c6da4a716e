"""The city network the benchmark runs on: generated once per seed and cached under ``data/``.

The cache is ``data/bench-city-seed<N>.lbdb`` plus ``…lbdb.load.json`` with the generator's timings
(the bulk-load rate is read from there when the store is reused). Each run works on a fresh copy
(``data/bench-run.lbdb``) so the claim mutations of W8 never change the cached store.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.machine import CpuWatch
from cobuild.graph.engines.ladybug import LadybugEngine
from cobuild.graph.migrate import migrate
from cobuild.seeds.generate import load_generated


def cache_path(data_dir: Path, scale: str, seed: int) -> Path:
    return data_dir / f"bench-{scale}-seed{seed}.lbdb"


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".load.json")


def _copy_store(src: Path, dst: Path) -> None:
    """A LadybugDB store is a directory or a file with ``.wal``/``.lock`` style siblings."""
    _remove_store(dst)
    if src.is_dir():
        shutil.copytree(src, dst)
    else:
        shutil.copy2(src, dst)
        for extra in src.parent.glob(src.name + ".*"):
            if extra.name.endswith(".load.json") or extra.name.endswith(".lock"):
                continue
            shutil.copy2(extra, dst.parent / (dst.name + extra.name[len(src.name):]))


def _remove_store(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    for extra in path.parent.glob(path.name + ".*"):
        if extra.is_file():
            extra.unlink()


async def _generate(path: Path, scale: str, seed: int, log: Any) -> dict[str, Any]:
    engine = LadybugEngine(path)
    await engine.open()
    try:
        await migrate(engine)
        last = [0.0]

        def progress(what: str, n: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 5:
                last[0] = now
                log(f"  loading {what}: {n:,}")

        return await load_generated(engine, scale, seed, progress)
    finally:
        await engine.close()


def ensure_store(data_dir: Path, scale: str, seed: int, *, regenerate: bool, log: Any) -> tuple[Path, dict[str, Any]]:
    """Return (working copy path, load report). Generates the cache when missing (or asked to)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    cache = cache_path(data_dir, scale, seed)
    side = _sidecar(cache)
    if regenerate or not cache.exists() or not side.exists():
        _remove_store(cache)
        side.unlink(missing_ok=True)
        log(f"generating the {scale} network (seed {seed}) into {cache} …")
        watch = CpuWatch([os.getpid()]).start()
        report = asyncio.run(_generate(cache, scale, seed, log))
        report["machine_while_loading"] = watch.stop()  # other processes' CPU during generate + load
        report["generated_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        report["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                          check=False, cwd=Path(__file__).resolve().parent).stdout.strip()
        report["generated_this_run"] = True
        side.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        log(f"  {report['nodes']:,} nodes, {report['relationships']:,} relationships; load {report['load_seconds']:.1f}s "
            f"= {report['relationships_per_second']:,} relationships/s")
    else:
        report = json.loads(side.read_text(encoding="utf-8"))
        report["generated_this_run"] = False
        log(f"reusing {cache} ({report['nodes']:,} nodes, {report['relationships']:,} relationships; "
            f"bulk load was {report['relationships_per_second']:,} relationships/s)")
    work = data_dir / "bench-run.lbdb"
    t0 = time.perf_counter()
    _copy_store(cache, work)
    log(f"working copy {work} ({time.perf_counter() - t0:.1f}s)")
    return work, report
