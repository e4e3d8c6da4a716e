"""A change-feed event as subscriptions see it, and the filters that decide who receives it.

The filters run in Python on the events the hub read once for the whole process: a subscription
costs no statement of its own until one of its events arrives. They mirror the feed's read rules
(:mod:`cobuild.resolvers.feed`): admins and analysts see every change; area-scoped principals the
changes of records whose ``areaPath`` (when they changed) meets their areas. ``RELOADED`` markers
(a bulk load replaced the data) carry no record and reach every subscriber: each must read the
current state again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from cobuild.auth.principal import Principal

BOARD_LABELS = ("Demand", "Project")
# A board move: the item appeared, changed status or was claimed (a SUPPORT claim adds a CLAIMED edge only)
BOARD_FIELDS = frozenset({"status"})
BOARD_RELATIONSHIPS = frozenset({"CLAIMED"})


@dataclass(frozen=True)
class FeedEvent:
    """One committed change, as read from the feed (never personal values: names of fields only)."""

    seq: int
    kind: str
    label: str | None
    entity_id: str | None
    area_path: tuple[str, ...]
    changed_at: dt.datetime | None
    operation: str | None
    fields: tuple[str, ...]
    relationships: tuple[str, ...]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "FeedEvent":
        return cls(int(row["seq"]), row["kind"], row.get("entityLabel"), row.get("entityId"),
                   tuple(row.get("areaPath") or ()), row.get("changedAt"), row.get("operation"),
                   tuple(row.get("fields") or ()), tuple(row.get("relationships") or ()))

    @property
    def is_marker(self) -> bool:
        return self.label is None


Accepts = Callable[[FeedEvent], bool]


def in_scope(principal: Principal) -> Accepts:
    """The feed's read scope for an event (the record's ``areaPath`` when it changed)."""
    if principal.reads_everything:
        return lambda ev: True
    granted = frozenset(principal.area_ids)
    return lambda ev: ev.is_marker or not granted.isdisjoint(ev.area_path)


def changes_filter(principal: Principal, labels: Sequence[str] | None, area_id: str | None) -> Accepts:
    """``changes(areaId, labels)``: every change in scope, of those labels, in that subtree."""
    scope = in_scope(principal)
    wanted = frozenset(labels) if labels else None

    def accepts(ev: FeedEvent) -> bool:
        if ev.is_marker:
            return True
        if wanted is not None and ev.label not in wanted:
            return False
        if area_id is not None and area_id not in ev.area_path:
            return False
        return scope(ev)

    return accepts


def board_filter(area_id: str) -> Accepts:
    """``demandBoard(areaId)``: demands and projects of the subtree that appeared, moved in their
    lifecycle (published, claimed, started, completed, cancelled …) or went away. Both labels are
    public (every principal reads them), so no area scope applies beyond ``areaId``."""

    def accepts(ev: FeedEvent) -> bool:
        if ev.is_marker:
            return True
        if ev.label not in BOARD_LABELS or area_id not in ev.area_path:
            return False
        return ev.kind != "UPDATED" or not BOARD_FIELDS.isdisjoint(ev.fields) \
            or not BOARD_RELATIONSHIPS.isdisjoint(ev.relationships)

    return accepts


def labels_of(events: Iterable[FeedEvent]) -> list[str]:
    return sorted({ev.label for ev in events if ev.label is not None})
