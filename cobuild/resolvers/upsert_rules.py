"""Step 3 of a partner upsert (:mod:`cobuild.resolvers.upserts`), the rules per row: where each row
lives, lifecycle transitions, closed pairings, the label's own rules (batched reads and the single
mutations' rule functions) and the principal's scope per row. A row that breaks one is refused,
not raised: the batch decides (dry run answers per row; otherwise the first refusal refuses all)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Awaitable, Callable, Sequence

from cobuild.auth import access
from cobuild.auth.principal import Principal
from cobuild.errors import ClientSafeError, RuleViolationError
from cobuild.graph import model, rules
from cobuild.graph.engines.base import Tx, to_utc
from cobuild.resolvers.upsert_batch import Batch, Item, located


# ------------------------------------------------------------------------------------------------
# 3. Rules per row
# ------------------------------------------------------------------------------------------------
async def check_rows(tx: Tx, batch: Batch) -> None:
    for it in batch.live():
        _derive_place(batch, it)
    check = LABEL_RULES.get(batch.label)
    if check is not None:
        await check(tx, batch)
    _refuse_each(batch.live(), lambda it: _lifecycle(batch, it))
    await _transition_rules(tx, batch)
    for it in batch.live():
        it.would = _would(batch, it)


def _derive_place(batch: Batch, it: Item) -> None:
    """``areaPath`` from the home reference (an area: itself under its parent) or ``regionId``;
    ``regionId`` from the home when the item gives none."""
    home = next((batch.refs[o] for ref in batch.spec.homes for o in it.refs[ref.field] if o in batch.refs), None)
    region = batch.refs.get(it.values.get("regionId") or "")
    base = home or region
    path = list(base.get("areaPath") or []) if base else []
    if base and not path and base is region:
        path = [it.values["regionId"]]
    if batch.label == "AdminArea":
        path = [it.id, *[a for a in path if a != it.id]]
    it.values["areaPath"] = path or None
    if not it.values.get("regionId") and home and home.get("regionId"):
        it.values["regionId"] = home["regionId"]


def _lifecycle(batch: Batch, it: Item) -> None:
    old = it.existing
    if old is None:
        return
    if batch.label in rules.LIFECYCLES and old.get("status") != it.values.get("status"):
        rules.require_transition(batch.label, it.id, old.get("status"), it.values.get("status"), "5.1")  # type: ignore[arg-type]
    if batch.label == "Pairing" and old.get("status") not in ("PROPOSED",) + rules.LIVE_PAIRING_STATES \
            and _changed_props(batch, it):
        raise RuleViolationError(f"pairing {it.id} is {old.get('status')}; closed pairings cannot change",
                                 code="ENTITY_CLOSED", rule="5.12", entityId=it.id, currentState=old.get("status"))


async def _transition_rules(tx: Tx, batch: Batch) -> None:
    """The rules of the single mutations that move a record into a state: a pairing is terminated
    only without open projects (A8, as terminatePairing); a project completes only with a service
    record (D5, as completeProject). One check read per such row — rare in a batch."""
    for it in batch.live():
        old, new = (it.existing or {}).get("status"), it.values.get("status")
        if it.existing is None or old == new:
            continue
        try:
            if batch.label == "Pairing" and new == "TERMINATED":
                rules.check_terminate(await tx.run(rules.terminate_check(it.id)), it.id)  # type: ignore[arg-type]
            elif batch.label == "Project" and new == "COMPLETED":
                row = rules.check_project(await tx.run(rules.project_check(it.id)), it.id, "COMPLETED")  # type: ignore[arg-type]
                rules.check_completion(int(row.get("records") or 0), None, it.id)  # type: ignore[arg-type]
        except ClientSafeError as exc:
            it.refuse(located(exc, it.index))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return to_utc(a) == to_utc(b)
    if isinstance(a, dt.datetime) != isinstance(b, dt.datetime) and isinstance(a, dt.date) and isinstance(b, dt.date):
        return False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    return a == b


def _changed_props(batch: Batch, it: Item) -> list[str]:
    old = it.existing or {}
    return [k for k, v in it.values.items() if k not in ("id", "createdAt", "updatedAt") and not _same(old.get(k), v)]


def _would(batch: Batch, it: Item) -> str:
    if it.existing is None:
        return "CREATED"
    if _changed_props(batch, it):
        return "UPDATED"
    if it.today is not None and any(set(it.refs[f]) != it.today.get(f, set()) for f in it.refs):
        return "UPDATED"
    return "UNCHANGED"


def check_row_scope(principal: Principal, action: str, it: Item) -> None:
    """The partner role's (and every area role's) scope, per row: the record must live in a granted
    area now, and must have lived in one before if it existed."""
    if principal.role == "admin":
        return
    granted = set(principal.area_ids)
    path = set(it.values.get("areaPath") or [])
    before = set((it.existing or {}).get("areaPath") or []) if it.existing else None
    why = None
    if not path:
        why = "it does not say where it lives: give a home reference or a regionId inside the granted areas"
    elif not granted & path:
        why = "it lies outside the areas this credential is granted"
    elif before is not None and not granted & before:
        why = "the existing record lies outside the areas this credential is granted"
    if why:
        refused = access.forbid(principal, action, f"{it.id}: {why}")
        refused.extensions["entityId"] = it.id
        it.refuse(located(refused, it.index))


# ---- label rules (batched reads + the single mutations' rule functions) -------------------------
def _refuse_each(items: Sequence[Item], check: Callable[[Item], None]) -> None:
    for it in items:
        try:
            check(it)
        except ClientSafeError as exc:
            it.refuse(located(exc, it.index))


async def _pairing_rules(tx: Tx, batch: Batch) -> None:
    """Rules A1 (parties exist and are of the right kinds; the level is the host's) and A2 (no
    second live pairing of the same type between the same two parties)."""
    groups: dict[tuple[str, str], list[Item]] = {}
    for it in batch.live():
        key = (model.label_of_id(it.refs["hostId"][0]).name, model.label_of_id(it.refs["partnerId"][0]).name)  # type: ignore[union-attr]
        groups.setdefault(key, []).append(it)
    facts: dict[int, list[dict[str, Any]]] = {}
    for (host_label, partner_label), members in groups.items():
        pairs = [{"i": it.index, "host": it.refs["hostId"][0], "partner": it.refs["partnerId"][0],
                  "type": it.values["pairingType"], "self": it.id} for it in members]
        for r in await tx.run(rules.pairing_parties_check_many(host_label, partner_label, pairs)):
            facts.setdefault(int(r["i"]), []).append(r)
    live_pairs: dict[tuple[str, str, str], int] = {}

    def check(it: Item) -> None:
        host, partner, kind = it.refs["hostId"][0], it.refs["partnerId"][0], it.values["pairingType"]
        rows = facts.get(it.index, [])
        if it.values.get("status") not in rules.LIVE_PAIRING_STATES:
            rows = [{**r, "duplicates": 0} for r in rows]
        it.values["level"] = rules.check_pairing_parties(rows, host, partner, kind)
        if it.values.get("status") in rules.LIVE_PAIRING_STATES:
            first = live_pairs.setdefault((host, partner, kind), it.index)
            if first != it.index:
                raise RuleViolationError(f"{host} and {partner} already have an active {kind} pairing in items[{first}]",
                                         code="PAIRING_DUPLICATE", rule="A2", entityId=host)
        since = it.values.get("since")
        it.edge_props["hostId"] = {host: {"joinedAt": since}}
        it.edge_props["partnerId"] = {partner: {"joinedAt": since}}

    _refuse_each(batch.live(), check)


async def _pairing_facts(tx: Tx, items: Sequence[Item]) -> dict[str, rules.PairingFacts]:
    ids = sorted({it.refs["pairingId"][0] for it in items})
    rows = await tx.run(rules.pairing_parties_read(ids, lock=True)) if ids else []
    by: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by.setdefault(r["pairing"], []).append(r)
    return {pid: rules.pairing_facts(rs, pid) for pid, rs in by.items()}


async def _agreement_rules(tx: Tx, batch: Batch) -> None:
    """Rules A3 (every signer acts for a side of the pairing) and 5.12 (closed pairings cannot change)."""
    facts = await _pairing_facts(tx, batch.live())

    def check(it: Item) -> None:
        f = facts[it.refs["pairingId"][0]]
        if it.existing is None or _would(batch, it) != "UNCHANGED":
            rules.require_open_pairing(f)
        sides = rules.check_signers(f, it.refs["signerIds"])
        it.edge_props["signerIds"] = {s: {"role": "PARTY_A" if side == "HOST" else "PARTY_B",
                                          "signedAt": it.values.get("signedAt")} for s, side in sides.items()}

    _refuse_each(batch.live(), check)


async def _evaluation_rules(tx: Tx, batch: Batch) -> None:
    """Rules E3 (the evaluator acts for the side the direction names; one evaluation per pairing,
    year and direction) and 5.12; the evaluation is OF the first party of the other side."""
    items = batch.live()
    facts = await _pairing_facts(tx, items)
    ids = [it.id for it in batch.items if it.id]
    dup_rows = await tx.run(rules.evaluation_duplicates_many([
        {"i": it.index, "pairing": it.refs["pairingId"][0], "year": it.values["year"], "direction": it.values["direction"],
         "exclude": ids} for it in items])) if items else []
    stored = {int(r["i"]): int(r["duplicates"] or 0) for r in dup_rows}
    seen: dict[tuple[str, int, str], int] = {}

    def check(it: Item) -> None:
        pid = it.refs["pairingId"][0]
        key = (pid, it.values["year"], it.values["direction"])
        f = facts[pid]
        if it.existing is None or _would(batch, it) != "UNCHANGED":
            rules.require_open_pairing(f)
        earlier = seen.setdefault(key, it.index) != it.index
        counted = rules.PairingFacts(f.pairing_id, f.status, f.sides, f.acting, stored.get(it.index, 0) + int(earlier))
        target = rules.check_evaluator(counted, it.refs["evaluatorId"][0], it.values["direction"], it.values["year"])
        it.refs["ofId"] = [target]

    _refuse_each(items, check)


async def _service_rules(tx: Tx, batch: Batch) -> None:
    """Rule PT5: a person's hours on one day, this batch included, stay within 24."""
    items = batch.live()
    ids = [it.id for it in batch.items if it.id]
    rows = await tx.run(rules.service_hours_many([
        {"i": it.index, "person": it.refs["personId"][0], "date": it.values["date"], "exclude": ids} for it in items
    ])) if items else []
    stored = {int(r["i"]): float(r["hoursThatDay"] or 0) for r in rows}
    batch_hours: dict[tuple[str, dt.date], float] = {}

    def check(it: Item) -> None:
        person, day = it.refs["personId"][0], it.values["date"]
        at, target = it.refs["atId"][0], (it.refs["forId"] or [None])[0]
        before = stored.get(it.index, 0.0) + batch_hours.get((person, day), 0.0)
        rules.check_service([{"person": person, "hoursThatDay": before, "at": at, "target": target}],
                            person, at, target, it.values["hours"])
        batch_hours[(person, day)] = batch_hours.get((person, day), 0.0) + it.values["hours"]

    _refuse_each(items, check)


LABEL_RULES: dict[str, Callable[[Tx, Batch], Awaitable[None]]] = {
    "Pairing": _pairing_rules, "Agreement": _agreement_rules, "Evaluation": _evaluation_rules,
    "ServiceRecord": _service_rules,
}
