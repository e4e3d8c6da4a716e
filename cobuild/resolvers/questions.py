"""The network questions of domain.md §3 as Cypher statements: one builder per question.

Every builder returns ONE :class:`Statement` in the subset both engines run. Questions anchored on
an id start with ``MATCH (anchor:Label) WHERE anchor.id = $p`` and aggregate everything else into
the anchor's single row (``collect(CASE WHEN x IS NULL THEN NULL ELSE {…} END)``), so "no row"
means the id names nothing (NOT_FOUND) and the answer never needs a second round trip. Ordering,
grouping, ranking, ages and rates are done in Python by the ``shape_*`` functions, which keeps the
Cypher free of date arithmetic, list indexing and ``WITH … ORDER BY``.

Entities inside a result are projected in the same statement — with the client's nested selection
when there is a GraphQL request (:meth:`Q.entity`), else as maps of their scalar properties
(:func:`entity_map`) — never fetched one by one afterwards. Labels, types and keys are written
quoted (`` `PART_OF` ``); :meth:`Q.statement` passes every quoted name through
:func:`cobuild.graph.cypher.name`, so a name the model does not declare cannot reach an engine.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any, Iterable, Sequence

from cobuild.auth.access import ReadScope
from cobuild.errors import NotFoundError, ValidationError
from cobuild.graph import model
from cobuild.graph.cypher import Params, Statement, Vars, name
from cobuild.resolvers.areas import (COMMUNITY_LEVELS, STREET_LEVELS, SUBAREA_DEPTH, communities_under,
                                     community_areas, community_of, community_row, tallies_under)
from cobuild.resolvers.figures import FIGURES, agreement_measure

ACTIVE = "ACTIVE"
# Demand states that mean "someone took it on" (domain.md §5.1) and "done".
DEMAND_CLAIMED = ("CLAIMED", "IN_PROGRESS", "COMPLETED", "EVALUATED")
DEMAND_DONE = ("COMPLETED", "EVALUATED")
DEMAND_COUNTED = tuple(s for s in model.DEMAND_STATUS if s not in ("DRAFT", "CANCELLED"))
PROJECT_DONE = ("COMPLETED", "EVALUATED", "ARCHIVED")
PROJECT_COUNTED = tuple(s for s in model.PROJECT_STATUS if s not in ("PROPOSED", "CANCELLED"))
CONNECTION_TYPES = (
    "CO_BUILDS_WITH", "PAIRED_WITH", "BELONGS_TO", "HOLDS_POSITION", "COVERS", "HAS_PARTY_ORG", "PARTY_TO",
    "EMPLOYED_BY", "REPORTS_TO", "LOCATED_IN", "PART_OF",
)
_QUOTED = re.compile(r"`([^`]*)`")
# Personal data never leaves through a question result.
_PRIVATE = {"phone"}
# Area subtrees are walked with a bounded PART_OF (city → district → street → community → compound).
MAX_DEPTH = 4


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------
def entity_props(label_name: str) -> list[str]:
    return [p.name for p in model.label(label_name).all_props if p.name not in _PRIVATE]


def entity_map(label_name: str, var: str) -> str:
    """``{id: v.id, name: v.name, …}``: every scalar property of the label (no relationships)."""
    return "{" + ", ".join(f"{name(p)}: {var}.{name(p)}" for p in entity_props(label_name)) + "}"


def collect_map(var: str, body: str, distinct: bool = False) -> str:
    """``collect(CASE WHEN var IS NULL THEN NULL ELSE body END)`` (LadybugDB's OPTIONAL MATCH trap)."""
    return f"collect({'DISTINCT ' if distinct else ''}CASE WHEN {var} IS NULL THEN NULL ELSE {body} END)"


class Q:
    """One question statement being built: its parameters, fresh variables, and the projection of
    entity-typed result fields. With a GraphQL ``info`` the entity fields compile the client's
    nested selection into this same statement (:func:`cobuild.graph.compile.project_entity`);
    without one (unit tests, scripts) they project every scalar property."""

    def __init__(self, info: Any = None, dialect: Any = None) -> None:
        self.params = Params()
        self.vars = Vars()
        self.info = info
        self.dialect = dialect
        # The principal's read rules (masking, scoped rows); None without a request (scripts, unit tests).
        self.scope = ReadScope.of(info.context) if info is not None and hasattr(info, "context") else None

    def visible(self, var: str, label_name: str) -> str:
        """`` AND <row filter>`` for a scoped label's variable, or ``""``."""
        pred = self.scope.rows(var, label_name, self.params, self.vars) if self.scope is not None else None
        return f" AND {pred}" if pred else ""

    def masks_people(self) -> bool:
        """Names in refs shaped in Python (paths, hubs, clusters) are shown unmasked to admins only."""
        return self.scope is not None and self.scope.principal.role != "admin"

    def add(self, value: Any) -> str:
        return self.params.add(value)

    def entity(self, label_name: str, var: str, paths: Sequence[Sequence[str]], carry: Sequence[str],
               extra: Sequence[str] = ()) -> tuple[str, str]:
        """(clauses, expression) for entity ``var``: clauses go right after ``var`` is bound and
        keep ``carry`` (and ``var``) in scope; the expression is the entity's map, to use in a
        ``collect``/``RETURN``. With nested relationships the map is materialised as a variable so
        later clauses need carry only that name."""
        if self.info is None:
            return "", entity_map(label_name, var)
        from cobuild.graph import compile as gc

        selection: list[Any] = []
        for path in paths:
            selection.extend(gc.selection_of(self.info, list(path)) or [])
        plan = gc.plan_entity(selection, label_name, extra_props=("name", *extra))
        clauses, expr = gc.project_entity(plan, label_name, var, self.params, self.vars, list(carry), self.dialect,
                                          self.scope)
        if not clauses:
            return "", expr
        mv = self.vars.new("m")
        keep = list(dict.fromkeys([*carry, var]))
        return " ".join(clauses) + f" WITH {', '.join(keep)}, {expr} AS {mv} ", mv

    def finish(self, label_name: str, var: str, path: Sequence[str], carry: Sequence[str], extra: Sequence[str] = ()) -> tuple[str, str]:
        """Projection of the anchor after the aggregation (``carry`` = the aggregated names)."""
        return self.entity(label_name, var, [path], carry, extra)

    def statement(self, text: str, label: str, heavy: bool = False) -> Statement:
        """The statement, after checking that every quoted name in it is one the model declares
        (through :func:`cobuild.graph.cypher.name`) or one of the compiler's own map keys. ``heavy``:
        the question walks a district or more and runs through admission control (cobuild.graph.admission)."""
        text = " ".join(text.split())
        for ident in set(_QUOTED.findall(text)):
            if ident != "node" and not ident.startswith("r_"):
                name(ident)  # raises CompileError for a name the model does not declare
        return Statement(text, self.params.values, label=label, heavy=heavy)


def check_id(value: str, label_name: str, arg: str) -> str:
    """The id, or VALIDATION when its prefix names another label (``unit:…`` passed as a community)."""
    lab = model.label_of_id(value or "")
    want = model.label(label_name)
    if lab is None or lab.name != label_name:
        raise ValidationError(
            f"{arg} must be the id of a {want.en} ({want.zh}), starting with '{want.id_prefix}:'; got {value!r}",
            field=arg,
        )
    return value


def check_range(value: int | float | None, lo: int | float, hi: int | float, arg: str) -> None:
    if value is not None and not (lo <= value <= hi):
        raise ValidationError(f"{arg} must be between {lo} and {hi}; got {value}", field=arg)


def first_row(rows: list[dict[str, Any]], what: str, node_id: str) -> dict[str, Any]:
    if not rows:
        raise NotFoundError(f"no {what} with id {node_id!r}", id=node_id)
    return rows[0]


def require_level(row: dict[str, Any], levels: Sequence[str], arg: str, node_id: str) -> None:
    if row.get("level") not in levels:
        raise ValidationError(
            f"{arg} must name an area of level {' or '.join(levels)}; {node_id!r} is {row.get('level')}", field=arg
        )


def _anchor(q: Q, label_name: str, var: str, node_id: str) -> str:
    return f"MATCH ({var}:{name(label_name)}) WHERE {var}.`id` = {q.add(node_id)}"


AREA_REF = "{`id`: %(v)s.`id`, `name`: %(v)s.`name`, `level`: %(v)s.`level`, `communityType`: %(v)s.`communityType`}"


def area_ref(var: str) -> str:
    return AREA_REF % {"v": var}


def ref(var: str) -> str:
    return "{`id`: %(v)s.`id`, `name`: %(v)s.`name`}" % {"v": var}


def _date(v: Any) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _sort_key_name(d: dict[str, Any] | None) -> str:
    return (d or {}).get("name") or (d or {}).get("id") or ""


# Ordering (issue 9 part 7): every list a question returns is sorted here by a documented key that
# ends in ids, so both stores give the same JSON for the same data whatever order their rows came
# in; rows that are grouped "first one wins" are put in a canonical order first. The field
# descriptions in cobuild/schema/questions.py state each list's order.
def _name_id(d: dict[str, Any] | None) -> tuple[str, str]:
    """Name (or id when unnamed), then id: names tie (and masked names are all ``***``)."""
    return _sort_key_name(d), (d or {}).get("id") or ""


def _id(d: dict[str, Any] | None) -> str:
    return (d or {}).get("id") or ""


def _text(v: Any) -> str:
    """A sortable form of a scalar that may be missing (dates as ISO text, None as "")."""
    return "" if v is None else v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else str(v)


_LEVEL_DEPTH = {level: i for i, level in enumerate(model.AREA_LEVELS)}  # CITY 0 … GRID (most specific)


# ---------------------------------------------------------------------------------------------
# Q1 co-builders of a community (including its compounds / party branches)
# ---------------------------------------------------------------------------------------------
def q1_co_builders(q: Q, community_id: str, include_compounds: bool, status: str | None) -> Statement:
    where = f" WHERE cb.`status` = {q.add(status)}" if status else ""
    if include_compounds:
        pattern = community_areas("c", "a", ["c"]) + "OPTIONAL MATCH (a)-[cb:`CO_BUILDS_WITH`]->(u:`Unit`)"
    else:
        pattern = "(a:`AdminArea`)-[cb:`CO_BUILDS_WITH`]->(u:`Unit`) WHERE a.`id` = c.`id`" + where.replace(" WHERE ", " AND ")
        where = ""
    uc, um = q.entity("Unit", "u", [["items", "unit"]], ["c", "a", "cb"])
    item = collect_map("u", "{unit: " + um + ", via: " + area_ref("a") + ", since: cb.`since`, pairingId: cb.`pairingId`, "
                       "forms: cb.`forms`, status: cb.`status`, viaPartyOrg: cb.`viaPartyOrg`}")
    ac, am = q.finish("AdminArea", "c", ["area"], ["items"])
    text = (
        f"{_anchor(q, 'AdminArea', 'c', community_id)} "
        f"{'' if include_compounds else 'OPTIONAL MATCH '}{pattern}{where} "
        f"{uc} WITH c, {item} AS items {ac} "
        f"RETURN {am} AS area, c.`level` AS level, items"
    )
    return q.statement(text, "Q1 communityCoBuilders")


def shape_co_builders(row: dict[str, Any]) -> dict[str, Any]:
    items = sorted(row["items"], key=lambda i: (_date(i["since"]) or dt.date.max, _name_id(i["unit"]), i["pairingId"] or "",
                                                _id(i["via"])))
    units = {i["unit"]["id"] for i in items}
    return {"area": row["area"], "items": items, "unitCount": len(units)}


# ---------------------------------------------------------------------------------------------
# Q2 a unit's communities and the streets they span
# ---------------------------------------------------------------------------------------------
def q2_unit_communities(q: Q, unit_id: str) -> Statement:
    cc, cm_ = q.entity("AdminArea", "cm", [["communities", "community"]], ["u", "a", "cb", "s"], extra=("level",))
    item = collect_map("a", "{area: " + area_ref("a") + ", community: CASE WHEN cm IS NULL THEN NULL ELSE " + cm_
                       + " END, street: CASE WHEN s IS NULL THEN NULL ELSE " + area_ref("s") + " END, since: cb.`since`, "
                       "pairingId: cb.`pairingId`}")
    cml = q.add(COMMUNITY_LEVELS)
    uc, um = q.finish("Unit", "u", ["unit"], ["items"])
    # The community of each paired area (itself, or the community above a compound or grid) and that
    # community's row (its street or town, or the district it hangs directly under): the same
    # community and row the area roll-ups use (cobuild.resolvers.areas).
    text = (
        f"{_anchor(q, 'Unit', 'u', unit_id)} "
        f"OPTIONAL MATCH (a:`AdminArea`)-[cb:`CO_BUILDS_WITH`]->(u) WHERE cb.`status` = {q.add(ACTIVE)} "
        f"WITH u, a, cb "
        f"{community_of('a', 'cmid', ['u', 'cb'], cml)}"
        f"OPTIONAL MATCH (cm:`AdminArea`) WHERE cm.`id` = cmid WITH u, a, cb, cm "
        f"{community_row('cm', 's', ['u', 'a', 'cb'])}"
        f"{cc} WITH u, {item} AS items {uc} "
        f"RETURN {um} AS unit, items"
    )
    return q.statement(text, "Q2 unitCommunities")


def shape_unit_communities(row: dict[str, Any]) -> dict[str, Any]:
    communities: dict[str, dict[str, Any]] = {}
    streets: dict[str, dict[str, Any]] = {}
    others: dict[str, dict[str, Any]] = {}
    # canonical row order: a community reached through several areas keeps the street of the first
    for it in sorted(row["items"], key=lambda i: (_id(i["area"]), i["pairingId"] or "", _id(i["street"]), _text(i["since"]))):
        if it["street"]:
            streets[it["street"]["id"]] = it["street"]
        cm = it["community"]
        if cm is None:  # a street- or district-level pairing
            others[it["area"]["id"]] = it["area"]
            continue
        entry = communities.setdefault(cm["id"], {"community": cm, "street": it["street"], "since": it["since"],
                                                  "pairingIds": [], "via": []})
        if it["pairingId"] and it["pairingId"] not in entry["pairingIds"]:
            entry["pairingIds"].append(it["pairingId"])
        if it["area"]["id"] != cm["id"] and all(v["id"] != it["area"]["id"] for v in entry["via"]):
            entry["via"].append(it["area"])
        if it["since"] and (entry["since"] is None or it["since"] < entry["since"]):
            entry["since"] = it["since"]
        entry["street"] = entry["street"] or it["street"]
    for entry in communities.values():
        entry["pairingIds"].sort()
        entry["via"].sort(key=_name_id)
    comms = sorted(communities.values(), key=lambda e: _name_id(e["community"]))
    return {
        "unit": row["unit"],
        "communities": comms,
        "communityCount": len(comms),
        "streets": sorted(streets.values(), key=_name_id),
        "streetCount": len(streets),
        "otherAreas": sorted(others.values(), key=_name_id),
    }


# ---------------------------------------------------------------------------------------------
# Q3 coverage gaps: communities with no active co-building, per street and community type
# ---------------------------------------------------------------------------------------------
def q3_coverage_gaps(q: Q, area_id: str, community_type: str | None) -> Statement:
    """The communities under the area (:func:`~cobuild.resolvers.areas.tallies_under`: their tallies,
    kept up to date on write), each with its row and whether it or one of its compounds and grids
    has an active co-building partner (the tally's units). No walk of the subtree: on the city
    network a district's answer took 55 ms of statement CPU walking it, 3 ms reading the tallies."""
    root = q.add(area_id)
    type_filter = f" AND c.`communityType` = {q.add(community_type)}" if community_type else ""
    cc, cm = q.entity("AdminArea", "c", [["groups", "gaps"]], ["root", "s", "covered"], extra=("communityType",))
    item = collect_map("c", "{community: " + cm + ", street: CASE WHEN s IS NULL THEN NULL ELSE " + area_ref("s")
                       + " END, covered: covered}")
    ac, am = q.finish("AdminArea", "root", ["area"], ["communities"])
    text = (
        f"MATCH (root:`AdminArea`) WHERE root.`id` = {root} "
        f"{tallies_under(root, 't', ['root'])}"
        f"OPTIONAL MATCH (c:`AdminArea`) WHERE c.`id` = t.`community`{type_filter} "
        f"OPTIONAL MATCH (s:`AdminArea`) WHERE s.`id` = t.`parentId` "
        f"WITH root, c, s, size(t.`units`) > 0 AS covered "
        f"{cc} WITH root, {item} AS communities {ac} "
        f"RETURN {am} AS area, root.`level` AS level, communities"
    )
    return q.statement(text, "Q3 coverageGaps", heavy=True)


def shape_coverage_gaps(row: dict[str, Any]) -> dict[str, Any]:
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    seen: set[str] = set()
    # a community under two parent areas counts once, under the parent with the smallest id
    for it in sorted(row["communities"], key=lambda i: (_id(i["community"]), _id(i["street"]) or "\uffff")):
        cm = it["community"]
        if cm["id"] in seen:
            continue
        seen.add(cm["id"])
        street = it["street"]
        key = ((street or {}).get("id") or "", cm.get("communityType") or "")
        g = groups.setdefault(key, {"street": street, "communityType": cm.get("communityType"),
                                    "communityCount": 0, "gapCount": 0, "gaps": []})
        g["communityCount"] += 1
        if not it["covered"]:
            g["gapCount"] += 1
            g["gaps"].append(cm)
    out = []
    for g in groups.values():
        g["gaps"].sort(key=_name_id)
        out.append(g)
    out.sort(key=lambda g: (_name_id(g["street"]), g["communityType"] or ""))
    return {
        "area": row["area"],
        "groups": out,
        "communityCount": sum(g["communityCount"] for g in out),
        "gapCount": sum(g["gapCount"] for g in out),
    }


# ---------------------------------------------------------------------------------------------
# Q4 resident units that neither co-build with nor report to the community they sit in
# ---------------------------------------------------------------------------------------------
def q4_resident_units(q: Q, community_id: str) -> Statement:
    uc, um = q.entity("Unit", "u", [["items", "unit"]], ["c", "x", "coBuilds", "reports"])
    item = collect_map("u", "{unit: " + um + ", locatedIn: " + area_ref("x") + ", coBuilds: coBuilds, reports: reports}")
    ac, am = q.finish("AdminArea", "c", ["area"], ["units"])
    text = (
        f"{_anchor(q, 'AdminArea', 'c', community_id)} "
        f"OPTIONAL MATCH (c)<-[:`PART_OF`*0..{SUBAREA_DEPTH}]-(x0:`AdminArea`) WITH c, collect(x0.`id`) AS cids "
        f"{community_areas('c', 'x', ['c', 'cids'])}"
        f"OPTIONAL MATCH (u:`Unit`)-[:`LOCATED_IN`]->(x) WITH c, cids, u, x "
        # LadybugDB cannot use a collected list inside EXISTS ("AGGREGATE_FUNCTION"): count the partners instead
        f"OPTIONAL MATCH (k:`AdminArea`)-[ex:`CO_BUILDS_WITH`]->(u) WHERE ex.`status` = {q.add(ACTIVE)} AND k.`id` IN cids "
        f"WITH c, u, x, count(k) > 0 AS coBuilds "
        f"WITH c, u, x, coBuilds, "
        f"EXISTS {{ MATCH (u)-[:`HAS_PARTY_ORG`]->(:`PartyOrganization`)-[:`REPORTS_TO`]->(:`PartyOrganization`)<-[:`HAS_PARTY_ORG`]-(c) }} AS reports "
        f"{uc} WITH c, {item} AS units {ac} "
        f"RETURN {am} AS area, c.`level` AS level, units"
    )
    return q.statement(text, "Q4 residentUnitsNotEngaged")


def shape_resident_units(row: dict[str, Any]) -> dict[str, Any]:
    by_unit: dict[str, dict[str, Any]] = {}
    # A unit located in several areas of the community (the community and a grid under it, say) is
    # listed once, located in the most specific of them (deepest level, then smallest id).
    for it in sorted(row["units"], key=lambda i: (_id(i["unit"]), -_LEVEL_DEPTH.get((i["locatedIn"] or {}).get("level") or "", -1),
                                                  _id(i["locatedIn"]))):
        by_unit.setdefault(it["unit"]["id"], it)
    engaged = [i for i in by_unit.values() if i["coBuilds"] or i["reports"]]
    items = sorted((i for i in by_unit.values() if not (i["coBuilds"] or i["reports"])), key=lambda i: _name_id(i["unit"]))
    return {"area": row["area"], "residentUnitCount": len(by_unit), "engagedCount": len(engaged), "items": items}


# ---------------------------------------------------------------------------------------------
# Q5 / Q44 roll-up of an area beside the reported Statistic figures
# ---------------------------------------------------------------------------------------------
def q5_rollup(q: Q, area_id: str) -> Statement:
    """One row per community under the area, read from its tally (kept up to date on write,
    :mod:`cobuild.graph.tallies`; :func:`~cobuild.resolvers.areas.tallies_under`), with its row
    (:func:`~cobuild.resolvers.areas.community_row`: the tally's parent) and what belongs to it —
    its active partners (with their unit types), pairings, agreements of every kind (with their
    types) and part-time committee members, each gathered from the community and its compounds and
    grids; :func:`shape_rollup` adds them up per row and for the area. One read of the tallies
    feeds every measure: no walk of the subtree (on the city network a district's roll-up took
    370 ms of statement CPU walking it once per measure, ~5 ms reading the tallies)."""
    root = q.add(area_id)
    sc, sm = q.entity("Statistic", "st", [["statistics"], ["comparisons", "statistic"]], ["root", "communities"],
                      extra=("metric", "value", "asOf"))
    ac, am = q.finish("AdminArea", "root", ["area"], ["communities", "statistics"])
    text = (
        f"MATCH (root:`AdminArea`) WHERE root.`id` = {root} "
        f"{tallies_under(root, 't', ['root'])}"
        f"OPTIONAL MATCH (c:`AdminArea`) WHERE c.`id` = t.`community` "
        f"OPTIONAL MATCH (g:`AdminArea`) WHERE g.`id` = t.`parentId` "
        f"WITH root, " + collect_map("c", "{community: " + area_ref("c") + ", row: CASE WHEN g IS NULL THEN NULL ELSE "
                                     + area_ref("g") + " END, units: t.`units`, unitTypes: t.`unitTypes`, "
                                     "pairings: t.`pairings`, agreements: t.`agreements`, "
                                     "agreementTypes: t.`agreementTypes`, partTime: t.`partTime`}") + " AS communities "
        f"OPTIONAL MATCH (root)-[:`HAS_STATISTIC`]->(st:`Statistic`) "
        f"{sc} WITH root, communities, {collect_map('st', sm)} AS statistics {ac} "
        f"RETURN {am} AS area, root.`level` AS level, communities, statistics"
    )
    return q.statement(text, "Q5 rollup", heavy=True)


class _Tally:
    """What a set of communities adds up to: counts of distinct things, so a unit co-building with two
    communities of the same row counts once in that row (and once in the area's total)."""

    def __init__(self, area: dict[str, Any] | None = None) -> None:
        self.area = area
        self.communities: set[str] = set()
        self.covered: set[str] = set()
        self.units: dict[str, str | None] = {}
        self.pairings: set[str] = set()
        self.agreements: dict[str, str | None] = {}
        self.part_time: set[str] = set()

    def add(self, cm: dict[str, Any]) -> None:
        """Add one community's tally (ids with their types in parallel lists, cobuild.graph.tallies)."""
        cid = cm["community"]["id"]
        self.communities.add(cid)
        units = [(u, t or None) for u, t in zip(cm["units"] or [], cm["unitTypes"] or []) if u]
        if units:
            self.covered.add(cid)
        self.units.update(units)
        self.pairings.update(p for p in cm["pairings"] or [] if p)
        self.agreements.update((a, t or None) for a, t in zip(cm["agreements"] or [], cm["agreementTypes"] or []) if a)
        self.part_time.update(p for p in cm["partTime"] or [] if p)

    def figures(self) -> dict[str, Any]:
        kinds = list(self.agreements.values())
        by_kind = [{"agreementType": k, "count": kinds.count(k)} for k in model.AGREEMENT_TYPES]
        out = {
            "agenciesInstitutionsCoBuilding": sum(1 for t in self.units.values() if t in model.AGENCY_INSTITUTION_TYPES),
            "twoNewCoBuilding": sum(1 for t in self.units.values() if t in model.TWO_NEW_TYPES),
            "coBuildingUnits": len(self.units),
            "activePairings": len(self.pairings),
            "communitiesCovered": len(self.covered),
            "communitiesTotal": len(self.communities),
            "agreements": len(self.agreements),
            "agreementsByKind": by_kind,
            "partTimeCommitteeMembers": len(self.part_time),
        }
        out.update({agreement_measure(k["agreementType"]): k["count"] for k in by_kind})
        return out


def shape_rollup(row: dict[str, Any]) -> dict[str, Any]:
    total = _Tally()
    rows: dict[str, _Tally] = {}
    seen: set[str] = set()
    for cm in row["communities"]:
        if cm["community"]["id"] in seen:
            continue
        seen.add(cm["community"]["id"])
        g = cm.get("row")
        rows.setdefault((g or {}).get("id") or "", _Tally(g)).add(cm)
        total.add(cm)
    graph = total.figures()
    stats = sorted(row["statistics"], key=lambda s: (s.get("metric") or "", str(s.get("asOf") or ""), s.get("id") or ""))
    comparisons = []
    for fig in FIGURES:
        st = next((s for m in fig.metrics for s in stats if s.get("metric") == m), None)
        reported = st.get("value") if st else None
        comparisons.append({
            "metric": fig.measure,
            "agreementType": fig.agreement_type,
            "definition": fig.definition,
            "graphValue": graph[fig.measure],
            "statistic": st,
            "reportedValue": reported,
            "difference": (graph[fig.measure] - reported) if reported is not None else None,
        })
    groups = [{"area": t.area, **t.figures()} for t in rows.values()]
    groups.sort(key=lambda grp: (_sort_key_name(grp["area"]), (grp["area"] or {}).get("id") or ""))
    return {"area": row["area"], **graph, "groups": groups, "comparisons": comparisons, "statistics": stats}


# ---------------------------------------------------------------------------------------------
# Q6 shortest connection between two actors
# ---------------------------------------------------------------------------------------------
def q6_shortest_connection(q: Q, from_id: str, to_id: str, rel_types: list[str], max_hops: int) -> Statement:
    la, lb = model.label_of_id(from_id or ""), model.label_of_id(to_id or "")
    if la is None:
        raise ValidationError(f"fromId {from_id!r} is not a cobuild id (ids start with a label prefix such as 'unit:')", field="fromId")
    if lb is None:
        raise ValidationError(f"toId {to_id!r} is not a cobuild id (ids start with a label prefix such as 'unit:')", field="toId")
    path = q.dialect.all_shortest_paths("path", "a", "b", rel_types, max_hops)
    text = (
        f"{_anchor(q, la.name, 'a', from_id)} "
        f"OPTIONAL MATCH (b:{name(lb.name)}) WHERE b.`id` = {q.add(to_id)} "
        f"OPTIONAL {path} "
        f"RETURN a.`id` AS fromId, b.`id` AS toId, nodes(path) AS pathNodes, {q.dialect.path_rels('path')} AS pathRels"
    )
    return q.statement(text, "Q6 shortestConnection", heavy=True)


def choose_path(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The row of the path :func:`shape_shortest_connection` reports, among the rows of every
    shortest path (Q6 returns them all): the fewest hops; then the smallest sequence of node ids
    read from start to end; then the smallest sequence of steps (relationship type, direction,
    pairing id, role). Paths still tied answer the same JSON, so the choice is the same on both
    stores whatever order they return paths in."""
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        s = shape_shortest_connection(row)
        if not s["found"]:
            return (1, 0, [], [])
        steps = [(st["relationship"] or "", st["direction"], st["pairingId"] or "", st["role"] or "") for st in s["steps"]]
        return (0, s["hops"], [n["id"] or "" for n in s["nodes"]], steps)

    return min(rows, key=key)


def _node_ref(n: dict[str, Any]) -> dict[str, Any]:
    props = n.get("props") or {}
    node_id = props.get("id")
    lab = model.label_of_id(node_id or "")
    return {"id": node_id, "label": lab.name if lab else n.get("label"), "name": props.get("name")}


def shape_shortest_connection(row: dict[str, Any]) -> dict[str, Any]:
    nodes = [n for n in row.get("pathNodes") or [] if n]
    rels = [r for r in row.get("pathRels") or [] if r]
    if not rels or len(nodes) != len(rels) + 1:  # from ≠ to, so a path has at least one step
        return {"found": False, "hops": None, "steps": [], "nodes": []}
    keys = [n.get("_key") for n in nodes]
    steps = []
    for i, r in enumerate(rels):
        a, b = nodes[i], nodes[i + 1]
        if r.get("_src") == keys[i] and r.get("_dst") == keys[i + 1]:
            direction = "OUTGOING"
        elif r.get("_src") == keys[i + 1] and r.get("_dst") == keys[i]:
            direction = "INCOMING"
        else:  # engines always give endpoints; keep the step even if they do not match
            direction = "UNKNOWN"
        steps.append({"from": _node_ref(a), "relationship": r.get("type"), "direction": direction, "to": _node_ref(b),
                      "pairingId": (r.get("props") or {}).get("pairingId"), "role": (r.get("props") or {}).get("role")})
    return {"found": True, "hops": len(rels), "steps": steps, "nodes": [_node_ref(n) for n in nodes]}


# ---------------------------------------------------------------------------------------------
# Q7 / Q9 projections for the graph algorithms
# ---------------------------------------------------------------------------------------------
HUB_TYPES = ("CO_BUILDS_WITH", "PAIRED_WITH", "BELONGS_TO", "HOLDS_POSITION")
# HAS_PARTY_ORG joins a party organisation to its owner, so org-level pairings do not look like
# a separate cluster of the same actors.
CLUSTER_TYPES = ("CO_BUILDS_WITH", "PAIRED_WITH", "BELONGS_TO", "HAS_PARTY_ORG")


def q_projection(q: Q, rel_types: Iterable[str], area_id: str | None) -> Statement:
    """One statement returning the edges (``src``, ``dst``, ``type``) of ``rel_types``, with the
    endpoints' names, as a UNION ALL of one branch per type; with ``area_id`` a last branch lists
    the area's scope (its subtree, the units located there, and their party organisations) as rows
    of type ``SCOPE`` — the caller keeps the edges touching the scope."""
    p = q.params
    branches = []
    for t in rel_types:
        rt = model.rel(t)
        branches.append(
            f"MATCH (x)-[r:{name(t)}]->(y) RETURN x.`id` AS src, x.`name` AS srcName, y.`id` AS dst, "
            f"y.`name` AS dstName, {p.add(rt.name)} AS type"
        )
    if area_id:
        scope = p.add("SCOPE")
        anchor = p.add(area_id)
        branches.append(
            f"MATCH (root:`AdminArea`)<-[:`PART_OF`*0..{MAX_DEPTH}]-(a:`AdminArea`) WHERE root.`id` = {anchor} "
            f"RETURN a.`id` AS src, a.`name` AS srcName, root.`id` AS dst, root.`name` AS dstName, {scope} AS type"
        )
        branches.append(
            f"MATCH (root:`AdminArea`)<-[:`PART_OF`*0..{MAX_DEPTH}]-(:`AdminArea`)<-[:`LOCATED_IN`]-(u:`Unit`) WHERE root.`id` = {anchor} "
            f"RETURN u.`id` AS src, u.`name` AS srcName, root.`id` AS dst, root.`name` AS dstName, {scope} AS type"
        )
        branches.append(
            f"MATCH (root:`AdminArea`)<-[:`PART_OF`*0..{MAX_DEPTH}]-(:`AdminArea`)-[:`HAS_PARTY_ORG`]->(o:`PartyOrganization`) WHERE root.`id` = {anchor} "
            f"RETURN o.`id` AS src, o.`name` AS srcName, root.`id` AS dst, root.`name` AS dstName, {scope} AS type"
        )
    return q.statement(" UNION ALL ".join(branches), "Q7/Q9 projection", heavy=True)


# ---------------------------------------------------------------------------------------------
# Q8 communities sharing co-building partners
# ---------------------------------------------------------------------------------------------
def q8_similar_communities(q: Q, community_id: str) -> Statement:
    """A community's partners are those of the community and of its compounds and grids (as in Q1);
    another community shares a partner when the partner pairs with it or with one of its areas — the
    community an area belongs to is the one the roll-ups use (cobuild.resolvers.areas)."""
    active = q.add(ACTIVE)
    levels = q.add(COMMUNITY_LEVELS)
    oc, om = q.entity("AdminArea", "o", [["items", "community"]], ["c", "mine", "shared", "theirs"])
    ac, am = q.finish("AdminArea", "c", ["area"], ["mine", "others"])
    text = (
        f"{_anchor(q, 'AdminArea', 'c', community_id)} "
        f"{community_areas('c', 'k', ['c'])}"
        f"OPTIONAL MATCH (k)-[e1:`CO_BUILDS_WITH`]->(u:`Unit`) WHERE e1.`status` = {active} "
        f"WITH c, collect(DISTINCT u.`id`) AS mine "
        f"OPTIONAL MATCH (h:`AdminArea`)-[e2:`CO_BUILDS_WITH`]->(u2:`Unit`) WHERE u2.`id` IN mine AND e2.`status` = {active} "
        f"WITH c, mine, h, u2 "
        f"{community_of('h', 'oid', ['c', 'mine', 'u2'], levels)}"
        f"OPTIONAL MATCH (o:`AdminArea`) WHERE o.`id` = oid AND o.`id` <> c.`id` "
        f"WITH c, mine, o, collect(DISTINCT {{`id`: u2.`id`, `name`: u2.`name`}}) AS shared "
        f"{community_areas('o', 'ok', ['c', 'mine', 'o', 'shared'])}"
        f"OPTIONAL MATCH (ok)-[e3:`CO_BUILDS_WITH`]->(u3:`Unit`) WHERE e3.`status` = {active} "
        f"WITH c, mine, o, shared, count(DISTINCT u3) AS theirs "
        f"{oc} WITH c, mine, {collect_map('o', '{community: ' + om + ', shared: shared, theirs: theirs}')} AS others {ac} "
        f"RETURN {am} AS area, c.`level` AS level, mine, others"
    )
    return q.statement(text, "Q8 similarCommunities", heavy=True)


def shape_similar(row: dict[str, Any], limit: int) -> dict[str, Any]:
    mine = set(row["mine"] or [])
    out = []
    for o in row["others"]:
        shared = sorted(o["shared"], key=_name_id)
        n = len(shared)
        union = len(mine) + int(o["theirs"] or 0) - n
        out.append({"community": o["community"], "sharedCount": n, "sharedPartners": shared,
                    "partnerCount": int(o["theirs"] or 0), "jaccard": round(n / union, 6) if union else 0.0})
    out.sort(key=lambda x: (-x["jaccard"], -x["sharedCount"], _name_id(x["community"])))
    return {"area": row["area"], "partnerCount": len(mine), "items": out[:limit]}


# ---------------------------------------------------------------------------------------------
# Q10 unclaimed demands and their age
# ---------------------------------------------------------------------------------------------
def q10_unclaimed_demands(q: Q, area_id: str, published_before: dt.date | None) -> Statement:
    cutoff = f" AND d.`publishedAt` <= {q.add(published_before)}" if published_before else ""
    released = q.add("RELEASED")
    not_claimed = " AND ".join(
        f"NOT EXISTS {{ MATCH (:{name(lab)})-[{v}:`CLAIMED`]->(d) WHERE {v}.`status` IS NULL OR {v}.`status` <> {released} }}"
        for lab, v in (("Unit", "k1"), ("PartyOrganization", "k2"), ("Person", "k3"), ("AdminArea", "k4"))
    )
    dc, dm = q.entity("Demand", "d", [["items", "demand"]], ["root", "a", "cats"], extra=("publishedAt",))
    item = collect_map("d", "{demand: " + dm + ", publisher: " + area_ref("a") + ", categories: cats}")
    ac, am = q.finish("AdminArea", "root", ["area"], ["demands"])
    text = (
        f"{_anchor(q, 'AdminArea', 'root', area_id)} "
        f"OPTIONAL MATCH (root)<-[:`PART_OF`*0..{MAX_DEPTH}]-(a:`AdminArea`)-[:`PUBLISHES`]->(d:`Demand`) "
        f"WHERE d.`status` = {q.add('PUBLISHED')}{cutoff} AND {not_claimed} "
        f"OPTIONAL MATCH (d)-[:`IN_CATEGORY`]->(cat:`Category`) "
        f"WITH root, a, d, collect(DISTINCT CASE WHEN cat IS NULL THEN NULL ELSE {ref('cat')} END) AS cats "
        f"{dc} WITH root, {item} AS demands {ac} "
        f"RETURN {am} AS area, root.`level` AS level, demands"
    )
    return q.statement(text, "Q10 unclaimedDemands", heavy=True)


def shape_unclaimed(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    by_id: dict[str, dict[str, Any]] = {}
    for it in sorted(row["demands"], key=lambda i: (_id(i["demand"]), _id(i["publisher"]))):  # several publishers: smallest id
        by_id.setdefault(it["demand"]["id"], it)
    items = []
    for it in by_id.values():
        pub = _date(it["demand"].get("publishedAt"))
        items.append({"demand": it["demand"], "publisher": it["publisher"],
                      "categories": sorted(it["categories"] or [], key=_name_id),
                      "publishedAt": pub, "ageDays": (today - pub).days if pub else None})
    items.sort(key=lambda i: (-(i["ageDays"] if i["ageDays"] is not None else -1), _name_id(i["demand"])))
    return {"area": row["area"], "asOf": today, "items": items, "count": len(items)}


# ---------------------------------------------------------------------------------------------
# Q11 demand–resource matching
# ---------------------------------------------------------------------------------------------
TIER_NAMES = {1: "CO_BUILDING_PARTNER", 2: "SAME_COMMUNITY", 3: "SAME_STREET", 4: "ELSEWHERE"}


def q11_match_demands(q: Q, community_id: str) -> Statement:
    base = ["c", "cat", "partner", "sameCommunity", "sameStreet"]
    dc, dm = q.entity("Demand", "d", [["items", "demand"]], [*base, "r", "u"], extra=("publishedAt",))
    rc, rm = q.entity("Resource", "r", [["items", "resource"]], [*base, "d", "u", *([dm] if dc else [])])
    carried = [*([dm] if dc else []), *([rm] if rc else [])]
    uc, um = q.entity("Unit", "u", [["items", "provider"]], [*base, "d", "r", *carried])
    item = collect_map("r", "{demand: " + dm + ", resource: " + rm + ", provider: " + um + ", category: " + ref("cat")
                       + ", partner: partner, sameCommunity: sameCommunity, sameStreet: sameStreet}")
    ac, am = q.finish("AdminArea", "c", ["area"], ["matches"])
    text = (
        f"{_anchor(q, 'AdminArea', 'c', community_id)} "
        # The tiers compare ids with lists computed once for the community (its areas, its partners,
        # its street's areas) instead of walking the area tree again for every candidate match.
        f"{community_areas('c', 'k', ['c'])}"
        f"OPTIONAL MATCH (k)-[ex:`CO_BUILDS_WITH`]->(pu:`Unit`) WHERE ex.`status` = {q.add(ACTIVE)} "
        f"WITH c, collect(DISTINCT k.`id`) AS cids, collect(DISTINCT pu.`id`) AS pids "
        f"OPTIONAL MATCH (c)-[:`PART_OF`]->(sx:`AdminArea`) WHERE sx.`level` IN {q.add(STREET_LEVELS)} "
        f"WITH c, cids, pids, sx OPTIONAL MATCH (sx)<-[:`PART_OF`*0..3]-(z:`AdminArea`) "
        f"WITH c, cids, pids, collect(DISTINCT z.`id`) AS sids "
        f"OPTIONAL MATCH (c)-[:`PUBLISHES`]->(d:`Demand`)-[:`IN_CATEGORY`]->(cat:`Category`)<-[:`IN_CATEGORY`]-(r:`Resource`)<-[:`OFFERS`]-(u:`Unit`) "
        f"WHERE d.`status` = {q.add('PUBLISHED')} "
        f"WITH c, cids, pids, sids, d, cat, r, u OPTIONAL MATCH (u)-[:`LOCATED_IN`]->(ul:`AdminArea`) "
        f"WITH c, d, cat, r, u, u.`id` IN pids AS partner, "
        f"count(CASE WHEN ul.`id` IN cids THEN 1 ELSE NULL END) > 0 AS sameCommunity, "
        f"count(CASE WHEN ul.`id` IN sids THEN 1 ELSE NULL END) > 0 AS sameStreet "
        f"{dc} {rc} {uc} WITH c, {item} AS matches {ac} "
        f"RETURN {am} AS area, c.`level` AS level, matches"
    )
    return q.statement(text, "Q11 matchDemands", heavy=True)


def shape_matches(row: dict[str, Any], limit: int) -> dict[str, Any]:
    best: dict[tuple[str, str, str], dict[str, Any]] = {}
    for m in row["matches"]:
        tier = 1 if m["partner"] else 2 if m["sameCommunity"] else 3 if m["sameStreet"] else 4
        key = (m["demand"]["id"], m["resource"]["id"], m["provider"]["id"])
        # the best tier wins; between categories shared at the same tier, the smallest category id
        if key not in best or (tier, _id(m["category"])) < (best[key]["tier"], _id(best[key]["category"])):
            best[key] = {"demand": m["demand"], "resource": m["resource"], "provider": m["provider"],
                         "category": m["category"], "tier": tier, "tierName": TIER_NAMES[tier]}
    items = sorted(best.values(), key=lambda i: (
        _date(i["demand"].get("publishedAt")) or dt.date.max, i["demand"]["id"], i["tier"],
        _name_id(i["provider"]), i["resource"]["id"]))
    return {"area": row["area"], "total": len(items), "items": items[:limit]}


# ---------------------------------------------------------------------------------------------
# Q12 claim and completion rates per street
# ---------------------------------------------------------------------------------------------
def q12_claim_rates(q: Q, area_id: str) -> Statement:
    """The demands and projects of each community under the area (published or run by the community
    or one of its compounds and grids), grouped under the community's row — its street or town, or the
    district itself for a community directly under it — so the rows add up to the area's totals.
    Which demands and projects belong to a community is read from its tally (kept up to date on
    write, :mod:`cobuild.graph.tallies`), their statuses — which change with every claim — from the
    records themselves: no walk of the subtree."""
    root = q.add(area_id)
    sc, sm = q.entity("AdminArea", "g", [["items", "street"]], ["root", "comms"])
    ac, am = q.finish("AdminArea", "root", ["area"], ["streets"])
    text = (
        f"MATCH (root:`AdminArea`) WHERE root.`id` = {root} "
        f"{tallies_under(root, 't', ['root'])}"
        f"OPTIONAL MATCH (g:`AdminArea`) WHERE g.`id` = t.`parentId` "
        f"OPTIONAL MATCH (d:`Demand`) WHERE d.`id` IN t.`demands` "
        f"WITH root, g, t, collect(CASE WHEN d IS NULL THEN NULL ELSE {{`id`: d.`id`, `status`: d.`status`}} END) AS demands "
        f"OPTIONAL MATCH (pj:`Project`) WHERE pj.`id` IN t.`projects` "
        f"WITH root, g, t, demands, collect(CASE WHEN pj IS NULL THEN NULL ELSE {{`id`: pj.`id`, `status`: pj.`status`}} END) AS projects "
        f"WITH root, g, {collect_map('t', '{community: t.`community`, demands: demands, projects: projects}')} AS comms "
        f"{sc} WITH root, {collect_map('g', '{street: ' + sm + ', communities: comms}')} AS streets {ac} "
        f"RETURN {am} AS area, root.`level` AS level, streets"
    )
    return q.statement(text, "Q12 claimRates", heavy=True)


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _rates(communities: Iterable[dict[str, Any]]) -> dict[str, Any]:
    comm_ids: set[str] = set()
    demands: dict[str, str] = {}
    projects: dict[str, str] = {}
    for cm in communities:
        comm_ids.add(cm["community"])
        demands.update((d["id"], d["status"]) for d in cm["demands"] or [] if d and d.get("id"))
        projects.update((x["id"], x["status"]) for x in cm["projects"] or [] if x and x.get("id"))
    ds = [s for s in demands.values() if s in DEMAND_COUNTED]
    ps = [s for s in projects.values() if s in PROJECT_COUNTED]
    dc = sum(1 for s in ds if s in DEMAND_CLAIMED)
    dd = sum(1 for s in ds if s in DEMAND_DONE)
    pd = sum(1 for s in ps if s in PROJECT_DONE)
    return {"communityCount": len(comm_ids), "demandsTotal": len(ds), "demandsClaimed": dc, "demandsCompleted": dd,
            "claimRate": _rate(dc, len(ds)), "demandCompletionRate": _rate(dd, len(ds)),
            "projectsTotal": len(ps), "projectsCompleted": pd, "projectCompletionRate": _rate(pd, len(ps))}


def shape_claim_rates(row: dict[str, Any]) -> dict[str, Any]:
    items = []
    seen: set[str] = set()
    every: list[dict[str, Any]] = []
    for s in row["streets"]:
        if s["street"]["id"] in seen:
            continue
        seen.add(s["street"]["id"])
        items.append({"street": s["street"], **_rates(s["communities"])})
        every.extend(s["communities"])
    items.sort(key=lambda i: (_sort_key_name(i["street"]), i["street"]["id"]))
    return {"area": row["area"], "items": items, **_rates(every)}


# ---------------------------------------------------------------------------------------------
# Q13 co-building units without a claimed project (1+1 compliance)
# ---------------------------------------------------------------------------------------------
def q13_units_without_projects(q: Q, area_id: str | None, year: int | None) -> Statement:
    active = q.add(ACTIVE)
    year_filter = f" AND pj.`year` = {q.add(year)}" if year is not None else ""
    released = q.add("RELEASED")
    claim = (
        f"NOT EXISTS {{ MATCH (u)-[k1:`CLAIMED`]->(pj:`Project`) WHERE (k1.`status` IS NULL OR k1.`status` <> {released}){year_filter} }} "
        f"AND NOT EXISTS {{ MATCH (u)-[:`HAS_PARTY_ORG`]->(:`PartyOrganization`)-[k2:`CLAIMED`]->(pj:`Project`) "
        f"WHERE (k2.`status` IS NULL OR k2.`status` <> {released}){year_filter} }}"
    )
    anchor_vars = ["root"] if area_id else []
    uc, um = q.entity("Unit", "u", [["items", "unit"]], [*anchor_vars, "coBuildingUnits", "a", "cb"])
    item = collect_map("u", "{unit: " + um + ", area: " + area_ref("a") + ", pairingId: cb.`pairingId`, since: cb.`since`}")
    if area_id:
        ac, am = q.finish("AdminArea", "root", ["area"], ["coBuildingUnits", "items"])
        levels = q.add(COMMUNITY_LEVELS)
        # the units co-building with the communities under the area (and their compounds and grids):
        # the same units rollup counts as coBuildingUnits
        text = (
            f"{_anchor(q, 'AdminArea', 'root', area_id)} "
            f"{communities_under('root', 'c2', ['root'], levels)}"
            f"{community_areas('c2', 'a2', ['root'])}"
            f"OPTIONAL MATCH (a2)-[cb2:`CO_BUILDS_WITH`]->(u2:`Unit`) WHERE cb2.`status` = {active} "
            f"WITH root, count(DISTINCT u2) AS coBuildingUnits "
            f"{communities_under('root', 'c', ['root', 'coBuildingUnits'], levels)}"
            f"{community_areas('c', 'a', ['root', 'coBuildingUnits'])}"
            f"OPTIONAL MATCH (a)-[cb:`CO_BUILDS_WITH`]->(u:`Unit`) "
            f"WHERE cb.`status` = {active} AND {claim} "
            f"{uc} WITH root, coBuildingUnits, {item} AS items {ac} "
            f"RETURN {am} AS area, root.`level` AS level, coBuildingUnits, items"
        )
    else:
        text = (
            f"OPTIONAL MATCH (:`AdminArea`)-[cb2:`CO_BUILDS_WITH`]->(u2:`Unit`) WHERE cb2.`status` = {active} "
            f"WITH count(DISTINCT u2) AS coBuildingUnits "
            f"OPTIONAL MATCH (a:`AdminArea`)-[cb:`CO_BUILDS_WITH`]->(u:`Unit`) WHERE cb.`status` = {active} AND {claim} "
            f"{uc} RETURN NULL AS area, NULL AS level, coBuildingUnits, {item} AS items"
        )
    return q.statement(text, "Q13 unitsWithoutProjects", heavy=True)


def shape_units_without_projects(row: dict[str, Any]) -> dict[str, Any]:
    by_unit: dict[str, dict[str, Any]] = {}
    for it in row["items"]:
        e = by_unit.setdefault(it["unit"]["id"], {"unit": it["unit"], "areas": [], "pairingIds": []})
        if all(a["id"] != it["area"]["id"] for a in e["areas"]):
            e["areas"].append(it["area"])
        if it["pairingId"] not in e["pairingIds"]:
            e["pairingIds"].append(it["pairingId"])
    for e in by_unit.values():
        e["areas"].sort(key=_name_id)
        e["pairingIds"].sort(key=lambda p: (p is None, p or ""))
    items = sorted(by_unit.values(), key=lambda e: _name_id(e["unit"]))
    return {"area": row.get("area"), "coBuildingUnits": int(row["coBuildingUnits"] or 0), "count": len(items), "items": items}


# ---------------------------------------------------------------------------------------------
# Q17 members who reported to a community, with their service hours there
# ---------------------------------------------------------------------------------------------
def q17_reported_members(q: Q, community_id: str) -> Statement:
    mc, mm = q.entity("Person", "m", [["items", "person"]], ["c", "o", "rep", "hours", "records"])
    item = collect_map("m", "{person: " + mm + ", partyOrganization: " + ref("o") + ", reportedAt: rep.`reportedAt`, "
                       "status: rep.`status`, reportType: rep.`reportType`, channel: rep.`channel`, hours: hours, records: records}")
    ac, am = q.finish("AdminArea", "c", ["area"], ["members"])
    text = (
        f"{_anchor(q, 'AdminArea', 'c', community_id)} "
        f"OPTIONAL MATCH (c)<-[:`PART_OF`*0..{SUBAREA_DEPTH}]-(k:`AdminArea`) WITH c, collect(k.`id`) AS cids "
        f"OPTIONAL MATCH (c)-[:`HAS_PARTY_ORG`]->(o:`PartyOrganization`)<-[rep:`REPORTS_TO`]-(m:`Person`) "
        f"WITH c, cids, o, rep, m "
        f"OPTIONAL MATCH (m)-[:`PERFORMED`]->(sr:`ServiceRecord`)-[:`AT`]->(at:`AdminArea`) "
        f"WHERE at.`id` IN cids{q.visible('sr', 'ServiceRecord')} "
        f"WITH c, o, rep, m, sum(sr.`hours`) AS hours, count(DISTINCT sr) AS records "
        f"{mc} WITH c, {item} AS members {ac} "
        f"RETURN {am} AS area, c.`level` AS level, members"
    )
    return q.statement(text, "Q17 communityReportingMembers")


def shape_reported(row: dict[str, Any]) -> dict[str, Any]:
    items = [{**m, "serviceHours": float(m["hours"] or 0), "serviceRecords": int(m["records"] or 0)} for m in row["members"]]
    items.sort(key=lambda m: (_date(m["reportedAt"]) or dt.date.max, _name_id(m["person"]), _id(m["partyOrganization"])))
    return {"area": row["area"], "count": len(items), "totalServiceHours": round(sum(i["serviceHours"] for i in items), 4), "items": items}


# ---------------------------------------------------------------------------------------------
# Q20 part-time committee members and their source units
# ---------------------------------------------------------------------------------------------
def q20_part_time_members(q: Q, community_id: str) -> Statement:
    mc, mm = q.entity("Person", "m", [["items", "person"]], ["c", "o", "h", "su"])
    sc, sm = q.entity("Unit", "su", [["items", "sourceUnit"]], ["c", "o", "h", "m", *([mm] if mc else [])])
    item = collect_map("m", "{person: " + mm + ", partyOrganization: " + ref("o") + ", since: h.`since`, until: h.`until`, "
                       "representsUnitId: h.`representsUnitId`, sourceUnit: CASE WHEN su IS NULL THEN NULL ELSE " + sm + " END}")
    ac, am = q.finish("AdminArea", "c", ["area"], ["members"])
    text = (
        f"{_anchor(q, 'AdminArea', 'c', community_id)} "
        f"OPTIONAL MATCH (c)-[:`HAS_PARTY_ORG`]->(o:`PartyOrganization`)<-[h:`HOLDS_POSITION`]-(m:`Person`) "
        f"WHERE h.`role` = {q.add('PART_TIME_COMMITTEE_MEMBER')} "
        f"OPTIONAL MATCH (su:`Unit`) WHERE su.`id` = h.`representsUnitId` "
        f"{mc} {sc} WITH c, {item} AS members {ac} "
        f"RETURN {am} AS area, c.`level` AS level, members"
    )
    return q.statement(text, "Q20 communityPartTimeCommitteeMembers")


def shape_part_time(row: dict[str, Any]) -> dict[str, Any]:
    items = sorted(row["members"], key=lambda m: (_name_id(m["person"]), _id(m["partyOrganization"]), _text(m["since"]),
                                                  m["representsUnitId"] or ""))
    units = {m["sourceUnit"]["id"] for m in items if m["sourceUnit"]}
    return {"area": row["area"], "count": len(items), "sourceUnitCount": len(units), "items": items}


# ---------------------------------------------------------------------------------------------
# Q26 alliance members that also co-build
# ---------------------------------------------------------------------------------------------
def q26_alliance_members(q: Q, alliance_id: str) -> Statement:
    active = q.add(ACTIVE)
    uc, um = q.entity("Unit", "u", [["items", "unit"]], ["al", "b", "areas"])
    oc, om = q.entity("PartyOrganization", "o", [["items", "partyOrganization"]], ["al", "units", "b2", "ou", "areas2"])
    ouc, oum = q.entity("Unit", "ou", [["items", "unit"]], ["al", "units", "b2", "o", "areas2", *([om] if oc else [])])
    ac, am = q.finish("Alliance", "al", ["alliance"], ["units", "orgs"])
    text = (
        f"{_anchor(q, 'Alliance', 'al', alliance_id)} "
        f"OPTIONAL MATCH (u:`Unit`)-[b:`BELONGS_TO`]->(al) "
        f"OPTIONAL MATCH (a:`AdminArea`)-[cb:`CO_BUILDS_WITH`]->(u) WHERE cb.`status` = {active} "
        f"WITH al, u, b, collect(DISTINCT CASE WHEN a IS NULL THEN NULL ELSE {area_ref('a')} END) AS areas "
        f"{uc} WITH al, " + collect_map("u", "{unit: " + um + ", role: b.`role`, joinedAt: b.`joinedAt`, areas: areas}") + " AS units "
        f"OPTIONAL MATCH (o:`PartyOrganization`)-[b2:`BELONGS_TO`]->(al) "
        f"OPTIONAL MATCH (ou:`Unit`)-[:`HAS_PARTY_ORG`]->(o) "
        f"OPTIONAL MATCH (a2:`AdminArea`)-[cb2:`CO_BUILDS_WITH`]->(ou) WHERE cb2.`status` = {active} "
        f"WITH al, units, o, b2, ou, collect(DISTINCT CASE WHEN a2 IS NULL THEN NULL ELSE {area_ref('a2')} END) AS areas2 "
        f"{oc} {ouc} WITH al, units, "
        + collect_map("o", "{partyOrganization: " + om + ", role: b2.`role`, joinedAt: b2.`joinedAt`, "
                      "ownerUnit: CASE WHEN ou IS NULL THEN NULL ELSE " + oum + " END, areas: areas2}")
        + f" AS orgs {ac} "
        f"RETURN {am} AS alliance, units, orgs"
    )
    return q.statement(text, "Q26 allianceMembers")


def shape_alliance(row: dict[str, Any]) -> dict[str, Any]:
    items = []
    for u in row["units"]:
        areas = sorted(u["areas"], key=_name_id)
        items.append({"unit": u["unit"], "partyOrganization": None, "role": u["role"], "joinedAt": u["joinedAt"],
                      "coBuilds": bool(areas), "coBuildsWith": areas})
    for o in row["orgs"]:
        areas = sorted(o["areas"], key=_name_id)
        items.append({"unit": o["ownerUnit"], "partyOrganization": o["partyOrganization"], "role": o["role"],
                      "joinedAt": o["joinedAt"], "coBuilds": bool(areas), "coBuildsWith": areas})
    items.sort(key=lambda i: (not i["coBuilds"], _name_id(i["partyOrganization"] or i["unit"]), _id(i["unit"]),
                              i["role"] or "", _text(i["joinedAt"])))
    return {"alliance": row["alliance"], "memberCount": len(items), "coBuildingCount": sum(1 for i in items if i["coBuilds"]), "items": items}


# ---------------------------------------------------------------------------------------------
# Q31 / Q32 evaluations
# ---------------------------------------------------------------------------------------------
def q31_evaluation_scores(q: Q, pairing_id: str | None, year: int | None, below: float | None) -> Statement:
    filters = []
    if year is not None:
        filters.append(f"ev.`year` = {q.add(year)}")
    if below is not None:
        filters.append(f"ev.`score` < {q.add(float(below))}")
    visible = q.visible("ev", "Evaluation")
    if visible:
        filters.append(visible[len(" AND "):])
    where = (" WHERE " + " AND ".join(filters)) if filters else ""
    giver = "OPTIONAL MATCH (g)-[:`GAVE`]->(ev) OPTIONAL MATCH (ev)-[:`OF`]->(t) "
    anchor = ["prA"] if pairing_id else []
    ec, em = q.entity("Evaluation", "ev", [["items", "evaluation"]], [*anchor, "pr", "g", "t"], extra=("year", "direction", "score"))
    pc, pm = q.entity("Pairing", "pr", [["items", "pairing"]], [*anchor, "ev", "g", "t", *([em] if ec else [])])
    item = collect_map("ev", "{evaluation: " + em + ", pairing: " + pm
                       + ", giver: CASE WHEN g IS NULL THEN NULL ELSE " + ref("g") + " END"
                       + ", target: CASE WHEN t IS NULL THEN NULL ELSE " + ref("t") + " END}")
    if pairing_id:
        ac, am = q.finish("Pairing", "prA", ["pairing"], ["items"])
        text = (
            f"{_anchor(q, 'Pairing', 'prA', pairing_id)} "
            f"OPTIONAL MATCH (ev:`Evaluation`)-[:`ABOUT`]->(pr:`Pairing`) WHERE pr.`id` = prA.`id`{where.replace(' WHERE ', ' AND ')} {giver}"
            f"{ec} {pc} WITH prA, {item} AS items {ac} "
            f"RETURN {am} AS pairing, items"
        )
    else:
        text = (
            f"OPTIONAL MATCH (ev:`Evaluation`)-[:`ABOUT`]->(pr:`Pairing`){where} {giver}"
            f"{ec} {pc} RETURN NULL AS pairing, {item} AS items"
        )
    return q.statement(text, "Q31 evaluationScores", heavy=not pairing_id)  # one pairing's: a page


def shape_evaluations(row: dict[str, Any]) -> dict[str, Any]:
    seen: set[str] = set()
    items = []
    # an evaluation matched more than once (two givers, say) keeps the row with the smallest ids
    for it in sorted(row["items"], key=lambda i: (_id(i["evaluation"]), _id(i["pairing"]), _id(i["giver"]), _id(i["target"]))):
        if it["evaluation"]["id"] in seen:
            continue
        seen.add(it["evaluation"]["id"])
        items.append(it)
    items.sort(key=lambda i: (i["pairing"]["id"], -(i["evaluation"].get("year") or 0), i["evaluation"].get("direction") or "",
                              i["evaluation"]["id"]))
    scores = [i["evaluation"]["score"] for i in items if i["evaluation"].get("score") is not None]
    return {"pairing": row.get("pairing"), "count": len(items),
            "averageScore": round(sum(scores) / len(scores), 4) if scores else None, "items": items}


def q32_missing_evaluations(q: Q, year: int, area_id: str | None) -> Statement:
    a2u, u2a = q.add("AREA_TO_UNIT"), q.add("UNIT_TO_AREA")
    y = q.add(year)
    head = scope = ""
    carry = ["root"] if area_id else []
    if area_id:
        head = f"{_anchor(q, 'AdminArea', 'root', area_id)} "
        scope = (f"AND EXISTS {{ MATCH (root)<-[:`PART_OF`*0..{MAX_DEPTH}]-(:`AdminArea`)-[sc:`CO_BUILDS_WITH`]->(:`Unit`) "
                 f"WHERE sc.`pairingId` = pr.`id` }} ")
    pc, pm = q.entity("Pairing", "pr", [["items", "pairing"]], [*carry, "hasA", "hasU", "parties"])
    item = collect_map("pr", "{pairing: " + pm + ", hasAreaToUnit: hasA, hasUnitToArea: hasU, parties: parties}")
    cw = ", ".join([*carry, "pr"])
    if area_id:
        ac, am = q.finish("AdminArea", "root", ["area"], ["items"])
        tail = f"WITH root, {item} AS items {ac} RETURN {am} AS area, root.`level` AS level, items"
    else:
        tail = f"RETURN NULL AS area, NULL AS level, {item} AS items"
    text = (
        f"{head}"
        f"OPTIONAL MATCH (pr:`Pairing`) WHERE pr.`status` = {q.add(ACTIVE)} {scope}"
        f"AND (NOT EXISTS {{ MATCH (ea:`Evaluation`)-[:`ABOUT`]->(pr) WHERE ea.`year` = {y} AND ea.`direction` = {a2u} }} "
        f"OR NOT EXISTS {{ MATCH (eb:`Evaluation`)-[:`ABOUT`]->(pr) WHERE eb.`year` = {y} AND eb.`direction` = {u2a} }}) "
        f"WITH {cw}, "
        f"EXISTS {{ MATCH (ec:`Evaluation`)-[:`ABOUT`]->(pr) WHERE ec.`year` = {y} AND ec.`direction` = {a2u} }} AS hasA, "
        f"EXISTS {{ MATCH (ed:`Evaluation`)-[:`ABOUT`]->(pr) WHERE ed.`year` = {y} AND ed.`direction` = {u2a} }} AS hasU "
        f"OPTIONAL MATCH (party)-[pt:`PARTY_TO`]->(pr) "
        f"WITH {cw}, hasA, hasU, collect(DISTINCT CASE WHEN party IS NULL THEN NULL ELSE "
        f"{{`id`: party.`id`, `name`: party.`name`, side: pt.`side`}} END) AS parties "
        f"{pc} {tail}"
    )
    return q.statement(text, "Q32 pairingsMissingEvaluation", heavy=True)


def shape_missing(row: dict[str, Any], year: int) -> dict[str, Any]:
    items = []
    for it in row["items"]:
        missing = [d for d, has in (("AREA_TO_UNIT", it["hasAreaToUnit"]), ("UNIT_TO_AREA", it["hasUnitToArea"])) if not has]
        parties = sorted(it["parties"], key=lambda x: (x.get("side") or "", _name_id(x)))
        items.append({"pairing": it["pairing"], "missingDirections": missing, "parties": parties})
    items.sort(key=lambda i: i["pairing"]["id"])
    return {"area": row.get("area"), "year": year, "count": len(items), "items": items}


def group_by(items: Iterable[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for i in items:
        out[i[key]].append(i)
    return out
