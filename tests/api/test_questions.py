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

import httpx
import pytest
import yaml

from cobuild.config import Settings
from cobuild.graph.engines.base import GraphEngine
from cobuild.seeds.load import DATA_DIR
from tests.api.question_graph import build


class Client:
    def __init__(self, client: httpx.AsyncClient, engine: GraphEngine) -> None:
        self.client, self.engine, self.last_statements = client, engine, 0

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        before = self.engine.counter.total
        resp = await self.client.post("/graphql", json={"query": query, "variables": variables or {}})
        self.last_statements = self.engine.counter.total - before
        assert resp.status_code in (200, 400), resp.text
        return resp.json()


@pytest.fixture
async def net(engine: GraphEngine, tmp_path: Path) -> AsyncIterator[Client]:
    from cobuild.app import create_app

    await build(engine)
    app = create_app(Settings(db_path=tmp_path / "unused.lbdb", neo4j_uri=None), engine=engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield Client(client, engine)


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
    q = """query($id: ID!, $inc: Boolean) { coBuilders(communityId: $id, includeCompounds: $inc) {
        area { name level } unitCount
        items { unit { id name unitType locatedIn { node { ... on AdminArea { name } } } } via { id name level } since pairingId forms }
    } }"""
    d = ok(await net(q, {"id": "area:c1", "inc": True}), net)["coBuilders"]
    assert d["area"] == {"name": "甲社区", "level": "COMMUNITY"}
    assert [(i["unit"]["name"], i["via"]["id"]) for i in d["items"]] == [("第一医院", "area:c1"), ("红缨幼儿园", "area:k1")]
    assert d["unitCount"] == 2
    assert d["items"][0]["unit"]["locatedIn"][0]["node"]["name"] == "乙社区"
    assert d["items"][0]["since"] == "2019-03-01"
    d = ok(await net(q, {"id": "area:c1", "inc": False}), net)["coBuilders"]
    assert [i["unit"]["id"] for i in d["items"]] == ["unit:u1"]


async def test_question_errors(net: Client) -> None:
    q = "query($id: ID!) { coBuilders(communityId: $id) { unitCount } }"
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
    q = "{ isolatedClusters(minSize: 2) { clusterCount largestSize items { size communityCount unitCount members { id } } } }"
    d = ok(await net(q), net)["isolatedClusters"]
    sizes = [c["size"] for c in d["items"]]
    # {c1, c2, u1, alliance, u3}, {k1, u2}, {c4, u5}
    assert sizes == [5, 2, 2] and d["largestSize"] == 5
    d = ok(await net("{ isolatedClusters(excludeLargest: true) { items { size } } }"), net)["isolatedClusters"]
    assert [c["size"] for c in d["items"]] == [2, 2]
    d = ok(await net('{ hubs(areaId: "area:s2") { items { node { id } } } }'), net)["hubs"]
    assert {h["node"]["id"] for h in d["items"]} == {"area:c4", "unit:u5"}


async def test_similar_communities(net: Client) -> None:
    q = '{ similarCommunities(communityId: "area:c1") { partnerCount items { community { id } sharedCount jaccard sharedPartners { id } } } }'
    d = ok(await net(q), net)["similarCommunities"]
    assert d["partnerCount"] == 1
    assert d["items"] == [{"community": {"id": "area:c2"}, "sharedCount": 1, "jaccard": 1.0, "sharedPartners": [{"id": "unit:u1"}]}]


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
    q = '{ reportedMembers(communityId: "area:c1") { count totalServiceHours items { person { name } reportedAt type serviceHours serviceRecords } } }'
    d = ok(await net(q), net)["reportedMembers"]
    assert d["items"] == [{"person": {"name": "张三"}, "reportedAt": "2024-01-05", "type": "IN_SERVICE", "serviceHours": 4.0, "serviceRecords": 2}]
    q = '{ partTimeCommitteeMembers(communityId: "area:c1") { count sourceUnitCount items { person { name } sourceUnit { name } } } }'
    d = ok(await net(q), net)["partTimeCommitteeMembers"]
    assert d["items"] == [{"person": {"name": "李四"}, "sourceUnit": {"name": "第一医院"}}]


async def test_alliance_members(net: Client) -> None:
    q = '{ allianceMembers(allianceId: "alliance:al") { memberCount coBuildingCount items { unit { id } role coBuilds coBuildsWith { id } } } }'
    d = ok(await net(q), net)["allianceMembers"]
    assert d["memberCount"] == 2 and d["coBuildingCount"] == 1
    assert d["items"][0]["unit"]["id"] == "unit:u1" and sorted(a["id"] for a in d["items"][0]["coBuildsWith"]) == ["area:c1", "area:c2"]
    assert d["items"][1] == {"unit": {"id": "unit:u3"}, "role": "MEMBER", "coBuilds": False, "coBuildsWith": []}


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
