"""Mutation units of work: check reads, rule checks, then writes — all in one write transaction.

Every function here chooses its new ids first (:mod:`cobuild.ids`), then hands one ``work(tx)``
to :meth:`GraphEngine.write`. Inside, the rules of :mod:`cobuild.graph.rules` read what they need
and raise before anything is written; an exception rolls the whole unit back, so a refused
mutation leaves the graph exactly as it was. Pairing changes recompute the derived
``CO_BUILDS_WITH`` / ``PAIRED_WITH`` edges in the same unit (rule A6).

:func:`_write` frames every unit of work the same way (see docs/mutations.md for the statements):
claim the idempotency key if the request carries one (:mod:`cobuild.graph.idempotency`; a retry
returns the first answer here), check authorization, run the work, record its changes in the
change feed (:mod:`cobuild.graph.changes`) and keep the answer with the key — all in the one
transaction — then, after the commit, tell the in-process change listeners.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Awaitable, Callable, Sequence

from cobuild.auth import access
from cobuild.auth.principal import Principal
from cobuild.errors import ValidationError
from cobuild.graph import changes, idempotency, model, rules, tallies
from cobuild.graph.derive import rederive
from cobuild.graph.engines.base import GraphEngine, Tx
from cobuild.graph.rules import Outcome, Warning_
from cobuild.graph.validate import node_row
from cobuild.ids import new_id

ACTOR_KINDS = ("AdminArea", "PartyOrganization", "Unit")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _row(label_name: str, values: dict[str, Any], where: str) -> dict[str, Any]:
    return node_row(model.label(label_name), {k: v for k, v in values.items() if v is not None}, where)


def _text(value: str | None, field: str, *, required: bool = False, max_len: int = 2000) -> str | None:
    if value is None or not value.strip():
        if required:
            raise ValidationError(f"{field} must not be empty", field=field)
        return None
    if len(value) > max_len:
        raise ValidationError(f"{field} is longer than {max_len} characters", field=field)
    return value.strip()


def _path(rows: list[dict[str, Any]], key: str = "areaPath") -> list[str] | None:
    """The ``areaPath`` a write statement returned (the changed record's read scope)."""
    return next((list(r[key]) for r in rows if r.get(key)), None)


def _fields(row: dict[str, Any]) -> list[str]:
    """The properties a new record was written with (names only, for the change feed)."""
    return [k for k, v in row.items() if v is not None and k not in ("id", "createdAt", "updatedAt")]


async def _write(engine: GraphEngine, principal: Principal, action: str, work: Callable[[Tx], Awaitable[Outcome]],
                 *, areas: Sequence[str] = (), own: Sequence[str] = (), authorize: bool = True) -> Outcome:
    """``work`` as one write unit of work: [idempotency claim] → authorization check → the work →
    [answer kept with the key] → change-feed record. A refused principal gets FORBIDDEN before
    anything is read for the rules or written (a role that may not write at all, before the unit of
    work even begins). ``authorize=False``: the work checks scope itself (batch upserts, per row).
    The community tallies the changes can affect are recomputed in the same transaction
    (:func:`cobuild.graph.tallies.refresh`)."""
    access.check_action(principal, action)
    request = idempotency.current()
    committed: list[changes.Recorded | None] = [None]

    async def guarded(tx: Tx) -> Outcome:
        now = utcnow()
        committed[0] = None  # a unit of work the driver retries starts again from here
        if request is not None:
            replay = await idempotency.claim(tx, request, now)
            if replay is not None:
                return replay
        if authorize:
            await access.authorize_write(tx, principal, action, areas=areas, own=own)
        outcome = await work(tx)
        await tallies.refresh(tx, engine.dialect, outcome.changes)  # the roll-ups' per-community facts
        if request is not None:
            await idempotency.store(tx, request, outcome)
        # last: the feed's counter lock (Neo4j) is held from here to the commit only
        committed[0] = await changes.record(tx, engine.dialect, outcome.changes, action, now)
        return outcome

    outcome = await engine.write(guarded)
    changes.notify(engine, committed[0], action)
    return outcome


# ------------------------------------------------------------------------------------------------
async def create_pairing(engine: GraphEngine, principal: Principal, *, host_id: str, partner_id: str, pairing_type: str = "CO_BUILDING",
                         forms: Sequence[str] = (), since: dt.date | None = None) -> Outcome:
    now = utcnow()
    today = now.date()
    if host_id == partner_id:
        raise rules.RuleViolationError("a party cannot pair with itself", code="INVALID_PAIRING_PARTIES", rule="A1",
                                       entityId=host_id)
    host_label = rules.label_of(host_id, ("AdminArea", "PartyOrganization"), what="host",
                                code="INVALID_PAIRING_PARTIES", rule="A1")
    partner_label = rules.label_of(partner_id, ("Unit", "PartyOrganization"), what="partner",
                                   code="INVALID_PAIRING_PARTIES", rule="A1")
    forms = rules.check_scope(forms)
    since = since or today
    rules.not_in_future(since, today, "since")
    pairing_id = new_id("Pairing")

    async def work(tx: Tx) -> Outcome:
        rows = await tx.run(rules.pairing_parties_check(host_label, host_id, partner_label, partner_id, pairing_type))
        level = rules.check_pairing_parties(rows, host_id, partner_id, pairing_type)
        row = _row("Pairing", {"id": pairing_id, "pairingType": pairing_type, "status": "ACTIVE", "level": level,
                               "forms": list(forms), "since": since, "validFrom": since}, "createPairing")
        written = await tx.run(rules.pairing_create_write(engine.dialect, host_label, host_id, partner_label, partner_id,
                                                          row, since, now))
        await rederive(tx, engine.dialect, [pairing_id])
        return Outcome(
            {"pairingId": pairing_id, "status": "ACTIVE"},
            [Warning_("PAIRING_WITHOUT_AGREEMENT",
                      "the pairing has no agreement in force yet; sign one with signAgreement (rule A5, 契约化共建)")],
            [changes.created("Pairing", pairing_id, _path(written), _fields(row), ["PARTY_TO"])],
        )

    return await _write(engine, principal, "createPairing", work, areas=[host_id], own=[partner_id])


async def sign_agreement(engine: GraphEngine, principal: Principal, *, pairing_id: str, agreement_type: str, scope: Sequence[str],
                         signer_ids: Sequence[str], signed_at: dt.date | None = None, name: str | None = None) -> Outcome:
    now = utcnow()
    today = now.date()
    signed_at = signed_at or today
    rules.not_in_future(signed_at, today, "signedAt", rule="A3")
    scope = rules.check_scope(scope)
    signers = list(dict.fromkeys(signer_ids))
    if len(signers) < 2:
        raise ValidationError("an agreement needs at least two different signers", field="signerIds", rule="A3")
    labels = {s: rules.label_of(s, ACTOR_KINDS, what="signer", code="SIGNER_NOT_PARTY", rule="A3") for s in signers}
    agreement_id = new_id("Agreement")

    async def work(tx: Tx) -> Outcome:
        facts = rules.pairing_facts(await tx.run(rules.pairing_parties_read(pairing_id, lock=True)), pairing_id)
        rules.require_open_pairing(facts)
        sides = rules.check_signers(facts, signers)
        row = _row("Agreement", {"id": agreement_id, "name": _text(name, "name", max_len=200), "agreementType": agreement_type,
                                 "status": "IN_FORCE", "scope": scope, "signedAt": signed_at, "validFrom": signed_at},
                   "signAgreement")
        written = await tx.run(rules.agreement_write(engine.dialect, pairing_id, row, now))
        by_label: dict[str, list[dict[str, Any]]] = {}
        for s in signers:
            role = "PARTY_A" if sides[s] == "HOST" else "PARTY_B"
            by_label.setdefault(labels[s], []).append({"id": s, "role": role, "signedAt": signed_at})
        for lab, rows in by_label.items():
            await tx.run(rules.signed_write(engine.dialect, agreement_id, lab, rows))
        return Outcome({"agreementId": agreement_id, "pairingId": pairing_id, "status": "IN_FORCE"}, [],
                       [changes.created("Agreement", agreement_id, _path(written), _fields(row), ["FORMALIZES", "SIGNED"])])

    return await _write(engine, principal, "signAgreement", work, areas=[pairing_id], own=signers)


async def terminate_pairing(engine: GraphEngine, principal: Principal, *, pairing_id: str, reason: str) -> Outcome:
    now = utcnow()
    reason = _text(reason, "reason", required=True)
    rules.label_of(pairing_id, ("Pairing",), what="pairingId")

    async def work(tx: Tx) -> Outcome:
        previous = rules.check_terminate(await tx.run(rules.terminate_check(pairing_id)), pairing_id)
        written = await tx.run(rules.terminate_write(pairing_id, now.date(), now))
        await rederive(tx, engine.dialect, [pairing_id])
        path = _path(written)
        done = [changes.updated("Pairing", pairing_id, path, ["status", "terminatedAt", "validTo"])]
        done += [changes.updated("Agreement", a, path, ["status", "effectiveTo"])
                 for a in sorted({a for r in written for a in (r.get("agreements") or []) if a})]
        return Outcome({"pairingId": pairing_id, "status": "TERMINATED", "previousStatus": previous, "reason": reason},
                       [], done)

    return await _write(engine, principal, "terminatePairing", work, areas=[pairing_id])


async def publish_demand(engine: GraphEngine, principal: Principal, *, publisher_id: str, name: str, description: str | None,
                         category_ids: Sequence[str], deadline: dt.date | None = None) -> Outcome:
    now = utcnow()
    today = now.date()
    name = _text(name, "name", required=True, max_len=200)
    if not category_ids:
        raise rules.RuleViolationError("a demand needs at least one category (categoryIds)", code="CATEGORY_REQUIRED",
                                       rule="D3", field="categoryIds")
    publisher_label = rules.label_of(publisher_id, ("AdminArea", "PartyOrganization", "Unit", "Person"),
                                     what="publisher", code="PUBLISHER_REQUIRED", rule="D3")
    for c in category_ids:
        rules.label_of(c, ("Category",), what="categoryIds")
    if deadline is not None and deadline < today:
        raise ValidationError(f"deadline {deadline.isoformat()} is in the past", field="deadline")
    category_ids = list(dict.fromkeys(category_ids))
    demand_id = new_id("Demand")

    async def work(tx: Tx) -> Outcome:
        rules.check_publish(await tx.run(rules.publish_check(publisher_label, publisher_id, category_ids)),
                            publisher_id, category_ids)
        row = _row("Demand", {"id": demand_id, "name": name, "description": _text(description, "description"),
                              "status": "PUBLISHED", "publishedAt": today, "deadline": deadline}, "publishDemand")
        written = await tx.run(rules.demand_write(engine.dialect, publisher_label, publisher_id, row, category_ids, now))
        return Outcome({"demandId": demand_id, "status": "PUBLISHED"}, [],
                       [changes.created("Demand", demand_id, _path(written), _fields(row), ["PUBLISHES", "IN_CATEGORY"])])

    return await _write(engine, principal, "publishDemand", work, areas=[publisher_id], own=[publisher_id])


async def claim(engine: GraphEngine, principal: Principal, *, item_id: str, claimant_id: str, mode: str = "CLAIM", role: str = "LEAD") -> Outcome:
    now = utcnow()
    item_label = rules.label_of(item_id, tuple(rules.CLAIMABLE_STATE), what="itemId")
    claimant_label = rules.label_of(claimant_id, ACTOR_KINDS + ("Person",), what="claimant",
                                    code="CLAIMANT_NOT_ELIGIBLE", rule="D4")

    async def work(tx: Tx) -> Outcome:
        rows = await tx.run(rules.claim_check(item_label, item_id, claimant_label, claimant_id))
        new_status = rules.check_claim(rows, item_label, item_id, claimant_label, claimant_id, role)
        props = {"claimedAt": now.date(), "mode": mode, "role": role, "status": "ACTIVE", "completedAt": None}
        written = await tx.run(rules.claim_write(engine.dialect, item_label, item_id, claimant_label, claimant_id, props,
                                                 new_status, now))
        moved = ["status"] if new_status != rows[0].get("status") else []
        return Outcome({"itemId": item_id, "claimantId": claimant_id, "status": new_status, "role": role}, [],
                       [changes.updated(item_label, item_id, _path(written), moved, ["CLAIMED"])])

    return await _write(engine, principal, "claim", work, areas=[item_id], own=[claimant_id])


async def start_project(engine: GraphEngine, principal: Principal, *, project_id: str) -> Outcome:
    now = utcnow()
    rules.label_of(project_id, ("Project",), what="projectId")

    async def work(tx: Tx) -> Outcome:
        rules.check_project(await tx.run(rules.project_check(project_id)), project_id, "IN_PROGRESS")
        written = await tx.run(rules.project_write(project_id, "IN_PROGRESS", {"startedAt": now.date()}, now))
        return Outcome({"projectId": project_id, "status": "IN_PROGRESS"}, [],
                       [changes.updated("Project", project_id, _path(written), ["status", "startedAt"])])

    return await _write(engine, principal, "startProject", work, areas=[project_id], own=[project_id])


async def complete_project(engine: GraphEngine, principal: Principal, *, project_id: str, completed_at: dt.date | None = None,
                           note: str | None = None) -> Outcome:
    now = utcnow()
    today = now.date()
    completed_at = completed_at or today
    rules.not_in_future(completed_at, today, "completedAt", rule="D5")
    note = _text(note, "note")
    rules.label_of(project_id, ("Project",), what="projectId")

    async def work(tx: Tx) -> Outcome:
        row = rules.check_project(await tx.run(rules.project_check(project_id)), project_id, "COMPLETED")
        rules.check_completion(int(row.get("records") or 0), note, project_id)
        sets: dict[str, Any] = {"completedAt": completed_at}
        if note:  # the model has no note property: the note is appended to the description, dated
            head = (row.get("description") or "").rstrip()
            sets["description"] = (head + "\n" if head else "") + f"[完成说明 / Completion note {completed_at.isoformat()}] {note}"
        written = await tx.run(rules.project_write(project_id, "COMPLETED", sets, now, close_claims=completed_at))
        return Outcome({"projectId": project_id, "status": "COMPLETED"}, [],
                       [changes.updated("Project", project_id, _path(written), ["status", *sets], ["CLAIMED"])])

    return await _write(engine, principal, "completeProject", work, areas=[project_id], own=[project_id])


async def evaluate(engine: GraphEngine, principal: Principal, *, pairing_id: str, evaluator_id: str, direction: str, year: int, score: float,
                   satisfaction_rate: float | None = None, outcome: str = "OK") -> Outcome:
    now = utcnow()
    if not (2000 <= year <= now.year):
        raise ValidationError(f"year {year} must be between 2000 and {now.year}", field="year")
    rules.check_score(score, satisfaction_rate, direction)
    rules.label_of(pairing_id, ("Pairing",), what="pairingId")
    evaluator_label = rules.label_of(evaluator_id, ACTOR_KINDS, what="evaluator", code="EVALUATOR_NOT_PARTY", rule="E3")
    evaluation_id = new_id("Evaluation")

    async def work(tx: Tx) -> Outcome:
        rows = await tx.run(rules.pairing_parties_read(pairing_id, lock=True, year=year, direction=direction))
        facts = rules.pairing_facts(rows, pairing_id)
        rules.require_open_pairing(facts)
        target = rules.check_evaluator(facts, evaluator_id, direction, year)
        target_label = model.label_of_id(target).name  # type: ignore[union-attr]
        new_status = facts.status
        if outcome in rules.RECTIFY_OUTCOMES and facts.status == "ACTIVE":
            new_status = "UNDER_RECTIFICATION"
        row = _row("Evaluation", {"id": evaluation_id, "evaluationType": "TWO_WAY_CO_BUILDING", "direction": direction,
                                  "year": year, "score": float(score), "satisfactionRate": satisfaction_rate,
                                  "outcome": outcome, "published": False}, "evaluate")
        written = await tx.run(rules.evaluation_write(engine.dialect, pairing_id, evaluator_label, evaluator_id, target_label,
                                                      target, row, new_status, now))
        done = [changes.created("Evaluation", evaluation_id, _path(written), _fields(row), ["GAVE", "OF", "ABOUT"])]
        if new_status != facts.status:
            await rederive(tx, engine.dialect, [pairing_id])
            done.append(changes.updated("Pairing", pairing_id, _path(written, "pairingAreaPath"), ["status"]))
        return Outcome({"evaluationId": evaluation_id, "pairingId": pairing_id, "status": new_status}, [], done)

    return await _write(engine, principal, "evaluate", work, areas=[pairing_id], own=[evaluator_id])


async def report_to_community(engine: GraphEngine, principal: Principal, *, person_id: str, community_id: str,
                              reported_at: dt.date | None = None, channel: str | None = None) -> Outcome:
    now = utcnow()
    today = now.date()
    reported_at = reported_at or today
    rules.not_in_future(reported_at, today, "reportedAt")
    rules.label_of(person_id, ("Person",), what="personId", code="NOT_A_PARTY_MEMBER", rule="M1")
    rules.label_of(community_id, ("AdminArea",), what="communityId")
    channel = _text(channel, "channel", max_len=100)

    async def work(tx: Tx) -> Outcome:
        org, again = rules.check_report(await tx.run(rules.report_check(person_id, community_id)), person_id, community_id)
        warnings = []
        if again:
            warnings.append(Warning_("ALREADY_REPORTED_HERE", f"{person_id} had already reported to this community; the report was updated"))
        props = {"reportType": "IN_SERVICE", "reportedAt": reported_at, "channel": channel, "status": "ACTIVE"}
        written = await tx.run(rules.report_write(engine.dialect, person_id, org, props, now))
        return Outcome({"personId": person_id, "communityId": community_id, "partyOrganizationId": org,
                        "status": "ACTIVE"}, warnings, [changes.updated("Person", person_id, _path(written), [], ["REPORTS_TO"])])

    return await _write(engine, principal, "reportToCommunity", work, areas=[community_id], own=[person_id])


async def record_service(engine: GraphEngine, principal: Principal, *, person_id: str, date: dt.date, hours: float, points: int | None,
                         at_id: str, for_id: str | None = None, description: str | None = None) -> Outcome:
    now = utcnow()
    rules.check_hours(hours)
    rules.not_in_future(date, now.date(), "date", rule="PT5")
    if points is not None and points < 0:
        raise ValidationError("points must not be negative (corrections are ADJUST entries)", field="points")
    rules.label_of(person_id, ("Person",), what="personId")
    at_label = rules.label_of(at_id, ("AdminArea", "Venue"), what="atId")
    for_label = rules.label_of(for_id, ("Project", "Demand", "MicroWish"), what="forId") if for_id else None
    record_id = new_id("ServiceRecord")

    async def work(tx: Tx) -> Outcome:
        rows = await tx.run(rules.service_check(person_id, date, at_label, at_id, for_label, for_id))
        total = rules.check_service(rows, person_id, at_id, for_id, hours)
        row = _row("ServiceRecord", {"id": record_id, "date": date, "hours": float(hours), "points": points,
                                     "description": _text(description, "description")}, "recordService")
        written = await tx.run(rules.service_write(engine.dialect, person_id, at_label, at_id, for_label, for_id, row, now))
        return Outcome({"serviceRecordId": record_id, "hoursThatDay": total}, [],
                       [changes.created("ServiceRecord", record_id, _path(written), _fields(row),
                                        ["PERFORMED", "AT"] + (["FOR"] if for_id else []))])

    return await _write(engine, principal, "recordService", work, areas=[at_id], own=[person_id])
