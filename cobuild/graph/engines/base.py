"""The async graph interface both engines implement.

Two entry points, as in graphile's ``PgClient``: :meth:`GraphEngine.run` for one statement and
:meth:`GraphEngine.write` for one atomic unit of work. A unit of work is a *function* of a
transaction, not an open transaction object, so Neo4j's managed transactions may retry it after a
transient failure and LadybugDB can run it under its single writer; either way it commits whole or
not at all. Every statement sent is counted (:class:`StatementCounter`), so "one statement per
GraphQL root field" is a number a test can read.

A third entry point, :meth:`GraphEngine.run_read_only`, runs a statement cobuild did not write (the
Cypher console) in a transaction the store itself keeps read-only.

Observation (metrics, traces): when ``counter.observer`` is set, every statement sent through
``run``, ``run_read_only`` or a unit of work's ``tx.run`` is timed by it — engine-agnostic, because
the base class wraps those entry points of every subclass (:meth:`GraphEngine.__init_subclass__`);
with no observer the wrappers cost one attribute test.

The same wrappers enforce two request bounds for every engine:

* **Heavy questions** (``Statement.heavy``) pass ``engine.admission`` (:mod:`cobuild.graph.admission`,
  set by the app) before :meth:`GraphEngine.run` sends them; every other statement goes straight on.
* **The request's timeout bounds writes too**: inside :func:`request_timeout` (the app opens it around
  each GraphQL request with ``COBUILD_QUERY_TIMEOUT_S``), a unit of work sent without its own
  ``timeout`` gets that one, so a mutation past it rolls back whole and raises
  :class:`~cobuild.errors.WriteTimeoutError` (→ ``TIMEOUT``). Scripts and CLI commands open no such scope.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, ContextManager, Iterable, Iterator, Literal, Mapping, Protocol, TypeVar

from cobuild.errors import QueryTimeoutError, WriteTimeoutError
from cobuild.graph.admission import Admission
from cobuild.graph.cypher import Statement
from cobuild.graph.dialect import Dialect

T = TypeVar("T")
Mode = Literal["read", "write"]
Row = dict[str, Any]
ProgressFn = Callable[[str, int], None]


@dataclass
class StatementTally:
    count: int = 0
    labels: list[str] = field(default_factory=list)


_current_tally: contextvars.ContextVar[StatementTally | None] = contextvars.ContextVar("cobuild_tally", default=None)
_request_timeout: contextvars.ContextVar[float | None] = contextvars.ContextVar("cobuild_request_timeout", default=None)


@contextlib.contextmanager
def request_timeout(seconds: float | None) -> Iterator[None]:
    """Within this block (one request), :meth:`GraphEngine.write` without a ``timeout`` of its own runs
    its unit of work under ``seconds``."""
    token = _request_timeout.set(seconds)
    try:
        yield
    finally:
        _request_timeout.reset(token)


class StatementObserver(Protocol):
    """Times statements (metrics, tracing): a context manager around each statement's execution."""

    def statement(self, stmt: Statement, engine: str, mode: str) -> ContextManager[None]: ...


class StatementCounter:
    """Counts statements sent to the store, in total and within a ``scope()`` (one request)."""

    def __init__(self) -> None:
        self.total = 0
        self.observer: StatementObserver | None = None  # set by the app (cobuild.observe)

    def record(self, stmt: Statement) -> None:
        self.total += 1
        tally = _current_tally.get()
        if tally is not None:
            tally.count += 1
            tally.labels.append(stmt.label)

    @contextlib.contextmanager
    def scope(self) -> Any:
        tally = StatementTally()
        token = _current_tally.set(tally)
        try:
            yield tally
        finally:
            _current_tally.reset(token)


def current_tally() -> StatementTally | None:
    return _current_tally.get()


class Tx(Protocol):
    """What a unit of work sees: run statements that commit together."""

    async def run(self, stmt: Statement) -> list[Row]: ...


@dataclass
class ReadOnlyResult:
    """The answer of :meth:`GraphEngine.run_read_only`: column names in order and rows as lists;
    ``truncated`` when more rows than ``max_rows`` were there."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False


_observed: contextvars.ContextVar[bool] = contextvars.ContextVar("cobuild_observed", default=False)


class _ObservedTx:
    """A unit of work's transaction whose statements the observer times one by one."""

    def __init__(self, tx: Any, observer: StatementObserver, engine: str) -> None:
        self._tx = tx
        self._observer = observer
        self._engine = engine

    async def run(self, stmt: Statement) -> list[Row]:
        token = _observed.set(True)
        try:
            with self._observer.statement(stmt, self._engine, "write"):
                return await self._tx.run(stmt)
        finally:
            _observed.reset(token)

    def __getattr__(self, item: str) -> Any:
        return getattr(self._tx, item)


def _observe_statement(fn: Callable[..., Awaitable[T]], mode_of: Callable[[tuple[Any, ...], dict[str, Any]], str]) -> Any:
    @functools.wraps(fn)
    async def wrapper(self: "GraphEngine", stmt: Statement, *args: Any, **kwargs: Any) -> T:
        observer = self.counter.observer
        if observer is None or _observed.get():  # nested call (run → write): timed once, outside
            return await fn(self, stmt, *args, **kwargs)
        token = _observed.set(True)
        try:
            with observer.statement(stmt, self.name, mode_of(args, kwargs)):
                return await fn(self, stmt, *args, **kwargs)
        finally:
            _observed.reset(token)

    wrapper.__observed__ = True  # type: ignore[attr-defined]
    return wrapper


def _observe_write(fn: Callable[..., Awaitable[T]]) -> Any:
    @functools.wraps(fn)
    async def wrapper(self: "GraphEngine", work: Callable[[Any], Awaitable[Any]], *args: Any, **kwargs: Any) -> T:
        observer = self.counter.observer
        if observer is None or _observed.get():
            return await fn(self, work, *args, **kwargs)
        name = self.name

        async def observed(tx: Any) -> Any:
            return await work(_ObservedTx(tx, observer, name))

        return await fn(self, observed, *args, **kwargs)

    wrapper.__observed__ = True  # type: ignore[attr-defined]
    return wrapper


def _admit(fn: Callable[..., Awaitable[T]]) -> Any:
    """A heavy statement waits for a slot of ``engine.admission`` (if set) before ``fn`` runs it."""
    @functools.wraps(fn)
    async def wrapper(self: "GraphEngine", stmt: Statement, *args: Any, **kwargs: Any) -> T:
        gate = self.admission
        if gate is None or not stmt.heavy:
            return await fn(self, stmt, *args, **kwargs)
        async with gate.slot():
            return await fn(self, stmt, *args, **kwargs)

    wrapper.__observed__ = True  # type: ignore[attr-defined]
    return wrapper


def _bounded(fn: Callable[..., Awaitable[T]]) -> Any:
    """A unit of work without a ``timeout`` of its own gets the request's (:func:`request_timeout`)."""
    @functools.wraps(fn)
    async def wrapper(self: "GraphEngine", work: Callable[[Any], Awaitable[Any]], *args: Any,
                      timeout: float | None = None, **kwargs: Any) -> T:
        if timeout is None:
            timeout = _request_timeout.get()
        try:
            return await fn(self, work, *args, timeout=timeout, **kwargs)
        except QueryTimeoutError as exc:  # whatever timed out inside a unit of work, all of it rolled back
            if isinstance(exc, WriteTimeoutError):
                raise
            raise WriteTimeoutError(str(exc), engine=exc.engine, original=exc.original or exc) from exc

    wrapper.__observed__ = True  # type: ignore[attr-defined]
    return wrapper


def _run_mode(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return str(args[0] if args else kwargs.get("mode", "read"))


def to_utc(value: dt.datetime) -> dt.datetime:
    """Store and return UTC: LadybugDB drops a timezone offset silently (ladybug-notes)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def params_for_engine(params: Mapping[str, Any], *, naive_utc: bool) -> dict[str, Any]:
    def conv(v: Any) -> Any:
        if isinstance(v, dt.datetime):
            u = to_utc(v)
            return u.replace(tzinfo=None) if naive_utc else u
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        return v

    return {k: conv(v) for k, v in params.items()}


class GraphEngine(ABC):
    """One store. Subclasses: :class:`~cobuild.graph.engines.ladybug.LadybugEngine`,
    :class:`~cobuild.graph.engines.neo4j.Neo4jEngine`."""

    name: str
    dialect: Dialect
    #: Rows per statement of a batched upsert (the seed loader): LadybugDB's plans grow with the
    #: batch, a Neo4j server takes 10k-row ``UNWIND`` batches in stride.
    write_batch: int = 500

    def __init__(self) -> None:
        self.counter = StatementCounter()
        self.admission: Admission | None = None  # heavy statements' slots; set by the app (cobuild.graph.admission)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wrap the statement entry points each engine defines so an observer can time them (see the
        module docstring); a subclass that overrides them again is wrapped again, and the nested
        call is then passed through untimed."""
        super().__init_subclass__(**kwargs)
        wrappers = {"run": lambda f: _admit(_observe_statement(f, _run_mode)),
                    "run_read_only": lambda f: _observe_statement(f, lambda a, k: "read only"),
                    "write": lambda f: _bounded(_observe_write(f))}
        for attr, wrap in wrappers.items():
            fn = cls.__dict__.get(attr)
            if fn is not None and not getattr(fn, "__observed__", False) and not getattr(fn, "__isabstractmethod__", False):
                setattr(cls, attr, wrap(fn))

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def run(self, stmt: Statement, mode: Mode = "read", *, timeout: float | None = None) -> list[Row]:
        """Run one statement; ``mode='write'`` runs it as its own unit of work."""

    @abstractmethod
    async def write(self, work: Callable[[Tx], Awaitable[T]], *, timeout: float | None = None) -> T:
        """Run ``work`` in one write transaction: all its statements commit, or none do."""

    async def run_read_only(self, stmt: Statement, *, timeout: float | None = None,
                            max_rows: int | None = None) -> ReadOnlyResult:
        """Run one statement that cobuild did not write (the Cypher console) in a transaction the store
        keeps read-only: a write raises :class:`~cobuild.errors.ReadOnlyViolationError`, a statement
        over ``timeout`` seconds :class:`~cobuild.errors.QueryTimeoutError`. At most ``max_rows`` rows
        are read. Not for cobuild's own statements: those go through :meth:`run`."""
        raise NotImplementedError(f"{type(self).__name__} has no read-only entry point")

    def pool_stats(self) -> dict[str, int]:
        """Connection figures for the metrics (e.g. ``readers``, ``readers_in_use``); {} if none."""
        return {}

    @abstractmethod
    async def ping(self) -> None:
        """Raise :class:`EngineUnavailableError` unless the store answers."""

    @abstractmethod
    async def bulk_load(
        self,
        nodes: Mapping[str, Iterable[Row]],
        rels: Mapping[str, Iterable[Row]],
        progress: ProgressFn | None = None,
    ) -> dict[str, int]:
        """Load fresh nodes and relationships fast (LadybugDB ``COPY``, Neo4j batched ``UNWIND``).

        ``nodes`` maps a label to rows of its properties (``id`` required). ``rels`` maps a
        relationship type to rows with ``from``, ``to``, ``fromLabel``, ``toLabel`` and its
        properties. Returns counts loaded per label/type. Not idempotent: for generated data.
        """


class RWLock:
    """Many readers or one writer; a waiting writer blocks new readers so writes are not starved.

    LadybugDB allows one write transaction at a time, and readers on other connections could see
    half of a committed multi-statement transaction (ladybug-notes §Transactions 4); holding this
    lock makes both impossible from this process.

    One exception keeps page questions from queueing behind heavy ones: while a *heavy* reader
    holds the lock, a waiting writer must wait for it anyway, so plain readers still enter (they take
    milliseconds). New heavy readers never pass a waiting writer, so once the heavy ones finish the
    writer goes next: it waits for at most the heavy statements already running.
    """

    def __init__(self) -> None:
        self._cond = asyncio.Condition()
        self._readers = 0
        self._heavy_readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextlib.asynccontextmanager
    async def read(self, heavy: bool = False) -> AsyncIterator[None]:
        async with self._cond:
            await self._cond.wait_for(lambda: not self._writer and (
                self._writers_waiting == 0 or (not heavy and self._heavy_readers > 0)))
            self._readers += 1
            self._heavy_readers += heavy
        try:
            yield
        finally:
            async with self._cond:
                self._readers -= 1
                self._heavy_readers -= heavy
                self._cond.notify_all()

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[None]:
        async with self._cond:
            self._writers_waiting += 1
            try:
                await self._cond.wait_for(lambda: not self._writer and self._readers == 0)
            finally:
                self._writers_waiting -= 1
                self._cond.notify_all()  # a cancelled writer must not keep readers waiting
            self._writer = True
        try:
            yield
        finally:
            async with self._cond:
                self._writer = False
                self._cond.notify_all()
