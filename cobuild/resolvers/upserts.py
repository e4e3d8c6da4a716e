"""Batch upserts of partner records by external id: one transaction per batch, all or nothing.

A batch goes through the same business rules as the single mutations (the functions of
:mod:`cobuild.graph.rules`), row by row, with the reads batched so a batch costs a fixed number of
statements whatever its size (docs/mutations.md counts them):

1. **No graph** — each item becomes a model row (:func:`~cobuild.graph.validate.node_row`: types,
   enums, required properties), its references are checked for kind (:func:`rules.label_of`) and
   count, and the label's argument rules run (hours, score, scope, dates …).
2. **Reads** — the stored rows of the batch's ids, the referenced records (exist? where do they
   live?), and the label's own facts (a pairing's parties, hours already served that day …).
3. **Rules per row** (:mod:`cobuild.resolvers.upsert_rules`) — lifecycle transitions of existing
   records, closed pairings, the label's rules, and the *scope of the principal per row*: a
   non-admin may write a row only where the row lives (its ``areaPath``, from its home reference or
   ``regionId``) and, for an existing record, where it lived before.
4. **Writes** — one counted MERGE of the nodes (``created``/``updated``/``unchanged`` are computed in
   that statement, so concurrent batches add up), the reference edges (stale ones dropped, missing
   ones merged), the label's follow-up (derived co-building edges), and the change-feed record.

``dryRun: true`` runs steps 1–3 in a transaction that is rolled back and answers, per row, what
would be created, updated, unchanged or refused (with the code), writing nothing. Without it the
first refused row refuses the whole batch (its ``index``, ``field`` and code in the error).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Sequence

from cobuild.auth import access
from cobuild.auth.principal import Principal
from cobuild.errors import ClientSafeError, NotFoundError, RuleViolationError, ValidationError
from cobuild.graph import changes, model, rules
from cobuild.graph.derive import rederive
from cobuild.graph.engines.base import GraphEngine, Tx
from cobuild.graph.partner_records import Ref, Spec, spec as spec_of
from cobuild.graph.rules import Outcome
from cobuild.graph.upsert import drop_stale_edges, merge_nodes_counted, merge_ref_edges, read_edges, read_nodes, read_refs
from cobuild.graph.validate import node_row
from cobuild.ids import check_partner, external_node_id
from cobuild.resolvers.upsert_batch import Batch, Item, located
from cobuild.resolvers.upsert_rules import check_row_scope, check_rows

DEFAULT_MAX_ITEMS = 500
OUTCOMES = ("CREATED", "UPDATED", "UNCHANGED", "REFUSED")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class _DryRun(Exception):
    """Rolls the dry run's transaction back, carrying its answer out."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("dry run")
        self.outcome = outcome


# ------------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------------
async def upsert(engine: GraphEngine, principal: Principal, label_name: str, partner: str, items: Sequence[dict[str, Any]],
                 *, dry_run: bool = False, max_items: int = DEFAULT_MAX_ITEMS) -> Outcome:
    from cobuild.resolvers.mutations import _write  # the frame every mutation shares

    check_partner(partner)
    spec = spec_of(label_name)
    action = spec.field_name
    access.check_action(principal, action)
    if len(items) > max_items:
        raise ValidationError(f"at most {max_items} items per call (COBUILD_MAX_UPSERT_ITEMS); got {len(items)} — "
                              "send the rest in further batches", field="items", limit=max_items, actual=len(items))
    now = utcnow()
    batch = Batch(spec, [_prepare(spec, partner, i, item, now) for i, item in enumerate(items)], engine.dialect, now)
    _dedupe(batch)
    if not dry_run:
        _raise_first(batch)
    if not batch.items:
        return Outcome(_answer(batch, dry_run, {}))

    async def work(tx: Tx) -> Outcome:
        await _read(tx, batch, dry_run)
        await check_rows(tx, batch)
        for it in batch.live():
            check_row_scope(principal, action, it)
        if dry_run:
            raise _DryRun(Outcome(_answer(batch, True, {})))
        _raise_first(batch)
        written = await _write_batch(tx, batch)
        return Outcome(_answer(batch, False, written), [], _changes(batch, written) + batch.extra_changes)

    try:
        return await _write(engine, principal, action, work, authorize=False)
    except _DryRun as dry:
        return dry.outcome


def _raise_first(batch: Batch) -> None:
    for it in batch.items:
        if it.error is not None:
            raise it.error


# ------------------------------------------------------------------------------------------------
# 1. No graph
# ------------------------------------------------------------------------------------------------
def _prepare(spec: Spec, partner: str, index: int, item: dict[str, Any], now: dt.datetime) -> Item:
    it = Item(index, item.get("externalId"))
    try:
        it.id = external_node_id(spec.label, partner, it.external_id)
        lab = model.label(spec.label)
        ref_fields = {r.field for r in spec.input_refs}
        values = {k: v for k, v in item.items() if v is not None and k not in ref_fields}
        values["id"] = it.id
        it.values = node_row(lab, values, f"items[{index}]")
        for ref in spec.refs:
            it.refs[ref.field] = _ref_ids(ref, item.get(ref.field) if ref.input else None)
        STATIC_RULES.get(spec.label, _nothing)(it, now)
    except ClientSafeError as exc:
        it.refuse(located(exc, index))
    return it


def _nothing(*_: Any) -> None:
    return None


def _ref_ids(ref: Ref, value: Any) -> list[str]:
    if value is None or value == []:
        if ref.required and ref.input:
            _missing(ref)
        return []
    ids = list(dict.fromkeys(value if isinstance(value, list) else [value]))
    if ref.required and len(ids) < ref.min_items:
        _missing(ref)
    for other in ids:
        rules.label_of(other, ref.labels, what=ref.field, code=ref.code, rule=ref.rule)
    return ids


def _missing(ref: Ref) -> None:
    need = f"at least {ref.min_items} different ids" if ref.min_items > 1 else "an id"
    msg = f"{ref.field} needs {need} of {' or '.join(ref.labels)}"
    code = ref.missing_code or ref.code
    if code == "VALIDATION":
        raise ValidationError(msg, field=ref.field, rule=ref.rule)
    raise RuleViolationError(msg, code=code, rule=ref.rule, field=ref.field)


def _static_pairing(it: Item, now: dt.datetime) -> None:
    if it.refs["hostId"] and it.refs["hostId"] == it.refs["partnerId"]:
        raise RuleViolationError("a party cannot pair with itself", code="INVALID_PAIRING_PARTIES", rule="A1",
                                 entityId=it.refs["hostId"][0])
    rules.check_scope(it.values.get("forms") or [])
    rules.not_in_future(it.values.get("since"), now.date(), "since")


def _static_agreement(it: Item, now: dt.datetime) -> None:
    rules.check_scope(it.values.get("scope") or [])
    rules.not_in_future(it.values.get("signedAt"), now.date(), "signedAt", rule="A3")


def _static_service(it: Item, now: dt.datetime) -> None:
    rules.check_hours(it.values.get("hours"))
    rules.not_in_future(it.values.get("date"), now.date(), "date", rule="PT5")
    if (it.values.get("points") or 0) < 0:
        raise ValidationError("points must not be negative (corrections are ADJUST entries)", field="points")


def _static_evaluation(it: Item, now: dt.datetime) -> None:
    year = it.values.get("year")
    if not (2000 <= year <= now.year):
        raise ValidationError(f"year {year} must be between 2000 and {now.year}", field="year")
    if it.values.get("direction") is None:
        raise ValidationError("direction is required: AREA_TO_UNIT or UNIT_TO_AREA (rule E3)", field="direction")
    rules.check_score(it.values.get("score"), it.values.get("satisfactionRate"), it.values["direction"])


STATIC_RULES: dict[str, Callable[[Item, dt.datetime], None]] = {
    "Pairing": _static_pairing, "Agreement": _static_agreement, "ServiceRecord": _static_service,
    "Evaluation": _static_evaluation,
}
_DUPLICATE = "duplicate"


def _dedupe(batch: Batch) -> None:
    seen: dict[str, int] = {}
    for it in batch.items:
        if it.id is None:
            continue
        if it.id in seen and it.ok:
            it.refuse(located(ValidationError(f"externalId {it.external_id!r} repeats items[{seen[it.id]}]",
                                               field="externalId"), it.index))
        seen.setdefault(it.id, it.index)


# ------------------------------------------------------------------------------------------------
# 2. Reads
# ------------------------------------------------------------------------------------------------
async def _read(tx: Tx, batch: Batch, dry_run: bool) -> None:
    lab = model.label(batch.label)
    ids = [it.id for it in batch.items if it.id]
    props = [p for p in lab.prop_names if p not in ("createdAt",)]
    existing = {r["id"]: r for r in await tx.run(read_nodes(batch.label, ids, props))} if ids else {}
    wanted: dict[str, list[str]] = {}
    for it in batch.live():
        it.existing = existing.get(it.id)
        for ref in batch.spec.input_refs:
            for other in it.refs[ref.field]:
                wanted.setdefault(model.label_of_id(other).name, []).append(other)  # type: ignore[union-attr]
        if it.values.get("regionId"):
            wanted.setdefault("AdminArea", []).append(it.values["regionId"])
    stmt = read_refs({k: list(dict.fromkeys(v)) for k, v in wanted.items()})
    batch.refs = {r["id"]: r for r in await tx.run(stmt)} if stmt is not None else {}
    for it in batch.live():
        _check_refs_exist(batch, it)
    if dry_run:
        await _read_edges(tx, batch)


def _check_refs_exist(batch: Batch, it: Item) -> None:
    try:
        if batch.label == "Demand":  # rule D3, through the single mutation's own check
            pub = it.refs["publisherId"][0]
            rules.check_publish([{"publisher": pub if pub in batch.refs else None,
                                  "categories": [c for c in it.refs["categoryIds"] if c in batch.refs]}],
                                pub, it.refs["categoryIds"])
        for ref in batch.spec.input_refs:
            for other in it.refs[ref.field]:
                if other not in batch.refs:
                    raise NotFoundError(f"{ref.field} {other} does not exist", entityId=other, field=ref.field)
        region = it.values.get("regionId")
        if region and region not in batch.refs and region != it.id:
            raise NotFoundError(f"regionId {region} does not exist", entityId=region, field="regionId")
    except ClientSafeError as exc:
        it.refuse(located(exc, it.index))


async def _read_edges(tx: Tx, batch: Batch) -> None:
    """Dry run only: the references' edges today, to tell UPDATED from UNCHANGED per row."""
    ids = [it.id for it in batch.live() if it.existing]
    stmt = read_edges(batch.label, ids, [(r.field, r.rel, r.incoming, r.key_props) for r in batch.spec.refs]) if ids else None
    today: dict[tuple[str, str], set[str]] = {}
    for r in await tx.run(stmt) if stmt is not None else []:
        today.setdefault((r["id"], r["ref"]), set()).add(r["other"])
    for it in batch.live():
        it.today = {f: today.get((it.id, f), set()) for f in it.refs}


# ------------------------------------------------------------------------------------------------
# 4. Writes
# ------------------------------------------------------------------------------------------------
@dataclass
class _Written:
    created: bool = False
    fields: list[str] = field(default_factory=list)
    rels: set[str] = field(default_factory=set)


async def _write_batch(tx: Tx, batch: Batch) -> dict[int, _Written]:
    items = batch.items
    lab = model.label(batch.label)
    props = [p for p in lab.prop_names if p not in ("id", "createdAt", "updatedAt")]
    rows = [{"i": it.index, **it.values} for it in items]
    out: dict[int, _Written] = {it.index: _Written() for it in items}
    for r in await tx.run(merge_nodes_counted(batch.dialect, batch.label, rows, props, batch.now)):
        w = out[int(r["i"])]
        w.created = bool(r["created"])
        w.fields = [f for f in (r.get("diffs") or []) if f] if (r["created"] or r["changed"]) else []
    for ref in batch.spec.refs:
        await _write_ref(tx, batch, ref, out)
    follow = FOLLOW_UPS.get(batch.label)
    if follow is not None:
        await follow(tx, batch)
    return out


async def _write_ref(tx: Tx, batch: Batch, ref: Ref, out: dict[int, _Written]) -> None:
    key = ref.key_props
    # a node this batch created has no edges yet: only records that existed can hold stale ones
    keep = [{"i": it.index, "id": it.id, "keep": it.refs[ref.field]} for it in batch.items if not out[it.index].created]
    if keep:
        for r in await tx.run(drop_stale_edges(batch.dialect, batch.label, ref.rel, ref.incoming, key, keep)):
            if int(r["removed"] or 0):
                out[int(r["i"])].rels.add(ref.rel)
    groups: dict[str, list[dict[str, Any]]] = {}
    for it in batch.items:
        props = it.edge_props.get(ref.field, {})
        for other in it.refs[ref.field]:
            groups.setdefault(model.label_of_id(other).name, []).append(  # type: ignore[union-attr]
                {"i": it.index, "id": it.id, "to": other, **props.get(other, {})})
    for other_label, rows in groups.items():
        sent: dict[int, int] = {}
        for row in rows:
            sent[row["i"]] = sent.get(row["i"], 0) + 1
        found: dict[int, int] = {}
        for r in await tx.run(merge_ref_edges(batch.dialect, batch.label, ref.rel, other_label, ref.incoming, key, rows)):
            found[int(r["i"])] = int(r["matched"] or 0)
            if int(r["added"] or 0):
                out[int(r["i"])].rels.add(ref.rel)
        missing = [i for i, n in sent.items() if found.get(i, 0) < n]
        if missing:  # checked before writing; a record deleted meanwhile must not leave half a batch
            raise NotFoundError(f"items[{missing[0]}]: a {ref.field} record no longer exists", index=missing[0],
                                field=ref.field)


async def _pairings_follow(tx: Tx, batch: Batch) -> None:
    await rederive(tx, batch.dialect, [it.id for it in batch.items if it.id])  # rule A6


async def _evaluations_follow(tx: Tx, batch: Batch) -> None:
    """An outcome of criticism or rectification puts an ACTIVE pairing under rectification (as evaluate)."""
    from cobuild.graph.cypher import Statement

    ids = sorted({it.refs["pairingId"][0] for it in batch.items if it.values.get("outcome") in rules.RECTIFY_OUTCOMES})
    if not ids:
        return
    rows = await tx.run(Statement(
        "UNWIND $ids AS i MATCH (x:`Pairing`) WHERE x.`id` = i AND x.`status` = 'ACTIVE' "
        "SET x.`status` = 'UNDER_RECTIFICATION', x.`updatedAt` = $now RETURN x.`id` AS id, x.`areaPath` AS areaPath",
        {"ids": ids, "now": batch.now}, label="write: pairings under rectification"))
    if rows:
        await rederive(tx, batch.dialect, [r["id"] for r in rows])
        batch.extra_changes += [changes.updated("Pairing", r["id"], r.get("areaPath"), ["status"]) for r in rows]


FOLLOW_UPS: dict[str, Callable[[Tx, Batch], Awaitable[None]]] = {
    "Pairing": _pairings_follow, "Evaluation": _evaluations_follow,
}


# ------------------------------------------------------------------------------------------------
# Answers
# ------------------------------------------------------------------------------------------------
def _outcome_of(it: Item, written: dict[int, _Written], dry_run: bool) -> str:
    if it.error is not None:
        return "REFUSED"
    if dry_run:
        return it.would or "UNCHANGED"
    w = written.get(it.index)
    if w is None:
        return "UNCHANGED"
    if w.created:
        return "CREATED"
    return "UPDATED" if (w.fields or w.rels) else "UNCHANGED"


def _answer(batch: Batch, dry_run: bool, written: dict[int, _Written]) -> dict[str, Any]:
    results = []
    for it in batch.items:
        outcome = _outcome_of(it, written, dry_run)
        err = it.error
        results.append({
            "index": it.index, "externalId": it.external_id if isinstance(it.external_id, str) else None, "id": it.id,
            "outcome": outcome, "code": err.code if err else None, "message": str(err) if err else None,
            "field": err.extensions.get("field") if err else None,
        })
    count = {o: sum(1 for r in results if r["outcome"] == o) for o in OUTCOMES}
    return {"created": count["CREATED"], "updated": count["UPDATED"], "unchanged": count["UNCHANGED"],
            "refused": count["REFUSED"], "dryRun": dry_run, "ids": [r["id"] for r in results], "items": results}


def _changes(batch: Batch, written: dict[int, _Written]) -> list[changes.Change]:
    out: list[changes.Change] = []
    for it in batch.items:
        w = written.get(it.index)
        if w is None or it.id is None:
            continue
        path = it.values.get("areaPath")
        if w.created:
            out.append(changes.created(batch.label, it.id, path, w.fields, w.rels))
        elif w.fields or w.rels:
            out.append(changes.updated(batch.label, it.id, path, w.fields, w.rels))
    return out
