"""The stores the suite runs on: LadybugDB always, Neo4j too when ``COBUILD_TEST_NEO4J_URI`` is set.

Every test that touches a store asks for one of the store fixtures of ``tests/conftest.py``
(``engine``, ``seeded``, ``gql``, ``cli_blank``, ``cli_seeded``); they all depend on
``store_kind``, which ``pytest_generate_tests`` parametrises with the stores configured here, so
each such test runs once per store (ids ``[ladybug]`` / ``[neo4j]``). Without the variable the
Neo4j variants are not generated at all (nothing is skipped).

Clean database per test, as fast as honesty allows:

* LadybugDB: a new directory per test (``engine``), or a private copy of a seeded store built once
  per session (``seeded``): copying ~2 MB takes ~30 ms, opening it dominates.
* Neo4j: one database shared by the whole run. ``engine`` wipes every node and relationship and
  puts back the ``_SchemaVersion`` record the session's one real ``migrate`` wrote (constraints and
  indexes are never dropped, so the store is exactly as ``migrate`` leaves it). The seed network is
  loaded once per session by the real loader (``cobuild.seeds.load``), read back, and afterwards
  restored by a wipe and a few ``UNWIND … CREATE`` statements; the first restore is checked against
  the loaded graph (:func:`cobuild.graph.export.snapshot`). ``seeded`` restores it unless it is
  untouched and leaves the database marked dirty; under ``@pytest.mark.read_only`` it leaves it
  marked clean and refuses every write (:class:`ReadOnlyEngine`), so read-only tests share one load.

The Neo4j database named by ``COBUILD_TEST_NEO4J_DATABASE`` is WIPED by the tests: point the
variables at a throw-away server, never at one holding data you want to keep.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable, Mapping, TypeVar

from cobuild.graph import model
from cobuild.graph.cypher import Statement, name
from cobuild.graph.engines.base import GraphEngine

T = TypeVar("T")

LADYBUG, NEO4J = "ladybug", "neo4j"
NEO4J_ENV = "COBUILD_TEST_NEO4J_URI"
# Defaults match the official image started as README shows (docker … -e NEO4J_AUTH=neo4j/password).
DEFAULT_USER, DEFAULT_PASSWORD, DEFAULT_DATABASE = "neo4j", "password", "neo4j"
HOW_TO = (f"{NEO4J_ENV}=bolt://localhost:7687 [COBUILD_TEST_NEO4J_USER={DEFAULT_USER} "
          f"COBUILD_TEST_NEO4J_PASSWORD={DEFAULT_PASSWORD} COBUILD_TEST_NEO4J_DATABASE={DEFAULT_DATABASE}] make test")


@dataclass(frozen=True)
class Neo4jTarget:
    uri: str
    user: str
    password: str
    database: str

    def settings(self) -> dict[str, Any]:
        """``cobuild.config.Settings`` keyword arguments that reach this server."""
        return {"neo4j_uri": self.uri, "neo4j_user": self.user, "neo4j_password": self.password,
                "neo4j_database": self.database}

    def env(self) -> dict[str, str]:
        """``COBUILD_*`` variables that point the CLI at this server."""
        return {"COBUILD_NEO4J_URI": self.uri, "COBUILD_NEO4J_USER": self.user,
                "COBUILD_NEO4J_PASSWORD": self.password, "COBUILD_NEO4J_DATABASE": self.database}


def neo4j_target() -> Neo4jTarget | None:
    uri = (os.environ.get(NEO4J_ENV) or "").strip()
    if not uri:
        return None
    return Neo4jTarget(uri, os.environ.get("COBUILD_TEST_NEO4J_USER") or DEFAULT_USER,
                       os.environ.get("COBUILD_TEST_NEO4J_PASSWORD") or DEFAULT_PASSWORD,
                       os.environ.get("COBUILD_TEST_NEO4J_DATABASE") or DEFAULT_DATABASE)


TARGET = neo4j_target()
STORES: tuple[str, ...] = (LADYBUG, NEO4J) if TARGET else (LADYBUG,)


def stores_for(marker_args: Iterable[tuple[str, str]]) -> list[str]:
    """The configured stores a test runs on, given its ``store_only(store, reason)`` markers."""
    only = {store for store, _reason in marker_args}
    return [s for s in STORES if not only or s in only]


# ------------------------------------------------------------------------------------------------
# Read-only view of an engine
# ------------------------------------------------------------------------------------------------
class WriteInReadOnlyTest(AssertionError):
    pass


class ReadOnlyEngine:
    """Delegates to an engine but refuses writes: ``@pytest.mark.read_only`` tests share one seeded
    Neo4j database, so a test that writes must not carry the marker. Refusals are also kept in
    ``refused`` so the fixture fails the test even if the app turned the error into a GraphQL one."""

    def __init__(self, engine: GraphEngine) -> None:
        self._engine = engine
        self.refused: list[str] = []

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._engine, attr)

    def _refuse(self, what: str) -> WriteInReadOnlyTest:
        self.refused.append(what)
        return WriteInReadOnlyTest(f"{what}: this test is marked @pytest.mark.read_only; remove the marker if it writes")

    async def run(self, stmt: Statement, mode: str = "read", *, timeout: float | None = None) -> list[dict[str, Any]]:
        if mode != "read":
            raise self._refuse(f"write statement {stmt.label or stmt.text[:60]!r}")
        return await self._engine.run(stmt, "read", timeout=timeout)

    async def write(self, work: Callable[[Any], Awaitable[T]], *, timeout: float | None = None) -> T:
        raise self._refuse("a unit of work (engine.write)")

    async def bulk_load(self, *args: Any, **kwargs: Any) -> Any:
        raise self._refuse("bulk_load")


# ------------------------------------------------------------------------------------------------
# Neo4j: wipe, seed once, restore
# ------------------------------------------------------------------------------------------------
NodeRows = dict[str, list[dict[str, Any]]]
RelRows = dict[tuple[str, str, str], list[dict[str, Any]]]


@dataclass
class Neo4jSession:
    """What the run knows about the shared Neo4j database (plain data: every test has its own loop)."""

    target: Neo4jTarget
    version: dict[str, Any] | None = None  # the _SchemaVersion record of the real migrate
    seed_nodes: NodeRows = field(default_factory=dict)
    seed_rels: RelRows = field(default_factory=dict)
    seed_snapshot: Any = None
    state: str = "unknown"  # "seeded" (the seed network, untouched) or anything else

    def engine(self, **kw: Any) -> GraphEngine:
        from cobuild.graph.engines.neo4j import Neo4jEngine

        t = self.target
        return Neo4jEngine(t.uri, t.user, t.password, t.database, **kw)

    async def on_engine(self, work: Callable[[GraphEngine], Awaitable[T]]) -> T:
        """``work`` on an engine of its own, opened and closed here (a session-wide step)."""
        e = self.engine()
        await e.open()
        try:
            return await work(e)
        finally:
            await e.close()

    async def wipe(self, engine: GraphEngine) -> None:
        self.state = "dirty"
        while True:  # batches keep one transaction small whatever a test left behind
            rows = await engine.run(Statement("MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS n",
                                              label="test wipe"), "write")
            if not rows or int(rows[0]["n"]) == 0:
                return

    async def migrated_empty(self, engine: GraphEngine) -> None:
        """Every node and relationship gone, the schema as ``migrate`` leaves it."""
        from cobuild.graph.migrate import migrate

        await self.wipe(engine)
        if self.version is None:
            await migrate(engine)  # the session's one real migrate: constraints, indexes, full-text
            await engine.run(Statement("CALL db.awaitIndexes(300)", label="test await indexes"), "write")
            self.version = await read_version(engine)
        else:
            await write_version(engine, self.version)

    async def build_seed(self, engine: GraphEngine) -> None:
        """Load the seed network with the real loader once, keep its rows, prove a restore equals it."""
        from cobuild.graph.export import snapshot
        from cobuild.seeds.load import load

        await self.migrated_empty(engine)
        await load(engine)
        self.seed_nodes, self.seed_rels = await dump(engine)
        self.seed_nodes["_SchemaVersion"] = [await read_version(engine)]
        self.seed_snapshot = await snapshot(engine)
        await self.restore_seed(engine)
        restored = await snapshot(engine)
        if restored != self.seed_snapshot:
            differs = sorted(k for k in restored if restored[k] != self.seed_snapshot.get(k))
            raise AssertionError(f"restoring the seed network into Neo4j changed {differs}: the test store is broken")

    async def restore_seed(self, engine: GraphEngine) -> None:
        await self.wipe(engine)
        await restore(engine, self.seed_nodes, self.seed_rels)
        self.state = "seeded"


async def read_version(engine: GraphEngine) -> dict[str, Any]:
    rows = await engine.run(Statement(
        "MATCH (v:`_SchemaVersion`) RETURN v.id AS id, v.version AS version, v.fingerprint AS fingerprint, "
        "v.appliedAt AS appliedAt, v.description AS description", label="test read version"))
    assert len(rows) == 1, rows
    return rows[0]


async def write_version(engine: GraphEngine, row: Mapping[str, Any]) -> None:
    await restore(engine, {"_SchemaVersion": [dict(row)]}, {})


async def dump(engine: GraphEngine) -> tuple[NodeRows, RelRows]:
    """Every node of the model's labels and every relationship, as rows to :func:`restore`."""
    from cobuild.graph.export import node_rows, rel_rows

    nodes: NodeRows = {}
    for lab in model.LABELS:
        rows = await node_rows(engine, lab.name)
        if rows:
            nodes[lab.name] = [{k: v for k, v in r.items() if v is not None} for r in rows]
    rels: RelRows = {}
    for rt in model.RELATIONSHIPS:
        async for a, b, rows in rel_rows(engine, rt.name):
            if rows:
                rels[(rt.name, a, b)] = [{"from": r["from"], "to": r["to"],
                                          "props": {k: v for k, v in r.items() if k not in ("from", "to") and v is not None}}
                                         for r in rows]
    return nodes, rels


async def restore(engine: GraphEngine, nodes: NodeRows, rels: RelRows) -> None:
    """Create ``nodes`` and ``rels`` in one transaction (Neo4j Cypher: ``SET n = map``), checking
    that every relationship found both its ends."""
    async def work(tx: Any) -> None:
        for label_name, rows in nodes.items():
            await tx.run(Statement(f"UNWIND $rows AS r CREATE (n:{name(label_name)}) SET n = r",
                                   {"rows": rows}, label="test restore nodes"))
        for (rel_name, a, b), rows in rels.items():
            got = await tx.run(Statement(
                f"UNWIND $rows AS r MATCH (x:{name(a)} {{`id`: r.`from`}}) MATCH (y:{name(b)} {{`id`: r.`to`}}) "
                f"CREATE (x)-[e:{name(rel_name)}]->(y) SET e = r.`props` RETURN count(e) AS n",
                {"rows": rows}, label="test restore relationships"))
            assert int(got[0]["n"]) == len(rows), (rel_name, a, b, got, len(rows))

    await engine.write(work)
