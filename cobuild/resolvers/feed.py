"""``changesSince``: page through the change feed from a cursor, in scope, in one statement.

The statement reads the feed's counter first (``head``: the last number handed out, ``pruned``:
retention's high-water mark, ``epoch``) and then the events after the cursor up to ``head`` — every
event up to ``head`` has committed (the counter and its events commit together), so when a page is
not full the next cursor may move on to ``head``: the filtered-out events between are skipped once,
never re-scanned, and none can appear there later. Each event's record is projected like any
entity (the client's ``entity { … }`` selection, per label, compiled into the same statement by
:mod:`cobuild.graph.compile`), with the principal's read scope and masking.

Who reads what: admins and analysts every event; area roles and partners the events whose
``areaPath`` meets their areas (the record's area when it changed); unit and anonymous principals
are refused (``FORBIDDEN``) — the feed is for integration partners and district platforms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from cobuild.auth.access import ReadScope, forbid
from cobuild.errors import ValidationError
from cobuild.graph import changes, model
from cobuild.graph import compile as gc
from cobuild.graph.cypher import Params, Statement, Vars, name

DEFAULT_FIRST = 20
MAX_FIRST = 100


@dataclass
class FeedPage:
    events: list[dict[str, Any]]  # {seq, kind, label, id, areaPath, changedAt, operation, fields, relationships, entity}
    has_next: bool
    epoch: str | None
    head: int
    after: int

    def cursor(self, seq: int) -> str:
        return changes.encode_cursor(self.epoch, seq)

    @property
    def end_cursor(self) -> str:
        """The last event's cursor when more follow; else the head (everything up to it was seen)."""
        if self.has_next and self.events:
            return self.cursor(self.events[-1]["seq"])
        return self.cursor(max(self.head, self.after))


def entity_plans(selection: Any, labels: Sequence[str]) -> dict[str, gc.EntityPlan]:
    """Per label, what the client selected under ``entity`` (fragments apply per type); none when
    ``entity`` was not asked for."""
    node_sels = gc.connection_node_selection(selection)
    entity_sel = gc.sub_selection(node_sels, "entity")
    if entity_sel is None:
        return {}
    return {lab: gc.plan_entity(entity_sel, lab) for lab in labels}


def compile_page(plans: dict[str, gc.EntityPlan], after: int, labels: Sequence[str] | None, area_id: str | None,
                 first: int, scope: Any, dialect: Any) -> tuple[Statement, dict[str, str]]:
    """One statement: rows ``{head, pruned, epoch, seq, kind, …, <entity column per label>}``; and the
    entity column of each label."""
    params, vars = Params(), Vars()
    conds = [f"e.`seq` > {params.add(after)}", "e.`seq` <= head"]
    if labels:
        conds.append(f"e.`entityLabel` IN {params.add(list(labels))}")
    if area_id:
        conds.append(f"{params.add(area_id)} IN e.`areaPath`")
    principal = scope.principal
    if not principal.reads_everything:
        conds.append(scope.dialect.list_overlaps("e.`areaPath`", params.add(sorted(set(principal.area_ids)))))
    clauses = [
        f"OPTIONAL MATCH (s:{name('ChangeSequence')}) WHERE s.`id` = {params.add(changes.FEED_ID)}",
        "WITH coalesce(s.`last`, 0) AS head, coalesce(s.`prunedThrough`, 0) AS pruned, s.`epoch` AS epoch",
        f"OPTIONAL MATCH (e:{name('ChangeEvent')}) WHERE {' AND '.join(conds)}",
        f"WITH head, pruned, epoch, e ORDER BY e.`seq` LIMIT {params.add(first + 1)}",
    ]
    carry = ["head", "pruned", "epoch", "e"]
    sub, columns = gc.entity_columns(
        plans, lambda lab, n: f"e.`entityLabel` = {params.add(lab)} AND {n}.`id` = e.`entityId`",
        params, vars, carry, dialect, scope)
    clauses.extend(sub)
    event = ", ".join(f"e.{name(p)} AS {name(p)}" for p in model.CHANGE_EVENT.prop_names)
    clauses.append(f"RETURN head, pruned, epoch, {event}" + "".join(f", {c} AS {c}" for c in columns.values()))
    return Statement(" ".join(clauses), params.values, label="changesSince"), columns


async def changes_since(info: Any, cursor: str | None, labels: Sequence[str] | None, area_id: str | None,
                        first: int | None) -> FeedPage:
    ctx = info.context
    principal = ctx.principal
    if not (principal.reads_everything or principal.area_ids):
        raise forbid(principal, "changesSince", "the change feed serves admins, analysts and area-scoped credentials "
                                                "(district, street, community, partner)")
    first = DEFAULT_FIRST if first is None else first
    if not (0 <= first <= MAX_FIRST):
        raise ValidationError(f"`first` must be between 0 and {MAX_FIRST} (got {first}); page with the cursor for more",
                              field="first")
    if area_id is not None and (model.label_of_id(area_id) is None or model.label_of_id(area_id).name != "AdminArea"):  # type: ignore[union-attr]
        raise ValidationError(f"areaId {area_id!r} is not an AdminArea id (they start with 'area:')", field="areaId")
    epoch_in, after = changes.decode_cursor(cursor) if cursor else ("", 0)
    chosen = list(labels) if labels else [lab.name for lab in model.LABELS]
    plans = entity_plans(gc.selection_of(info, []), chosen)
    stmt, columns = compile_page(plans, after, labels, area_id, first, ReadScope.of(ctx), ctx.dialect)
    rows = await ctx.engine.run(stmt, "read", timeout=ctx.settings.query_timeout_s)
    head = int(rows[0]["head"]) if rows else 0
    pruned = int(rows[0]["pruned"]) if rows else 0
    epoch = rows[0]["epoch"] if rows else None
    if cursor and epoch_in and epoch and epoch_in != epoch:
        raise changes.CursorExpiredError(
            "this cursor belongs to another store or to a feed that was reset; read the current state again "
            "(entity queries or `cobuild export`) and follow the feed from its head", field="cursor")
    if cursor and after < pruned:
        raise changes.CursorExpiredError(
            f"changes after this cursor were pruned (the feed keeps {ctx.settings.change_retention_days:g} days, "
            f"events up to #{pruned} are gone); read the current state again and follow the feed from its head",
            field="cursor", prunedThrough=pruned)
    if after > head:
        raise ValidationError("this cursor is ahead of the change feed; pass a cursor changesSince returned", field="cursor")
    events = []
    for r in rows:
        if r.get("seq") is None:
            continue
        entity = None
        lab = r.get("entityLabel")
        if lab in columns and r.get(columns[lab]) is not None:
            entity = r[columns[lab]]
        events.append({**{k: r.get(k) for k in model.CHANGE_EVENT.prop_names}, "entity": entity})
    events.sort(key=lambda ev: ev["seq"])
    has_next = len(events) > first
    return FeedPage(events[:first], has_next, epoch, head, after)
