"""The async graph interface both engines implement.

Two entry points, as in graphile's ``PgClient``: :meth:`GraphEngine.run` for one statement and
:meth:`GraphEngine.write` for one atomic unit of work. A unit of work is a *function* of a
transaction, not an open transaction object, so Neo4j's managed transactions may retry it after a
transient failure and LadybugDB can run it under its single writer; either way it commits whole or
not at all. Every statement sent is counted (:class:`StatementCounter`), so "one statement per
GraphQL root field" is a number a test can read.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable, Literal, Mapping, Protocol, TypeVar

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


class StatementCounter:
    """Counts statements sent to the store, in total and within a ``scope()`` (one request)."""

    def __init__(self) -> None:
        self.total = 0

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
    """

    def __init__(self) -> None:
        self._cond = asyncio.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[None]:
        async with self._cond:
            await self._cond.wait_for(lambda: not self._writer and self._writers_waiting == 0)
            self._readers += 1
        try:
            yield
        finally:
            async with self._cond:
                self._readers -= 1
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
