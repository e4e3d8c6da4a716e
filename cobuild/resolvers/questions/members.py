"""Member questions: Q17 members reporting to a community, Q20 part-time committee members, Q26 alliance
members that also co-build."""

import datetime as dt
from typing import Annotated, Any

import strawberry

from cobuild.graph.cypher import Statement
from cobuild.resolvers.areas import SUBAREA_DEPTH
from cobuild.resolvers.questions.common import (ACTIVE, Q, area_ref, argument, as_date, check_id, collect_map, or_null, entity,
                                                enum_or_none, first_row, id_of, match_anchor, name_id, q_for, ref, run, sortable)
from cobuild.schema.questions.members import (AllianceMember, AllianceMembersResult, AllianceRole,
                                              CommunityPartTimeCommitteeMembersResult, CommunityReportingMembersResult,
                                              PartTimeCommitteeMember, ReportingMember, ReportStatus, ReportType)
from cobuild.schema.refs import NodeRef, refs


# ---------------------------------------------------------------------------------------------
# Q17 members who reported to a community, with their service hours there
# ---------------------------------------------------------------------------------------------
def q17_reported_members(q: Q, community_id: str) -> Statement:
    mc, mm = q.entity("Person", "m", [["items", "person"]], ["c", "o", "rep", "hours", "records"])
    item = collect_map("m", "{person: " + mm + ", partyOrganization: " + ref("o") + ", reportedAt: rep.`reportedAt`, "
                       "status: rep.`status`, reportType: rep.`reportType`, channel: rep.`channel`, hours: hours, records: records}")
    ac, am = q.finish("AdminArea", "c", ["area"], ["members"])
    text = (
        f"{match_anchor(q, 'AdminArea', 'c', community_id)} "
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
    items.sort(key=lambda m: (as_date(m["reportedAt"]) or dt.date.max, name_id(m["person"]), id_of(m["partyOrganization"])))
    return {"area": row["area"], "count": len(items), "totalServiceHours": round(sum(i["serviceHours"] for i in items), 4), "items": items}


# ---------------------------------------------------------------------------------------------
# Q20 part-time committee members and their source units
# ---------------------------------------------------------------------------------------------
def q20_part_time_members(q: Q, community_id: str) -> Statement:
    mc, mm = q.entity("Person", "m", [["items", "person"]], ["c", "o", "h", "su"])
    sc, sm = q.entity("Unit", "su", [["items", "sourceUnit"]], ["c", "o", "h", "m", *([mm] if mc else [])])
    item = collect_map("m", "{person: " + mm + ", partyOrganization: " + ref("o") + ", since: h.`since`, until: h.`until`, "
                       "representsUnitId: h.`representsUnitId`, sourceUnit: " + or_null("su") + sm + " END}")
    ac, am = q.finish("AdminArea", "c", ["area"], ["members"])
    text = (
        f"{match_anchor(q, 'AdminArea', 'c', community_id)} "
        f"OPTIONAL MATCH (c)-[:`HAS_PARTY_ORG`]->(o:`PartyOrganization`)<-[h:`HOLDS_POSITION`]-(m:`Person`) "
        f"WHERE h.`role` = {q.add('PART_TIME_COMMITTEE_MEMBER')} "
        f"OPTIONAL MATCH (su:`Unit`) WHERE su.`id` = h.`representsUnitId` "
        f"{mc} {sc} WITH c, {item} AS members {ac} "
        f"RETURN {am} AS area, c.`level` AS level, members"
    )
    return q.statement(text, "Q20 communityPartTimeCommitteeMembers")


def shape_part_time(row: dict[str, Any]) -> dict[str, Any]:
    items = sorted(row["members"], key=lambda m: (name_id(m["person"]), id_of(m["partyOrganization"]), sortable(m["since"]),
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
        f"{match_anchor(q, 'Alliance', 'al', alliance_id)} "
        f"OPTIONAL MATCH (u:`Unit`)-[b:`BELONGS_TO`]->(al) "
        f"OPTIONAL MATCH (a:`AdminArea`)-[cb:`CO_BUILDS_WITH`]->(u) WHERE cb.`status` = {active} "
        f"WITH al, u, b, collect(DISTINCT {or_null('a')}{area_ref('a')} END) AS areas "
        f"{uc} WITH al, " + collect_map("u", "{unit: " + um + ", role: b.`role`, joinedAt: b.`joinedAt`, areas: areas}") + " AS units "
        f"OPTIONAL MATCH (o:`PartyOrganization`)-[b2:`BELONGS_TO`]->(al) "
        f"OPTIONAL MATCH (ou:`Unit`)-[:`HAS_PARTY_ORG`]->(o) "
        f"OPTIONAL MATCH (a2:`AdminArea`)-[cb2:`CO_BUILDS_WITH`]->(ou) WHERE cb2.`status` = {active} "
        f"WITH al, units, o, b2, ou, collect(DISTINCT {or_null('a2')}{area_ref('a2')} END) AS areas2 "
        f"{oc} {ouc} WITH al, units, "
        + collect_map("o", "{partyOrganization: " + om + ", role: b2.`role`, joinedAt: b2.`joinedAt`, "
                      "ownerUnit: " + or_null("ou") + oum + " END, areas: areas2}")
        + f" AS orgs {ac} "
        f"RETURN {am} AS alliance, units, orgs"
    )
    return q.statement(text, "Q26 allianceMembers")


def shape_alliance(row: dict[str, Any]) -> dict[str, Any]:
    items = []
    for u in row["units"]:
        areas = sorted(u["areas"], key=name_id)
        items.append({"unit": u["unit"], "partyOrganization": None, "role": u["role"], "joinedAt": u["joinedAt"],
                      "coBuilds": bool(areas), "coBuildsWith": areas})
    for o in row["orgs"]:
        areas = sorted(o["areas"], key=name_id)
        items.append({"unit": o["ownerUnit"], "partyOrganization": o["partyOrganization"], "role": o["role"],
                      "joinedAt": o["joinedAt"], "coBuilds": bool(areas), "coBuildsWith": areas})
    items.sort(key=lambda i: (not i["coBuilds"], name_id(i["partyOrganization"] or i["unit"]), id_of(i["unit"]),
                              i["role"] or "", sortable(i["joinedAt"])))
    return {"alliance": row["alliance"], "memberCount": len(items), "coBuildingCount": sum(1 for i in items if i["coBuilds"]), "items": items}


# ---------------------------------------------------------------------------------------------
# Root resolvers (bound to their fields in cobuild.schema.questions.query)
# ---------------------------------------------------------------------------------------------
async def community_reporting_members(
    info: strawberry.Info, community_id: Annotated[strawberry.ID, argument("社区编号", "Community id")],
) -> CommunityReportingMembersResult:
    check_id(community_id, "AdminArea", "communityId")
    rows = await run(info, q17_reported_members(q_for(info), community_id))
    s = shape_reported(first_row(rows, "community", community_id))
    return CommunityReportingMembersResult(area=entity("AdminArea", s["area"]), count=s["count"], total_service_hours=s["totalServiceHours"], items=[
        ReportingMember(person=entity("Person", m["person"]), party_organization=NodeRef.of(m["partyOrganization"]), reported_at=m["reportedAt"],
                        status=enum_or_none(ReportStatus, m["status"]), report_type=enum_or_none(ReportType, m["reportType"]), channel=m["channel"],
                        service_hours=m["serviceHours"], service_records=m["serviceRecords"]) for m in s["items"]])


async def community_part_time_committee_members(
    info: strawberry.Info, community_id: Annotated[strawberry.ID, argument("社区编号", "Community id")],
) -> CommunityPartTimeCommitteeMembersResult:
    check_id(community_id, "AdminArea", "communityId")
    rows = await run(info, q20_part_time_members(q_for(info), community_id))
    s = shape_part_time(first_row(rows, "community", community_id))
    return CommunityPartTimeCommitteeMembersResult(area=entity("AdminArea", s["area"]), count=s["count"], source_unit_count=s["sourceUnitCount"], items=[
        PartTimeCommitteeMember(person=entity("Person", m["person"]), party_organization=NodeRef.of(m["partyOrganization"]), since=m["since"],
                       until=m["until"], represents_unit_id=m["representsUnitId"], source_unit=entity("Unit", m["sourceUnit"]))
        for m in s["items"]])


async def alliance_members(info: strawberry.Info,
                           alliance_id: Annotated[strawberry.ID, argument("联盟编号", "Alliance id")]) -> AllianceMembersResult:
    check_id(alliance_id, "Alliance", "allianceId")
    rows = await run(info, q26_alliance_members(q_for(info), alliance_id))
    s = shape_alliance(first_row(rows, "alliance", alliance_id))
    return AllianceMembersResult(alliance=entity("Alliance", s["alliance"]), member_count=s["memberCount"],
                                 co_building_count=s["coBuildingCount"], items=[
        AllianceMember(unit=entity("Unit", i["unit"]), party_organization=entity("PartyOrganization", i["partyOrganization"]),
                       role=enum_or_none(AllianceRole, i["role"]), joined_at=i["joinedAt"], co_builds=i["coBuilds"],
                       co_building_areas=refs(i["coBuildsWith"]))
        for i in s["items"]])
