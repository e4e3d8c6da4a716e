"""The durable change feed: every committed write records its changes in the graph (issue 12).

Design
======

* **Same transaction.** A unit of work that changed records ends with :func:`record`, one statement
  that takes the next sequence numbers from the ``ChangeSequence`` counter node and creates one
  ``ChangeEvent`` per change. The events commit with the writes or roll back with them, so a change
  is in the feed if and only if it committed.
* **Monotonic cursor in commit order.** The counter is read and incremented inside the transaction.
  LadybugDB runs one write transaction at a time, so numbers are handed out in commit order. On Neo4j
  the ``SET s.last = s.last + n`` takes the counter node's write lock, held until the transaction
  commits: a second writer waits for it and then reads the committed value. So a reader that has seen
  event *N* has seen every event below *N*, and no change can commit later with a lower number — paging
  by cursor misses nothing. :func:`record` is the last statement of a unit of work, so the lock is
  held for as short a time as possible (writers that touch disjoint records still run their checks
  and writes in parallel; only the final counter step queues).
* **Resumable.** A cursor is the opaque ``base64(epoch, seq)``; the epoch is a random id made when a
  store's counter is created, so a cursor from another (or a rebuilt) store is refused rather than
  silently read against different numbers.
* **Retention.** :func:`prune` deletes events older than the retention and records the highest
  pruned number on the counter (``prunedThrough``); a cursor below it answers ``CURSOR_EXPIRED``.
* **After commit.** :func:`notify` calls the in-process listeners (:func:`add_listener`) with the
  committed range, after the transaction committed — the hook the subscription layer uses.

Events carry the record's label, id and ``areaPath`` (for read scope), the operation, and the names
of the changed properties and relationship types — never personal values.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from cobuild.errors import ClientSafeError, ValidationError
from cobuild.graph import model
from cobuild.graph.cypher import Params, Statement, name

log = logging.getLogger("cobuild.changes")

FEED_ID = "feed"
_EVENT = model.CHANGE_EVENT


class CursorExpiredError(ClientSafeError):
    code = "CURSOR_EXPIRED"


@dataclass(frozen=True)
class Change:
    """One changed record, as a unit of work reports it."""

    kind: str  # model.CHANGE_KINDS
    label: str | None
    entity_id: str | None
    area_path: Sequence[str] | None = None
    fields: Sequence[str] = ()
    relationships: Sequence[str] = ()

    def row(self, i: int) -> dict[str, Any]:
        return {"i": i, "kind": self.kind, "label": self.label, "id": self.entity_id,
                "areaPath": list(self.area_path) if self.area_path else None,
                "fields": sorted(set(self.fields)), "rels": sorted(set(self.relationships))}


def created(label: str, entity_id: str, area_path: Sequence[str] | None, fields: Iterable[str] = (),
            relationships: Iterable[str] = ()) -> Change:
    return Change("CREATED", label, entity_id, area_path, tuple(fields), tuple(relationships))


def updated(label: str, entity_id: str, area_path: Sequence[str] | None, fields: Iterable[str] = (),
            relationships: Iterable[str] = ()) -> Change:
    return Change("UPDATED", label, entity_id, area_path, tuple(fields), tuple(relationships))


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------
def _typed(dialect: Any, expr: str, prop: str) -> str:
    return dialect.typed(expr, _EVENT.prop(prop).type)


def record_statement(dialect: Any, changes: Sequence[Change], operation: str, now: dt.datetime) -> Statement:
    """Take ``len(changes)`` sequence numbers and create the events; returns ``{first, last}``."""
    p = Params()
    n = p.add(len(changes))
    rows = p.add([c.row(i) for i, c in enumerate(changes, start=1)])
    seq = f"s.{name('last')}"
    text = (
        f"MERGE (s:{name('ChangeSequence')} {{`id`: {p.add(FEED_ID)}}}) "
        f"ON CREATE SET {seq} = 0, s.{name('prunedThrough')} = 0, s.{name('epoch')} = {p.add(secrets.token_hex(8))} "
        f"SET {seq} = {seq} + {n} "
        f"WITH {seq} - {n} AS base, s.{name('epoch')} AS epoch "
        f"UNWIND {rows} AS r "
        f"CREATE (e:{name('ChangeEvent')} {{`seq`: base + r.`i`, `kind`: r.`kind`, `entityLabel`: r.`label`, "
        f"`entityId`: r.`id`, `areaPath`: {_typed(dialect, 'r.`areaPath`', 'areaPath')}, "
        f"`changedAt`: {p.add(now)}, `operation`: {p.add(operation)}, "
        f"`fields`: {_typed(dialect, 'r.`fields`', 'fields')}, "
        f"`relationships`: {_typed(dialect, 'r.`rels`', 'relationships')}}}) "
        "RETURN min(e.`seq`) AS first, max(e.`seq`) AS last, epoch"
    )
    return Statement(text, p.values, label="changes: record")


@dataclass(frozen=True)
class Recorded:
    """The sequence numbers a transaction took (valid once it commits) and the feed's epoch."""

    first: int
    last: int
    epoch: str | None


async def record(tx: Any, dialect: Any, changes: Sequence[Change], operation: str, now: dt.datetime) -> Recorded | None:
    """Record ``changes`` in the caller's transaction (its last statement); the numbers taken."""
    if not changes:
        return None
    rows = await tx.run(record_statement(dialect, changes, operation, now))
    if not rows or rows[0].get("last") is None:
        raise RuntimeError("the change feed recorded nothing")  # rolls the unit of work back
    return Recorded(int(rows[0]["first"]), int(rows[0]["last"]), rows[0].get("epoch"))


def reloaded() -> Change:
    """The one event a bulk load records (``cobuild seed`` / ``cobuild generate``): RELOADED, no
    record — followers should read the current state again rather than expect one event per row."""
    return Change("RELOADED", None, None)


async def record_marker(engine: Any, operation: str) -> Recorded | None:
    """A RELOADED marker in its own transaction (after a bulk load that bypassed transactions)."""
    now = dt.datetime.now(dt.timezone.utc)
    committed = await engine.write(lambda tx: record(tx, engine.dialect, [reloaded()], operation, now))
    notify(engine, committed, operation)
    return committed


# ------------------------------------------------------------------------------------------------
# After commit
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Committed:
    """What listeners hear after a commit: the engine, the committed range of sequence numbers and
    the feed's epoch — ``encode_cursor(epoch, first - 1)`` reads exactly these changes."""

    engine: Any
    first: int
    last: int
    operation: str
    epoch: str | None = None

    @property
    def cursor_before(self) -> str:
        return encode_cursor(self.epoch, self.first - 1)


Listener = Callable[[Committed], None]
_listeners: list[Listener] = []


def add_listener(fn: Listener) -> Callable[[], None]:
    """Call ``fn`` after every commit that recorded changes (in this process); returns a remover.
    Listeners run on the event loop and must not block: hand the work to a queue."""
    _listeners.append(fn)
    return lambda: _listeners.remove(fn) if fn in _listeners else None


def notify(engine: Any, committed: Recorded | None, operation: str) -> None:
    if committed is None:
        return
    event = Committed(engine, committed.first, committed.last, operation, committed.epoch)
    for fn in list(_listeners):
        try:
            fn(event)
        except Exception:  # a listener must never fail the write that already committed
            log.exception("change listener failed")


# ------------------------------------------------------------------------------------------------
# Cursors
# ------------------------------------------------------------------------------------------------
def encode_cursor(epoch: str | None, seq: int) -> str:
    doc = json.dumps({"e": epoch or "", "s": int(seq)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(doc.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        doc = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        epoch, seq = doc["e"], doc["s"]
        if not isinstance(epoch, str) or not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError
        return epoch, seq
    except Exception:  # noqa: BLE001 - any malformed cursor is the client's mistake
        raise ValidationError("`cursor` is not a change-feed cursor; pass an endCursor or edge cursor of changesSince",
                              field="cursor") from None


# ------------------------------------------------------------------------------------------------
# Retention
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PruneReport:
    events: int
    pruned_through: int
    idempotency_keys: int


async def prune(engine: Any, retention_days: float, now: dt.datetime | None = None) -> PruneReport:
    """Delete events older than ``retention_days`` and expired idempotency keys (one transaction)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoff = now - dt.timedelta(days=retention_days)

    async def work(tx: Any) -> PruneReport:
        rows = await tx.run(Statement(
            "MATCH (e:`ChangeEvent`) WHERE e.`changedAt` < $cutoff RETURN max(e.`seq`) AS m, count(e) AS n",
            {"cutoff": cutoff}, label="changes: prune scan"))
        through = rows[0]["m"] if rows and rows[0].get("m") is not None else None
        deleted = 0
        if through is not None:
            res = await tx.run(Statement(
                "MATCH (s:`ChangeSequence`) WHERE s.`id` = $feed "
                "SET s.`prunedThrough` = CASE WHEN s.`prunedThrough` < $m THEN $m ELSE s.`prunedThrough` END "
                "WITH s MATCH (e:`ChangeEvent`) WHERE e.`seq` <= $m DELETE e RETURN count(*) AS n",
                {"feed": FEED_ID, "m": int(through)}, label="changes: prune"))
            deleted = int(res[0]["n"]) if res else 0
        keys = await tx.run(Statement(
            "MATCH (k:`IdempotencyKey`) WHERE k.`expiresAt` < $now DELETE k RETURN count(*) AS n",
            {"now": now}, label="idempotency: prune"))
        head = await tx.run(Statement("MATCH (s:`ChangeSequence`) WHERE s.`id` = $feed RETURN s.`prunedThrough` AS p",
                                      {"feed": FEED_ID}, label="changes: pruned through"))
        return PruneReport(deleted, int(head[0]["p"] or 0) if head else 0, int(keys[0]["n"]) if keys else 0)

    return await engine.write(work)


_last_prune: dict[int, float] = {}


async def maybe_prune(engine: Any, retention_days: float, interval_s: float) -> PruneReport | None:
    """Prune on write: once ``interval_s`` has passed since the first write (or the last prune) this
    process saw on ``engine``, after a commit; ``0`` prunes after every write. A failure is logged,
    never reported to the writer whose change already committed."""
    import time

    key = id(engine)
    t = time.monotonic()
    last = _last_prune.setdefault(key, t)  # the clock starts at the first write this process sees
    if interval_s > 0 and t - last < interval_s:
        return None
    _last_prune[key] = t
    try:
        return await prune(engine, retention_days)
    except Exception:  # noqa: BLE001
        log.exception("pruning the change feed failed")
        return None
