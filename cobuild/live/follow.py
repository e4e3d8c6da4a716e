"""A subscription: optionally replay the feed from a cursor, then follow the process's hub.

Each batch of events (at most :data:`~cobuild.live.batch.MAX_BATCH`, what the hub had for this
subscription when it looked) costs ONE statement when the client selected ``entity`` (or, for the
demand board, always: the board event carries the item's status) — :mod:`cobuild.live.batch` — and
none otherwise. Events are yielded one by one, each with its cursor.

**Resume.** With ``cursor`` (any cursor ``changesSince`` or a subscription event gave), the
subscription first replays what the feed holds after it — the same events ``changesSince`` would
page through, with the same filters — and then follows live, with no gap and no duplicate between
the two: the subscription registers with the hub *before* replaying, and the replay stops at the
hub's position at that moment, where the live events begin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, AsyncIterator, Sequence

from cobuild.auth.access import ReadScope, forbid
from cobuild.errors import ValidationError
from cobuild.graph import changes, model
from cobuild.graph import compile as gc
from cobuild.live import batch as lb
from cobuild.live.events import BOARD_LABELS, Accepts, FeedEvent, board_filter, changes_filter
from cobuild.live.hub import LiveHub, Subscriber

REPLAY_PAGE = 100


@dataclass
class Delivered:
    """One event as the schema layer shapes it."""

    event: FeedEvent
    cursor: str
    entity: dict[str, Any] | None


def hub_of(info: Any) -> LiveHub:
    hub = info.context.extras.get("live_hub")
    if hub is None:
        raise ValidationError("subscriptions run over WebSocket (graphql-transport-ws) on /graphql", field="subscription")
    return hub


def _area(area_id: str | None, field: str = "areaId") -> None:
    if area_id is None:
        return
    lab = model.label_of_id(area_id)
    if lab is None or lab.name != "AdminArea":
        raise ValidationError(f"{field} {area_id!r} is not an AdminArea id (they start with 'area:')", field=field)


class Follower:
    """The state of one subscription: its filter, its entity plans, its hub registration."""

    def __init__(self, info: Any, accepts: Accepts, plans: dict[str, gc.EntityPlan]) -> None:
        self.info = info
        self.ctx = info.context
        self.hub = hub_of(info)
        self.accepts = accepts
        self.plans = plans
        self.scope = ReadScope.of(self.ctx)
        principal = self.ctx.principal
        # What the batch statement depends on besides the events: subscriptions of one shape share it
        self.shape = (repr(sorted(plans.items())), principal.role, tuple(sorted(set(principal.area_ids))),
                      principal.unit_id)

    async def run(self, cursor: str | None) -> AsyncIterator[Delivered]:
        sub = await self.hub.subscribe(self.accepts)
        try:
            if cursor:
                async for item in self._replay(sub, cursor):
                    yield item
            while True:
                events = [ev for ev in await sub.take() if ev.seq > sub.delivered]
                if events:
                    for item in await self._deliver(sub, events):
                        yield item
        finally:
            self.hub.unsubscribe(sub)

    async def _replay(self, sub: Subscriber, cursor: str) -> AsyncIterator[Delivered]:
        epoch_in, after = changes.decode_cursor(cursor)
        if epoch_in and sub.epoch and epoch_in != sub.epoch:
            raise changes.CursorExpiredError(
                "this cursor belongs to another store or to a feed that was reset; read the current state again "
                "and subscribe without a cursor", field="cursor")
        if after > sub.start:
            raise ValidationError("this cursor is ahead of the change feed; pass a cursor the feed or a subscription gave",
                                  field="cursor")
        sub.delivered = after  # a subscription ended during the replay resumes from what it delivered
        while after < sub.start:
            _head, pruned, epoch, events = await self.hub.read_page(after, REPLAY_PAGE)
            sub.epoch = sub.epoch or epoch
            if after < pruned:
                raise changes.CursorExpiredError(
                    f"changes after this cursor were pruned (events up to #{pruned} are gone); read the current state "
                    "again and subscribe without a cursor", field="cursor", prunedThrough=pruned)
            page = events[:REPLAY_PAGE]
            mine = [ev for ev in page if ev.seq <= sub.start and self.accepts(ev)]
            for i in range(0, len(mine), lb.MAX_BATCH):
                for item in await self._deliver(sub, mine[i:i + lb.MAX_BATCH]):
                    yield item
            if len(events) <= REPLAY_PAGE:  # nothing more up to the head, which is past the hub's start
                break
            after = page[-1].seq
        sub.delivered = max(sub.delivered, sub.start)

    async def _deliver(self, sub: Subscriber, events: list[FeedEvent]) -> list[Delivered]:
        refs = [(ev.label, ev.entity_id) for ev in events if ev.label in self.plans and ev.entity_id]
        found: dict[tuple[str, str], dict[str, Any]] = {}
        if refs:
            async def fetch() -> dict[tuple[str, str], dict[str, Any]]:
                stmt, columns = lb.compile_batch(self.plans, refs, self.scope, self.ctx.dialect)  # type: ignore[arg-type]
                rows = await self.hub.engine.run(stmt, "read", timeout=self.ctx.settings.query_timeout_s)
                return lb.entities_of(rows, columns)

            found = await self.hub.shared((tuple(ev.seq for ev in events), self.shape), fetch)
        out = []
        for ev in events:
            entity = found.get((ev.label, ev.entity_id)) if ev.label and ev.entity_id else None
            out.append(Delivered(ev, changes.encode_cursor(sub.epoch, ev.seq), entity))
            sub.delivered = ev.seq
        return out


def follow_changes(info: Any, labels: Sequence[str] | None, area_id: str | None, cursor: str | None) -> AsyncIterator[Delivered]:
    """``changes``: the change feed's rules — admins, analysts and area-scoped credentials only."""
    principal = info.context.principal
    if not (principal.reads_everything or principal.area_ids):
        raise forbid(principal, "changes", "the change feed serves admins, analysts and area-scoped credentials "
                                           "(district, street, community, partner)")
    _area(area_id)
    chosen = list(labels) if labels else [lab.name for lab in model.LABELS]
    selection = lb.entity_selection(info)
    plans = {lab: lb.plan(selection, lab) for lab in chosen} if selection is not None else {}
    return Follower(info, changes_filter(principal, labels, area_id), plans).run(cursor)


def follow_board(info: Any, area_id: str, cursor: str | None) -> AsyncIterator[Delivered]:
    """``demandBoard``: demands and projects of the subtree; the status always travels with them."""
    _area(area_id)
    selection = lb.entity_selection(info)
    plans = {lab: lb.plan(selection, lab, ["status"]) for lab in BOARD_LABELS}
    return Follower(info, board_filter(area_id), plans).run(cursor)
