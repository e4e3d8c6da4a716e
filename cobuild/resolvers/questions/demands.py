"""Demand-list questions: Q10 unclaimed demands and their age, Q11 demands matched to resources."""

import datetime as dt
from typing import Annotated, Any, Optional

import strawberry

from cobuild.graph.cypher import Statement, name
from cobuild.resolvers.areas import STREET_LEVELS, community_areas
from cobuild.resolvers.questions.common import (ACTIVE, MAX_DEPTH, Q, area_ref, argument, as_date, check_id, check_limit,
                                                check_range, collect_map, or_null, entity, first_row, id_of, match_anchor, name_id, q_for,
                                                ref, run)
from cobuild.schema.questions.demands import DemandMatch, MatchDemandsResult, MatchTier, UnclaimedDemand, UnclaimedDemandsResult
from cobuild.schema.refs import NodeRef, refs


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
        f"{match_anchor(q, 'AdminArea', 'root', area_id)} "
        f"OPTIONAL MATCH (root)<-[:`PART_OF`*0..{MAX_DEPTH}]-(a:`AdminArea`)-[:`PUBLISHES`]->(d:`Demand`) "
        f"WHERE d.`status` = {q.add('PUBLISHED')}{cutoff} AND {not_claimed} "
        f"OPTIONAL MATCH (d)-[:`IN_CATEGORY`]->(cat:`Category`) "
        f"WITH root, a, d, collect(DISTINCT {or_null('cat')}{ref('cat')} END) AS cats "
        f"{dc} WITH root, {item} AS demands {ac} "
        f"RETURN {am} AS area, root.`level` AS level, demands"
    )
    return q.statement(text, "Q10 unclaimedDemands", heavy=True)


def shape_unclaimed(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    by_id: dict[str, dict[str, Any]] = {}
    for it in sorted(row["demands"], key=lambda i: (id_of(i["demand"]), id_of(i["publisher"]))):  # several publishers: smallest id
        by_id.setdefault(it["demand"]["id"], it)
    items = []
    for it in by_id.values():
        pub = as_date(it["demand"].get("publishedAt"))
        items.append({"demand": it["demand"], "publisher": it["publisher"],
                      "categories": sorted(it["categories"] or [], key=name_id),
                      "publishedAt": pub, "ageDays": (today - pub).days if pub else None})
    items.sort(key=lambda i: (-(i["ageDays"] if i["ageDays"] is not None else -1), name_id(i["demand"])))
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
        f"{match_anchor(q, 'AdminArea', 'c', community_id)} "
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
        if key not in best or (tier, id_of(m["category"])) < (best[key]["tier"], id_of(best[key]["category"])):
            best[key] = {"demand": m["demand"], "resource": m["resource"], "provider": m["provider"],
                         "category": m["category"], "tier": tier, "tierName": TIER_NAMES[tier]}
    items = sorted(best.values(), key=lambda i: (
        as_date(i["demand"].get("publishedAt")) or dt.date.max, i["demand"]["id"], i["tier"],
        name_id(i["provider"]), i["resource"]["id"]))
    return {"area": row["area"], "total": len(items), "items": items[:limit]}


# ---------------------------------------------------------------------------------------------
# Root resolvers (bound to their fields in cobuild.schema.questions.query)
# ---------------------------------------------------------------------------------------------
async def unclaimed_demands(
    info: strawberry.Info,
    area_id: Annotated[strawberry.ID, argument("区域编号", "Area id")],
    older_than_days: Annotated[Optional[int], argument("只看发布超过该天数的", "Only those published more than this many days ago")] = None,
    as_of: Annotated[Optional[dt.date], argument("计算时长的日期(默认今天)", "Date to compute ages at (default: today)")] = None,
) -> UnclaimedDemandsResult:
    check_id(area_id, "AdminArea", "areaId")
    check_range(older_than_days, 0, 36500, "olderThanDays")
    today = as_of or dt.date.today()
    cutoff = today - dt.timedelta(days=older_than_days + 1) if older_than_days is not None else None
    rows = await run(info, q10_unclaimed_demands(q_for(info), area_id, cutoff))
    s = shape_unclaimed(first_row(rows, "area", area_id), today)
    return UnclaimedDemandsResult(area=entity("AdminArea", s["area"]), as_of=today, count=s["count"], items=[
        UnclaimedDemand(demand=entity("Demand", i["demand"]), publisher=NodeRef.of(i["publisher"]), categories=refs(i["categories"]),
                        published_at=i["publishedAt"], age_days=i["ageDays"]) for i in s["items"]])


async def match_demands(
    info: strawberry.Info,
    community_id: Annotated[strawberry.ID, argument("社区编号", "Community id")],
    limit: Annotated[int, argument("返回条数(1–100)", "How many (1–100)")] = 50,
) -> MatchDemandsResult:
    check_limit(limit, "limit")
    check_id(community_id, "AdminArea", "communityId")
    rows = await run(info, q11_match_demands(q_for(info), community_id))
    s = shape_matches(first_row(rows, "community", community_id), limit)
    return MatchDemandsResult(area=entity("AdminArea", s["area"]), total=s["total"], items=[
        DemandMatch(demand=entity("Demand", i["demand"]), resource=entity("Resource", i["resource"]), provider=entity("Unit", i["provider"]),
                    category=NodeRef.of(i["category"]), tier=i["tier"], tier_name=MatchTier(i["tierName"])) for i in s["items"]])
