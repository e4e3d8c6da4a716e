"""The network questions (domain.md §3), through the real app: one statement per root field.

The first part runs on the small network of ``question_graph.py`` (expected answers follow from
its rows); the second part runs on the seed network and computes its expectations from the seed
YAML files, never from guesses.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from cobuild.graph.engines.base import GraphEngine
from cobuild.seeds.load import DATA_DIR
from tests.api.question_graph import build
from tests.client import GQL, serve


Client = GQL


@pytest.fixture
async def net(engine: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    await build(engine)
    async with serve(engine, tmp_path) as client:
        yield client


def ok(body: dict[str, Any], client: Any = None) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    if client is not None:
        assert client.last_statements == 1
    return body["data"]


def code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return body["errors"][0]["extensions"]["code"]


# ---------------------------------------------------------------------------------------------
# Small network
# ---------------------------------------------------------------------------------------------
async def test_co_builders_include_compounds_and_nested_entities(net: Client) -> None:
    q = """query($id: ID!, $inc: Boolean) { communityCoBuilders(communityId: $id, includeCompounds: $inc) {
        area { name level } unitCount
        items { unit { id name unitType locatedInAreas { nodes { name } } } via { id name level } since pairingId forms }
    } }"""
    d = ok(await net(q, {"id": "area:c1", "inc": True}), net)["communityCoBuilders"]
    assert d["area"] == {"name": "甲社区", "level": "COMMUNITY"}
    assert [(i["unit"]["name"], [v["id"] for v in i["via"]]) for i in d["items"]] == [("第一医院", ["area:c1"]), ("红缨幼儿园", ["area:k1"])]
    assert d["unitCount"] == 2
    assert d["items"][0]["unit"]["locatedInAreas"]["nodes"][0]["name"] == "乙社区"
    assert d["items"][0]["since"] == "2019-03-01"
    d = ok(await net(q, {"id": "area:c1", "inc": False}), net)["communityCoBuilders"]
    assert [i["unit"]["id"] for i in d["items"]] == ["unit:u1"]


async def test_question_errors(net: Client) -> None:
    q = "query($id: ID!) { communityCoBuilders(communityId: $id) { unitCount } }"
    assert code(await net(q, {"id": "area:nope"})) == "NOT_FOUND"
    assert code(await net(q, {"id": "unit:u1"})) == "VALIDATION"
    assert code(await net(q, {"id": "area:s1"})) == "VALIDATION"  # a street is not a community
    assert code(await net("{ hubs(limit: 0) { method } }")) == "VALIDATION"
    assert code(await net('{ shortestConnection(fromId: "unit:u1", toId: "unit:u2", maxHops: 11) { found } }')) == "VALIDATION"
    assert code(await net('{ shortestConnection(fromId: "unit:u1", toId: "unit:zz") { found } }')) == "NOT_FOUND"
    assert code(await net('{ shortestConnection(fromId: "nothing", toId: "unit:u1") { found } }')) == "VALIDATION"
    assert code(await net('{ allianceMembers(allianceId: "alliance:zz") { memberCount } }')) == "NOT_FOUND"
    assert code(await net('{ unclaimedDemands(areaId: "area:d", olderThanDays: -1) { count } }')) == "VALIDATION"


async def test_unit_communities_and_streets(net: Client) -> None:
    q = """{ unitCommunities(unitId: "unit:u1") { unit { name } communityCount streetCount
             communities { community { id name } street { id } since } streets { name } } }"""
    d = ok(await net(q), net)["unitCommunities"]
    assert [c["community"]["id"] for c in d["communities"]] == ["area:c2", "area:c1"] or \
        sorted(c["community"]["id"] for c in d["communities"]) == ["area:c1", "area:c2"]
    assert d["communityCount"] == 2 and d["streetCount"] == 1 and d["streets"] == [{"name": "一街道"}]
    q2 = '{ unitCommunities(unitId: "unit:u2") { communities { community { id } via { id } } } }'
    d2 = ok(await net(q2), net)["unitCommunities"]
    assert d2["communities"] == [{"community": {"id": "area:c1"}, "via": [{"id": "area:k1"}]}]


async def test_coverage_gaps(net: Client) -> None:
    q = """query($t: CommunityType) { coverageGaps(areaId: "area:d", communityType: $t) { communityCount gapCount
             groups { street { id } communityType communityCount gapCount gaps { id name } } } }"""
    d = ok(await net(q), net)["coverageGaps"]
    assert d["communityCount"] == 4 and d["gapCount"] == 1
    gaps = [(g["street"]["id"], g["communityType"], [x["id"] for x in g["gaps"]]) for g in d["groups"] if g["gapCount"]]
    assert gaps == [("area:s1", "AGRI_RELATED", ["area:c3"])]
    d = ok(await net(q, {"t": "URBAN"}), net)["coverageGaps"]
    assert d["gapCount"] == 0 and d["communityCount"] == 3


async def test_resident_units_not_engaged(net: Client) -> None:
    q = '{ residentUnitsNotEngaged(communityId: "area:c1") { residentUnitCount engagedCount items { unit { id } locatedIn { id } } } }'
    d = ok(await net(q), net)["residentUnitsNotEngaged"]
    # u3 sits in 甲社区 and does nothing; u4 (in its compound) reports through its party org
    assert d["residentUnitCount"] == 2 and d["engagedCount"] == 1
    assert d["items"] == [{"unit": {"id": "unit:u3"}, "locatedIn": {"id": "area:c1"}}]


async def test_rollup_beside_statistics(net: Client) -> None:
    q = """{ rollup(areaId: "area:d") { agenciesInstitutionsCoBuilding twoNewCoBuilding coBuildingUnits activePairings
             communitiesCovered communitiesTotal agreements partTimeCommitteeMembers
             comparisons { metric graphValue reportedValue difference statistic { metric quote } } statistics { metric value } } }"""
    d = ok(await net(q), net)["rollup"]
    assert (d["agenciesInstitutionsCoBuilding"], d["twoNewCoBuilding"], d["coBuildingUnits"], d["activePairings"]) == (1, 1, 3, 4)
    assert (d["communitiesCovered"], d["communitiesTotal"], d["agreements"], d["partTimeCommitteeMembers"]) == (3, 4, 1, 1)
    agr = next(c for c in d["comparisons"] if c["metric"] == "agreements")
    assert agr["graphValue"] == 1 and agr["reportedValue"] == 5.0 and agr["difference"] == -4.0
    assert agr["statistic"]["metric"] == "agreements_signed"


async def test_shortest_connection_steps(net: Client) -> None:
    q = """query($via: [ConnectionType!]) { shortestConnection(fromId: "unit:u2", toId: "unit:u1", via: $via, maxHops: 6) {
             found hops steps { from { id label } relationship direction to { id } } } }"""
    d = ok(await net(q, {"via": ["CO_BUILDS_WITH", "PART_OF"]}), net)["shortestConnection"]
    # 红缨幼儿园 ← 甲一小区 → 甲社区 → 第一医院
    assert d["found"] and d["hops"] == 3
    assert [(s["from"]["id"], s["relationship"], s["direction"], s["to"]["id"]) for s in d["steps"]] == [
        ("unit:u2", "CO_BUILDS_WITH", "INCOMING", "area:k1"),
        ("area:k1", "PART_OF", "OUTGOING", "area:c1"),
        ("area:c1", "CO_BUILDS_WITH", "OUTGOING", "unit:u1"),
    ]
    d = ok(await net(q, {"via": ["BELONGS_TO"]}), net)["shortestConnection"]
    assert d == {"found": False, "hops": None, "steps": []}


async def test_hubs_and_clusters(net: Client) -> None:
    d = ok(await net("{ hubs(metric: DEGREE, limit: 3) { method computedInMs nodeCount items { node { id } score degree } } }"), net)["hubs"]
    top = d["items"][0]
    assert top["node"]["id"] == "unit:u1" and top["degree"] == 3  # c1, c2, alliance
    d = ok(await net("{ hubs(metric: BETWEENNESS, limit: 1) { method items { node { id } score } } }"), net)["hubs"]
    assert d["method"] == "exact" and d["items"][0]["node"]["id"] == "unit:u1" and d["items"][0]["score"] > 0
    q = "{ isolatedClusters(minSize: 2) { clusterCount largestSize items { size areaCount unitCount members { id } } } }"
    d = ok(await net(q), net)["isolatedClusters"]
    sizes = [c["size"] for c in d["items"]]
    # {c1, org:c1, c2, u1, alliance, u3}, {k1, u2}, {c4, u5}, {u4, org:u4}
    assert sizes == [6, 2, 2, 2] and d["largestSize"] == 6
    d = ok(await net("{ isolatedClusters(excludeLargest: true) { items { size } } }"), net)["isolatedClusters"]
    assert [c["size"] for c in d["items"]] == [2, 2, 2]
    d = ok(await net('{ hubs(areaId: "area:s2") { items { node { id } } } }'), net)["hubs"]
    assert {h["node"]["id"] for h in d["items"]} == {"area:c4", "unit:u5"}


async def test_similar_communities(net: Client) -> None:
    q = '{ similarCommunities(communityId: "area:c1") { partnerCount items { community { id } sharedCount jaccard sharedPartners { id } } } }'
    d = ok(await net(q), net)["similarCommunities"]
    # 甲社区's partners are its own and its compound's (u1, u2), as in coBuilders; 乙社区 shares u1
    assert d["partnerCount"] == 2
    assert d["items"] == [{"community": {"id": "area:c2"}, "sharedCount": 1, "jaccard": 0.5, "sharedPartners": [{"id": "unit:u1"}]}]
    # seen from 乙社区, 甲社区 shares u1 whether u1 pairs with the community itself or with its compound
    d = ok(await net(q.replace("area:c1", "area:c2")), net)["similarCommunities"]
    assert d["items"] == [{"community": {"id": "area:c1"}, "sharedCount": 1, "jaccard": 0.5, "sharedPartners": [{"id": "unit:u1"}]}]


async def test_unclaimed_demands_with_age(net: Client) -> None:
    q = """query($days: Int) { unclaimedDemands(areaId: "area:d", olderThanDays: $days, asOf: "2024-07-01") {
             count items { demand { id } publisher { id } ageDays categories { name } } } }"""
    d = ok(await net(q), net)["unclaimedDemands"]
    assert [(i["demand"]["id"], i["ageDays"]) for i in d["items"]] == [("demand:d1", 182), ("demand:d2", 11)]
    d = ok(await net(q, {"days": 30}), net)["unclaimedDemands"]
    assert [i["demand"]["id"] for i in d["items"]] == ["demand:d1"]
    assert d["items"][0]["categories"] == [{"name": "就医"}]


async def test_match_demands_tiers(net: Client) -> None:
    q = '{ matchDemands(communityId: "area:c1") { total items { demand { id } resource { id } provider { id } tier tierName } } }'
    d = ok(await net(q), net)["matchDemands"]
    got = [(i["resource"]["id"], i["tier"], i["tierName"]) for i in d["items"]]
    assert got == [("resource:r1", 1, "CO_BUILDING_PARTNER"), ("resource:r2", 2, "SAME_COMMUNITY"), ("resource:r5", 4, "ELSEWHERE")]


async def test_claim_rates(net: Client) -> None:
    q = """{ claimRates(areaId: "area:d") { items { street { id } demandsTotal demandsClaimed claimRate
             projectsTotal projectsCompleted projectCompletionRate } } }"""
    d = ok(await net(q), net)["claimRates"]
    s1 = next(i for i in d["items"] if i["street"]["id"] == "area:s1")
    assert (s1["demandsTotal"], s1["demandsClaimed"], s1["claimRate"]) == (3, 1, round(1 / 3, 4))
    assert (s1["projectsTotal"], s1["projectsCompleted"], s1["projectCompletionRate"]) == (1, 1, 1.0)


async def test_units_without_projects(net: Client) -> None:
    q = "query($a: ID, $y: Int) { unitsWithoutProjects(areaId: $a, year: $y) { coBuildingUnits count items { unit { id } } } }"
    d = ok(await net(q, {"a": "area:d"}), net)["unitsWithoutProjects"]
    assert d["coBuildingUnits"] == 3 and [i["unit"]["id"] for i in d["items"]] == ["unit:u2", "unit:u5"] or \
        sorted(i["unit"]["id"] for i in d["items"]) == ["unit:u2", "unit:u5"]
    d = ok(await net(q, {"y": 2023}), net)["unitsWithoutProjects"]
    assert d["count"] == 3


async def test_reported_and_part_time_members(net: Client) -> None:
    q = '{ communityReportingMembers(communityId: "area:c1") { count totalServiceHours items { person { name } reportedAt reportType serviceHours serviceRecords } } }'
    d = ok(await net(q), net)["communityReportingMembers"]
    assert d["items"] == [{"person": {"name": "张三"}, "reportedAt": "2024-01-05", "reportType": "IN_SERVICE", "serviceHours": 4.0, "serviceRecords": 2}]
    q = '{ communityPartTimeCommitteeMembers(communityId: "area:c1") { count sourceUnitCount items { person { name } sourceUnit { name } } } }'
    d = ok(await net(q), net)["communityPartTimeCommitteeMembers"]
    assert d["items"] == [{"person": {"name": "李四"}, "sourceUnit": {"name": "第一医院"}}]


async def test_alliance_members(net: Client) -> None:
    q = '{ allianceMembers(allianceId: "alliance:al") { memberCount coBuildingCount items { unit { id } role coBuilds coBuildingAreas { id } } } }'
    d = ok(await net(q), net)["allianceMembers"]
    assert d["memberCount"] == 2 and d["coBuildingCount"] == 1
    assert d["items"][0]["unit"]["id"] == "unit:u1" and sorted(a["id"] for a in d["items"][0]["coBuildingAreas"]) == ["area:c1", "area:c2"]
    assert d["items"][1] == {"unit": {"id": "unit:u3"}, "role": "MEMBER", "coBuilds": False, "coBuildingAreas": []}


async def test_evaluations(net: Client) -> None:
    q = "query($p: ID, $b: Float) { evaluationScores(pairingId: $p, year: 2024, below: $b) { count averageScore items { evaluation { id score } giver { id } } } }"
    d = ok(await net(q, {"p": "pairing:p2"}), net)["evaluationScores"]
    assert d["count"] == 2 and d["averageScore"] == 69.0
    d = ok(await net(q, {"b": 60}), net)["evaluationScores"]
    assert [i["evaluation"]["id"] for i in d["items"]] == ["eval:e2"]
    d = ok(await net(q, {"p": "pairing:p1"}), net)["evaluationScores"]
    assert d["items"][0]["giver"] == {"id": "area:c1"}
    q = "{ pairingsMissingEvaluation(year: 2024) { count items { pairing { id } missingDirections parties { id side } } } }"
    d = ok(await net(q), net)["pairingsMissingEvaluation"]
    got = {i["pairing"]["id"]: i["missingDirections"] for i in d["items"]}
    assert got == {"pairing:p1": ["UNIT_TO_AREA"], "pairing:p3": ["AREA_TO_UNIT", "UNIT_TO_AREA"],
                   "pairing:p4": ["AREA_TO_UNIT", "UNIT_TO_AREA"]}
    q = '{ pairingsMissingEvaluation(year: 2024, areaId: "area:s2") { items { pairing { id } } } }'
    assert ok(await net(q), net)["pairingsMissingEvaluation"]["items"] == [{"pairing": {"id": "pairing:p4"}}]


# ---------------------------------------------------------------------------------------------
# Seed network: expectations computed from the seed files (cobuild/seeds/data)
# ---------------------------------------------------------------------------------------------
class Seed:
    """The seed dataset as the loader parses it, with the derivation of co-building edges
    (derive.py, domain.md R24) replayed in Python so expectations never come from guesses."""

    def __init__(self) -> None:
        from cobuild.seeds.load import read_dataset

        ds = read_dataset(DATA_DIR)
        self.nodes = {r["id"]: {**r, "_label": lab} for lab, rows in ds.nodes.items() for r in rows}
        self.rels: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for (rel, _a, _b), rows in ds.rels.items():
            self.rels[rel].extend(rows)
        self.parent = {r["from"]: r["to"] for r in self.rels["PART_OF"]}
        self.owner = {r["to"]: r["from"] for r in self.rels["HAS_PARTY_ORG"]}
        self.orgs_of: dict[str, list[str]] = defaultdict(list)
        for r in self.rels["HAS_PARTY_ORG"]:
            self.orgs_of[r["from"]].append(r["to"])
        covers: dict[str, list[str]] = defaultdict(list)
        for r in self.rels["COVERS"]:
            covers[r["from"]].append(r["to"])
        hosts: dict[str, list[str]] = defaultdict(list)
        partners: dict[str, list[str]] = defaultdict(list)
        for r in self.rels["PARTY_TO"]:
            lab = self.nodes[r["from"]]["_label"]
            if r["side"] == "HOST":
                area = r["from"] if lab == "AdminArea" else self.owner.get(r["from"]) if lab == "PartyOrganization" else None
                if area and self.nodes[area]["_label"] == "AdminArea":
                    hosts[r["to"]].append(area)
            else:
                if lab == "Unit":
                    partners[r["to"]].append(r["from"])
                elif lab == "PartyOrganization":
                    o = self.owner.get(r["from"])
                    units = [o] if o and self.nodes[o]["_label"] == "Unit" else covers.get(r["from"], [])
                    partners[r["to"]].extend(units)
        # (area, unit, pairing, status)
        self.co = {(a, u, p, self.nodes[p]["status"]) for p in hosts for a in hosts[p] for u in partners.get(p, [])}

    def depth_to(self, area: str, ancestor: str, max_depth: int) -> bool:
        cur, d = area, 0
        while cur is not None and d <= max_depth:
            if cur == ancestor:
                return True
            cur, d = self.parent.get(cur), d + 1
        return False

    def subtree(self, root: str, max_depth: int = 4) -> set[str]:
        return {i for i, n in self.nodes.items() if n["_label"] == "AdminArea" and self.depth_to(i, root, max_depth)}

    def active_partners(self, area: str, depth: int = 2) -> set[str]:
        return {u for a, u, _p, s in self.co if s == "ACTIVE" and self.depth_to(a, area, depth)}

    def top(self, area: str) -> str:
        while area in self.parent:
            area = self.parent[area]
        return area

    def by_name(self, label: str, nm: str) -> str:
        found = [i for i, n in self.nodes.items() if n["_label"] == label and n.get("name") == nm]
        assert len(found) == 1, (label, nm, found)
        return found[0]


@pytest.fixture(scope="module")
def seed() -> Seed:
    return Seed()


@pytest.mark.read_only
async def test_seed_article_facts(gql: Any, seed: Seed) -> None:
    zidongge, hospital = seed.by_name("AdminArea", "紫东阁社区"), seed.by_name("Unit", "区第一人民医院")
    q = """query($id: ID!) { communityCoBuilders(communityId: $id) { unitCount
             items { unit { id name partyOrganizations { nodes { name } } } via { id } since } } }"""
    d = ok(await gql(q, {"id": zidongge}), gql)["communityCoBuilders"]
    units = {i["unit"]["id"]: i for i in d["items"]}
    assert hospital in units, "区第一人民医院 co-builds with 紫东阁社区 (F001)"
    assert set(units) == seed.active_partners(zidongge)
    hosp_orgs = sorted(seed.nodes[o]["name"] for o in seed.orgs_of[hospital])
    assert sorted(e["name"] for e in units[hospital]["unit"]["partyOrganizations"]["nodes"]) == hosp_orgs
    haixin = seed.by_name("AdminArea", "海信社区")
    d = ok(await gql("query($id: ID!) { communityCoBuilders(communityId: $id) { unitCount } }", {"id": haixin}), gql)["communityCoBuilders"]
    assert d["unitCount"] == 11 == len(seed.active_partners(haixin)), "海信社区 has 11 partners (F002)"
    q = 'query($a: ID!, $b: ID!) { shortestConnection(fromId: $a, toId: $b, via: [CO_BUILDS_WITH]) { found hops steps { relationship direction } } }'
    d = ok(await gql(q, {"a": zidongge, "b": hospital}), gql)["shortestConnection"]
    assert d == {"found": True, "hops": 1, "steps": [{"relationship": "CO_BUILDS_WITH", "direction": "OUTGOING"}]}


@pytest.mark.read_only
async def test_seed_rollup_shuangliu(gql: Any, seed: Seed) -> None:
    import csv

    shuangliu = seed.by_name("AdminArea", "双流区")
    with (DATA_DIR / "statistics.csv").open(encoding="utf-8") as fh:
        reported = {r["metric"]: float(r["value"]) for r in csv.DictReader(fh) if r["scope"] == shuangliu}
    q = """query($id: ID!) { rollup(areaId: $id) { agreements agenciesInstitutionsCoBuilding communitiesTotal
             agreementsByKind { agreementType count }
             comparisons { metric agreementType graphValue reportedValue difference statistic { metric quote } } } }"""
    d = ok(await gql(q, {"id": shuangliu}), gql)["rollup"]
    comp = {c["metric"]: c for c in d["comparisons"]}
    # 479 counts 共商结对共建责任(协议)书: it stands beside the graph's count of that kind only
    pr = comp["agreementsPairingResponsibility"]
    assert pr["agreementType"] == "PAIRING_RESPONSIBILITY"
    assert pr["reportedValue"] == reported["pairing_responsibility_agreements"] == 479
    by_kind = {k["agreementType"]: k["count"] for k in d["agreementsByKind"]}
    assert pr["graphValue"] == by_kind["PAIRING_RESPONSIBILITY"] and pr["difference"] == by_kind["PAIRING_RESPONSIBILITY"] - 479
    assert comp["agreements"]["reportedValue"] is None  # no figure counts every kind
    assert comp["agenciesInstitutionsCoBuilding"]["reportedValue"] == 180
    assert comp["twoNewCoBuilding"]["reportedValue"] == 355
    assert comp["communitiesCovered"]["reportedValue"] == 134
    assert comp["partTimeCommitteeMembers"]["reportedValue"] == 256
    # the graph's own counts, recomputed from the files: the communities under the district (one
    # definition, cobuild.resolvers.areas) and the areas under each of them
    comms = {a for a in seed.subtree(shuangliu) if seed.nodes[a].get("level") in ("COMMUNITY", "VILLAGE")}
    areas = {a for c in comms for a in seed.subtree(c, 2)}
    ids_orgs = {o for a in areas for o in seed.orgs_of[a]}
    ag = {r["to"] for r in seed.rels["SIGNED"] if r["from"] in areas or r["from"] in ids_orgs}
    pairings = {p for a, _u, p, _s in seed.co if a in areas}
    ag |= {r["from"] for r in seed.rels["FORMALIZES"] if r["to"] in pairings}
    assert d["agreements"] == len(ag)
    assert d["communitiesTotal"] == len(comms)
    agencies = {u for a, u, _p, s in seed.co if s == "ACTIVE" and a in areas
                and seed.nodes[u].get("unitType") in ("GOV_AGENCY", "PUBLIC_INSTITUTION")}
    assert d["agenciesInstitutionsCoBuilding"] == len(agencies)


@pytest.mark.read_only
async def test_seed_deliberate_gaps(gql: Any, seed: Seed) -> None:
    # a community with no pairing appears in coverageGaps of its top area
    gap = "area:tf-xinglonghu"
    root = seed.top(gap)
    d = ok(await gql("query($id: ID!) { coverageGaps(areaId: $id) { gapCount groups { gaps { id } } } }", {"id": root}), gql)["coverageGaps"]
    gaps = {g["id"] for grp in d["groups"] for g in grp["gaps"]}
    assert gap in gaps
    comms = {a for a in seed.subtree(root) if seed.nodes[a].get("level") in ("COMMUNITY", "VILLAGE")}
    assert gaps == {c for c in comms if not seed.active_partners(c)}
    # an old unclaimed demand, with its age computed in Python
    demand = "demand:gap-stale-unclaimed"
    publisher = next(r["from"] for r in seed.rels["PUBLISHES"] if r["to"] == demand)
    published = seed.nodes[demand]["publishedAt"]
    as_of = dt.date(2026, 11, 23)
    q = 'query($id: ID!) { unclaimedDemands(areaId: $id, olderThanDays: 30, asOf: "2026-11-23") { items { demand { id } ageDays } } }'
    d = ok(await gql(q, {"id": seed.top(publisher)}), gql)["unclaimedDemands"]
    ages = {i["demand"]["id"]: i["ageDays"] for i in d["items"]}
    assert ages[demand] == (as_of - published).days > 30
    # a pairing without this year's evaluation
    evals = defaultdict(set)
    about = {r["from"]: r["to"] for r in seed.rels["ABOUT"]}
    for e, p in about.items():
        if seed.nodes[e].get("year") == 2026:
            evals[p].add(seed.nodes[e].get("direction"))
    expected = {p: sorted({"AREA_TO_UNIT", "UNIT_TO_AREA"} - evals[p]) for p, n in seed.nodes.items()
                if n["_label"] == "Pairing" and n.get("status") == "ACTIVE" and len(evals[p]) < 2}
    d = ok(await gql("{ pairingsMissingEvaluation(year: 2026) { count items { pairing { id } missingDirections } } }"), gql)
    got = {i["pairing"]["id"]: sorted(i["missingDirections"]) for i in d["pairingsMissingEvaluation"]["items"]}
    assert "pairing:sl-jichanglu-hongying" in got and got == expected
    # a co-building unit without a claimed project (1+1)
    d = ok(await gql("{ unitsWithoutProjects { items { unit { id } } } }"), gql)["unitsWithoutProjects"]
    assert "unit:hx-u11" in {i["unit"]["id"] for i in d["items"]}
    # a resident unit that neither co-builds nor reports
    idle = "unit:sl-zdg-resident-idle"
    where = next(r["to"] for r in seed.rels["LOCATED_IN"] if r["from"] == idle)
    d = ok(await gql("query($id: ID!) { residentUnitsNotEngaged(communityId: $id) { items { unit { id } } } }", {"id": where}), gql)
    assert idle in {i["unit"]["id"] for i in d["residentUnitsNotEngaged"]["items"]}


@pytest.mark.read_only
async def test_seed_members_and_alliances(gql: Any, seed: Seed) -> None:
    # the community with the most person-level reports
    org_area = {o: a for a, orgs in seed.orgs_of.items() for o in orgs if seed.nodes[a]["_label"] == "AdminArea"}
    reports = [r for r in seed.rels["REPORTS_TO"] if seed.nodes[r["from"]]["_label"] == "Person" and r["to"] in org_area]
    per_area: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in reports:
        per_area[org_area[r["to"]]].append(r)
    area = max(per_area, key=lambda a: (len(per_area[a]), a))
    at = {r["from"]: r["to"] for r in seed.rels["AT"]}
    hours: dict[str, float] = defaultdict(float)
    for r in seed.rels["PERFORMED"]:
        place = at.get(r["to"])
        if place and seed.nodes[place]["_label"] == "AdminArea" and seed.depth_to(place, area, 2):
            hours[r["from"]] += seed.nodes[r["to"]]["hours"]
    q = "query($id: ID!) { communityReportingMembers(communityId: $id) { count items { person { id } serviceHours } } }"
    d = ok(await gql(q, {"id": area}), gql)["communityReportingMembers"]
    assert d["count"] == len(per_area[area])
    for i in d["items"]:
        assert i["serviceHours"] == pytest.approx(hours[i["person"]["id"]])
    # part-time committee members and their source units
    ptc = [r for r in seed.rels["HOLDS_POSITION"] if r.get("role") == "PART_TIME_COMMITTEE_MEMBER" and r["to"] in org_area]
    area = max({org_area[r["to"]] for r in ptc}, key=lambda a: (sum(1 for r in ptc if org_area[r["to"]] == a), a))
    mine = {r["from"]: r.get("representsUnitId") for r in ptc if org_area[r["to"]] == area}
    q = "query($id: ID!) { communityPartTimeCommitteeMembers(communityId: $id) { items { person { id } sourceUnit { id } } } }"
    d = ok(await gql(q, {"id": area}), gql)["communityPartTimeCommitteeMembers"]
    assert {i["person"]["id"]: (i["sourceUnit"] or {}).get("id") for i in d["items"]} == mine
    # alliance members, and which also co-build
    al = "alliance:yt-red-alliance"
    members = {r["from"] for r in seed.rels["BELONGS_TO"] if r["to"] == al}
    q = "query($id: ID!) { allianceMembers(allianceId: $id) { memberCount coBuildingCount } }"
    d = ok(await gql(q, {"id": al}), gql)["allianceMembers"]
    assert d["memberCount"] == len(members)
    active_units = {u for _a, u, _p, s in seed.co if s == "ACTIVE"}

    def co(m: str) -> bool:
        return m in active_units or seed.owner.get(m) in active_units

    assert d["coBuildingCount"] == sum(1 for m in members if co(m))


@pytest.mark.read_only
async def test_seed_network_algorithms_and_rest(gql: Any, seed: Seed) -> None:
    d = ok(await gql("{ hubs(metric: BETWEENNESS, limit: 5) { method nodeCount items { node { id } score degree } } }"), gql)["hubs"]
    assert d["method"] == "exact" and len(d["items"]) == 5
    assert [h["score"] for h in d["items"]] == sorted((h["score"] for h in d["items"]), reverse=True)
    d = ok(await gql("{ isolatedClusters(limit: 100) { clusterCount largestSize items { size } } }"), gql)["isolatedClusters"]
    assert d["items"][0]["size"] == d["largestSize"] and d["clusterCount"] >= len(d["items"])
    haixin = seed.by_name("AdminArea", "海信社区")
    for q in (
        "query($id: ID!) { similarCommunities(communityId: $id) { items { community { id } jaccard } } }",
        "query($id: ID!) { matchDemands(communityId: $id) { total items { tier } } }",
        "query($id: ID!) { unitCommunities(unitId: $id) { streetCount } }",
    ):
        var = {"id": seed.by_name("Unit", "区第一人民医院")} if "unitId" in q else {"id": haixin}
        ok(await gql(q, var), gql)
    d = ok(await gql("query($id: ID!) { claimRates(areaId: $id) { items { street { name } claimRate } } }",
                     {"id": seed.by_name("AdminArea", "双流区")}), gql)["claimRates"]
    assert all(i["claimRate"] is None or 0 <= i["claimRate"] <= 1 for i in d["items"])
    d = ok(await gql("{ evaluationScores(year: 2025, below: 70) { count items { evaluation { score } } } }"), gql)["evaluationScores"]
    assert all(i["evaluation"]["score"] < 70 for i in d["items"])


# ---------------------------------------------------------------------------------------------
# Schema and statement hygiene
# ---------------------------------------------------------------------------------------------
def test_every_question_type_field_and_argument_is_bilingual() -> None:
    from graphql import GraphQLEnumType, GraphQLList, GraphQLNonNull, GraphQLObjectType

    from cobuild.schema.entities import TYPES
    from cobuild.schema.root import build_schema

    schema = build_schema()._schema
    query = schema.query_type
    entity_types = set(TYPES) | {"Node", "Entity", "Actor"}
    questions = ["communityCoBuilders", "unitCommunities", "coverageGaps", "residentUnitsNotEngaged", "rollup", "shortestConnection",
                 "hubs", "isolatedClusters", "similarCommunities", "unclaimedDemands", "matchDemands", "claimRates",
                 "unitsWithoutProjects", "communityReportingMembers", "communityPartTimeCommitteeMembers", "allianceMembers",
                 "evaluationScores", "pairingsMissingEvaluation"]
    seen: set[str] = set()

    def bilingual(desc: str | None, where: str) -> None:
        assert desc and " / " in desc, f"{where} needs a '中文 / English' description"

    def walk(t: Any) -> None:
        while isinstance(t, (GraphQLNonNull, GraphQLList)):
            t = t.of_type
        if t.name in seen or t.name in entity_types or not isinstance(t, (GraphQLObjectType, GraphQLEnumType)):
            return
        seen.add(t.name)
        bilingual(t.description, t.name)
        if isinstance(t, GraphQLObjectType):
            for fname, f in t.fields.items():
                bilingual(f.description, f"{t.name}.{fname}")
                walk(f.type)

    for q in questions:
        f = query.fields[q]
        bilingual(f.description, q)
        for aname, a in f.args.items():
            bilingual(a.description, f"{q}({aname})")
            walk(a.type)
        walk(f.type)
    assert "NodeRef" in seen and "ConnectionType" in seen


def test_statements_only_use_declared_names() -> None:
    from cobuild.errors import CompileError
    from cobuild.graph.dialect import DIALECTS
    from cobuild.resolvers import questions as R

    for dialect in DIALECTS.values():
        q = R.Q(None, dialect)
        stmt = R.q6_shortest_connection(q, "unit:a", "area:b", list(R.CONNECTION_TYPES), 6)
        assert "$p0" in stmt.text and "unit:a" not in stmt.text  # values travel as parameters
    with pytest.raises(CompileError):
        R.Q().statement("MATCH (n:`NoSuchLabel`) RETURN n.`id` AS id", "bad")
