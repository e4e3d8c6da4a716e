"""Neo4j 5 through the official async driver: production, and what analysts open in Browser.

* ``neo4j://`` / ``neo4j+s://`` URIs route reads to readers and writes to the leader, so clusters
  and Aura work; ``bolt://`` talks to one server.
* Every statement runs in a managed transaction (``execute_read`` / ``execute_write``): the driver
  retries a unit of work after a transient error (deadlock, leader switch, server restarting) for
  up to ``COBUILD_NEO4J_MAX_RETRY_S``, which is why :meth:`GraphEngine.write` takes a function and
  why callers choose ids *before* the work runs — a retried unit writes the same ids, never a second
  copy. An unknown commit outcome (``IncompleteCommit``) is never retried.
* A timeout belongs to the unit of work (:func:`neo4j.unit_of_work`): the driver sends it as
  ``tx_timeout`` in ``BEGIN`` and the server terminates the transaction when it runs out
  (→ :class:`QueryTimeoutError` → ``TIMEOUT``). ``neo4j.Query`` objects are accepted only by
  ``session.run``, never inside a transaction function.
* One bookmark manager per engine chains every session of this process causally: a read after a
  write carries the write's bookmark, so a client reads its own writes even when the read lands
  on another cluster member.
* Notifications: the server is asked not to send the UNRECOGNIZED ones (a property or type no node
  has yet is normal in a schema-less store: ``validTo``, ``OVERLAPS`` …) nor anything below WARNING;
  the rest are logged once per (code, statement label) by ``cobuild.neo4j`` instead of once per
  statement by the driver.
* Faults: the driver reconnects by itself, so a server that was down at start or restarts later is
  used again without restarting cobuild; until then every statement raises
  :class:`EngineUnavailableError` (→ ``DB_UNAVAILABLE``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import operator
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable, Iterator, Mapping, TypeVar, cast

import neo4j
from neo4j import AsyncGraphDatabase
from neo4j import exceptions as nx
from neo4j.graph import Node, Path, Relationship

from cobuild.errors import (
    ConstraintViolationError,
    EngineError,
    EngineUnavailableError,
    QueryTimeoutError,
    ReadOnlyViolationError,
    StoreBusyError,
)
from cobuild.graph import model
from cobuild.graph.cypher import Statement, name
from cobuild.graph.dialect import DIALECTS
from cobuild.graph.engines.base import GraphEngine, Mode, ProgressFn, ReadOnlyResult, Row, params_for_engine, to_utc
from cobuild.graph.model import PropType

T = TypeVar("T")
_FROM_TO = operator.itemgetter(0, 1)
LOAD_BATCH = 10_000  # rows per bulk statement: big enough to amortise a round trip, small enough for the heap
LOAD_PARALLEL = 4  # bulk batches in flight at once (each its own session and transaction)
WRITE_BATCH = 10_000  # rows per upsert statement of the seed loader

#: What the server is asked to leave out (Bolt ≥ 5.2, Neo4j ≥ 5.7).
NOTIFICATIONS_MIN_SEVERITY = neo4j.NotificationMinimumSeverity.WARNING
NOTIFICATIONS_DISABLED = (neo4j.NotificationDisabledClassification.UNRECOGNIZED,)

log = logging.getLogger("cobuild.neo4j")
notice_log = logging.getLogger("cobuild.neo4j.notifications")


# ---------------------------------------------------------------------------------------------
# notifications: once per (code, statement label)
# ---------------------------------------------------------------------------------------------
class NotificationOnce(logging.Filter):
    """Lets a notification record through the first time its (code, statement label) is seen.

    A statement label names what the statement answers (``search``, ``upsert Unit`` …), not its
    parameters, so one bad statement shape is reported once however often it runs."""

    MAX_KEYS = 10_000

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[tuple[str, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        fields = getattr(record, "fields", None)
        if not isinstance(fields, dict) or "code" not in fields:
            return True
        key = (str(fields["code"]), str(fields.get("statement", "")))
        if key in self.seen:
            return False
        if len(self.seen) < self.MAX_KEYS:
            self.seen.add(key)
        return True


class _DriverNotificationsReported(logging.Filter):
    """The driver logs every notification of every result (``neo4j.notifications``); the engine
    reports them itself, with the statement label and once, so the driver's copies are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


def _install_log_filters() -> None:
    if not any(isinstance(f, NotificationOnce) for f in notice_log.filters):
        notice_log.addFilter(NotificationOnce())
    driver_log = logging.getLogger("neo4j.notifications")
    if not any(isinstance(f, _DriverNotificationsReported) for f in driver_log.filters):
        driver_log.addFilter(_DriverNotificationsReported())


@dataclass(frozen=True)
class Notice:
    code: str  # Neo4j's code (Neo.ClientNotification…) when the server sends one, else the GQL status
    gql_status: str
    severity: str
    classification: str
    description: str


def notices(metadata: Mapping[str, Any]) -> list[Notice]:
    """The notifications in a result summary's metadata: GQL statuses (Bolt ≥ 5.5) carrying a
    ``neo4j_code``, or the older ``notifications`` list."""
    out: list[Notice] = []
    statuses = metadata.get("statuses")
    if isinstance(statuses, list):
        for s in statuses:
            if not isinstance(s, dict) or not s.get("neo4j_code"):
                continue  # a result status (00000 success, 02000 no data …), not a notification
            diag = s.get("diagnostic_record") if isinstance(s.get("diagnostic_record"), dict) else {}
            out.append(Notice(str(s["neo4j_code"]), str(s.get("gql_status") or ""), str(diag.get("_severity") or ""),
                              str(diag.get("_classification") or ""),
                              str(s.get("status_description") or s.get("description") or "")))
        return out
    for n in metadata.get("notifications") or []:
        if isinstance(n, dict):
            out.append(Notice(str(n.get("code") or ""), "", str(n.get("severity") or ""), str(n.get("category") or ""),
                              str(n.get("description") or n.get("title") or "")))
    return out


def report_notices(metadata: Mapping[str, Any], label: str) -> None:
    for n in notices(metadata):
        level = logging.WARNING if n.severity == "WARNING" else logging.INFO
        notice_log.log(level, "Neo4j notification %s on statement %r: %s", n.code, label, n.description,
                       extra={"fields": {"code": n.code, "gqlStatus": n.gql_status, "severity": n.severity,
                                         "classification": n.classification, "statement": label}})


# ---------------------------------------------------------------------------------------------
# values and errors
# ---------------------------------------------------------------------------------------------
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
    """Map by the driver's exception classes and Neo4j status codes, never by message text."""
    if isinstance(exc, (nx.ServiceUnavailable, nx.SessionExpired, nx.AuthError, OSError)):
        return EngineUnavailableError("the Neo4j server is unreachable", engine="neo4j", original=exc)
    if isinstance(exc, nx.ConstraintError):
        return ConstraintViolationError("a uniqueness rule was violated", engine="neo4j", original=exc)
    code = getattr(exc, "code", "") or ""
    if code == "Neo.ClientError.Statement.AccessMode":  # a write inside a READ-access transaction
        return ReadOnlyViolationError("the server refused a write: the transaction is read-only", engine="neo4j",
                                      original=exc)
    if "TransactionTimedOut" in code or "Terminated" in code:
        return QueryTimeoutError("the query took too long and was cancelled", engine="neo4j", original=exc)
    if isinstance(exc, nx.TransientError):  # still transient after the driver's retries
        return StoreBusyError("the Neo4j server is busy (deadlocks or lock waits); try again shortly",
                              engine="neo4j", original=exc)
    return EngineError("the graph store rejected a statement", engine="neo4j", original=exc)


class _Neo4jTx:
    """What a unit of work sees: :meth:`run` sends one counted statement in the managed transaction."""

    def __init__(self, engine: "Neo4jEngine", tx: neo4j.AsyncManagedTransaction) -> None:
        self._engine = engine
        self._tx = tx

    async def run(self, stmt: Statement) -> list[Row]:
        return await self._engine._run_in(self._tx, stmt)


@dataclass
class _Batch:
    text: str
    rows: list[list[Any]]  # value lists in the statement's column order
    what: str
    keys: frozenset[str] | None = None  # node ids the batch locks (relationship batches)


# ---------------------------------------------------------------------------------------------
# the engine
# ---------------------------------------------------------------------------------------------
class Neo4jEngine(GraphEngine):
    name = "neo4j"
    dialect = DIALECTS["neo4j"]
    write_batch = WRITE_BATCH

    def __init__(self, uri: str, user: str, password: str, database: str = "neo4j", *,
                 max_retry_s: float = 15.0, load_batch: int = LOAD_BATCH, load_parallel: int = LOAD_PARALLEL) -> None:
        super().__init__()
        self.uri = uri
        self.database = database
        self.max_retry_s = max_retry_s  # how long the driver retries a transient failure of one unit of work
        self.load_batch = max(1, load_batch)
        self.load_parallel = max(1, load_parallel)
        self._auth = (user, password)
        self._driver: neo4j.AsyncDriver | None = None
        self._server_filters = True  # False once a server (Bolt < 5.2) refused notification filters
        self._bookmarks = AsyncGraphDatabase.bookmark_manager()
        _install_log_filters()

    def _make_driver(self) -> neo4j.AsyncDriver:
        config: dict[str, Any] = {"auth": self._auth, "max_transaction_retry_time": self.max_retry_s,
                                  "user_agent": "cobuild"}
        if self._server_filters:
            config["notifications_min_severity"] = NOTIFICATIONS_MIN_SEVERITY
            config["notifications_disabled_classifications"] = list(NOTIFICATIONS_DISABLED)
        return AsyncGraphDatabase.driver(self.uri, **config)

    async def open(self) -> None:
        if self._driver is None:
            self._driver = self._make_driver()

    async def close(self) -> None:
        if self._driver is not None:
            await self._driver.close()
            self._driver = None

    async def ping(self) -> None:
        await self.open()
        try:
            await cast(neo4j.AsyncDriver, self._driver).verify_connectivity()
        except nx.ConfigurationError:
            await self._without_server_filters()
            await self.ping()
        except Exception as exc:  # noqa: BLE001 - every failure here means "unavailable"
            raise EngineUnavailableError("the Neo4j server is unreachable", engine=self.name, original=exc) from exc

    async def _without_server_filters(self) -> None:
        """Neo4j before 5.7 (Bolt < 5.2) refuses notification filters in HELLO: connect without
        them; the log filter still reports each notification once."""
        if not self._server_filters:
            raise EngineError("the Neo4j driver refused its configuration", engine=self.name)
        log.info("the Neo4j server does not support notification filters (Bolt < 5.2): filtering in cobuild only")
        self._server_filters = False
        old, self._driver = self._driver, self._make_driver()
        if old is not None:
            await old.close()

    def _session(self, mode: Mode) -> neo4j.AsyncSession:
        assert self._driver is not None
        access = neo4j.READ_ACCESS if mode == "read" else neo4j.WRITE_ACCESS
        return self._driver.session(database=self.database, default_access_mode=access, bookmark_manager=self._bookmarks)

    async def _managed(self, mode: Mode, fn: Callable[[neo4j.AsyncManagedTransaction], Awaitable[T]],
                       timeout: float | None) -> T:
        """``fn`` as one managed transaction (retried by the driver after transient errors), with
        the timeout on the unit of work; driver errors become :class:`EngineError` s."""
        await self.open()
        work = neo4j.unit_of_work(timeout=timeout)(fn)
        for attempt in (1, 2):
            try:
                async with self._session(mode) as session:
                    if mode == "read":
                        return await session.execute_read(work)
                    return await session.execute_write(work)
            except EngineError:
                raise
            except nx.ConfigurationError as exc:
                if attempt == 1:  # a server before Neo4j 5.7 (or a request racing the switch): once more without filters
                    if self._server_filters:
                        await self._without_server_filters()
                    continue
                raise map_error(exc) from exc
            except (nx.Neo4jError, nx.DriverError, OSError) as exc:
                raise map_error(exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _run_in(self, tx: neo4j.AsyncManagedTransaction, stmt: Statement) -> list[Row]:
        """One statement inside a managed transaction: plain text and parameters (the timeout is
        the unit of work's), every record converted, notifications reported."""
        self.counter.record(stmt)
        text = cast(Any, stmt.text)  # LiteralString: text only ever comes from builders
        result = await tx.run(text, params_for_engine(stmt.params, naive_utc=False))
        keys = result.keys()
        rows = [{k: _convert(rec[k]) for k in keys} async for rec in result]
        summary = await result.consume()
        report_notices(summary.metadata, stmt.label)
        return rows

    async def run(self, stmt: Statement, mode: Mode = "read", *, timeout: float | None = None) -> list[Row]:
        if mode == "write":
            return await self.write(lambda tx: tx.run(stmt), timeout=timeout)
        return await self._managed("read", lambda tx: self._run_in(tx, stmt), timeout)

    async def write(self, work: Callable[[Any], Awaitable[T]], *, timeout: float | None = None) -> T:
        return await self._managed("write", lambda tx: work(_Neo4jTx(self, tx)), timeout)

    async def run_read_only(self, stmt: Statement, *, timeout: float | None = None,
                            max_rows: int | None = None) -> ReadOnlyResult:
        """A READ-access managed transaction: the server refuses every write in it
        (``Neo.ClientError.Statement.AccessMode`` → :class:`ReadOnlyViolationError`), on a single
        server and in a cluster alike."""

        async def work(tx: neo4j.AsyncManagedTransaction) -> ReadOnlyResult:
            self.counter.record(stmt)
            result = await tx.run(cast(Any, stmt.text), params_for_engine(stmt.params, naive_utc=False))
            keys = list(result.keys())
            rows: list[list[Any]] = []
            async for rec in result:
                if max_rows is not None and len(rows) >= max_rows:
                    return ReadOnlyResult(keys, rows, True)
                rows.append([_convert(rec[k]) for k in keys])
            return ReadOnlyResult(keys, rows, False)

        return await self._managed("read", work, timeout)

    # -----------------------------------------------------------------------------------------
    # bulk loading
    # -----------------------------------------------------------------------------------------
    async def bulk_load(
        self,
        nodes: Mapping[str, Iterable[Row]],
        rels: Mapping[str, Iterable[Row]],
        progress: ProgressFn | None = None,
    ) -> dict[str, int]:
        """Fresh nodes, then relationships, in parameterised ``UNWIND`` batches of ``load_batch``
        rows, each batch its own managed transaction, ``load_parallel`` of them in flight.

        Run ``migrate`` first (``cobuild generate`` does): the uniqueness constraint on ``id`` is
        the index every relationship batch looks its endpoints up in. Nodes are ``CREATE`` d (no
        ``MERGE`` lookups: the data is fresh; an id that exists already fails the batch with
        ``ConstraintViolationError``). Rows travel as value lists in the model's column order
        (``SET n.x = r[3]``; a ``null`` sets nothing), which encodes in about half the bytes and
        time of maps that repeat every key in every row; dates and date-times as ISO text the
        server parses (``date(r[8])``, ``datetime(r[10])``, UTC).
        Relationships are grouped by (type, start label, end label) and sorted by start node;
        batches run in parallel only when they share no endpoint node, so no two transactions in
        flight wait for each other's node locks (no deadlocks, no lock waits). Returns the rows
        the server created per label/type (a relationship whose endpoint is missing is not
        created, so a count below the rows given tells that).
        """
        for label_name in nodes:
            model.label(label_name)
        for rel_name in rels:
            model.rel(rel_name)
        counts: dict[str, int] = {}
        await self._pipeline(self._node_batches(nodes), counts, progress)
        await self._pipeline(self._rel_batches(rels), counts, progress)
        return counts

    def _node_batches(self, nodes: Mapping[str, Iterable[Row]]) -> Iterator[_Batch]:
        """Rows as value lists in the model's column order (no key strings to encode per row;
        ``SET n.x = null`` sets nothing), ``load_batch`` rows per batch."""
        for label_name, rows in nodes.items():
            lab = model.label(label_name)
            cols = list(lab.prop_names)
            types = [lab.prop(p).type for p in cols]
            sets = ", ".join(f"n.{name(p)} = {_value(i, t)}" for i, (p, t) in enumerate(zip(cols, types)) if p != "id")
            text = (f"UNWIND $rows AS r CREATE (n:{name(label_name)} {{`id`: r[{cols.index('id')}]}}) "
                    + (f"SET {sets} " if sets else "") + "RETURN count(n) AS n")
            bulk = getattr(rows, "bulk_values", None)  # the generator's fast path: tuples in column order
            values: Iterable[Any] = bulk(cols) if bulk else (tuple(r.get(c) for c in cols) for r in rows)
            yield from self._chunks(text, label_name, values, _temporal(types), lock=False)

    def _rel_batches(self, rels: Mapping[str, Iterable[Row]]) -> Iterator[_Batch]:
        """Per type, groups by (start label, end label), each sorted by start node then end node."""
        for rel_name, rows in rels.items():
            rt = model.rel(rel_name)
            cols = ["from", "to", *(p.name for p in rt.props)]
            types = [PropType.STRING, PropType.STRING, *(p.type for p in rt.props)]
            bulk = getattr(rows, "bulk_values", None)
            source = bulk(cols) if bulk else None  # (start label, end label, (from, to, *props))
            if source is None:
                source = ((r["fromLabel"], r["toLabel"], tuple(r.get(c) for c in cols)) for r in rows)
            groups: dict[tuple[str, str], list[Any]] = {}
            for a, b, rec in source:
                groups.setdefault((a, b), []).append(rec)
            sets = ", ".join(f"e.{name(p.name)} = {_value(i, p.type)}" for i, p in enumerate(rt.props, start=2))
            for (a, b), grp in sorted(groups.items()):
                grp.sort(key=_FROM_TO)
                text = (f"UNWIND $rows AS r MATCH (a:{name(a)} {{`id`: r[0]}}) MATCH (b:{name(b)} {{`id`: r[1]}}) "
                        f"CREATE (a)-[e:{name(rel_name)}]->(b) " + (f"SET {sets} " if sets else "") + "RETURN count(e) AS n")
                yield from self._chunks(text, rel_name, grp, _temporal(types), lock=True)

    def _chunks(self, text: str, what: str, values: Iterable[Any], temporal: list[tuple[int, Callable[[Any], str]]],
                lock: bool) -> Iterator[_Batch]:
        batch: list[list[Any]] = []
        for v in values:
            row = list(v)
            for i, iso in temporal:
                if row[i] is not None:
                    row[i] = iso(row[i])
            batch.append(row)
            if len(batch) >= self.load_batch:
                yield _Batch(text, batch, what, _endpoints(batch) if lock else None)
                batch = []
        if batch:
            yield _Batch(text, batch, what, _endpoints(batch) if lock else None)

    async def _pipeline(self, batches: Iterable[_Batch], counts: dict[str, int], progress: ProgressFn | None) -> None:
        """Run batches with at most ``load_parallel`` in flight; a batch whose ``keys`` meet those
        of a batch in flight waits for it. The first failure cancels the rest and is raised."""
        in_flight: dict[asyncio.Task[int], _Batch] = {}

        async def settle(wait_all: bool = False) -> None:
            done, _ = await asyncio.wait(in_flight, return_when=asyncio.ALL_COMPLETED if wait_all else asyncio.FIRST_COMPLETED)
            for task in done:
                b = in_flight.pop(task)
                n = task.result()
                counts[b.what] = counts.get(b.what, 0) + n
                if progress:
                    progress(b.what, counts[b.what])

        try:
            for b in batches:
                counts.setdefault(b.what, 0)
                while in_flight and (len(in_flight) >= self.load_parallel or (
                        b.keys is not None and any(o.keys is not None and not b.keys.isdisjoint(o.keys) for o in in_flight.values()))):
                    await settle()
                in_flight[asyncio.ensure_future(self._load_batch(b))] = b
            while in_flight:
                await settle(wait_all=True)
        finally:
            for task in in_flight:
                task.cancel()
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def _load_batch(self, b: _Batch) -> int:
        stmt = Statement(b.text, {"rows": b.rows}, label=f"bulk {b.what}")

        async def work(tx: neo4j.AsyncManagedTransaction) -> int:
            self.counter.record(stmt)
            result = await tx.run(cast(Any, b.text), {"rows": b.rows})  # rows are already in driver types
            record = await result.single(strict=True)
            summary = await result.consume()
            report_notices(summary.metadata, stmt.label)
            return int(record["n"])

        return await self._managed("write", work, None)


def _value(i: int, t: PropType) -> str:
    """Column ``i`` of a bulk row as Cypher: dates and date-times travel as ISO text and are parsed
    by the server (``date()`` / ``datetime()``), because the driver's conversion of a Python
    ``datetime`` costs more than everything else about a row (measured: bench/neo4j_load.py)."""
    if t == PropType.DATE:
        return f"date(r[{i}])"
    if t == PropType.DATETIME:
        return f"datetime(r[{i}])"
    return f"r[{i}]"


@functools.lru_cache(maxsize=65_536)  # generated and imported data repeat the same instants many times
def _iso_utc(v: dt.datetime) -> str:
    return (v if v.tzinfo is dt.timezone.utc else to_utc(v)).isoformat()


@functools.lru_cache(maxsize=65_536)
def _iso_date(v: dt.date) -> str:
    return v.isoformat()


def _temporal(types: list[PropType]) -> list[tuple[int, Callable[[Any], str]]]:
    out: list[tuple[int, Callable[[Any], str]]] = []
    for i, t in enumerate(types):
        if t == PropType.DATE:
            out.append((i, _iso_date))
        elif t == PropType.DATETIME:
            out.append((i, _iso_utc))
    return out


def _endpoints(batch: list[list[Any]]) -> frozenset[str]:
    """The node ids a relationship batch locks: its start and end nodes."""
    return frozenset(r[0] for r in batch) | frozenset(r[1] for r in batch)
