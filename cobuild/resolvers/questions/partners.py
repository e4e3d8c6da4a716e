"""Partner questions: Q1 co-builders of a community, Q2 the communities of a unit, Q4 resident units not
engaged, Q8 communities sharing partners."""

import datetime as dt
from typing import Annotated, Any, Optional

import strawberry

from cobuild.graph.cypher import Statement
from cobuild.resolvers.areas import COMMUNITY_LEVELS, SUBAREA_DEPTH, community_areas, community_of, community_row
from cobuild.resolvers.questions.common import (ACTIVE, LEVEL_DEPTH, Q, area_ref, argument, as_date, check_id, check_limit,
                                                collect_map, or_null, entity, enum_or_none, first_row, id_of, match_anchor, name_id, q_for,
                                                require_community, run, sortable)
from cobuild.schema.questions.partners import (CoBuildingForm, CommunityCoBuilder, CommunityCoBuildersResult, PairingStatus,
                                               ResidentUnit, ResidentUnitsResult, SimilarCommunitiesResult, SimilarCommunity,
                                               UnitCommunitiesResult, UnitCommunity)
from cobuild.schema.refs import NodeRef, refs


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
        f"{match_anchor(q, 'AdminArea', 'c', community_id)} "
        f"{'' if include_compounds else 'OPTIONAL MATCH '}{pattern}{where} "
        f"{uc} WITH c, {item} AS items {ac} "
        f"RETURN {am} AS area, c.`level` AS level, items"
    )
    return q.statement(text, "Q1 communityCoBuilders")


def shape_co_builders(row: dict[str, Any]) -> dict[str, Any]:
    items = sorted(row["items"], key=lambda i: (as_date(i["since"]) or dt.date.max, name_id(i["unit"]), i["pairingId"] or "",
                                                id_of(i["via"])))
    units = {i["unit"]["id"] for i in items}
    return {"area": row["area"], "items": items, "unitCount": len(units)}


# ---------------------------------------------------------------------------------------------
# Q2 a unit's communities and the streets they span
# ---------------------------------------------------------------------------------------------
def q2_unit_communities(q: Q, unit_id: str) -> Statement:
    cc, cm_ = q.entity("AdminArea", "cm", [["communities", "community"]], ["u", "a", "cb", "s"], extra=("level",))
    item = collect_map("a", "{area: " + area_ref("a") + ", community: " + or_null("cm") + cm_
                       + " END, street: " + or_null("s") + area_ref("s") + " END, since: cb.`since`, "
                       "pairingId: cb.`pairingId`}")
    cml = q.add(COMMUNITY_LEVELS)
    uc, um = q.finish("Unit", "u", ["unit"], ["items"])
    # The community of each paired area (itself, or the community above a compound or grid) and that
    # community's row (its street or town, or the district it hangs directly under): the same
    # community and row the area roll-ups use (cobuild.resolvers.areas).
    text = (
        f"{match_anchor(q, 'Unit', 'u', unit_id)} "
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
    for it in sorted(row["items"], key=lambda i: (id_of(i["area"]), i["pairingId"] or "", id_of(i["street"]), sortable(i["since"]))):
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
        entry["via"].sort(key=name_id)
    comms = sorted(communities.values(), key=lambda e: name_id(e["community"]))
    return {
        "unit": row["unit"],
        "communities": comms,
        "communityCount": len(comms),
        "streets": sorted(streets.values(), key=name_id),
        "streetCount": len(streets),
        "otherAreas": sorted(others.values(), key=name_id),
    }


# ---------------------------------------------------------------------------------------------
# Q4 resident units that neither co-build with nor report to the community they sit in
# ---------------------------------------------------------------------------------------------
def q4_resident_units(q: Q, community_id: str) -> Statement:
    uc, um = q.entity("Unit", "u", [["items", "unit"]], ["c", "x", "coBuilds", "reports"])
    item = collect_map("u", "{unit: " + um + ", locatedIn: " + area_ref("x") + ", coBuilds: coBuilds, reports: reports}")
    ac, am = q.finish("AdminArea", "c", ["area"], ["units"])
    text = (
        f"{match_anchor(q, 'AdminArea', 'c', community_id)} "
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
    for it in sorted(row["units"], key=lambda i: (id_of(i["unit"]), -LEVEL_DEPTH.get((i["locatedIn"] or {}).get("level") or "", -1),
                                                  id_of(i["locatedIn"]))):
        by_unit.setdefault(it["unit"]["id"], it)
    engaged = [i for i in by_unit.values() if i["coBuilds"] or i["reports"]]
    items = sorted((i for i in by_unit.values() if not (i["coBuilds"] or i["reports"])), key=lambda i: name_id(i["unit"]))
    return {"area": row["area"], "residentUnitCount": len(by_unit), "engagedCount": len(engaged), "items": items}


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
        f"{match_anchor(q, 'AdminArea', 'c', community_id)} "
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
        shared = sorted(o["shared"], key=name_id)
        n = len(shared)
        union = len(mine) + int(o["theirs"] or 0) - n
        out.append({"community": o["community"], "sharedCount": n, "sharedPartners": shared,
                    "partnerCount": int(o["theirs"] or 0), "jaccard": round(n / union, 6) if union else 0.0})
    out.sort(key=lambda x: (-x["jaccard"], -x["sharedCount"], name_id(x["community"])))
    return {"area": row["area"], "partnerCount": len(mine), "items": out[:limit]}


# ---------------------------------------------------------------------------------------------
# Root resolvers (bound to their fields in cobuild.schema.questions.query)
# ---------------------------------------------------------------------------------------------
async def community_co_builders(
    info: strawberry.Info,
    community_id: Annotated[strawberry.ID, argument("社区编号", "Community id")],
    include_compounds: Annotated[bool, argument("是否包含小区的结对", "Include pairings made by its compounds")] = True,
    status: Annotated[Optional[PairingStatus], argument("结对状态(空=全部)", "Pairing status (null = any)")] = PairingStatus("ACTIVE"),
) -> CommunityCoBuildersResult:
    check_id(community_id, "AdminArea", "communityId")
    rows = await run(info, q1_co_builders(q_for(info), community_id, include_compounds, status.value if status else None))
    row = first_row(rows, "community", community_id)
    require_community(row, "communityId", community_id)
    s = shape_co_builders(row)
    return CommunityCoBuildersResult(area=entity("AdminArea", s["area"]), unit_count=s["unitCount"], items=[
        CommunityCoBuilder(unit=entity("Unit", i["unit"]), via=refs([i["via"]]), since=i["since"], pairing_id=i["pairingId"],
                           forms=[x for x in (enum_or_none(CoBuildingForm, f) for f in i["forms"] or []) if x is not None],
                           status=enum_or_none(PairingStatus, i["status"]), via_party_org=i["viaPartyOrg"]) for i in s["items"]])


async def unit_communities(info: strawberry.Info,
                           unit_id: Annotated[strawberry.ID, argument("单位编号", "Unit id")]) -> UnitCommunitiesResult:
    check_id(unit_id, "Unit", "unitId")
    rows = await run(info, q2_unit_communities(q_for(info), unit_id))
    s = shape_unit_communities(first_row(rows, "unit", unit_id))
    return UnitCommunitiesResult(
        unit=entity("Unit", s["unit"]), community_count=s["communityCount"], street_count=s["streetCount"],
        streets=refs(s["streets"]), other_areas=refs(s["otherAreas"]),
        communities=[UnitCommunity(community=entity("AdminArea", c["community"]), street=NodeRef.of(c["street"]), since=c["since"],
                                   pairing_ids=c["pairingIds"], via=refs(c["via"])) for c in s["communities"]])


async def resident_units_not_engaged(
    info: strawberry.Info, community_id: Annotated[strawberry.ID, argument("社区编号", "Community id")],
) -> ResidentUnitsResult:
    check_id(community_id, "AdminArea", "communityId")
    rows = await run(info, q4_resident_units(q_for(info), community_id))
    row = first_row(rows, "community", community_id)
    require_community(row, "communityId", community_id)
    s = shape_resident_units(row)
    return ResidentUnitsResult(area=entity("AdminArea", s["area"]), resident_unit_count=s["residentUnitCount"],
                               engaged_count=s["engagedCount"],
                               items=[ResidentUnit(unit=entity("Unit", i["unit"]), located_in=NodeRef.of(i["locatedIn"])) for i in s["items"]])


async def similar_communities(
    info: strawberry.Info,
    community_id: Annotated[strawberry.ID, argument("社区编号", "Community id")],
    limit: Annotated[int, argument("返回条数(1–100)", "How many (1–100)")] = 10,
) -> SimilarCommunitiesResult:
    check_limit(limit, "limit")
    check_id(community_id, "AdminArea", "communityId")
    rows = await run(info, q8_similar_communities(q_for(info), community_id))
    row = first_row(rows, "community", community_id)
    s = shape_similar(row, limit)
    return SimilarCommunitiesResult(area=entity("AdminArea", s["area"]), partner_count=s["partnerCount"], items=[
        SimilarCommunity(community=entity("AdminArea", i["community"]), shared_count=i["sharedCount"], partner_count=i["partnerCount"],
                         jaccard=i["jaccard"], shared_partners=refs(i["sharedPartners"])) for i in s["items"]])
