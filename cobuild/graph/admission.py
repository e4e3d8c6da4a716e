"""Admission control for heavy questions: a bounded queue of slots in front of the statements that
walk a whole district (roll-ups, matching, coverage, claim rates, clusters, hubs, similar communities).

Why: a page question (a community, a unit, a filtered list) costs 1–5 ms of graph work; a heavy
question costs 20–250 ms on a quiet city store, and LadybugDB keeps the memory its intermediate
results needed (two roll-up/matching statements at once took the service to 1.38 GB). Without a
bound, a handful of analysts can fill every read connection — page questions then queue behind
them — and raise memory to the sum of what all of them need at once.

How:

* A statement is heavy when its builder says so (``Statement(heavy=True)``, set by the question's
  builder in :mod:`cobuild.resolvers.questions`). Nothing else is ever queued here.
* :meth:`GraphEngine.run <cobuild.graph.engines.base.GraphEngine.run>` sends a heavy statement
  through :meth:`Admission.slot` first (the engine layer does it, for every engine; see
  :mod:`cobuild.graph.engines.base`). At most ``slots`` heavy statements run at once per process;
  the others wait in arrival order for at most ``wait_s`` seconds, then fail with
  :class:`HeavyQueueFull` — a :class:`~cobuild.errors.StoreBusyError`, answered as ``DB_BUSY`` with
  ``extensions.retryAfter`` (seconds: the measured time a slot takes to free, times the queue ahead).
* LadybugDB: a heavy statement takes a slot *before* it asks for a read connection, so heavy
  statements hold at most ``slots`` of the ``COBUILD_LADYBUG_READERS`` connections and the rest are
  always there for page questions (the default, readers − 1, keeps one). Its read–write lock also
  lets page reads pass a waiting write while a heavy read runs (:class:`~cobuild.graph.engines.base.RWLock`).
* Neo4j: the slots bound this process's concurrent heavy transactions (the server schedules the
  rest); the default is the machine's cores ÷ ``COBUILD_WORKERS``, so the service as a whole runs
  about one heavy statement per core.

The wait happens before the statement's own timeout starts: a heavy question answers within
``COBUILD_HEAVY_WAIT_S`` + ``COBUILD_QUERY_TIMEOUT_S`` at worst.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
import os
import time
from typing import Any, AsyncIterator, Protocol

from cobuild.errors import StoreBusyError

# Weight of the newest heavy statement in the running mean of their durations (for retryAfter).
_EWMA = 0.2


class HeavyQueueFull(StoreBusyError):
    """A heavy statement waited ``wait_s`` seconds without a free slot; retry after ``retry_after`` s."""

    def __init__(self, message: str, *, retry_after: int, engine: str = "") -> None:
        super().__init__(message, engine=engine)
        self.retry_after = retry_after


class AdmissionObserver(Protocol):
    """Sees the queue (metrics): its size after every change, and each statement's outcome."""

    def heavy_state(self, running: int, waiting: int) -> None: ...

    def heavy_outcome(self, outcome: str, waited_s: float) -> None: ...


class Admission:
    """``slots`` heavy statements at once; a FIFO queue of the others, each waiting ≤ ``wait_s``."""

    def __init__(self, slots: int, wait_s: float, *, engine: str = "", observer: AdmissionObserver | None = None) -> None:
        if slots < 1:
            raise ValueError("at least one slot is needed for heavy statements")
        self.slots = slots
        self.wait_s = wait_s
        self.engine = engine
        self.observer = observer
        self.running = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._mean_s: float | None = None  # running mean duration of a heavy statement

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot while the block runs; raise :class:`HeavyQueueFull` after ``wait_s`` in the queue."""
        waited = await self._acquire()
        self._outcome("admitted", waited)
        started = time.monotonic()
        try:
            yield
        finally:
            took = time.monotonic() - started
            self._mean_s = took if self._mean_s is None else (1 - _EWMA) * self._mean_s + _EWMA * took
            self._release()

    def retry_after(self) -> int:
        """Whole seconds until a slot is likely free for a newcomer: the queue ahead of it (and the
        statements running) divided among the slots, times the mean heavy statement's duration."""
        mean = self._mean_s if self._mean_s is not None else self.wait_s
        ahead = self.running + len(self._waiters)
        return max(1, math.ceil(mean * ahead / self.slots))

    # ---- the queue ---------------------------------------------------------------------------
    async def _acquire(self) -> float:
        if self.running < self.slots and not self._waiters:
            self.running += 1
            self._state()
            return 0.0
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        self._state()
        queued = time.monotonic()
        try:
            await asyncio.wait_for(fut, self.wait_s)  # _release hands its slot over by setting the result
        except BaseException as exc:  # the wait limit, or the request was cancelled while it waited
            self._leave(fut)
            if not isinstance(exc, asyncio.TimeoutError):
                raise
            self._outcome("refused", time.monotonic() - queued)
            raise HeavyQueueFull(
                f"{self.running} heavy questions are running and {len(self._waiters)} more are waiting; this one "
                f"waited {self.wait_s:g} s (COBUILD_HEAVY_WAIT_S) without a turn", retry_after=self.retry_after(),
                engine=self.engine) from None
        return time.monotonic() - queued

    def _leave(self, fut: asyncio.Future[None]) -> None:
        """A waiter gives up: out of the queue — or, if the slot reached it just as it left, the
        slot goes on to the next in line."""
        if fut.done() and not fut.cancelled():
            self._release()
            return
        with contextlib.suppress(ValueError):
            self._waiters.remove(fut)
        self._state()

    def _release(self) -> None:
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(None)  # the slot goes straight to the next in line: `running` is unchanged
                self._state()
                return
        self.running -= 1
        self._state()

    # ---- observation -------------------------------------------------------------------------
    def _state(self) -> None:
        if self.observer is not None:
            self.observer.heavy_state(self.running, len(self._waiters))

    def _outcome(self, outcome: str, waited: float) -> None:
        if self.observer is not None:
            self.observer.heavy_outcome(outcome, waited)


def default_slots(engine: Any, workers: int = 1) -> int:
    """LadybugDB: its read connections − 1 (at least 1), so a page question always finds a reader;
    Neo4j: this machine's cores ÷ workers (at least 1)."""
    readers = getattr(engine, "readers", None)
    if isinstance(readers, int):
        return max(1, readers - 1)
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def admission_for(engine: Any, slots: int | None, wait_s: float, *, workers: int = 1,
                  observer: AdmissionObserver | None = None) -> Admission:
    """The admission gate of ``engine`` from the settings (``COBUILD_HEAVY_SLOTS`` unset → :func:`default_slots`).
    On LadybugDB the slots never reach its read connections while it has two or more, so one is always
    left for page questions (the settings refuse such a value at start; this also holds for engines
    made by hand, as tests do)."""
    n = slots if slots is not None else default_slots(engine, workers)
    readers = getattr(engine, "readers", None)
    if isinstance(readers, int) and readers >= 2:
        n = min(n, readers - 1)
    return Admission(n, wait_s, engine=getattr(engine, "name", ""), observer=observer)
