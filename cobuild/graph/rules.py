"""The business rules of domain.md §5 that mutations enforce: check reads, pure checks, writes.

Each mutation runs as one write unit of work (:meth:`GraphEngine.write`) in three steps:

1. one *check* statement (``*_check``) reads every fact its rules need — the entities, their
   states, the parties of a pairing, the claims already made. The statements that guard a
   uniqueness or limit rule (one lead claimant, one evaluation per direction and year, one active
   report, no duplicate pairing, 24 hours a day) begin by touching the node the rule is about (``SET n.updatedAt =
   n.updatedAt``): a no-op that makes Neo4j take that node's write lock, so concurrent units of
   work on the same item queue up; LadybugDB serialises write units anyway (one writer).
2. pure Python ``check_*`` functions turn the facts into :class:`RuleViolationError` (the rule's
   code, ``rule``, ``entityId`` and, for lifecycles, ``currentState`` / ``allowed``) or warnings;
   raising inside the unit of work rolls it back, so a refused mutation writes nothing.
3. one *write* statement (``*_write``) that MERGEs by the ids chosen before the unit of work ran
   (:mod:`cobuild.ids`), so a retried unit writes the same nodes.

Labels, types and keys come from the model through :func:`name`; values travel as parameters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from cobuild.errors import NotFoundError, RuleViolationError, ValidationError
from cobuild.graph import model
from cobuild.graph.cypher import Params, Statement, name
from cobuild.graph.dialect import Dialect

# ------------------------------------------------------------------------------------------------
# Lifecycles (domain.md §5.1–§5.3): state → states it may move to
# ------------------------------------------------------------------------------------------------
LIFECYCLES: dict[str, dict[str, tuple[str, ...]]] = {
    "Pairing": {
        "PROPOSED": ("ACTIVE", "TERMINATED"),
        "ACTIVE": ("UNDER_RECTIFICATION", "TERMINATED", "EXPIRED"),
        "UNDER_RECTIFICATION": ("ACTIVE", "TERMINATED", "EXPIRED"),
        "TERMINATED": (),
        "EXPIRED": (),
    },
    "Project": {
        "PROPOSED": ("LISTED", "CANCELLED"),
        "LISTED": ("CLAIMED", "CANCELLED"),
        "CLAIMED": ("IN_PROGRESS", "LISTED", "CANCELLED"),
        "IN_PROGRESS": ("COMPLETED", "SUSPENDED", "CANCELLED"),
        "COMPLETED": ("EVALUATED", "ARCHIVED"),
        "EVALUATED": ("ARCHIVED",),
        "ARCHIVED": (),
        "CANCELLED": (),
        "SUSPENDED": ("IN_PROGRESS", "CANCELLED"),
    },
    "Demand": {
        "DRAFT": ("PUBLISHED", "CANCELLED"),
        "PUBLISHED": ("CLAIMED", "CANCELLED", "EXPIRED", "ESCALATED"),
        "CLAIMED": ("IN_PROGRESS", "PUBLISHED"),
        "IN_PROGRESS": ("COMPLETED",),
        "COMPLETED": ("EVALUATED",),
        "EVALUATED": (),
        "CANCELLED": (),
        "EXPIRED": (),
        "ESCALATED": ("CLAIMED",),
    },
    "MicroWish": {
        "COLLECTED": ("PUBLICIZED", "WITHDRAWN"),
        "PUBLICIZED": ("CLAIMED", "WITHDRAWN"),
        "CLAIMED": ("FULFILLED", "PUBLICIZED"),
        "FULFILLED": (),
        "WITHDRAWN": (),
    },
}

# The state in which each kind of item may be claimed by a lead (rule D1).
CLAIMABLE_STATE = {"Demand": "PUBLISHED", "Project": "LISTED", "MicroWish": "PUBLICIZED"}
# States in which a SUPPORT claimant may still join (D2: "others join as SUPPORT").
SUPPORT_STATES = {
    "Demand": ("PUBLISHED", "CLAIMED", "IN_PROGRESS"),
    "Project": ("LISTED", "CLAIMED", "IN_PROGRESS"),
    "MicroWish": ("PUBLICIZED", "CLAIMED"),
}
# Projects in these states no longer block the termination of their pairing (rule A8).
CLOSED_PROJECT_STATES = ("COMPLETED", "EVALUATED", "ARCHIVED", "CANCELLED")
LIVE_PAIRING_STATES = ("ACTIVE", "UNDER_RECTIFICATION")
HOST_LEVELS = model.PAIRING_LEVELS  # STREET, COMMUNITY, COMPOUND
RECTIFY_OUTCOMES = ("CIRCULATED_CRITICISM", "RECTIFY_BY_DEADLINE")
SCORE_MIN, SCORE_MAX = 0.0, 100.0
MAX_HOURS_PER_DAY = 24.0
ORG_PREFERENCE = ("COMMITTEE", "GENERAL_BRANCH", "BRANCH", "COMPREHENSIVE_COMMITTEE")


@dataclass(frozen=True)
class Warning_:
    """A soft rule's note in a mutation payload."""

    code: str
    message: str


@dataclass
class Outcome:
    """What a mutation returns: ids, the new status and soft-rule warnings; ``changes`` are what the
    unit of work changed (:class:`cobuild.graph.changes.Change`, recorded in the change feed in the
    same transaction); ``replayed`` marks the first answer returned again for an idempotency key."""

    ids: dict[str, Any] = field(default_factory=dict)
    warnings: list[Warning_] = field(default_factory=list)
    changes: list[Any] = field(default_factory=list)
    replayed: bool = False


def require_transition(label_name: str, entity_id: str, current: str | None, target: str, rule: str) -> None:
    """INVALID_STATE_TRANSITION unless ``current → target`` is in the label's lifecycle."""
    allowed = LIFECYCLES[label_name].get(current or "", ())
    if target not in allowed:
        raise RuleViolationError(
            f"{label_name} {entity_id} is {current or 'without a status'}; it cannot move to {target}"
            + (f" (from {current} it may move to {', '.join(allowed)})" if allowed else f" ({current} is final)"),
            code="INVALID_STATE_TRANSITION", rule=rule, entityId=entity_id, currentState=current,
            allowed=list(allowed),
        )


# ------------------------------------------------------------------------------------------------
# Argument checks that need no graph
# ------------------------------------------------------------------------------------------------
def label_of(entity_id: str, allowed: Sequence[str], *, what: str, code: str = "VALIDATION", rule: str | None = None) -> str:
    """The label of ``entity_id`` if it is one of ``allowed``; NOT_FOUND for an id no label owns."""
    lab = model.label_of_id(entity_id) if isinstance(entity_id, str) else None
    if lab is None:
        raise NotFoundError(f"{what} {entity_id!r} does not exist (ids start with a label prefix such as 'unit:')",
                            entityId=entity_id)
    if lab.name not in allowed:
        msg = f"{what} {entity_id!r} is a {lab.name}; it must be a {' or '.join(allowed)}"
        if code == "VALIDATION":
            raise ValidationError(msg, field=what, entityId=entity_id)
        raise RuleViolationError(msg, code=code, rule=rule, entityId=entity_id)
    return lab.name


def not_in_future(value: dt.date | None, today: dt.date, field_name: str, rule: str | None = None) -> None:
    if value is not None and value > today:
        raise ValidationError(f"{field_name} {value.isoformat()} is in the future (today is {today.isoformat()} UTC)",
                              field=field_name, rule=rule)


def check_scope(scope: Iterable[str]) -> list[str]:
    """Rule A7: an agreement's scope ⊆ the five forms (组织联建、活动联办、资源联享、党员联管、服务联办)."""
    items = list(scope)
    bad = [s for s in items if s not in model.FORMS]
    if bad:
        raise RuleViolationError(
            f"scope {', '.join(map(str, bad))} is not a co-building form; allowed: {', '.join(model.FORMS)}",
            code="INVALID_SCOPE", rule="A7",
        )
    return list(dict.fromkeys(items))


def check_score(score: float, satisfaction: float | None, direction: str) -> None:
    """Rules E7 (score 0–100) and E4 (AREA_TO_UNIT needs resident satisfaction)."""
    if score is None or not (SCORE_MIN <= score <= SCORE_MAX):
        raise RuleViolationError(f"score {score} is outside {SCORE_MIN:g}–{SCORE_MAX:g}", code="SCORE_OUT_OF_RANGE",
                                 rule="E7", field="score")
    if satisfaction is not None and not (0.0 <= satisfaction <= 100.0):
        raise ValidationError(f"satisfactionRate {satisfaction} must be a percentage 0–100", field="satisfactionRate")
    if direction == "AREA_TO_UNIT" and satisfaction is None:
        raise RuleViolationError(
            "an AREA_TO_UNIT evaluation needs satisfactionRate: resident satisfaction is its main criterion "
            "(以社区居民满意度为主要衡量标准)", code="SATISFACTION_REQUIRED", rule="E4", field="satisfactionRate",
        )


def check_hours(hours: float) -> None:
    """Rule PT5: 0 < hours ≤ 24."""
    if hours is None or not (0 < hours <= MAX_HOURS_PER_DAY):
        raise RuleViolationError(f"hours {hours} must be more than 0 and at most {MAX_HOURS_PER_DAY:g}",
                                 code="INVALID_HOURS", rule="PT5", field="hours")


# ------------------------------------------------------------------------------------------------
# Statement pieces
# ------------------------------------------------------------------------------------------------
def _match(var: str, label_name: str, id_param: str, *, optional: bool = False) -> str:
    return f"{'OPTIONAL ' if optional else ''}MATCH ({var}:{name(label_name)}) WHERE {var}.`id` = {id_param}"


def _lock(var: str) -> str:
    """A no-op write that takes the node's write lock on Neo4j (see module docstring)."""
    return f"SET {var}.`updatedAt` = {var}.`updatedAt`"


def merge_node(dialect: Dialect, params: Params, var: str, label_name: str, row: Mapping[str, Any], now_p: str) -> str:
    """``MERGE (var:Label {id}) SET …`` for a row validated by :func:`cobuild.graph.validate.node_row`."""
    lab = model.label(label_name)
    sets = [
        f"{var}.{name(k)} = {dialect.typed(params.add(v), lab.prop(k).type)}"
        for k, v in row.items() if k not in ("id", "createdAt", "updatedAt")
    ]
    sets += [f"{var}.`createdAt` = coalesce({var}.`createdAt`, {now_p})", f"{var}.`updatedAt` = {now_p}"]
    return f"MERGE ({var}:{name(label_name)} {{`id`: {params.add(row['id'])}}}) SET {', '.join(sets)}"


def inherit_area(child: str, parent: str) -> str:
    """A new record lives where the record it belongs to lives: it takes the parent's ``areaPath``
    (the authorization key) and ``regionId`` unless it already has its own."""
    return (f"SET {child}.`areaPath` = coalesce({child}.`areaPath`, {parent}.`areaPath`), "
            f"{child}.`regionId` = coalesce({child}.`regionId`, {parent}.`regionId`)")


def merge_rel(dialect: Dialect, params: Params, a: str, rel_name: str, b: str, var: str, props: Mapping[str, Any]) -> str:
    rt = model.rel(rel_name)
    text = f"MERGE ({a})-[{var}:{name(rel_name)}]->({b})"
    if props:
        text += " SET " + ", ".join(
            f"{var}.{name(k)} = {dialect.typed(params.add(v), rt.prop(k).type)}" for k, v in props.items()
        )
    return text


# ------------------------------------------------------------------------------------------------
# createPairing (A1, A2, A5)
# ------------------------------------------------------------------------------------------------
def pairing_parties_check(host_label: str, host_id: str, partner_label: str, partner_id: str, pairing_type: str) -> Statement:
    """Host, partner, their owners, and the live pairings of the same type between them."""
    return pairing_parties_check_many(host_label, partner_label, [
        {"i": 0, "host": host_id, "partner": partner_id, "type": pairing_type, "self": ""}])


def pairing_parties_check_many(host_label: str, partner_label: str, pairs: Sequence[Mapping[str, Any]]) -> Statement:
    """:func:`pairing_parties_check` for many pairs ``{i, host, partner, type, self}`` at once (batch
    upserts): rows carry ``i``; ``self`` (the pairing being upserted) is not its own duplicate."""
    p = Params()
    rows = p.add([{k: r[k] for k in ("i", "host", "partner", "type", "self")} for r in pairs])
    h, u, t = "r.`host`", "r.`partner`", "r.`type`"
    live = p.add(list(LIVE_PAIRING_STATES))
    parts = [f"UNWIND {rows} AS r", _match("h", host_label, h, optional=True), _lock("h"), "WITH r, h"]
    if host_label == "PartyOrganization":
        parts.append("OPTIONAL MATCH (ha:`AdminArea`)-[:`HAS_PARTY_ORG`]->(h)")
        host_level = "ha.`level`"
    else:
        host_level = "h.`level`"
    parts.append(_match("u", partner_label, u, optional=True))
    if partner_label == "PartyOrganization":
        parts.append("OPTIONAL MATCH (uo:`Unit`)-[:`HAS_PARTY_ORG`]->(u)")
        parts.append("OPTIONAL MATCH (u)-[:`COVERS`]->(uc:`Unit`)")
        partner_owner = "coalesce(uo.`id`, uc.`id`)"
    else:
        partner_owner = "u.`id`"
    parts.append(
        f"RETURN r.`i` AS i, h.`id` AS host, {host_level} AS hostLevel, u.`id` AS partner, {partner_owner} AS partnerUnit, "
        f"COUNT {{ MATCH (h)-[a:`PARTY_TO`]->(x:`Pairing`)<-[b:`PARTY_TO`]-(u) "
        f"WHERE a.`side` = 'HOST' AND b.`side` = 'PARTNER' AND x.`pairingType` = {t} AND x.`status` IN {live} "
        f"AND x.`id` <> r.`self` }} AS duplicates"
    )
    return Statement(" ".join(parts), p.values, label="rules: pairing parties")


def check_pairing_parties(rows: list[dict[str, Any]], host_id: str, partner_id: str, pairing_type: str) -> str:
    """Raise for A1/A2; return the pairing level (the host's area level)."""
    row = rows[0] if rows else {}
    if not row.get("host"):
        raise NotFoundError(f"host {host_id} does not exist", entityId=host_id)
    if not row.get("partner"):
        raise NotFoundError(f"partner {partner_id} does not exist", entityId=partner_id)
    levels = [r.get("hostLevel") for r in rows if r.get("hostLevel") in HOST_LEVELS]
    if not levels:
        raise RuleViolationError(
            f"host {host_id} must be a street, community or compound, or the party organisation of one",
            code="INVALID_PAIRING_PARTIES", rule="A1", entityId=host_id,
        )
    if not any(r.get("partnerUnit") for r in rows):
        raise RuleViolationError(
            f"partner {partner_id} must be a unit or the party organisation of a unit",
            code="INVALID_PAIRING_PARTIES", rule="A1", entityId=partner_id,
        )
    if max(r.get("duplicates") or 0 for r in rows) > 0:
        raise RuleViolationError(
            f"{host_id} and {partner_id} already have an active {pairing_type} pairing",
            code="PAIRING_DUPLICATE", rule="A2", entityId=host_id,
        )
    return str(levels[0])


def pairing_create_write(
    dialect: Dialect, host_label: str, host_id: str, partner_label: str, partner_id: str,
    row: Mapping[str, Any], joined: dt.date, now: dt.datetime,
) -> Statement:
    p = Params()
    now_p = p.add(now)
    text = " ".join([
        _match("h", host_label, p.add(host_id)),
        _match("u", partner_label, p.add(partner_id)),
        merge_node(dialect, p, "x", "Pairing", row, now_p),
        inherit_area("x", "h"),
        merge_rel(dialect, p, "h", "PARTY_TO", "x", "a", {"side": "HOST", "joinedAt": joined}),
        merge_rel(dialect, p, "u", "PARTY_TO", "x", "b", {"side": "PARTNER", "joinedAt": joined}),
        "RETURN x.`id` AS id, x.`status` AS status, x.`areaPath` AS areaPath",
    ])
    return Statement(text, p.values, label="write: create pairing")


# ------------------------------------------------------------------------------------------------
# Parties of a pairing, with their party organisations and owners (A3, E3)
# ------------------------------------------------------------------------------------------------
def pairing_parties_read(pairing_id: str | Sequence[str], *, lock: bool = False, year: int | None = None,
                         direction: str | None = None) -> Statement:
    """The pairing, each party with its side, the party's own party orgs and the owner of a party org;
    with ``year``/``direction`` also the evaluations already given about it. A list of ids reads many
    pairings at once (batch upserts; rows carry ``pairing``)."""
    p = Params()
    if isinstance(pairing_id, str):
        parts = [_match("x", "Pairing", p.add(pairing_id))]
    else:
        parts = [f"MATCH (x:`Pairing`) WHERE x.`id` IN {p.add(list(pairing_id))}"]
    if lock:
        parts.append(_lock("x") + " WITH x")
    parts += [
        "OPTIONAL MATCH (y)-[r:`PARTY_TO`]->(x)",
        "OPTIONAL MATCH (y)-[:`HAS_PARTY_ORG`]->(yo:`PartyOrganization`)",
        "OPTIONAL MATCH (yw)-[:`HAS_PARTY_ORG`]->(y)",
    ]
    dup = "0"
    if year is not None and direction is not None:
        dup = (f"COUNT {{ MATCH (e:`Evaluation`)-[:`ABOUT`]->(x) WHERE e.`year` = {p.add(year)} "
               f"AND e.`direction` = {p.add(direction)} }}")
    parts.append(
        "RETURN x.`id` AS pairing, x.`status` AS status, y.`id` AS party, r.`side` AS side, "
        f"yo.`id` AS org, yw.`id` AS owner, {dup} AS duplicates"
    )
    return Statement(" ".join(parts), p.values, label="rules: pairing parties")


@dataclass
class PairingFacts:
    pairing_id: str
    status: str
    sides: dict[str, set[str]]  # side → party ids
    acting: dict[str, set[str]]  # side → ids that may act for that side (parties, their orgs, owners)
    duplicates: int = 0

    def side_of(self, actor_id: str) -> str | None:
        for side, ids in self.acting.items():
            if actor_id in ids:
                return side
        return None


def pairing_facts(rows: list[dict[str, Any]], pairing_id: str) -> PairingFacts:
    if not rows:
        raise NotFoundError(f"pairing {pairing_id} does not exist", entityId=pairing_id)
    sides: dict[str, set[str]] = {s: set() for s in model.PARTY_SIDES}
    acting: dict[str, set[str]] = {s: set() for s in model.PARTY_SIDES}
    for r in rows:
        side = r.get("side")
        if not r.get("party") or side not in sides:
            continue
        sides[side].add(r["party"])
        acting[side].update(v for v in (r["party"], r.get("org"), r.get("owner")) if v)
    return PairingFacts(pairing_id, rows[0].get("status") or "", sides, acting,
                        max(int(r.get("duplicates") or 0) for r in rows))


def require_open_pairing(f: PairingFacts) -> None:
    """Rule §5.12: no changes on a TERMINATED or EXPIRED pairing."""
    if f.status not in ("PROPOSED",) + LIVE_PAIRING_STATES:
        raise RuleViolationError(f"pairing {f.pairing_id} is {f.status}; closed pairings cannot change",
                                 code="ENTITY_CLOSED", rule="5.12", entityId=f.pairing_id, currentState=f.status)


# ------------------------------------------------------------------------------------------------
# signAgreement (A3, A7)
# ------------------------------------------------------------------------------------------------
def check_signers(f: PairingFacts, signer_ids: Sequence[str]) -> dict[str, str]:
    """Rule A3: every signer acts for a side of the pairing; returns signer → side."""
    out: dict[str, str] = {}
    strangers = []
    for s in signer_ids:
        side = f.side_of(s)
        if side is None:
            strangers.append(s)
        else:
            out[s] = side
    if strangers:
        raise RuleViolationError(
            f"{', '.join(strangers)} {'is' if len(strangers) == 1 else 'are'} not a party to pairing {f.pairing_id} "
            "(parties, their party organisations or the owners of a party organisation may sign)",
            code="SIGNER_NOT_PARTY", rule="A3", entityId=strangers[0],
        )
    return out


def agreement_write(dialect: Dialect, pairing_id: str, row: Mapping[str, Any], now: dt.datetime) -> Statement:
    p = Params()
    now_p = p.add(now)
    text = " ".join([
        _match("x", "Pairing", p.add(pairing_id)),
        merge_node(dialect, p, "g", "Agreement", row, now_p),
        inherit_area("g", "x"),
        "MERGE (g)-[:`FORMALIZES`]->(x)",
        "RETURN g.`id` AS id, g.`status` AS status, g.`areaPath` AS areaPath",
    ])
    return Statement(text, p.values, label="write: agreement")


def signed_write(dialect: Dialect, agreement_id: str, signer_label: str, rows: list[dict[str, Any]]) -> Statement:
    """``SIGNED`` edges from signers of one label (rows: ``{id, role, signedAt}``)."""
    p = Params()
    rows_p = p.add(rows)
    text = (
        f"UNWIND {rows_p} AS r MATCH (s:{name(signer_label)}) WHERE s.`id` = r.`id` "
        f"MATCH (g:`Agreement`) WHERE g.`id` = {p.add(agreement_id)} "
        f"MERGE (s)-[e:`SIGNED`]->(g) SET e.`role` = r.`role`, e.`signedAt` = {dialect.typed('r.`signedAt`', model.PropType.DATE)} "
        "RETURN count(e) AS n"
    )
    return Statement(text, p.values, label=f"write: signed by {signer_label}")


# ------------------------------------------------------------------------------------------------
# terminatePairing (A8)
# ------------------------------------------------------------------------------------------------
def terminate_check(pairing_id: str) -> Statement:
    p = Params()
    text = (
        _match("x", "Pairing", p.add(pairing_id)) + " "
        + _lock("x") + " "
        + f"RETURN x.`status` AS status, COUNT {{ MATCH (j:`Project`)-[:`UNDER`]->(x) "
        f"WHERE NOT coalesce(j.`status`, '') IN {p.add(list(CLOSED_PROJECT_STATES))} }} AS openProjects"
    )
    return Statement(text, p.values, label="rules: terminate pairing")


def check_terminate(rows: list[dict[str, Any]], pairing_id: str) -> str:
    if not rows:
        raise NotFoundError(f"pairing {pairing_id} does not exist", entityId=pairing_id)
    status = rows[0].get("status")
    if status not in LIVE_PAIRING_STATES:
        require_transition("Pairing", pairing_id, status, "TERMINATED", "A8")
        raise RuleViolationError(  # PROPOSED → TERMINATED is a lifecycle step, but only live pairings end here
            f"pairing {pairing_id} is {status}; only ACTIVE or UNDER_RECTIFICATION pairings can be terminated",
            code="INVALID_STATE_TRANSITION", rule="A8", entityId=pairing_id, currentState=status,
            allowed=list(LIFECYCLES["Pairing"].get(status or "", ())),
        )
    n = int(rows[0].get("openProjects") or 0)
    if n:
        raise RuleViolationError(
            f"pairing {pairing_id} still has {n} open project(s); complete, cancel or move them first",
            code="OPEN_PROJECTS_EXIST", rule="A8", entityId=pairing_id, openProjects=n,
        )
    return str(status)


def terminate_write(pairing_id: str, on: dt.date, now: dt.datetime) -> Statement:
    p = Params()
    now_p = p.add(now)
    on_p = p.add(on)
    text = (
        _match("x", "Pairing", p.add(pairing_id))
        + f" SET x.`status` = 'TERMINATED', x.`terminatedAt` = {on_p}, x.`validTo` = {on_p}, x.`updatedAt` = {now_p}"
        + " WITH x OPTIONAL MATCH (g:`Agreement`)-[:`FORMALIZES`]->(x) WHERE g.`status` IN ['SIGNED', 'IN_FORCE']"
        + f" SET g.`status` = 'TERMINATED', g.`effectiveTo` = {on_p}, g.`updatedAt` = {now_p}"
        + " RETURN x.`status` AS status, x.`areaPath` AS areaPath, collect(g.`id`) AS agreements"
    )
    return Statement(text, p.values, label="write: terminate pairing")


# ------------------------------------------------------------------------------------------------
# publishDemand (D3)
# ------------------------------------------------------------------------------------------------
def publish_check(publisher_label: str, publisher_id: str, category_ids: Sequence[str]) -> Statement:
    p = Params()
    text = (
        _match("x", publisher_label, p.add(publisher_id), optional=True)
        + f" OPTIONAL MATCH (c:`Category`) WHERE c.`id` IN {p.add(list(category_ids))}"
        + " RETURN x.`id` AS publisher, collect(c.`id`) AS categories"  # collect skips the null of no match
    )
    return Statement(text, p.values, label="rules: publish demand")


def check_publish(rows: list[dict[str, Any]], publisher_id: str, category_ids: Sequence[str]) -> None:
    row = rows[0] if rows else {}
    if not row.get("publisher"):
        raise NotFoundError(f"publisher {publisher_id} does not exist", entityId=publisher_id)
    found = set(row.get("categories") or [])
    missing = [c for c in category_ids if c not in found]
    if missing:
        raise NotFoundError(f"categor{'y' if len(missing) == 1 else 'ies'} {', '.join(missing)} not found",
                            entityId=missing[0], field="categoryIds")


def demand_write(dialect: Dialect, publisher_label: str, publisher_id: str, row: Mapping[str, Any],
                 category_ids: Sequence[str], now: dt.datetime) -> Statement:
    p = Params()
    now_p = p.add(now)
    text = " ".join([
        _match("x", publisher_label, p.add(publisher_id)),
        merge_node(dialect, p, "d", "Demand", row, now_p),
        inherit_area("d", "x"),
        merge_rel(dialect, p, "x", "PUBLISHES", "d", "e", {"publishedAt": row.get("publishedAt")}),
        f"WITH d UNWIND {p.add(list(category_ids))} AS cid MATCH (c:`Category`) WHERE c.`id` = cid",
        "MERGE (d)-[:`IN_CATEGORY`]->(c)",
        "WITH d, count(c) AS categories",
        "RETURN d.`id` AS id, d.`status` AS status, d.`areaPath` AS areaPath, categories",
    ])
    return Statement(text, p.values, label="write: publish demand")


# ------------------------------------------------------------------------------------------------
# claim (D1, D2, D4, D9, P2)
# ------------------------------------------------------------------------------------------------
def claim_check(item_label: str, item_id: str, claimant_label: str, claimant_id: str) -> Statement:
    p = Params()
    c = p.add(claimant_id)
    roles = "c.`roles`" if claimant_label == "Person" else "NULL"
    text = " ".join([
        _match("i", item_label, p.add(item_id)),
        _lock("i"),
        "WITH i",
        _match("c", claimant_label, c, optional=True),
        f"RETURN i.`status` AS status, c.`id` AS claimant, {roles} AS roles, "
        "COUNT { MATCH (l)-[k:`CLAIMED`]->(i) WHERE k.`role` = 'LEAD' AND coalesce(k.`status`, 'ACTIVE') = 'ACTIVE' } AS leads, "
        f"COUNT {{ MATCH (l)-[k:`CLAIMED`]->(i) WHERE l.`id` = {c} AND coalesce(k.`status`, 'ACTIVE') = 'ACTIVE' }} AS mine, "
        "COUNT { MATCH (w:`Unit`)-[:`PUBLISHES`]->(i) } AS unitPublishers",
    ])
    return Statement(text, p.values, label="rules: claim")


def check_claim(rows: list[dict[str, Any]], item_label: str, item_id: str, claimant_label: str,
                claimant_id: str, role: str) -> str:
    """Raise for D1/D2/D4/D9; return the item's status after the claim."""
    if not rows:
        raise NotFoundError(f"{item_label} {item_id} does not exist", entityId=item_id)
    row = rows[0]
    if not row.get("claimant"):
        raise NotFoundError(f"claimant {claimant_id} does not exist", entityId=claimant_id)
    status = row.get("status")
    if claimant_label == "Person" and "PARTY_MEMBER" not in (row.get("roles") or []):
        raise RuleViolationError(
            f"{claimant_id} is not a party member; items are claimed by party organisations, units or party members "
            "(党组织认领项目、党员认领服务)", code="CLAIMANT_NOT_ELIGIBLE", rule="D4", entityId=claimant_id,
        )
    if claimant_label == "AdminArea" and not (item_label == "Demand" and int(row.get("unitPublishers") or 0) > 0):
        raise RuleViolationError(
            f"an area may claim only demands published by a unit (rule D9); {item_id} is not one",
            code="CLAIMANT_NOT_ELIGIBLE", rule="D9", entityId=claimant_id,
        )
    if int(row.get("mine") or 0) > 0:
        raise RuleViolationError(f"{claimant_id} has already claimed {item_id}", code="ALREADY_CLAIMED", rule="D2",
                                 entityId=item_id, currentState=status)
    if role == "LEAD":
        if int(row.get("leads") or 0) > 0:
            raise RuleViolationError(
                f"{item_id} already has an active lead claimant; join as SUPPORT instead",
                code="ALREADY_CLAIMED", rule="D2" if item_label != "Project" else "P2", entityId=item_id,
                currentState=status,
            )
        if status != CLAIMABLE_STATE[item_label]:
            require_transition(item_label, item_id, status, "CLAIMED", "D1")
        return "CLAIMED"
    if status not in SUPPORT_STATES[item_label]:
        raise RuleViolationError(
            f"{item_label} {item_id} is {status}; supporters may join only while it is "
            f"{', '.join(SUPPORT_STATES[item_label])}", code="INVALID_STATE_TRANSITION", rule="D1", entityId=item_id,
            currentState=status, allowed=list(LIFECYCLES[item_label].get(status or "", ())),
        )
    return str(status)


def claim_write(dialect: Dialect, item_label: str, item_id: str, claimant_label: str, claimant_id: str,
                props: Mapping[str, Any], new_status: str, now: dt.datetime) -> Statement:
    p = Params()
    now_p = p.add(now)
    text = " ".join([
        _match("c", claimant_label, p.add(claimant_id)),
        _match("i", item_label, p.add(item_id)),
        merge_rel(dialect, p, "c", "CLAIMED", "i", "k", props),
        f"SET i.`status` = {p.add(new_status)}, i.`updatedAt` = {now_p}",
        "RETURN i.`status` AS status, k.`role` AS role, i.`areaPath` AS areaPath",
    ])
    return Statement(text, p.values, label="write: claim")


# ------------------------------------------------------------------------------------------------
# startProject / completeProject (P lifecycle, D5)
# ------------------------------------------------------------------------------------------------
def project_check(project_id: str) -> Statement:
    p = Params()
    text = (
        _match("j", "Project", p.add(project_id)) + " " + _lock("j")
        + " RETURN j.`status` AS status, j.`description` AS description, "
        "COUNT { MATCH (s:`ServiceRecord`)-[:`FOR`]->(j) } AS records"
    )
    return Statement(text, p.values, label="rules: project")


def check_project(rows: list[dict[str, Any]], project_id: str, target: str) -> dict[str, Any]:
    if not rows:
        raise NotFoundError(f"project {project_id} does not exist", entityId=project_id)
    require_transition("Project", project_id, rows[0].get("status"), target, "P")
    return rows[0]


def project_write(project_id: str, status: str, sets: Mapping[str, Any], now: dt.datetime, *, close_claims: dt.date | None = None) -> Statement:
    p = Params()
    assignments = [f"j.`status` = {p.add(status)}", f"j.`updatedAt` = {p.add(now)}"]
    assignments += [f"j.{name(k)} = {p.add(v)}" for k, v in sets.items()]
    text = _match("j", "Project", p.add(project_id)) + " SET " + ", ".join(assignments)
    if close_claims is not None:
        text += (" WITH j OPTIONAL MATCH (l)-[k:`CLAIMED`]->(j) WHERE coalesce(k.`status`, 'ACTIVE') = 'ACTIVE' "
                 f"SET k.`status` = 'COMPLETED', k.`completedAt` = {p.add(close_claims)}")
    text += " RETURN j.`status` AS status, j.`areaPath` AS areaPath"
    return Statement(text, p.values, label="write: project status")


def check_completion(record_count: int, note: str | None, project_id: str) -> None:
    if record_count <= 0 and not (note and note.strip()):
        raise RuleViolationError(
            f"project {project_id} has no service record; give a completion note to complete it",
            code="COMPLETION_EVIDENCE_REQUIRED", rule="D5", entityId=project_id,
        )


# ------------------------------------------------------------------------------------------------
# evaluate (E3, E4, E6, E7)
# ------------------------------------------------------------------------------------------------
EVALUATOR_SIDE = {"AREA_TO_UNIT": "HOST", "UNIT_TO_AREA": "PARTNER"}


def check_evaluator(f: PairingFacts, evaluator_id: str, direction: str, year: int) -> str:
    """Rule E3; returns the id the evaluation is OF (first party of the other side)."""
    side = EVALUATOR_SIDE[direction]
    if evaluator_id not in f.acting[side]:
        raise RuleViolationError(
            f"{evaluator_id} is not a party on the {side} side of pairing {f.pairing_id}; "
            f"{direction} evaluations are given by the {'area' if side == 'HOST' else 'unit'} side",
            code="EVALUATOR_NOT_PARTY", rule="E3", entityId=evaluator_id,
        )
    if f.duplicates:
        raise RuleViolationError(
            f"pairing {f.pairing_id} already has a {direction} evaluation for {year}",
            code="EVALUATION_DUPLICATE", rule="E3", entityId=f.pairing_id,
        )
    other = "PARTNER" if side == "HOST" else "HOST"
    targets = sorted(f.sides[other])
    if not targets:
        raise RuleViolationError(f"pairing {f.pairing_id} has no {other} party to evaluate",
                                 code="INVALID_PAIRING_PARTIES", rule="A1", entityId=f.pairing_id)
    return targets[0]


def evaluation_duplicates_many(rows: Sequence[Mapping[str, Any]]) -> Statement:
    """Evaluations already given about a pairing for a year and direction, for many
    ``{i, pairing, year, direction, exclude}`` at once (batch upserts, rule E3)."""
    p = Params()
    text = (
        f"UNWIND {p.add([{k: r[k] for k in ('i', 'pairing', 'year', 'direction', 'exclude')} for r in rows])} AS r "
        "MATCH (x:`Pairing`) WHERE x.`id` = r.`pairing` "
        "RETURN r.`i` AS i, COUNT { MATCH (e:`Evaluation`)-[:`ABOUT`]->(x) WHERE e.`year` = r.`year` "
        "AND e.`direction` = r.`direction` AND NOT e.`id` IN r.`exclude` } AS duplicates"
    )
    return Statement(text, p.values, label="rules: evaluation duplicates (batch)")


def evaluation_write(dialect: Dialect, pairing_id: str, evaluator_label: str, evaluator_id: str, target_label: str,
                     target_id: str, row: Mapping[str, Any], new_pairing_status: str, now: dt.datetime) -> Statement:
    p = Params()
    now_p = p.add(now)
    text = " ".join([
        _match("x", "Pairing", p.add(pairing_id)),
        _match("v", evaluator_label, p.add(evaluator_id)),
        _match("t", target_label, p.add(target_id)),
        merge_node(dialect, p, "e", "Evaluation", row, now_p),
        inherit_area("e", "x"),
        "MERGE (v)-[:`GAVE`]->(e) MERGE (e)-[:`OF`]->(t) MERGE (e)-[:`ABOUT`]->(x)",
        f"SET x.`updatedAt` = CASE WHEN x.`status` = {p.add(new_pairing_status)} THEN x.`updatedAt` ELSE {now_p} END, "
        f"x.`status` = {p.add(new_pairing_status)}",
        "RETURN e.`id` AS id, x.`status` AS pairingStatus, e.`areaPath` AS areaPath, x.`areaPath` AS pairingAreaPath",
    ])
    return Statement(text, p.values, label="write: evaluation")


# ------------------------------------------------------------------------------------------------
# reportToCommunity (M1, M2)
# ------------------------------------------------------------------------------------------------
def report_check(person_id: str, community_id: str) -> Statement:
    p = Params()
    text = " ".join([
        _match("x", "Person", p.add(person_id), optional=True),
        _lock("x"),
        "WITH x",
        _match("c", "AdminArea", p.add(community_id), optional=True),
        "OPTIONAL MATCH (c)-[:`HAS_PARTY_ORG`]->(o:`PartyOrganization`)",
        "OPTIONAL MATCH (x)-[r:`REPORTS_TO`]->(ro:`PartyOrganization`) WHERE r.`status` = 'ACTIVE' AND r.`reportType` = 'IN_SERVICE'",
        "RETURN x.`id` AS person, x.`roles` AS roles, x.`memberCategory` AS category, c.`id` AS community, "
        "c.`level` AS level, o.`id` AS org, o.`orgType` AS orgType, ro.`id` AS reportedTo",
    ])
    return Statement(text, p.values, label="rules: report to community")


def check_report(rows: list[dict[str, Any]], person_id: str, community_id: str) -> tuple[str, bool]:
    """Raise for M1/M2; return (party org reported to, already reported there)."""
    row = rows[0] if rows else {}
    if not row.get("person"):
        raise NotFoundError(f"person {person_id} does not exist", entityId=person_id)
    if not row.get("community"):
        raise NotFoundError(f"community {community_id} does not exist", entityId=community_id)
    if row.get("level") != "COMMUNITY":
        raise ValidationError(f"{community_id} is a {row.get('level')} area, not a community", field="communityId",
                              entityId=community_id)
    if "PARTY_MEMBER" not in (row.get("roles") or []):
        raise RuleViolationError(f"{person_id} is not a party member; only party members report to a community (双报到)",
                                 code="NOT_A_PARTY_MEMBER", rule="M1", entityId=person_id)
    orgs = {r["org"]: r.get("orgType") for r in rows if r.get("org")}
    if not orgs:
        raise ValidationError(
            f"community {community_id} has no party organisation recorded (HAS_PARTY_ORG); add it before members report",
            field="communityId", entityId=community_id)
    rank = {t: i for i, t in enumerate(ORG_PREFERENCE)}
    org = sorted(orgs, key=lambda o: (rank.get(orgs[o], len(rank)), o))[0]
    current = {r["reportedTo"] for r in rows if r.get("reportedTo")}
    elsewhere = sorted(current - set(orgs))
    if elsewhere:
        raise RuleViolationError(
            f"{person_id} already has an active in-service report to {elsewhere[0]}; withdraw it first "
            "(an in-service member reports to one community at a time)",
            code="ALREADY_REPORTED_ELSEWHERE", rule="M2", entityId=person_id, reportedTo=elsewhere[0],
        )
    return org, bool(current & set(orgs))


def report_write(dialect: Dialect, person_id: str, org_id: str, props: Mapping[str, Any], now: dt.datetime) -> Statement:
    p = Params()
    text = " ".join([
        _match("x", "Person", p.add(person_id)),
        _match("o", "PartyOrganization", p.add(org_id)),
        merge_rel(dialect, p, "x", "REPORTS_TO", "o", "r", props),
        f"SET x.`updatedAt` = {p.add(now)}",
        "RETURN r.`status` AS status, x.`areaPath` AS areaPath",
    ])
    return Statement(text, p.values, label="write: report to community")


# ------------------------------------------------------------------------------------------------
# recordService (PT5)
# ------------------------------------------------------------------------------------------------
def service_check(person_id: str, on: dt.date, at_label: str, at_id: str, for_label: str | None, for_id: str | None) -> Statement:
    p = Params()
    parts = [
        _match("x", "Person", p.add(person_id), optional=True),
        _lock("x"),
        "WITH x",
        f"OPTIONAL MATCH (x)-[:`PERFORMED`]->(s:`ServiceRecord`) WHERE s.`date` = {p.add(on)}",
        "WITH x, sum(s.`hours`) AS hoursThatDay",
        _match("a", at_label, p.add(at_id), optional=True),
    ]
    ret = "x.`id` AS person, hoursThatDay, a.`id` AS at"
    if for_label and for_id:
        parts += ["WITH x, hoursThatDay, a", _match("f", for_label, p.add(for_id), optional=True)]
        ret += ", f.`id` AS target"
    parts.append("RETURN " + ret)
    return Statement(" ".join(parts), p.values, label="rules: record service")


def service_hours_many(rows: Sequence[Mapping[str, Any]]) -> Statement:
    """Hours each person already has on a day, for many ``{i, person, date, exclude}`` at once (batch
    upserts; ``exclude``: records of the batch, counted by the caller as they are now)."""
    p = Params()
    text = (
        f"UNWIND {p.add([{k: r[k] for k in ('i', 'person', 'date', 'exclude')} for r in rows])} AS r "
        "OPTIONAL MATCH (x:`Person`) WHERE x.`id` = r.`person` " + _lock("x") + " WITH r, x "
        "OPTIONAL MATCH (x)-[:`PERFORMED`]->(s:`ServiceRecord`) WHERE s.`date` = r.`date` AND NOT s.`id` IN r.`exclude` "
        "RETURN r.`i` AS i, x.`id` AS person, sum(s.`hours`) AS hoursThatDay"
    )
    return Statement(text, p.values, label="rules: service hours (batch)")


def check_service(rows: list[dict[str, Any]], person_id: str, at_id: str, for_id: str | None, hours: float) -> float:
    row = rows[0] if rows else {}
    for key, value in (("person", person_id), ("at", at_id)) + ((("target", for_id),) if for_id else ()):
        if not row.get(key):
            raise NotFoundError(f"{value} does not exist", entityId=value)
    before = float(row.get("hoursThatDay") or 0)
    if before + hours > MAX_HOURS_PER_DAY:
        raise RuleViolationError(
            f"{person_id} already has {before:g} hours on that day; {hours:g} more would exceed {MAX_HOURS_PER_DAY:g}",
            code="INVALID_HOURS", rule="PT5", entityId=person_id, field="hours",
        )
    return before + hours


def service_write(dialect: Dialect, person_id: str, at_label: str, at_id: str, for_label: str | None,
                  for_id: str | None, row: Mapping[str, Any], now: dt.datetime) -> Statement:
    p = Params()
    now_p = p.add(now)
    parts = [
        _match("x", "Person", p.add(person_id)),
        _match("a", at_label, p.add(at_id)),
    ]
    if for_label and for_id:
        parts.append(_match("f", for_label, p.add(for_id)))
    parts += [merge_node(dialect, p, "s", "ServiceRecord", row, now_p), inherit_area("s", "a"),
              "MERGE (x)-[:`PERFORMED`]->(s) MERGE (s)-[:`AT`]->(a)"]
    if for_label and for_id:
        parts.append("MERGE (s)-[:`FOR`]->(f)")
    parts.append("RETURN s.`id` AS id, s.`areaPath` AS areaPath")
    return Statement(" ".join(parts), p.values, label="write: service record")


# ------------------------------------------------------------------------------------------------
# Batch upsert by external id
# ------------------------------------------------------------------------------------------------
def existing_ids(label_name: str, ids: Sequence[str]) -> Statement:
    p = Params()
    text = f"MATCH (n:{name(label_name)}) WHERE n.`id` IN {p.add(list(ids))} RETURN n.`id` AS id"
    return Statement(text, p.values, label=f"rules: existing {label_name}")
