"""``cobuild serve --workers N``: refused on the embedded store with the reason; on Neo4j N processes
whose metrics add up on the metrics port."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from cobuild.cli import app

runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("args, env", [(["serve", "--workers", "2"], {}), (["serve"], {"COBUILD_WORKERS": "3"})])
def test_more_than_one_worker_is_refused_on_the_embedded_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               args: list[str], env: dict[str, str]) -> None:
    monkeypatch.delenv("COBUILD_NEO4J_URI", raising=False)
    monkeypatch.setenv("COBUILD_DB_PATH", str(tmp_path / "never-opened.lbdb"))
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "COBUILD_NEO4J_URI" in text and "one process" in text and "COBUILD_LADYBUG_READERS" in text
    assert not (tmp_path / "never-opened.lbdb").exists()


def test_workers_on_neo4j_share_their_metrics(tmp_path: Path) -> None:
    """Nothing listens at the Neo4j URI: the workers start anyway (/readyz says 503), serve requests
    that need no statement, and the metrics port sums what every worker counted."""
    port, metrics_port, dead = _free_port(), _free_port(), _free_port()
    folder = tmp_path / "prom"
    env = {**os.environ, "COBUILD_NEO4J_URI": f"bolt://127.0.0.1:{dead}", "COBUILD_NEO4J_PASSWORD": "unused",
           "COBUILD_NEO4J_MAX_RETRY_S": "0", "COBUILD_PORT": str(port), "COBUILD_METRICS_PORT": str(metrics_port),
           "COBUILD_KEYS_PATH": str(tmp_path / "keys.json"), "COBUILD_RATE_LIMIT_PER_S": "0",
           "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"stale")  # a previous run's numbers are cleared
    proc = subprocess.Popen([sys.executable, "-m", "cobuild.cli", "serve", "--workers", "2"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            pids = {m.group(1) for f in folder.glob("*.db") if (m := re.search(r"_(\d+)\.db$", f.name))}
            try:
                up = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                up = False
            if up and len(pids - {"1"}) >= 2:
                break
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.5)
        assert not (folder / "counter_1.db").exists()
        for _ in range(6):
            r = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "query Floor { __typename }"}, timeout=10)
            assert r.status_code == 200 and r.json() == {"data": {"__typename": "Query"}}
        text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
        assert 'cobuild_graphql_requests_total{code="OK",operation="Floor",type="query"} 6.0' in text
        assert re.search(r'^cobuild_info\{engine="neo4j",version="[^"]+"\} 1\.0$', text, re.M)
        assert re.search(r"^cobuild_process_resident_memory_bytes \d", text, re.M)
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=30).status_code == 503
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
