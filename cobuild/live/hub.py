"""One reader of the change feed per process, shared by all its subscriptions.

How events travel
=================

Every committed write records its ChangeEvents in its own transaction (:mod:`cobuild.graph.changes`).
The hub reads them **by cursor** — one statement per read, whatever the number of subscribers —
and hands each subscription the events its filter accepts, in commit order.

* **What it reads.** The counter and the events after the hub's position, looked up by number
  (:meth:`LiveHub._statement`): about a millisecond when nothing is new, whatever the feed's length.
* **When it reads.** Every ``COBUILD_LIVE_POLL_INTERVAL_S`` while the process has a subscriber, and at
  once when a write committed in this process (the feed's after-commit listener,
  :func:`cobuild.graph.changes.add_listener`, only *wakes* the reader). On the embedded store (one
  process) that means a subscriber hears a commit within milliseconds; with several service processes
  against Neo4j, a commit made by another process is found by the next read, within one interval. One
  mechanism in both cases: the listener never carries events itself, so nothing can be delivered twice
  or out of order. A read that finds a full page reads again at once.
* **Ordering.** Sequence numbers are handed out in commit order and a reader that has seen number *N*
  has seen every number below it (see :mod:`cobuild.graph.changes`), so every subscriber receives its
  events in cursor order, none twice, none skipped — across processes too.
* **Idle.** No subscriber, no reads: the reader task ends with the last subscription and starts again
  (at the feed's head) with the next one.
* **Slow subscribers.** Each subscription buffers at most ``COBUILD_LIVE_QUEUE_EVENTS`` events; a
  client that cannot keep up is ended with ``SUBSCRIBER_TOO_SLOW`` (and the cursor to resume from)
  rather than silently losing events or holding the process's memory.

Records of a batch are fetched by one statement per batch (:mod:`cobuild.live.batch`); subscriptions
of the same shape (same selection, same read scope) share one compilation and one execution per
batch (:meth:`LiveHub.shared`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from typing import Any, Awaitable, Callable, Hashable, TypeVar

from cobuild.errors import ClientSafeError, EngineError
from cobuild.graph import changes
from cobuild.graph import model
from cobuild.graph.cypher import Params, Statement, name
from cobuild.live.batch import MAX_BATCH
from cobuild.live.events import Accepts, FeedEvent

log = logging.getLogger("cobuild.live")

POLL_PAGE = 500  # events per read; a full page is followed by another read at once
POLL_LABEL = "live: poll"
_MEMO_S = 5.0  # how long a shared batch fetch stays shareable
T = TypeVar("T")


class SubscriberTooSlowError(ClientSafeError):
    code = "SUBSCRIBER_TOO_SLOW"


class Subscriber:
    """One subscription's buffer of events, filled by the hub, drained by the subscription."""

    def __init__(self, accepts: Accepts, limit: int, start: int, epoch: str | None) -> None:
        self.accepts = accepts
        self.limit = limit
        self.start = start  # the hub's position when it subscribed: live events come after it
        self.epoch = epoch
        self.delivered = start  # last sequence number handed to the client (set by the subscription)
        self._queue: collections.deque[FeedEvent] = collections.deque()
        self._ready = asyncio.Event()
        self._failure: ClientSafeError | None = None

    def offer(self, events: list[FeedEvent], epoch: str | None = None) -> None:
        if self._failure is not None:
            return
        self.epoch = epoch or self.epoch  # a feed created after the subscription began has its epoch now
        mine = [ev for ev in events if self.accepts(ev)]
        if not mine:
            return
        if len(self._queue) + len(mine) > self.limit:
            self.fail(SubscriberTooSlowError(
                f"this subscription fell more than {self.limit} events behind and was ended; resume with "
                "changesSince (or subscribe with `cursor`) from the last cursor you received",
                cursor=changes.encode_cursor(self.epoch, self.delivered)))
            return
        self._queue.extend(mine)
        self._ready.set()

    def fail(self, error: ClientSafeError) -> None:
        self._failure = error
        self._ready.set()

    async def take(self, most: int = MAX_BATCH) -> list[FeedEvent]:
        """The next events (at most ``most``), waiting for them; raises the failure that ended it."""
        while not self._queue and self._failure is None:
            self._ready.clear()
            await self._ready.wait()
        if self._failure is not None:
            raise self._failure
        out = [self._queue.popleft() for _ in range(min(most, len(self._queue)))]
        if not self._queue:
            self._ready.clear()
        return out


class LiveHub:
    """The process's (the app's) change-feed reader, its subscribers and its WebSocket slots."""

    def __init__(self, engine: Any, settings: Any) -> None:
        self.engine = engine
        self.settings = settings
        self.subscribers: set[Subscriber] = set()
        self.connections = 0
        self.position: int | None = None  # last sequence number read (None: not started)
        self.epoch: str | None = None
        self.reads = 0  # statements the reader sent (for tests and the bench)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._start_lock = asyncio.Lock()
        self._remove_listener: Callable[[], None] | None = None
        self._memo: dict[Hashable, tuple[float, asyncio.Future[Any]]] = {}
        self.wake_on_commit = True  # tests switch it off to prove the polling path alone delivers

    # --- WebSocket slots -----------------------------------------------------------------------
    def acquire_connection(self) -> bool:
        if self.connections >= self.settings.live_max_connections:
            return False
        self.connections += 1
        return True

    def release_connection(self) -> None:
        self.connections = max(0, self.connections - 1)

    # --- subscribers ---------------------------------------------------------------------------
    async def subscribe(self, accepts: Accepts) -> Subscriber:
        """Register a subscription; it receives every accepted event after the hub's current position."""
        async with self._start_lock:
            if self.position is None:
                await self._read_head()
            sub = Subscriber(accepts, self.settings.live_queue_events, int(self.position or 0), self.epoch)
            self.subscribers.add(sub)
            self._ensure_running()
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        if not self.subscribers:
            self._wake.set()  # the reader notices and ends

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            if self._remove_listener is None:
                self._remove_listener = changes.add_listener(self._on_commit)
            self._task = asyncio.create_task(self._run(), name="cobuild-live-hub")

    def _on_commit(self, committed: changes.Committed) -> None:
        if self.wake_on_commit and committed.engine is self.engine:
            self._wake.set()

    async def close(self) -> None:
        """Stop reading (app shutdown); open subscriptions end with their connections."""
        for sub in list(self.subscribers):
            sub.fail(ClientSafeError("the server is shutting down; resubscribe with the last cursor", code="SHUTTING_DOWN"))
        self.subscribers.clear()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._stop_listening()

    def _stop_listening(self) -> None:
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None

    # --- reading the feed -----------------------------------------------------------------------
    def _statement(self, after: int, first: int) -> Statement:
        """One statement: the feed's counter (``head``, ``pruned``, ``epoch``), then the events numbered
        ``after + 1`` … ``min(head, after + first + 1)``, each looked up by its number (the primary key).

        Numbers are contiguous (a writer takes a range from the counter and commits an event for each,
        or rolls both back), so the range *is* the page; reading the counter first means every event up
        to it has committed, so none is missed under read-committed isolation (Neo4j). Looking events up
        by key keeps an idle read at ~1 ms however long the feed is — on LadybugDB, filtering and
        ordering the events by number reads every event's list columns (~10 ms at 5,000 events, growing
        with the feed). No row when nothing is new but the counter's."""
        p = Params()
        after_p, upto_p = p.add(int(after)), p.add(int(after) + int(first) + 1)
        props = ", ".join(f"e.{name(prop)} AS {name(prop)}" for prop in model.CHANGE_EVENT.prop_names)
        text = (
            f"OPTIONAL MATCH (s:{name('ChangeSequence')}) WHERE s.`id` = {p.add(changes.FEED_ID)} "
            "WITH coalesce(s.`last`, 0) AS head, coalesce(s.`prunedThrough`, 0) AS pruned, s.`epoch` AS epoch "
            f"UNWIND CASE WHEN head > {after_p} THEN range({after_p} + 1, CASE WHEN head < {upto_p} THEN head "
            f"ELSE {upto_p} END) ELSE [0] END AS k "
            f"OPTIONAL MATCH (e:{name('ChangeEvent')}) WHERE e.`seq` = k "
            f"RETURN head, pruned, epoch, {props}"
        )
        return Statement(text, p.values, label=POLL_LABEL)

    async def _read(self, after: int, first: int) -> tuple[int, int, str | None, list[FeedEvent]]:
        """(head, pruned, epoch, events after ``after`` up to the head, at most ``first`` + 1)."""
        self.reads += 1
        rows = await self.engine.run(self._statement(after, first), "read", timeout=self.settings.query_timeout_s)
        head = int(rows[0]["head"]) if rows else 0
        pruned = int(rows[0]["pruned"]) if rows else 0
        epoch = rows[0]["epoch"] if rows else None
        events = sorted((FeedEvent.from_row(r) for r in rows if r.get("seq") is not None), key=lambda e: e.seq)
        return head, pruned, epoch, events

    async def _read_head(self) -> None:
        head, _pruned, epoch, _ = await self._read(2**62, 0)
        self.position, self.epoch = head, epoch

    async def read_page(self, after: int, first: int) -> tuple[int, int, str | None, list[FeedEvent]]:
        """A page of the feed for a subscription catching up from its cursor (its own statement)."""
        return await self._read(after, first)

    async def _run(self) -> None:
        interval = self.settings.live_poll_interval_s
        try:
            while self.subscribers:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=interval)
                self._wake.clear()
                if not self.subscribers:
                    break
                try:
                    await self._catch_up()
                except (EngineError, OSError) as exc:  # the store is away: keep the cursor, try again
                    log.warning("live: reading the change feed failed (%s); retrying in %.1fs", type(exc).__name__, interval)
                except Exception:  # noqa: BLE001 - the reader must outlive one bad read
                    log.exception("live: reading the change feed failed")
        finally:
            self._stop_listening()
            if not self.subscribers:
                self.position = None  # restart at the head with the next subscriber

    async def _catch_up(self) -> None:
        while self.subscribers:
            after = int(self.position or 0)
            head, pruned, epoch, events = await self._read(after, POLL_PAGE)
            if epoch != self.epoch and self.epoch is not None and epoch is not None:
                self._reset(epoch)
                return
            self.epoch = epoch or self.epoch
            if after < pruned:  # events this process never read are gone (the reader was away too long)
                self._gap(pruned)
                return
            full = len(events) > POLL_PAGE
            events = events[:POLL_PAGE]
            if events:
                for sub in list(self.subscribers):
                    sub.offer(events, self.epoch)
            self.position = events[-1].seq if full else max(after, head)
            if not full:
                return

    def _reset(self, epoch: str) -> None:
        """The store's feed was recreated (another store, a rebuilt one): numbers start again, so
        every subscription ends with CURSOR_EXPIRED and must read the current state again."""
        for sub in list(self.subscribers):
            sub.fail(changes.CursorExpiredError("the change feed was reset (the store was rebuilt); read the current state again "
                                    "and subscribe again without a cursor"))
        self.subscribers.clear()
        self.position, self.epoch = None, epoch

    def _gap(self, pruned: int) -> None:
        for sub in list(self.subscribers):
            sub.fail(changes.CursorExpiredError(f"changes up to #{pruned} were pruned before this server read them; read the "
                                    "current state again and subscribe again", prunedThrough=pruned))
        self.subscribers.clear()
        self.position = None

    # --- shared batch fetches -------------------------------------------------------------------
    async def shared(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        """Run ``make`` once for every subscription that asks with the same ``key`` — the batch's
        events and the subscription's *shape* (selection and read scope), which determine the batch
        statement — within a few seconds; the others await that one execution (and its statement)."""
        now = time.monotonic()
        hit = self._memo.get(key)
        if hit is None or hit[0] < now:
            for k in [k for k, (expires, _f) in self._memo.items() if expires < now]:
                del self._memo[k]
            future: asyncio.Future[Any] = asyncio.ensure_future(make())
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._memo[key] = (now + _MEMO_S, future)
        else:
            future = hit[1]
        return await asyncio.shield(future)
