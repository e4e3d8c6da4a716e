"""Shared fixtures. Every test that touches a store runs on LadybugDB, and on Neo4j too when
``COBUILD_TEST_NEO4J_URI`` is set (``tests/stores.py`` says how each test gets a clean database).

Store fixtures (all parametrised by ``store_kind``): ``engine`` (empty, migrated), ``seeded`` (the
seed network), ``gql`` (the app over ``seeded``), ``cli_blank`` / ``cli_seeded`` (the ``COBUILD_*``
variables point the CLI at a store). A test that only reads the seed network says so with
``@pytest.mark.read_only``: on Neo4j such tests share one seeded database, and any write through
``seeded`` / ``gql`` then fails the test. A test that cannot run on one store says so:
``@pytest.mark.store_only("ladybug", "why")``; with Neo4j configured the summary lists those tests.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.engines.ladybug import LadybugEngine
from cobuild.graph.migrate import migrate
from tests import stores
from tests.client import GQL, serve
from tests.graphs import copy_store

# One test process starts many apps that own their store: freezing start-up objects (COBUILD_GC_FREEZE,
# right for a service) would keep every one of them for good. tests/unit/test_gcpause.py turns it on.
os.environ.setdefault("COBUILD_GC_FREEZE", "false")

# Fixtures that hand out a LadybugDB file: a test using them directly must say it is LadybugDB-only.
LADYBUG_ONLY_FIXTURES = ("seeded_template",)


# ------------------------------------------------------------------------------------------------
# Parametrisation by store, the store_only marker, the summary
# ------------------------------------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "store_only(store, reason): the test runs on that store only ('ladybug' or 'neo4j'), for the reason given")
    config.addinivalue_line(
        "markers", "read_only: the test only reads the seeded store (`seeded`, `gql`): it may share one seeded database "
                   "with other such tests, and a write through it fails the test")
    config.stash[_ONE_STORE] = []
    config.stash[_NOT_GENERATED] = 0
    config.stash[_TALLY] = {}


_ONE_STORE = pytest.StashKey[list[tuple[str, str, str]]]()
_NOT_GENERATED = pytest.StashKey[int]()
_TALLY = pytest.StashKey[dict[str, int]]()


def _where(kind: str | None, wanted: set[str]) -> str | None:
    """What a collected test is counted as in the summary: "both", "ladybug", "neo4j" (store_only) or
    "none" (no store); None for the ``[neo4j]`` variant of a test already counted by its ``[ladybug]`` one."""
    if kind == stores.NEO4J and wanted != {stores.NEO4J}:
        return None
    if wanted in ({stores.LADYBUG}, {stores.NEO4J}):
        return next(iter(wanted))
    return "none" if kind is None and not wanted else "both"


def _store_only(node: Any) -> list[tuple[str, str]]:
    out = []
    for m in node.iter_markers("store_only"):
        if len(m.args) != 2 or m.args[0] not in (stores.LADYBUG, stores.NEO4J) or not str(m.args[1]).strip():
            raise pytest.UsageError(f"{node.nodeid}: write @pytest.mark.store_only('ladybug' | 'neo4j', 'the reason')")
        out.append((m.args[0], m.args[1]))
    return out


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_kind" in metafunc.fixturenames:
        only = _store_only(metafunc.definition)
        kinds = stores.stores_for(only) or [only[0][0]]  # a store not configured: dropped at collection
        metafunc.parametrize("store_kind", kinds, indirect=True, ids=kinds)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    misuse: list[str] = []
    for item in items:
        only = _store_only(item)
        callspec = getattr(item, "callspec", None)
        kind = callspec.params.get("store_kind") if callspec is not None else None
        wanted = {s for s, _ in only}
        # a fixture parametrised by stores.STORES itself (test_fuzz.py's module-wide app) counts as a store test too
        store_param = next((v for v in (callspec.params.values() if callspec is not None else ())
                            if isinstance(v, str) and v in (stores.LADYBUG, stores.NEO4J)), None)
        where = _where(kind or store_param, wanted)
        if where is not None:
            config.stash[_TALLY][where] = config.stash[_TALLY].get(where, 0) + 1
        if (kind is not None and kind not in stores.STORES) or (only and not wanted & set(stores.STORES)):
            dropped.append(item)  # a variant for a store that is not configured: not run, and not a skip
            continue
        if kind is not None and only and kind not in wanted:
            dropped.append(item)  # store_only on one parameter (pytest.param(…, marks=…)): the other store's variant
            continue
        if any(f in getattr(item, "fixturenames", ()) for f in LADYBUG_ONLY_FIXTURES) and wanted != {stores.LADYBUG}:
            misuse.append(item.nodeid)
        for store, reason in only:
            config.stash[_ONE_STORE].append((item.nodeid, store, reason))
        keep.append(item)
    if misuse:
        raise pytest.UsageError("these tests open a LadybugDB file directly but do not say they are LadybugDB-only "
                                "(@pytest.mark.store_only('ladybug', 'why')) — or use the store fixtures: " + ", ".join(misuse))
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        config.stash[_NOT_GENERATED] = len(dropped)
    items[:] = keep


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    tr = terminalreporter
    t = config.stash[_TALLY]
    tr.write_line(f"stores: {t.get('both', 0)} test(s) for both stores, {t.get('ladybug', 0)} LadybugDB-only, "
                  f"{t.get('neo4j', 0)} Neo4j-only (store_only, with reasons), {t.get('none', 0)} without a store")
    if stores.TARGET is None:
        dropped = config.stash[_NOT_GENERATED]
        extra = f" ({dropped} Neo4j-only test(s) deselected)" if dropped else ""
        tr.write_line(f"stores: LadybugDB only — the Neo4j half is not configured{extra}; run it with {stores.HOW_TO} "
                      "(README: Running the tests on Neo4j)")
        return
    one = config.stash[_ONE_STORE]
    tr.write_sep("-", f"stores: LadybugDB and Neo4j ({stores.TARGET.uri}, database {stores.TARGET.database}); "
                      f"{len(one)} test(s) run on one store only")
    for nodeid, store, reason in one:
        tr.write_line(f"{store}-only  {nodeid}  — {reason}")


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    """``ladybug`` or ``neo4j`` (parametrised by ``pytest_generate_tests``)."""
    return request.param


# ------------------------------------------------------------------------------------------------
# Session-wide sources of a seeded store
# ------------------------------------------------------------------------------------------------
async def _open(path: Path) -> LadybugEngine:
    engine = LadybugEngine(path)
    await engine.open()
    return engine


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LadybugDB store with the seed network, built once; tests get copies (``seeded``)."""
    from cobuild.seeds.load import load

    path = tmp_path_factory.mktemp("seeded") / "seed.lbdb"

    async def build() -> None:
        e = await _open(path)
        await migrate(e)
        await load(e)
        await e.close()

    asyncio.run(build())
    return path


@pytest.fixture(scope="session")
def neo4j_session() -> stores.Neo4jSession:
    """The Neo4j server of ``COBUILD_TEST_NEO4J_*``, checked once: if it does not answer, every Neo4j
    variant errors at once with this message instead of each waiting for the driver's retries."""
    assert stores.TARGET is not None
    session = stores.Neo4jSession(stores.TARGET)

    async def ping(e: GraphEngine) -> None:
        await e.ping()

    try:
        asyncio.run(session.on_engine(ping))
    except Exception as exc:  # noqa: BLE001 - any failure means the Neo4j half cannot run
        raise RuntimeError(f"{stores.NEO4J_ENV}={stores.TARGET.uri} (database {stores.TARGET.database}, user "
                           f"{stores.TARGET.user}) does not answer: {exc}") from exc
    return session


@pytest.fixture(scope="session")
def neo4j_seeded(neo4j_session: stores.Neo4jSession) -> stores.Neo4jSession:
    """The Neo4j session after the seed network was loaded once by the real loader."""
    asyncio.run(neo4j_session.on_engine(neo4j_session.build_seed))
    return neo4j_session


@pytest.fixture
def neo4j(store_kind: str, request: pytest.FixtureRequest) -> stores.Neo4jSession | None:
    """The Neo4j session for a ``[neo4j]`` variant, else None (resolved outside the test's event loop)."""
    return request.getfixturevalue("neo4j_session") if store_kind == stores.NEO4J else None


@pytest.fixture
def seed_source(store_kind: str, request: pytest.FixtureRequest) -> Any:
    """The seeded LadybugDB template, or the seeded Neo4j session (built on first use only)."""
    return request.getfixturevalue("seeded_template" if store_kind == stores.LADYBUG else "neo4j_seeded")


# ------------------------------------------------------------------------------------------------
# Store fixtures
# ------------------------------------------------------------------------------------------------
@pytest.fixture
async def engine(neo4j: stores.Neo4jSession | None, tmp_path: Path) -> AsyncIterator[GraphEngine]:
    """A fresh, migrated, empty store."""
    if neo4j is None:
        e: GraphEngine = await _open(tmp_path / "empty.lbdb")
        await migrate(e)
    else:
        e = neo4j.engine()
        await e.open()
        await neo4j.migrated_empty(e)
    yield e
    await e.close()


async def _seeded(store_kind: str, source: Any, tmp_path: Path, *, writable: bool) -> GraphEngine:
    if store_kind == stores.LADYBUG:
        return await _open(copy_store(source, tmp_path / "seed.lbdb"))  # private either way: ~30 ms
    session: stores.Neo4jSession = source
    e = session.engine()
    await e.open()
    if session.state != "seeded":
        await session.restore_seed(e)
    if writable:
        session.state = "dirty"
    return e


@pytest.fixture
async def seeded(store_kind: str, seed_source: Any, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[GraphEngine]:
    """A seeded store: private (the test may write), or under ``@pytest.mark.read_only`` the seed
    network shared with other read-only tests on Neo4j, every write refused (on LadybugDB too, so a
    mislabelled test fails in CI)."""
    read_only = request.node.get_closest_marker("read_only") is not None
    e = await _seeded(store_kind, seed_source, tmp_path, writable=not read_only)
    if not read_only:
        yield e
        await e.close()
        return
    ro = stores.ReadOnlyEngine(e)
    yield ro  # type: ignore[misc]
    await e.close()
    if ro.refused:
        pytest.fail(f"a @pytest.mark.read_only test wrote ({'; '.join(ro.refused)}): remove the marker", pytrace=False)


@pytest.fixture
async def gql(seeded: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    """GraphQL over the seeded store, through the real Starlette app (admin key unless told otherwise)."""
    async with serve(seeded, tmp_path) as client:
        yield client


# ------------------------------------------------------------------------------------------------
# The CLI pointed at a store
# ------------------------------------------------------------------------------------------------
@dataclass
class CliStore:
    kind: str
    stats: dict[str, dict[str, int]] | None = None


def _point_cli(kind: str, monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    for var in ("COBUILD_NEO4J_URI", "COBUILD_NEO4J_USER", "COBUILD_NEO4J_PASSWORD", "COBUILD_NEO4J_DATABASE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COBUILD_DB_PATH", str(path))
    if kind == stores.NEO4J:
        assert stores.TARGET is not None
        for var, value in stores.TARGET.env().items():
            monkeypatch.setenv(var, value)


@pytest.fixture
async def cli_blank(store_kind: str, neo4j: stores.Neo4jSession | None, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> CliStore:
    """``cobuild …`` commands run against an empty, never-migrated store."""
    if neo4j is not None:
        await neo4j.on_engine(neo4j.wipe)
    _point_cli(store_kind, monkeypatch, tmp_path / "cli.lbdb")
    return CliStore(store_kind)


@pytest.fixture
async def cli_seeded(store_kind: str, seed_source: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliStore:
    """``cobuild …`` commands run against a private seeded store; ``stats`` are its graph_stats."""
    from cobuild.graph.stats import graph_stats

    e = await _seeded(store_kind, seed_source, tmp_path, writable=True)
    try:
        stats = await graph_stats(e)
    finally:
        await e.close()  # LadybugDB: one open per directory, and the CLI opens it next
    _point_cli(store_kind, monkeypatch, tmp_path / "seed.lbdb")
    return CliStore(store_kind, stats)
