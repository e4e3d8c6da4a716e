"""``cobuild cypher``: one statement or the prompt, table / CSV / JSON, writes refused, and — while
``cobuild serve`` owns the embedded store — the same answers through the service."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from typer.testing import CliRunner

from cobuild.auth.keys import KeyStore
from cobuild.cli import app
from cobuild.console.values import FORMATS

runner = CliRunner()
UNITS = "MATCH (c:AdminArea {id: 'area:sl-zidongge'})-[:CO_BUILDS_WITH]->(u:Unit) RETURN u.id AS id, u.name AS name ORDER BY id"


@pytest.fixture
def store(cli_seeded: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The CLI pointed at a private seeded store (each configured store); the console history under tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COBUILD_KEYS_PATH", str(tmp_path / "keys.json"))
    monkeypatch.setenv("COBUILD_CYPHER_HISTORY_PATH", str(tmp_path / "data" / "cypher_history"))
    for var in ("COBUILD_URL", "COBUILD_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    return cli_seeded


def test_one_statement_as_table_csv_and_json(store: Any) -> None:
    as_json = runner.invoke(app, ["cypher", "--format", "json", UNITS])
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.stdout)
    assert rows and all(set(r) == {"id", "name"} and r["id"].startswith("unit:") for r in rows)
    assert "rows in" in as_json.stderr
    as_csv = runner.invoke(app, ["cypher", "-f", "csv", UNITS])
    assert list(csv.DictReader(io.StringIO(as_csv.stdout))) == rows
    table = runner.invoke(app, ["cypher", UNITS])
    assert table.exit_code == 0 and all(r["name"] in table.stdout for r in rows)
    one = runner.invoke(app, ["cypher", "-f", "json", "-p", f"id={rows[0]['id']}", "-p", "n=2",
                              "MATCH (u:Unit {id: $id}) RETURN u.name AS name, $n + 1 AS three"])
    assert json.loads(one.stdout) == [{"name": rows[0]["name"], "three": 3}]


def test_writes_and_bad_statements_fail_with_a_code(store: Any) -> None:
    result = runner.invoke(app, ["cypher", "MATCH (u:Unit) DETACH DELETE u"])
    assert result.exit_code == 1 and "READ_ONLY" in result.stderr and result.stdout == ""
    result = runner.invoke(app, ["cypher", "RETURN 1; RETURN 2"])
    assert result.exit_code == 1 and "VALIDATION" in result.stderr
    result = runner.invoke(app, ["cypher", "--format", "xml", "RETURN 1"])
    assert result.exit_code == 2
    count = runner.invoke(app, ["cypher", "-f", "json", "MATCH (u:Unit) RETURN count(*) AS n"])
    assert json.loads(count.stdout)[0]["n"] > 0  # nothing was deleted


def test_the_prompt_runs_statements_ending_in_semicolons_and_keeps_history(store: Any, tmp_path: Path) -> None:
    script = ("MATCH (u:Unit)\nRETURN count(*) AS n;\n:format json\n:param x=41\nRETURN $x + 1 AS answer;\n"
              "CREATE (:Unit {id: 'unit:prompt'});\n:quit\n")
    result = runner.invoke(app, ["cypher"], input=script)
    assert result.exit_code == 0, result.output
    assert '"answer": 42' in result.stdout and "READ_ONLY" in result.stderr
    history = (tmp_path / "data" / "cypher_history").read_text(encoding="utf-8")
    assert "RETURN $x + 1 AS answer;" in history and "RETURN count(*) AS n;" in history
    again = runner.invoke(app, ["cypher"], input="RETURN 2 AS two;\n")
    assert again.exit_code == 0
    assert "RETURN $x + 1 AS answer;" in (tmp_path / "data" / "cypher_history").read_text(encoding="utf-8")


# --- while `cobuild serve` owns the store --------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``cobuild serve`` on the store in another process (it holds the store's lock); yields its URL."""
    port = _free_port()
    monkeypatch.setenv("COBUILD_PORT", str(port))
    env = {**os.environ, "COBUILD_RATE_LIMIT_PER_S": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "cobuild.cli", "serve"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.store_only("ladybug", "the embedded store's one-process lock: while `cobuild serve` holds it the console goes "
                                   "through the service; on Neo4j both reach the server directly")
def test_a_locked_store_goes_through_the_running_service(store: Any, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    local = {fmt: runner.invoke(app, ["cypher", "-f", fmt, UNITS]) for fmt in FORMATS}
    assert all(r.exit_code == 0 for r in local.values())
    keys = KeyStore(tmp_path / "keys.json")
    admin = keys.create(role="admin", name="ops")[1]
    analyst = keys.create(role="analyst", name="research")[1]
    with running_service(tmp_path, monkeypatch) as url:
        refused = runner.invoke(app, ["cypher", "RETURN 1 AS one"])
        assert refused.exit_code == 1 and "--key" in refused.stderr and "cobuild serve" in refused.stderr
        for fmt in FORMATS:  # same output as on the store itself, for both roles
            for key in (admin, analyst):
                through = runner.invoke(app, ["cypher", "-f", fmt, "--key", key, UNITS])
                assert through.exit_code == 0, through.output
                assert through.stdout == local[fmt].stdout
        explicit = runner.invoke(app, ["cypher", "-f", "json", "--url", url, UNITS], env={"COBUILD_API_KEY": analyst})
        assert explicit.stdout == local["json"].stdout
        person = runner.invoke(app, ["cypher", "--key", analyst, "MATCH (p:Person) RETURN p.name AS n"])
        assert person.exit_code == 1 and "FORBIDDEN" in person.stderr and "personal data" in person.stderr
        written = runner.invoke(app, ["cypher", "--key", admin, "CREATE (:Category {id: 'cat:x'})"])
        assert written.exit_code == 1 and "READ_ONLY" in written.stderr
        prompt = runner.invoke(app, ["cypher", "--key", admin, "-f", "csv"], input="RETURN 40 + 2 AS n;\n")
        assert prompt.exit_code == 0 and prompt.stdout == "n\n42\n"


def test_the_operator_pages_console_examples_run(store: Any) -> None:
    """Every one-shot `cobuild cypher "…"` line of docs/operators.md runs on the seed network."""
    import shlex

    page = (Path(__file__).resolve().parents[2] / "docs" / "operators.md").read_text(encoding="utf-8")
    commands = [ln.split("  #")[0] for ln in page.splitlines() if ln.startswith("cobuild cypher ")]
    lines = [c for c in commands if '"' in c or "'" in c]  # one-shot: the statement is quoted
    assert len(lines) >= 3
    for line in lines:
        args = shlex.split(line)
        if ">" in args:
            args = args[:args.index(">")]
        result = runner.invoke(app, args[1:])
        assert result.exit_code == 0, (line, result.output)
        assert result.stdout.strip()
