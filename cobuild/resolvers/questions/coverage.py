"""Coverage questions: Q3 communities with no active co-building, Q13 co-building units without a
claimed project (1+1 compliance)."""

from typing import Annotated, Any, Optional

import strawberry

from cobuild.graph.cypher import Statement
from cobuild.resolvers.areas import COMMUNITY_LEVELS, communities_under, community_areas, tallies_under
from cobuild.resolvers.questions.common import (ACTIVE, Q, area_ref, argument, check_id, check_range, collect_map, or_null, entity,
                                                first_row, id_of, match_anchor, name_id, q_for, run)
from cobuild.schema.questions.coverage import (CommunityType, CoverageGapsResult, CoverageGroup, UnitsWithoutProjectsResult,
                                               UnitWithoutProject)
from cobuild.schema.refs import NodeRef, refs


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
    item = collect_map("c", "{community: " + cm + ", street: " + or_null("s") + area_ref("s")
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
    for it in sorted(row["communities"], key=lambda i: (id_of(i["community"]), id_of(i["street"]) or "\uffff")):
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
        g["gaps"].sort(key=name_id)
        out.append(g)
    out.sort(key=lambda g: (name_id(g["street"]), g["communityType"] or ""))
    return {
        "area": row["area"],
        "groups": out,
        "communityCount": sum(g["communityCount"] for g in out),
        "gapCount": sum(g["gapCount"] for g in out),
    }


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
            f"{match_anchor(q, 'AdminArea', 'root', area_id)} "
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
        e["areas"].sort(key=name_id)
        e["pairingIds"].sort(key=lambda p: (p is None, p or ""))
    items = sorted(by_unit.values(), key=lambda e: name_id(e["unit"]))
    return {"area": row.get("area"), "coBuildingUnits": int(row["coBuildingUnits"] or 0), "count": len(items), "items": items}


# ---------------------------------------------------------------------------------------------
# Root resolvers (bound to their fields in cobuild.schema.questions.query)
# ---------------------------------------------------------------------------------------------
async def coverage_gaps(
    info: strawberry.Info,
    area_id: Annotated[strawberry.ID, argument("区域编号(区、街道…)", "Area id (district, street …)")],
    community_type: Annotated[Optional[CommunityType], argument("只看该类型社区", "Only communities of this type")] = None,
) -> CoverageGapsResult:
    check_id(area_id, "AdminArea", "areaId")
    rows = await run(info, q3_coverage_gaps(q_for(info), area_id, community_type.value if community_type else None))
    s = shape_coverage_gaps(first_row(rows, "area", area_id))
    return CoverageGapsResult(
        area=entity("AdminArea", s["area"]), community_count=s["communityCount"], gap_count=s["gapCount"],
        groups=[CoverageGroup(street=NodeRef.of(g["street"]),
                              community_type=CommunityType(g["communityType"]) if g["communityType"] else None,
                              community_count=g["communityCount"], gap_count=g["gapCount"],
                              gaps=[entity("AdminArea", c) for c in g["gaps"]]) for g in s["groups"]])


async def units_without_projects(
    info: strawberry.Info,
    area_id: Annotated[Optional[strawberry.ID], argument("区域编号(默认全部)", "Area id (default: everywhere)")] = None,
    year: Annotated[Optional[int], argument("只看该年度的项目", "Only projects of this year")] = None,
) -> UnitsWithoutProjectsResult:
    if area_id is not None:
        check_id(area_id, "AdminArea", "areaId")
    check_range(year, 1900, 2100, "year")
    rows = await run(info, q13_units_without_projects(q_for(info), area_id, year))
    row = first_row(rows, "area", area_id or "")
    s = shape_units_without_projects(row)
    return UnitsWithoutProjectsResult(area=entity("AdminArea", s["area"]), co_building_units=s["coBuildingUnits"], count=s["count"], items=[
        UnitWithoutProject(unit=entity("Unit", i["unit"]), areas=refs(i["areas"]), pairing_ids=[p for p in i["pairingIds"] if p])
        for i in s["items"]])
