"""Faults: the store unreachable at start, and stopped and restarted under the running app.

The app owns its engine here (``create_app(settings)`` without an engine, lifespan run), exactly as
``cobuild serve`` does. For LadybugDB the faults are real ones of an embedded store: the directory
locked by another process (a second ``ladybug.Database`` in a child process, as a CLI command or a
backup would hold it), the database closed under the engine, and its file gone (volume unmounted)
and back. For Neo4j there is no server on these machines, so the fault is a URI where nothing
listens: connection refused, through the real driver.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest

from cobuild.auth.keys import KeyStore
from cobuild.config import Settings
from cobuild.errors import EngineUnavailableError
from cobuild.graph.cypher import Statement
from cobuild.graph.engines.ladybug import LadybugEngine
from cobuild.graph.stats import graph_stats
from tests.graphs import copy_store

QUERY = "{ units(first: 3) { totalCount edges { node { id name } } } }"
MUTATION = """mutation($items: [UnitUpsertInput!]!) { upsertUnits(partner: "faults", items: $items) { created ids } }"""
ITEM = {"externalId": "F-1", "name": "故障测试单位", "unitType": "SOE"}
# what must never reach a client: engine names of internals, file paths, lock owners, exception types
LEAKS = ("lock", "pid", "lbdb", "runtimeerror", "io exception", "database is closed", "traceback", "ladybug", "bolt",
         "127.0.0.1", "serviceunavailable", "errno")


class Holder:
    """Another process holding the store's file lock (``ladybug.Database`` read-write) until stopped."""

    def __init__(self, path: Path) -> None:
        code = ("import ladybug, sys; db = ladybug.Database(sys.argv[1]); print('held', flush=True); "
                "sys.stdin.read(); db.close()")
        self.proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        assert line.strip() == "held", self.proc.stderr.read() if self.proc.stderr else line

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


@pytest.fixture
def store_copy(seeded_template: Path, tmp_path: Path) -> Path:
    return copy_store(seeded_template, tmp_path / "store" / "seed.lbdb")


@pytest.fixture
def admin_key(tmp_path: Path) -> str:
    _, key = KeyStore(tmp_path / "keys.json").create(role="admin", name="faults admin")
    return key


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """The app with its lifespan (start: open the store; stop: close it), as under uvicorn."""
    from cobuild.app import create_app

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            yield app, http


def _settings(tmp_path: Path, **kw: Any) -> Settings:
    base: dict[str, Any] = {"db_path": tmp_path / "store" / "seed.lbdb", "neo4j_uri": None,
                            "keys_path": tmp_path / "keys.json", "rate_limit_per_s": 0}
    return Settings(**{**base, **kw})


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None,
              key: str | None = None) -> dict[str, Any]:
    headers = {"x-api-key": key} if key else {}
    resp = await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert resp.status_code == 200, (resp.status_code, resp.text)  # a store fault is never a 500
    return resp.json()


def assert_unavailable(body: dict[str, Any]) -> None:
    errors = body.get("errors") or []
    assert errors, body
    assert {e["extensions"]["code"] for e in errors} == {"DB_UNAVAILABLE"}, body
    for e in errors:
        text = (e["message"] + repr(e["extensions"])).lower()
        assert not any(leak in text for leak in LEAKS), e
        assert e["extensions"].get("requestId")


async def readyz(http: httpx.AsyncClient) -> httpx.Response:
    resp = await http.get("/readyz")
    if resp.status_code != 200:
        assert resp.status_code == 503, resp.text
        assert not any(leak in resp.text.lower() for leak in LEAKS if leak != "ladybug"), resp.text
    return resp


async def wait_ready(http: httpx.AsyncClient, within_s: float = 15.0) -> float:
    """Poll /readyz until 200 (the engine reopens by itself); returns the seconds it took."""
    started = time.monotonic()
    while True:
        resp = await readyz(http)
        if resp.status_code == 200:
            return time.monotonic() - started
        assert time.monotonic() - started < within_s, resp.text
        await asyncio.sleep(0.05)


@pytest.mark.store_only("ladybug", "another process holds the embedded store's file lock (LadybugDB's one-process-per-directory rule)")
async def test_store_locked_at_start_then_released(store_copy: Path, tmp_path: Path, admin_key: str) -> None:
    holder = Holder(store_copy)
    try:
        async with running(_settings(tmp_path)) as (app, http):  # starts although the store cannot be opened
            assert (await http.get("/healthz")).status_code == 200
            resp = await readyz(http)
            assert resp.status_code == 503 and resp.json()["status"] == "unavailable"
            for _ in range(3):  # every request, not only the first: the store stays locked
                assert_unavailable(await gql(http, QUERY))
                assert_unavailable(await gql(http, MUTATION, {"items": [ITEM]}, key=admin_key))
                await asyncio.sleep(0.1)
            holder.stop()  # the other process lets go: no restart of the app
            await wait_ready(http)
            body = await gql(http, QUERY)
            assert not body.get("errors") and body["data"]["units"]["totalCount"] > 0, body
            created = await gql(http, MUTATION, {"items": [ITEM]}, key=admin_key)
            assert created["data"]["upsertUnits"]["created"] == 1, created
    finally:
        holder.stop()


@pytest.mark.store_only("ladybug", "closes the embedded database under the running app and moves its files away; a Neo4j server cannot be stopped from here")
async def test_store_stopped_and_restarted_under_running_app(store_copy: Path, tmp_path: Path, admin_key: str) -> None:
    away = store_copy.with_name("moved-away")
    async with running(_settings(tmp_path)) as (app, http):
        engine: LadybugEngine = app.state.engine
        assert (await readyz(http)).status_code == 200
        first = await gql(http, QUERY)
        assert not first.get("errors"), first
        before = await graph_stats(engine)

        # The store stops under the running app: the database is closed under the engine and its
        # file disappears (an unmounted volume). The engine must not recreate it as an empty store.
        engine._db.close()
        os.rename(store_copy, away)
        assert_unavailable(await gql(http, QUERY))
        assert_unavailable(await gql(http, MUTATION, {"items": [ITEM]}, key=admin_key))
        for _ in range(3):
            assert (await readyz(http)).status_code == 503
            assert_unavailable(await gql(http, QUERY))
            await asyncio.sleep(0.2)
        assert not store_copy.exists()  # no empty store was created in its place

        # The file comes back, but another process holds it first (a CLI command, a backup).
        os.rename(away, store_copy)
        holder = Holder(store_copy)
        try:
            await asyncio.sleep(0.3)
            assert (await readyz(http)).status_code == 503
            assert_unavailable(await gql(http, QUERY))
            assert_unavailable(await gql(http, MUTATION, {"items": [ITEM]}, key=admin_key))
        finally:
            holder.stop()

        # Restarted: the same app recovers by itself, with every node and relationship intact.
        await wait_ready(http)
        assert await graph_stats(engine) == before
        assert await gql(http, QUERY) == first
        created = await gql(http, MUTATION, {"items": [ITEM]}, key=admin_key)
        assert created["data"]["upsertUnits"]["created"] == 1, created
        n = await engine.run(Statement("MATCH (u:Unit) WHERE u.id = $id RETURN count(*) AS n",
                                       {"id": created["data"]["upsertUnits"]["ids"][0]}))
        assert n == [{"n": 1}]


@pytest.mark.store_only("ladybug", "closes the embedded database between two statements of one transaction (engine internals); a Neo4j server cannot be made to fail mid-transaction from here")
async def test_failed_write_is_not_retried_and_leaves_nothing(store_copy: Path) -> None:
    """The store fails in the middle of a unit of work: DB_UNAVAILABLE, the unit ran once, nothing of
    it is in the store after recovery, and the next write works without reopening by hand."""
    engine = LadybugEngine(store_copy, retry_min_s=0.01)
    await engine.open()
    try:
        runs = 0

        async def work(tx: Any) -> None:
            nonlocal runs
            runs += 1
            await tx.run(Statement("CREATE (:Category {id: 'cat:fault-a', name: 'A', synthetic: false})"))
            engine._db.close()  # the store goes away between two statements of one transaction
            await tx.run(Statement("CREATE (:Category {id: 'cat:fault-b', name: 'B', synthetic: false})"))

        with pytest.raises(EngineUnavailableError):
            await engine.write(work)
        assert runs == 1  # never re-run by the engine: a unit of work is sent once
        ids = "MATCH (c:Category) WHERE c.id STARTS WITH 'cat:fault-' RETURN c.id AS id ORDER BY id"
        deadline = time.monotonic() + 10
        while True:
            try:
                rows = await engine.run(Statement(ids))
                break
            except EngineUnavailableError:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.02)
        assert rows == []  # neither half of the failed unit was committed
        await engine.write(lambda tx: tx.run(Statement("CREATE (:Category {id: 'cat:fault-c', name: 'C', synthetic: false})")))
        assert await engine.run(Statement(ids)) == [{"id": "cat:fault-c"}]
    finally:
        await engine.close()


@pytest.mark.store_only("ladybug", "LadybugEngine reopens a store that failed under it; this checks a deliberate close() is final (engine internals)")
async def test_closed_engine_is_not_reopened(store_copy: Path) -> None:
    """``close()`` is final: a statement after it is refused instead of silently reopening the store."""
    engine = LadybugEngine(store_copy)
    await engine.open()
    await engine.close()
    with pytest.raises(EngineUnavailableError):
        await engine.run(Statement("RETURN 1 AS x"))
    assert engine._db is None


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: connections are refused


@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
async def test_neo4j_unreachable(scheme: str, tmp_path: Path, admin_key: str) -> None:
    """A Neo4j URI where nothing listens: the service starts, /readyz is 503, every query and mutation
    answers DB_UNAVAILABLE after the driver's (here shortened) retries, nothing leaks."""
    uri = f"{scheme}://127.0.0.1:{_closed_port()}"
    settings = _settings(tmp_path, neo4j_uri=uri, neo4j_password="secret", neo4j_max_retry_s=0.3)
    async with running(settings) as (app, http):
        assert app.state.engine.name == "neo4j"
        assert (await http.get("/healthz")).status_code == 200
        resp = await readyz(http)
        assert resp.status_code == 503 and resp.json() == {"status": "unavailable", "store": "neo4j"}
        started = time.monotonic()
        assert_unavailable(await gql(http, QUERY))
        assert_unavailable(await gql(http, MUTATION, {"items": [ITEM]}, key=admin_key))
        assert time.monotonic() - started < 20
