"""Neo4j 5 through the official async driver: production, and what analysts open in Browser.

* ``neo4j://`` / ``neo4j+s://`` URIs route reads to readers and writes to the leader, so clusters
  and Aura work; ``bolt://`` talks to one server.
* Writes are managed transactions (``execute_write``): the driver retries a unit of work after a
  transient error, which is why :meth:`GraphEngine.write` takes a function and why callers choose
  ids *before* the work runs — a retried unit writes the same ids, never a second copy.
* Faults: the driver reconnects by itself, so a server that was down at start or restarts later is
  used again without restarting cobuild; until then every statement raises
  :class:`EngineUnavailableError` (→ ``DB_UNAVAILABLE``) after the driver's retries
  (``COBUILD_NEO4J_MAX_RETRY_S``). The driver re-runs a unit of work only after a retryable failure
  that it knows left nothing committed (an unknown commit outcome is ``IncompleteCommit``, never
  retried), and every write MERGEs nodes by ids chosen before the work runs, so a retry cannot write
  a second copy.
* One bookmark manager per engine chains every session of this process causally, so a client reads
  its own writes even when the read lands on another cluster member.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Awaitable, Callable, Iterable, Mapping, TypeVar, cast

import neo4j
from neo4j import AsyncGraphDatabase, Query
from neo4j import exceptions as nx
from neo4j.graph import Node, Path, Relationship

from cobuild.errors import (
    ConstraintViolationError,
    EngineError,
    EngineUnavailableError,
    QueryTimeoutError,
    ReadOnlyViolationError,
)
from cobuild.graph import model
from cobuild.graph.cypher import Statement, name
from cobuild.graph.dialect import DIALECTS
from cobuild.graph.engines.base import GraphEngine, Mode, ProgressFn, ReadOnlyResult, Row, params_for_engine, to_utc

T = TypeVar("T")
BATCH = 5000


def _convert(value: Any) -> Any:
    if isinstance(value, Node):
        return {"label": sorted(value.labels)[0] if value.labels else "", "props": {k: _convert(v) for k, v in value.items()},
                "_key": value.element_id}
    if isinstance(value, Relationship):
        return {"type": value.type, "props": {k: _convert(v) for k, v in value.items()},
                "_src": value.start_node.element_id if value.start_node else None,
                "_dst": value.end_node.element_id if value.end_node else None}
    if isinstance(value, Path):
        return {"nodes": [_convert(n) for n in value.nodes], "rels": [_convert(r) for r in value.relationships]}
    if isinstance(value, neo4j.time.DateTime):
        return to_utc(value.to_native())
    if isinstance(value, neo4j.time.Date):
        return value.to_native()
    if isinstance(value, dt.datetime):
        return to_utc(value)
    if isinstance(value, list):
        return [_convert(v) for v in value]
    if isinstance(value, dict):
        return {k: _convert(v) for k, v in value.items()}
    return value


def map_error(exc: BaseException) -> EngineError:
    """Map by the driver's exception classes and GQL/Neo4j status codes, never by message text."""
    if isinstance(exc, (nx.ServiceUnavailable, nx.SessionExpired, nx.AuthError, OSError)):
        return EngineUnavailableError("the Neo4j server is unreachable", engine="neo4j", original=exc)
    if isinstance(exc, nx.ConstraintError):
        return ConstraintViolationError("a uniqueness rule was violated", engine="neo4j", original=exc)
    code = getattr(exc, "code", "") or ""
    if "TransactionTimedOut" in code or "Terminated" in code:
        return QueryTimeoutError("the query took too long and was cancelled", engine="neo4j", original=exc)
    return EngineError("the graph store rejected a statement", engine="neo4j", original=exc)


def read_only_error(exc: BaseException) -> EngineError:
    """:func:`map_error`, with a write refused by a READ-access transaction as :class:`ReadOnlyViolationError`."""
    code = getattr(exc, "code", "") or ""
    if code.endswith(".AccessMode") or code == "Neo.ClientError.Statement.AccessMode":
        return ReadOnlyViolationError("the server refused a write: the console is read-only", engine="neo4j", original=exc)
    return map_error(exc)


class _Neo4jTx:
    def __init__(self, engine: "Neo4jEngine", tx: neo4j.AsyncManagedTransaction, timeout: float | None) -> None:
        self._engine = engine
        self._tx = tx
        self._timeout = timeout

    async def run(self, stmt: Statement) -> list[Row]:
        return await self._engine._run_in(self._tx, stmt, self._timeout)


class Neo4jEngine(GraphEngine):
    name = "neo4j"
    dialect = DIALECTS["neo4j"]

    def __init__(self, uri: str, user: str, password: str, database: str = "neo4j", *,
                 max_retry_s: float = 15.0) -> None:
        super().__init__()
        self.uri = uri
        self.database = database
        self.max_retry_s = max_retry_s  # how long the driver retries a transient failure of one unit of work
        self._auth = (user, password)
        self._driver: neo4j.AsyncDriver | None = None
        self._bookmarks = AsyncGraphDatabase.bookmark_manager()

    async def open(self) -> None:
        if self._driver is None:
            self._driver = AsyncGraphDatabase.driver(self.uri, auth=self._auth, max_transaction_retry_time=self.max_retry_s)

    async def close(self) -> None:
        if self._driver is not None:
            await self._driver.close()
            self._driver = None

    async def ping(self) -> None:
        await self.open()
        try:
            await cast(neo4j.AsyncDriver, self._driver).verify_connectivity()
        except Exception as exc:  # noqa: BLE001 - every failure here means "unavailable"
            raise EngineUnavailableError("the Neo4j server is unreachable", engine=self.name, original=exc) from exc

    def _session(self, mode: Mode) -> neo4j.AsyncSession:
        assert self._driver is not None
        access = neo4j.READ_ACCESS if mode == "read" else neo4j.WRITE_ACCESS
        return self._driver.session(database=self.database, default_access_mode=access, bookmark_manager=self._bookmarks)

    async def _run_in(self, tx: Any, stmt: Statement, timeout: float | None) -> list[Row]:
        self.counter.record(stmt)
        query = Query(cast(Any, stmt.text), timeout=timeout)  # LiteralString: text only ever comes from builders
        result = await tx.run(query, params_for_engine(stmt.params, naive_utc=False))
        keys = result.keys()
        return [{k: _convert(rec[k]) for k in keys} async for rec in result]

    async def run(self, stmt: Statement, mode: Mode = "read", *, timeout: float | None = None) -> list[Row]:
        if mode == "write":
            return await self.write(lambda tx: tx.run(stmt), timeout=timeout)
        await self.open()
        try:
            async with self._session("read") as session:
                return await session.execute_read(lambda tx: self._run_in(tx, stmt, timeout))
        except EngineError:
            raise
        except Exception as exc:
            raise map_error(exc) from exc

    async def write(self, work: Callable[[Any], Awaitable[T]], *, timeout: float | None = None) -> T:
        await self.open()
        try:
            async with self._session("write") as session:
                return await session.execute_write(lambda tx: work(_Neo4jTx(self, tx, timeout)))
        except EngineError:
            raise
        except (nx.Neo4jError, nx.DriverError, OSError) as exc:
            raise map_error(exc) from exc

    async def run_read_only(self, stmt: Statement, *, timeout: float | None = None,
                            max_rows: int | None = None) -> ReadOnlyResult:
        """A READ-access session and transaction: the server refuses every write in it
        (``Neo.ClientError.Statement.AccessMode``), on a single server and in a cluster alike."""
        await self.open()

        async def work(tx: Any) -> ReadOnlyResult:
            self.counter.record(stmt)
            result = await tx.run(Query(cast(Any, stmt.text), timeout=timeout), params_for_engine(stmt.params, naive_utc=False))
            keys = list(result.keys())
            rows: list[list[Any]] = []
            async for rec in result:
                if max_rows is not None and len(rows) >= max_rows:
                    return ReadOnlyResult(keys, rows, True)
                rows.append([_convert(rec[k]) for k in keys])
            return ReadOnlyResult(keys, rows, False)

        try:
            async with self._session("read") as session:
                return await session.execute_read(work)
        except EngineError:
            raise
        except Exception as exc:
            raise read_only_error(exc) from exc

    async def bulk_load(
        self,
        nodes: Mapping[str, Iterable[Row]],
        rels: Mapping[str, Iterable[Row]],
        progress: ProgressFn | None = None,
    ) -> dict[str, int]:
        """Batched ``UNWIND $rows`` writes of 5,000 rows, each batch its own managed transaction."""
        counts: dict[str, int] = {}
        for label_name, rows in nodes.items():
            lab = model.label(label_name)
            sets = ", ".join(f"n.{name(p)} = r.{name(p)}" for p in lab.prop_names if p != "id")
            text = f"UNWIND $rows AS r MERGE (n:{name(label_name)} {{`id`: r.`id`}}) SET {sets}"
            counts[label_name] = await self._batched(text, rows, label_name, progress)
        for rel_name, rows in rels.items():
            rt = model.rel(rel_name)
            groups: dict[tuple[str, str], list[Row]] = {}
            for r in rows:
                groups.setdefault((r["fromLabel"], r["toLabel"]), []).append(r)
            total = 0
            for (a, b), grp in groups.items():
                sets = ", ".join(f"e.{name(p.name)} = r.{name(p.name)}" for p in rt.props)
                text = (
                    f"UNWIND $rows AS r MATCH (a:{name(a)} {{`id`: r.`from`}}) MATCH (b:{name(b)} {{`id`: r.`to`}}) "
                    f"CREATE (a)-[e:{name(rel_name)}]->(b)" + (f" SET {sets}" if sets else "")
                )
                total += await self._batched(text, grp, rel_name, progress, offset=total)
            counts[rel_name] = total
        return counts

    async def _batched(
        self, text: str, rows: Iterable[Row], what: str, progress: ProgressFn | None, offset: int = 0
    ) -> int:
        """Rows written; ``progress`` gets the running count of ``what`` (``offset`` = its earlier groups)."""
        batch: list[Row] = []
        n = 0

        async def flush(b: list[Row]) -> None:
            await self.write(lambda tx: tx.run(Statement(text, {"rows": b}, label=f"bulk {what}")))

        for r in rows:
            batch.append(r)
            if len(batch) >= BATCH:
                await flush(batch)
                n += len(batch)
                batch = []
                if progress:
                    progress(what, offset + n)
        if batch:
            await flush(batch)
            n += len(batch)
            if progress:
                progress(what, offset + n)
        return n
