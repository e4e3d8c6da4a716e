"""``cobuild serve`` (uvicorn, the real service) over a store, on a free port of 127.0.0.1, for the
browser tests: started as a subprocess, waited for until ``/readyz`` answers, stopped afterwards."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(store: Path | None, tmp: Path) -> Iterator[str]:
    """The base URL of the service over ``store`` (None: the store the environment names, as the
    ``cli_seeded`` fixture sets it for each configured store); keys, persisted queries and log live in ``tmp``."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COBUILD_")
           or (store is None and (k == "COBUILD_DB_PATH" or k.startswith("COBUILD_NEO4J_")))}
    if store is not None:
        env["COBUILD_DB_PATH"] = str(store)
    env.update(COBUILD_HOST="127.0.0.1", COBUILD_PORT=str(port),
               COBUILD_KEYS_PATH=str(tmp / "keys.json"), COBUILD_LOG_LEVEL="WARNING",
               COBUILD_PERSISTED_QUERIES_PATH=str(tmp / "pq.json"), COBUILD_RATE_LIMIT_PER_S="0")
    log = (tmp / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "cobuild.cli", "serve"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a busy shared machine starts it slowly
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"cobuild serve did not become ready:\n{(tmp / 'serve.log').read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
