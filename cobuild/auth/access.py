"""What a principal may read and write, compiled into the statements themselves.

Reads. The co-building network — areas, units, party organisations, pairings, agreements, the
demand / resource / project lists — is published so that it can be claimed; every principal reads
it. Two kinds of data are not public:

* rows of *scoped* labels (``NodeLabel.scoped``: evaluations, service records) are filtered in the
  statement to the principal's areas — a record is in scope when one of the principal's areas is on
  its ``areaPath`` (its home area and every area above it);
* *personal* properties (``NodeLabel.personal``: a person's name, aliases, phone) are projected as
  ``CASE WHEN <entitled> THEN value ELSE '***' END``, so a masked value never leaves the database.

Writes. :func:`authorize_write` runs first inside a mutation's unit of work (before any write):
area roles may change what lies in their subtree, a unit what belongs to it (itself, its party
organisations, its employees, the projects and demands it claimed), a partner only batch upserts.

Everything here is declared once and used by the entity compiler, the network questions and the
mutations alike; values travel as parameters, names come from the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from cobuild.auth.principal import Principal
from cobuild.errors import ForbiddenError
from cobuild.graph import model
from cobuild.graph.cypher import Params, Statement, name

MASK = "***"

# How a record belongs to a unit (unit role): patterns from the record ``{v}`` to the unit ``{u}``.
# Each is one EXISTS { MATCH … } alternative; a party organisation of the unit counts as the unit.
# (A Unit belongs to itself: :func:`owned_by_unit` compares ids.)
_OWNED: dict[str, tuple[str, ...]] = {
    "PartyOrganization": ("({u})-[:HAS_PARTY_ORG]->({v})",),
    "Person": ("({v})-[:EMPLOYED_BY]->({u})",),
    "Project": ("({u})-[:CLAIMED]->({v})", "({u})-[:HAS_PARTY_ORG]->(:PartyOrganization)-[:CLAIMED]->({v})"),
    "Demand": ("({u})-[:CLAIMED]->({v})", "({u})-[:HAS_PARTY_ORG]->(:PartyOrganization)-[:CLAIMED]->({v})"),
    "Evaluation": ("({u})-[:GAVE]->({v})", "({u})-[:HAS_PARTY_ORG]->(:PartyOrganization)-[:GAVE]->({v})",
                   "({v})-[:OF]->({u})", "({u})-[:HAS_PARTY_ORG]->(:PartyOrganization)<-[:OF]-({v})"),
    "ServiceRecord": ("({v})<-[:PERFORMED]-(:Person)-[:EMPLOYED_BY]->({u})",),
}

_NAMES = {"HAS_PARTY_ORG", "EMPLOYED_BY", "CLAIMED", "GAVE", "OF", "PERFORMED", "PartyOrganization", "Person"}
for _n in _NAMES:  # fail at import if the model renames one of them
    name(_n)


def _pattern(template: str, v: str, u: str) -> str:
    text = template.format(v=v, u=f"{u}:{name('Unit')}")
    for n in _NAMES:
        text = text.replace(f":{n}]", f":{name(n)}]").replace(f":{n})", f":{name(n)})")
    return text


def owned_by_unit(var: str, label_name: str, unit_param: str, uvar: str) -> str | None:
    """A predicate: the record bound to ``var`` belongs to the unit whose id is ``unit_param``."""
    if label_name == "Unit":
        return f"{var}.`id` = {unit_param}"
    alts = [f"EXISTS {{ MATCH {_pattern(t, var, uvar)} WHERE {uvar}.`id` = {unit_param} }}"
            for t in _OWNED.get(label_name, ())]
    return "(" + " OR ".join(alts) + ")" if alts else None


def overlaps(dialect: Any, var: str, area_param: str) -> str:
    """``var.areaPath`` shares an id with the list parameter ``area_param``."""
    return dialect.list_overlaps(f"{var}.`areaPath`", area_param)


@dataclass(frozen=True)
class ReadScope:
    """One request's read rules; the compiler asks it for predicates and projections."""

    principal: Principal
    dialect: Any

    @classmethod
    def of(cls, context: Any) -> "ReadScope":
        return cls(context.principal, context.dialect)

    def _areas(self, params: Params) -> str | None:
        return params.add(sorted(set(self.principal.area_ids))) if self.principal.area_ids else None

    def rows(self, var: str, label_name: str, params: Params, vars: Any = None) -> str | None:
        """Row filter for ``var`` (None: no filter). Only scoped labels are filtered."""
        if not model.label(label_name).scoped or self.principal.reads_everything:
            return None
        alts: list[str] = []
        areas = self._areas(params)
        if areas is not None:
            alts.append(overlaps(self.dialect, var, areas))
        if self.principal.unit_id is not None:
            uvar = vars.new("own") if vars is not None else f"own_{var}"
            owned = owned_by_unit(var, label_name, params.add(self.principal.unit_id), uvar)
            if owned:
                alts.append(owned)
        return "(" + " OR ".join(alts) + ")" if alts else "false"

    def entitled(self, var: str, label_name: str, params: Params) -> str:
        """Predicate: the principal may see the personal properties of the row bound to ``var``."""
        p = self.principal
        if p.role == "admin":
            return "true"
        if not p.sees_personal_data:
            return "false"
        areas = self._areas(params)
        return overlaps(self.dialect, var, areas) if areas is not None else "false"

    def personal(self, label_name: str) -> tuple[str, ...]:
        return model.label(label_name).personal

    def project(self, var: str, label_name: str, prop: str, params: Params) -> str:
        """The expression that projects ``var.prop`` (masked when personal and not entitled)."""
        ref = f"{var}.{name(prop)}"
        if prop not in self.personal(label_name):
            return ref
        cond = self.entitled(var, label_name, params)
        if cond == "true":
            return ref
        mask = params.add([MASK] if model.label(label_name).prop(prop).is_list else MASK)
        if cond == "false":
            return f"CASE WHEN {ref} IS NULL THEN NULL ELSE {mask} END"
        return f"CASE WHEN {ref} IS NULL OR {cond} THEN {ref} ELSE {mask} END"

    def project_any(self, var: str, label_names: Sequence[str], prop: str, params: Params) -> str:
        """``var.prop`` for a variable bound to a node of any of ``label_names`` (one unlabeled match):
        masked, as :meth:`project` does, when the node is of a label for which the property is
        personal — told by its id prefix, since the label is not known in the statement."""
        ref = f"{var}.{name(prop)}"
        personal = [lab for lab in label_names if prop in self.personal(lab)]
        if not personal:
            return ref
        cond = self.entitled(var, personal[0], params)
        if cond == "true":
            return ref
        mask = params.add([MASK] if model.label(personal[0]).prop(prop).is_list else MASK)
        is_personal = " OR ".join(f"{var}.`id` STARTS WITH {params.add(model.label(lab).id_prefix + ':')}" for lab in personal)
        keep = f"NOT ({is_personal})" if cond == "false" else f"NOT ({is_personal}) OR {cond}"
        return f"CASE WHEN {ref} IS NULL OR {keep} THEN {ref} ELSE {mask} END"

    def filter_ref(self, var: str, label_name: str, prop: str, params: Params) -> str | None:
        """A ``where`` on a personal property filters only rows the principal may see unmasked:
        returns the guard to AND with the condition (None: no guard)."""
        if prop not in self.personal(label_name):
            return None
        cond = self.entitled(var, label_name, params)
        return None if cond == "true" else cond

    def may_order_by(self, label_name: str, prop: str) -> bool:
        """Ordering (and cursors, which carry the last value) by personal data: admin only."""
        return prop not in self.personal(label_name) or self.principal.role == "admin"


# ------------------------------------------------------------------------------------------------
# Writes
# ------------------------------------------------------------------------------------------------
AREA_WRITERS = frozenset({"district", "street", "community", "partner"})


def forbid(principal: Principal, action: str, why: str) -> ForbiddenError:
    return ForbiddenError(f"{action} is not allowed for this credential (role {principal.role}): {why}",
                          action=action, role=principal.role)


def check_action(principal: Principal, action: str) -> None:
    """Role-level refusal that needs no data (and so no statement). ``upsert…`` actions are the
    batch upserts."""
    upsert = action.startswith("upsert")
    if principal.role == "admin":
        return
    if not principal.can_write:
        hint = "send an API key or bearer token of a writing role" if principal.is_anonymous else "this role is read-only"
        raise forbid(principal, action, hint)
    if principal.role == "partner" and not upsert:
        raise forbid(principal, action, "partner credentials may only batch-upsert")
    if principal.role == "unit" and upsert:
        raise forbid(principal, action, "batch upserts need a partner, organisation-department or admin credential")


def write_check(principal: Principal, area_ids: Sequence[str], own_ids: Sequence[str]) -> Statement | None:
    """One statement reading what the write check needs, as rows ``{id, path, own}``: the
    ``areaPath`` of each of ``area_ids`` that exists, and for ``own_ids`` whether it belongs to the
    principal's unit. Blocks per label are joined with ``UNION ALL``."""
    params = Params()
    blocks: list[str] = []
    by_label: dict[str, list[str]] = {}
    for node_id in dict.fromkeys(area_ids):
        lab = model.label_of_id(node_id)
        if lab is not None:
            by_label.setdefault(lab.name, []).append(node_id)
    for label_name, ids in by_label.items():
        blocks.append(f"UNWIND {params.add(ids)} AS i MATCH (t:{name(label_name)}) WHERE t.`id` = i "
                      "RETURN t.`id` AS id, t.`areaPath` AS path, false AS own")
    if principal.unit_id is not None:
        unit_p = params.add(principal.unit_id)
        for node_id in dict.fromkeys(own_ids):
            lab = model.label_of_id(node_id)
            if lab is None:
                continue
            owned = owned_by_unit("t", lab.name, unit_p, "u") or "false"
            blocks.append(f"MATCH (t:{name(lab.name)}) WHERE t.`id` = {params.add(node_id)} "
                          f"RETURN t.`id` AS id, t.`areaPath` AS path, {owned} AS own")
    if not blocks:
        return None
    return Statement(" UNION ALL ".join(blocks), params.values, label="authorize write")


async def authorize_write(tx: Any, principal: Principal, action: str, *, areas: Iterable[str] = (),
                          own: Iterable[str] = ()) -> None:
    """Refuse (FORBIDDEN) before anything is written when a target lies outside the principal's scope.

    ``areas``: ids whose ``areaPath`` must meet an area role's granted areas; ``own``: ids of which
    at least one must belong to a unit principal's unit. Targets that do not exist are left to the
    mutation's own rules (NOT_FOUND), which run next in the same unit of work. The role-level
    :func:`check_action` ran before the unit of work began (no statement for a refused role).
    """
    if principal.role == "admin":
        return
    area_ids = [a for a in areas if a] if principal.role in AREA_WRITERS else []
    own_ids = [o for o in own if o] if principal.role == "unit" else []
    if principal.role == "unit" and not own_ids:
        raise forbid(principal, action, "a unit credential acts only for its own unit")
    stmt = write_check(principal, area_ids, own_ids)
    rows = await tx.run(stmt) if stmt is not None else []
    if area_ids:
        granted = set(principal.area_ids)
        for r in rows:
            if r["id"] in area_ids and not granted.intersection(r.get("path") or ()):
                raise forbid(principal, action, f"{r['id']} lies outside the areas this credential is granted")
    if own_ids:
        present = [r for r in rows if r["id"] in own_ids]
        if present and not any(r.get("own") for r in present):
            raise forbid(principal, action, f"{', '.join(r['id'] for r in present)} does not belong to unit "
                                            f"{principal.unit_id}")


def upsert_area_targets(principal: Principal, action: str, items: Sequence[dict[str, Any]]) -> list[str]:
    """A non-admin upsert must say where each item lives (``regionId``); those areas are checked."""
    check_action(principal, action)
    if principal.role == "admin":
        return []
    missing = [i for i, it in enumerate(items) if not it.get("regionId")]
    if missing:
        raise forbid(principal, action, f"items {missing[:5]} have no regionId; scoped credentials must say which "
                                        "district each item belongs to")
    return sorted({it["regionId"] for it in items})
