"""Mutations through the real app: each mutation's success, each of its error codes, and that a
refused mutation leaves the graph exactly as it was (snapshot of every node and relationship).

Most tests run on a small network built here (``net``); the last ones run on the seed network.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from cobuild.errors import RuleViolationError
from cobuild.graph import model, rules
from cobuild.graph.cypher import Statement, name
from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.upsert import upsert_nodes
from cobuild.graph.validate import node_row
from cobuild.ids import external_node_id, new_id
from tests.client import GQL, serve
from tests.graphs import write_graph

NOW = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
TODAY = dt.datetime.now(dt.timezone.utc).date()
YEAR = TODAY.year

NODES: dict[str, list[dict[str, Any]]] = {
    "AdminArea": [
        {"id": "area:d", "name": "成华区", "level": "DISTRICT"},
        {"id": "area:s1", "name": "双桥子街道", "level": "STREET"},
        {"id": "area:c1", "name": "海信社区", "level": "COMMUNITY", "regionId": "area:d"},
        {"id": "area:c2", "name": "紫东阁社区", "level": "COMMUNITY"},
        {"id": "area:c3", "name": "无党组织社区", "level": "COMMUNITY"},
    ],
    "PartyOrganization": [
        {"id": "org:c1", "name": "海信社区党委", "orgType": "COMMITTEE"},
        {"id": "org:c2", "name": "紫东阁社区党委", "orgType": "COMMITTEE"},
        {"id": "org:d", "name": "区委", "orgType": "COMMITTEE"},
        {"id": "org:h", "name": "医院党委", "orgType": "COMMITTEE"},
        {"id": "org:loose", "name": "无主党支部", "orgType": "BRANCH"},
    ],
    "Unit": [
        {"id": "unit:h", "name": "区第一人民医院", "unitType": "PUBLIC_INSTITUTION"},
        {"id": "unit:s", "name": "公交集团", "unitType": "SOE"},
        {"id": "unit:k", "name": "红缨幼儿园", "unitType": "PUBLIC_INSTITUTION"},
    ],
    "Person": [
        {"id": "person:m", "name": "党员甲", "roles": ["PARTY_MEMBER"], "memberCategory": "IN_SERVICE"},
        {"id": "person:m2", "name": "党员乙", "roles": ["PARTY_MEMBER", "VOLUNTEER"], "memberCategory": "IN_SERVICE"},
        {"id": "person:v", "name": "志愿者丙", "roles": ["VOLUNTEER"]},
    ],
    "Category": [{"id": "cat:a", "name": "养老助残"}, {"id": "cat:b", "name": "义诊"}],
    "Pairing": [
        {"id": "pairing:p1", "pairingType": "CO_BUILDING", "status": "ACTIVE", "level": "COMMUNITY", "since": dt.date(2021, 3, 1)},
        {"id": "pairing:p2", "pairingType": "CO_BUILDING", "status": "ACTIVE", "level": "COMMUNITY", "since": dt.date(2022, 1, 1)},
        {"id": "pairing:p3", "pairingType": "CO_BUILDING", "status": "TERMINATED", "level": "COMMUNITY"},
    ],
    "Demand": [
        {"id": "demand:d1", "name": "助餐", "status": "PUBLISHED"},
        {"id": "demand:d2", "name": "职工子女托管", "status": "PUBLISHED"},
        {"id": "demand:d3", "name": "草稿需求", "status": "DRAFT"},
    ],
    "MicroWish": [{"id": "wish:w1", "name": "一台收音机", "status": "PUBLICIZED"}],
    "Project": [
        {"id": "project:j1", "name": "义诊进社区", "status": "LISTED"},
        {"id": "project:j3", "name": "已认领项目", "status": "CLAIMED"},
        {"id": "project:j4", "name": "实施中无记录", "status": "IN_PROGRESS"},
        {"id": "project:j5", "name": "实施中有记录", "status": "IN_PROGRESS"},
        {"id": "project:j6", "name": "已完成", "status": "COMPLETED"},
    ],
    "Venue": [{"id": "venue:v1", "name": "海信社区党群服务中心", "venueType": "PARTY_MASS_CENTER"}],
    "ServiceRecord": [{"id": "service:r0", "date": dt.date(2024, 4, 1), "hours": 2.0}],
}
RELS: list[tuple[str, str, str, list[dict[str, Any]]]] = [
    ("PART_OF", "AdminArea", "AdminArea", [{"from": "area:c1", "to": "area:s1"}, {"from": "area:c2", "to": "area:s1"},
                                           {"from": "area:s1", "to": "area:d"}]),
    ("HAS_PARTY_ORG", "AdminArea", "PartyOrganization", [{"from": "area:c1", "to": "org:c1"}, {"from": "area:c2", "to": "org:c2"},
                                                         {"from": "area:d", "to": "org:d"}]),
    ("HAS_PARTY_ORG", "Unit", "PartyOrganization", [{"from": "unit:h", "to": "org:h"}]),
    ("PARTY_TO", "AdminArea", "Pairing", [{"from": "area:c1", "to": "pairing:p1", "side": "HOST"},
                                          {"from": "area:c2", "to": "pairing:p2", "side": "HOST"},
                                          {"from": "area:c2", "to": "pairing:p3", "side": "HOST"}]),
    ("PARTY_TO", "Unit", "Pairing", [{"from": "unit:h", "to": "pairing:p1", "side": "PARTNER"},
                                     {"from": "unit:s", "to": "pairing:p2", "side": "PARTNER"},
                                     {"from": "unit:k", "to": "pairing:p3", "side": "PARTNER"}]),
    ("UNDER", "Project", "Pairing", [{"from": "project:j1", "to": "pairing:p1"}, {"from": "project:j6", "to": "pairing:p2"}]),
    ("PUBLISHES", "AdminArea", "Demand", [{"from": "area:c1", "to": "demand:d1"}]),
    ("PUBLISHES", "Unit", "Demand", [{"from": "unit:h", "to": "demand:d2"}]),
    ("CLAIMED", "Unit", "Project", [{"from": "unit:s", "to": "project:j3", "role": "LEAD", "status": "ACTIVE"}]),
    ("PERFORMED", "Person", "ServiceRecord", [{"from": "person:m", "to": "service:r0"}]),
    ("FOR", "ServiceRecord", "Project", [{"from": "service:r0", "to": "project:j5"}]),
    ("REPORTS_TO", "Person", "PartyOrganization", [{"from": "person:m2", "to": "org:c2", "reportType": "IN_SERVICE", "status": "ACTIVE"}]),
]


async def build(engine: GraphEngine) -> None:
    await write_graph(engine, NODES, RELS, NOW)


Client = GQL


@pytest.fixture
async def net(engine: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    await build(engine)
    async with serve(engine, tmp_path) as client:
        yield client


async def snapshot(engine: GraphEngine) -> dict[str, Any]:
    """Every node (all properties) and every relationship (endpoints and properties)."""
    snap: dict[str, Any] = {}
    for lab in model.LABELS:
        rows = await engine.run(Statement(f"MATCH (n:{name(lab.name)}) RETURN n AS n"))
        snap[lab.name] = sorted((r["n"]["props"] for r in rows), key=lambda p: p["id"])
    for rt in model.RELATIONSHIPS:
        rows = await engine.run(Statement(
            f"MATCH (a)-[r:{name(rt.name)}]->(b) RETURN a.`id` AS a, b.`id` AS b, r AS r"))
        snap[rt.name] = sorted(repr((r["a"], r["b"], sorted(r["r"]["props"].items()))) for r in rows)
    return snap


def code_of(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return body["errors"][0]["extensions"]["code"]


async def refused(net: Client, query: str, variables: dict[str, Any], code: str) -> dict[str, Any]:
    """Run a mutation that must fail with ``code`` and check that the graph did not change."""
    before = await snapshot(net.engine)
    body = await net(query, variables)
    assert code_of(body) == code, body
    assert await snapshot(net.engine) == before
    return body["errors"][0]


async def rows(engine: GraphEngine, text: str, **params: Any) -> list[dict[str, Any]]:
    return await engine.run(Statement(text, params))


# ------------------------------------------------------------------------------------------------
CREATE_PAIRING = """mutation($input: CreatePairingInput!) { createPairing(input: $input) {
  pairingId status warnings { code message } } }"""


async def test_create_pairing_writes_pairing_parties_and_derived_edges(net: Client) -> None:
    body = await net(CREATE_PAIRING, {"input": {"hostId": "org:c1", "partnerId": "org:h", "forms": ["ORG_JOINT_BUILDING"],
                                                "since": "2024-02-01"}})
    out = body["data"]["createPairing"]
    assert out["status"] == "ACTIVE" and out["pairingId"].startswith("pairing:")
    assert [w["code"] for w in out["warnings"]] == ["PAIRING_WITHOUT_AGREEMENT"]
    pid = out["pairingId"]
    got = await rows(net.engine, "MATCH (x)-[r:PARTY_TO]->(p:Pairing) WHERE p.id = $p RETURN x.id AS x, r.side AS side, "
                                 "p.level AS level, p.createdAt AS c, p.updatedAt AS u", p=pid)
    assert {(r["x"], r["side"]) for r in got} == {("org:c1", "HOST"), ("org:h", "PARTNER")}
    assert got[0]["level"] == "COMMUNITY" and got[0]["c"] is not None and got[0]["u"] is not None
    co = await rows(net.engine, "MATCH (a:AdminArea)-[e:CO_BUILDS_WITH]->(u:Unit) WHERE e.pairingId = $p "
                                "RETURN a.id AS a, u.id AS u, e.viaPartyOrg AS via", p=pid)
    assert co == [{"a": "area:c1", "u": "unit:h", "via": True}]
    paired = await rows(net.engine, "MATCH (a)-[e:PAIRED_WITH]->(b) WHERE e.pairingId = $p RETURN a.id AS a, b.id AS b", p=pid)
    assert paired == [{"a": "org:c1", "b": "org:h"}]


@pytest.mark.parametrize("host,partner,code", [
    ("area:c1", "unit:h", "PAIRING_DUPLICATE"),          # p1 is ACTIVE between them
    ("area:d", "unit:s", "INVALID_PAIRING_PARTIES"),     # a district cannot host
    ("org:d", "unit:s", "INVALID_PAIRING_PARTIES"),      # the district's party org cannot host
    ("unit:s", "unit:h", "INVALID_PAIRING_PARTIES"),     # a unit is not an area
    ("area:c1", "area:c2", "INVALID_PAIRING_PARTIES"),   # an area is not a partner
    ("area:c1", "org:loose", "INVALID_PAIRING_PARTIES"),  # a party org without a unit
    ("org:c1", "org:c1", "INVALID_PAIRING_PARTIES"),     # itself
    ("area:nope", "unit:h", "NOT_FOUND"),
    ("area:c1", "unit:nope", "NOT_FOUND"),
    ("zzz:1", "unit:h", "NOT_FOUND"),
])
async def test_create_pairing_refusals(net: Client, host: str, partner: str, code: str) -> None:
    await refused(net, CREATE_PAIRING, {"input": {"hostId": host, "partnerId": partner}}, code)


async def test_terminated_pairing_does_not_block_a_new_one(net: Client) -> None:
    body = await net(CREATE_PAIRING, {"input": {"hostId": "area:c2", "partnerId": "unit:k", "pairingType": "CO_BUILDING"}})
    assert body["data"]["createPairing"]["status"] == "ACTIVE"
    # a different type between the same parties is not a duplicate either
    body = await net(CREATE_PAIRING, {"input": {"hostId": "area:c1", "partnerId": "unit:h", "pairingType": "ASSISTANCE"}})
    assert body["data"]["createPairing"]["status"] == "ACTIVE"


# ------------------------------------------------------------------------------------------------
SIGN = """mutation($input: SignAgreementInput!) { signAgreement(input: $input) { agreementId pairingId status
  warnings { code } } }"""


async def test_sign_agreement(net: Client) -> None:
    body = await net(SIGN, {"input": {"pairingId": "pairing:p1", "agreementType": "CO_RESIDENCE_CO_BUILDING",
                                      "scope": ["ORG_JOINT_BUILDING", "RESOURCE_SHARING"],
                                      "signerIds": ["org:c1", "unit:h"], "signedAt": "2024-03-01"}})
    out = body["data"]["signAgreement"]
    assert out["status"] == "IN_FORCE" and out["pairingId"] == "pairing:p1"
    got = await rows(net.engine, "MATCH (s)-[r:SIGNED]->(g:Agreement)-[:FORMALIZES]->(p:Pairing) WHERE g.id = $g "
                                 "RETURN s.id AS s, r.role AS role, g.scope AS scope", g=out["agreementId"])
    assert {(r["s"], r["role"]) for r in got} == {("org:c1", "PARTY_A"), ("unit:h", "PARTY_B")}
    assert sorted(got[0]["scope"]) == ["ORG_JOINT_BUILDING", "RESOURCE_SHARING"]


@pytest.mark.parametrize("patch,code", [
    ({"signerIds": ["area:c1", "unit:s"]}, "SIGNER_NOT_PARTY"),
    ({"signerIds": ["area:c1", "person:m"]}, "SIGNER_NOT_PARTY"),
    ({"signerIds": ["area:c1"]}, "VALIDATION"),
    ({"signedAt": (TODAY + dt.timedelta(days=2)).isoformat()}, "VALIDATION"),
    ({"pairingId": "pairing:nope"}, "NOT_FOUND"),
    ({"pairingId": "pairing:p3", "signerIds": ["area:c2", "unit:k"]}, "ENTITY_CLOSED"),
    ({"scope": ["NOT_A_FORM"]}, "GRAPHQL_VALIDATION"),  # enum-typed: refused before any resolver runs
])
async def test_sign_agreement_refusals(net: Client, patch: dict[str, Any], code: str) -> None:
    base = {"pairingId": "pairing:p1", "agreementType": "JOINT_BUILDING", "scope": ["ACTIVITY_JOINT"],
            "signerIds": ["area:c1", "unit:h"]}
    await refused(net, SIGN, {"input": {**base, **patch}}, code)


def test_scope_rule_outside_graphql() -> None:
    with pytest.raises(RuleViolationError) as exc:
        rules.check_scope(["ORG_JOINT_BUILDING", "PARTY_DINNER"])
    assert exc.value.code == "INVALID_SCOPE"


# ------------------------------------------------------------------------------------------------
TERMINATE = """mutation($id: ID!, $reason: String!) { terminatePairing(pairingId: $id, reason: $reason) { pairingId status } }"""


async def test_terminate_pairing_removes_derived_edges(net: Client) -> None:
    assert await rows(net.engine, "MATCH ()-[e:CO_BUILDS_WITH]->() WHERE e.pairingId = 'pairing:p2' RETURN e.status AS s") == [{"s": "ACTIVE"}]
    body = await net(TERMINATE, {"id": "pairing:p2", "reason": "单位迁出辖区"})
    assert body["data"]["terminatePairing"] == {"pairingId": "pairing:p2", "status": "TERMINATED"}
    got = await rows(net.engine, "MATCH (p:Pairing) WHERE p.id = 'pairing:p2' RETURN p.status AS s, p.terminatedAt AS t")
    assert got == [{"s": "TERMINATED", "t": TODAY}]
    assert await rows(net.engine, "MATCH ()-[e:CO_BUILDS_WITH]->() WHERE e.pairingId = 'pairing:p2' RETURN e.status AS s") == [{"s": "TERMINATED"}]


async def test_terminate_refusals(net: Client) -> None:
    err = await refused(net, TERMINATE, {"id": "pairing:p1", "reason": "x"}, "OPEN_PROJECTS_EXIST")
    assert err["extensions"]["openProjects"] == 1
    err = await refused(net, TERMINATE, {"id": "pairing:p3", "reason": "x"}, "INVALID_STATE_TRANSITION")
    assert err["extensions"]["currentState"] == "TERMINATED" and err["extensions"]["allowed"] == []
    await refused(net, TERMINATE, {"id": "pairing:nope", "reason": "x"}, "NOT_FOUND")
    await refused(net, TERMINATE, {"id": "pairing:p2", "reason": "  "}, "VALIDATION")


# ------------------------------------------------------------------------------------------------
PUBLISH = """mutation($input: PublishDemandInput!) { publishDemand(input: $input) { demandId status } }"""


async def test_publish_demand(net: Client) -> None:
    body = await net(PUBLISH, {"input": {"publisherId": "area:c1", "name": "老人助浴", "description": "每周一次",
                                         "categoryIds": ["cat:a", "cat:b"], "deadline": "2099-01-01"}})
    out = body["data"]["publishDemand"]
    assert out["status"] == "PUBLISHED"
    got = await rows(net.engine, "MATCH (x)-[:PUBLISHES]->(d:Demand)-[:IN_CATEGORY]->(c:Category) WHERE d.id = $d "
                                 "RETURN x.id AS x, c.id AS c, d.regionId AS r, d.publishedAt AS p", d=out["demandId"])
    assert {r["c"] for r in got} == {"cat:a", "cat:b"} and {r["x"] for r in got} == {"area:c1"}
    assert got[0]["r"] == "area:d" and got[0]["p"] == TODAY


@pytest.mark.parametrize("patch,code", [
    ({"categoryIds": []}, "CATEGORY_REQUIRED"),
    ({"categoryIds": ["cat:a", "cat:nope"]}, "NOT_FOUND"),
    ({"publisherId": "unit:nope"}, "NOT_FOUND"),
    ({"publisherId": "venue:v1"}, "PUBLISHER_REQUIRED"),
    ({"name": " "}, "VALIDATION"),
    ({"deadline": "2001-01-01"}, "VALIDATION"),
])
async def test_publish_demand_refusals(net: Client, patch: dict[str, Any], code: str) -> None:
    base = {"publisherId": "area:c1", "name": "助餐", "categoryIds": ["cat:a"]}
    await refused(net, PUBLISH, {"input": {**base, **patch}}, code)


# ------------------------------------------------------------------------------------------------
CLAIM = """mutation($input: ClaimInput!) { claim(input: $input) { itemId claimantId role status } }"""


@pytest.mark.parametrize("item,claimant,status", [
    ("demand:d1", "org:h", "CLAIMED"),
    ("demand:d1", "person:m", "CLAIMED"),
    ("demand:d2", "area:c1", "CLAIMED"),  # D9: a community claims a unit's demand
    ("project:j1", "unit:h", "CLAIMED"),
    ("wish:w1", "unit:k", "CLAIMED"),
])
async def test_claim(net: Client, item: str, claimant: str, status: str) -> None:
    body = await net(CLAIM, {"input": {"itemId": item, "claimantId": claimant, "mode": "ONLINE_ORDER"}})
    assert body["data"]["claim"] == {"itemId": item, "claimantId": claimant, "role": "LEAD", "status": status}
    got = await rows(net.engine, "MATCH (c)-[k:CLAIMED]->(i) WHERE i.id = $i RETURN c.id AS c, k.role AS role, "
                                 "k.status AS s, k.mode AS m, i.status AS st", i=item)
    assert got == [{"c": claimant, "role": "LEAD", "s": "ACTIVE", "m": "ONLINE_ORDER", "st": status}]


async def test_support_claimant_joins_after_lead(net: Client) -> None:
    await net(CLAIM, {"input": {"itemId": "demand:d1", "claimantId": "unit:h"}})
    body = await net(CLAIM, {"input": {"itemId": "demand:d1", "claimantId": "unit:s", "role": "SUPPORT"}})
    assert body["data"]["claim"]["status"] == "CLAIMED" and body["data"]["claim"]["role"] == "SUPPORT"


@pytest.mark.parametrize("item,claimant,role,code", [
    ("project:j3", "unit:h", "LEAD", "ALREADY_CLAIMED"),
    ("project:j3", "unit:s", "SUPPORT", "ALREADY_CLAIMED"),       # the lead cannot claim twice
    ("demand:d3", "unit:h", "LEAD", "INVALID_STATE_TRANSITION"),  # a draft is not published
    ("project:j6", "unit:h", "SUPPORT", "INVALID_STATE_TRANSITION"),
    ("demand:d1", "person:v", "LEAD", "CLAIMANT_NOT_ELIGIBLE"),   # not a party member
    ("demand:d1", "area:c2", "LEAD", "CLAIMANT_NOT_ELIGIBLE"),    # an area claims only unit-published demands
    ("demand:d1", "venue:v1", "LEAD", "CLAIMANT_NOT_ELIGIBLE"),
    ("demand:nope", "unit:h", "LEAD", "NOT_FOUND"),
    ("demand:d1", "unit:nope", "LEAD", "NOT_FOUND"),
    ("cat:a", "unit:h", "LEAD", "VALIDATION"),
])
async def test_claim_refusals(net: Client, item: str, claimant: str, role: str, code: str) -> None:
    err = await refused(net, CLAIM, {"input": {"itemId": item, "claimantId": claimant, "role": role}}, code)
    if code == "INVALID_STATE_TRANSITION" and role == "LEAD":
        assert err["extensions"]["currentState"] == "DRAFT" and "PUBLISHED" in err["extensions"]["allowed"]


async def test_concurrent_claims_exactly_one_lead(net: Client) -> None:
    claimants = [f"unit:cc{i}" for i in range(20)]
    await net.engine.run(upsert_nodes(net.engine.dialect, "Unit",
                                      [node_row(model.label("Unit"), {"id": c, "unitType": "SOE"}, "t") for c in claimants], NOW), "write")
    bodies = await asyncio.gather(*[net(CLAIM, {"input": {"itemId": "demand:d1", "claimantId": c}}) for c in claimants])
    ok = [b for b in bodies if not b.get("errors")]
    assert len(ok) == 1
    assert sorted(code_of(b) for b in bodies if b.get("errors")) == ["ALREADY_CLAIMED"] * 19
    got = await rows(net.engine, "MATCH (c)-[k:CLAIMED]->(d:Demand) WHERE d.id = 'demand:d1' RETURN c.id AS c")
    assert got == [{"c": ok[0]["data"]["claim"]["claimantId"]}]


# ------------------------------------------------------------------------------------------------
START = "mutation($id: ID!) { startProject(projectId: $id) { projectId status } }"
COMPLETE = """mutation($id: ID!, $note: String, $at: Date) { completeProject(projectId: $id, note: $note, completedAt: $at) {
  projectId status } }"""


async def test_project_lifecycle(net: Client) -> None:
    body = await net(START, {"id": "project:j3"})
    assert body["data"]["startProject"] == {"projectId": "project:j3", "status": "IN_PROGRESS"}
    body = await net(COMPLETE, {"id": "project:j3", "note": "完成三次义诊"})
    assert body["data"]["completeProject"]["status"] == "COMPLETED"
    got = await rows(net.engine, "MATCH (u)-[k:CLAIMED]->(j:Project) WHERE j.id = 'project:j3' RETURN j.startedAt AS s, "
                                 "j.completedAt AS c, j.description AS d, k.status AS ks")
    assert got[0]["s"] == TODAY and got[0]["c"] == TODAY and "完成三次义诊" in got[0]["d"] and got[0]["ks"] == "COMPLETED"
    body = await net(COMPLETE, {"id": "project:j5"})  # a service record is evidence enough
    assert body["data"]["completeProject"]["status"] == "COMPLETED"


async def test_project_refusals(net: Client) -> None:
    err = await refused(net, START, {"id": "project:j1"}, "INVALID_STATE_TRANSITION")
    assert err["extensions"]["currentState"] == "LISTED" and err["extensions"]["allowed"] == ["CLAIMED", "CANCELLED"]
    err = await refused(net, COMPLETE, {"id": "project:j3", "note": "x"}, "INVALID_STATE_TRANSITION")
    assert err["extensions"]["currentState"] == "CLAIMED" and "IN_PROGRESS" in err["extensions"]["allowed"]
    await refused(net, COMPLETE, {"id": "project:j4"}, "COMPLETION_EVIDENCE_REQUIRED")
    await refused(net, COMPLETE, {"id": "project:j4", "note": "ok", "at": (TODAY + dt.timedelta(days=3)).isoformat()}, "VALIDATION")
    await refused(net, START, {"id": "project:nope"}, "NOT_FOUND")


# ------------------------------------------------------------------------------------------------
EVALUATE = """mutation($input: EvaluateInput!) { evaluate(input: $input) { evaluationId pairingId status } }"""


async def test_evaluate_both_directions(net: Client) -> None:
    body = await net(EVALUATE, {"input": {"pairingId": "pairing:p1", "evaluatorId": "org:c1", "direction": "AREA_TO_UNIT",
                                          "year": YEAR, "score": 92, "satisfactionRate": 98}})
    out = body["data"]["evaluate"]
    assert out["status"] == "ACTIVE"
    got = await rows(net.engine, "MATCH (v)-[:GAVE]->(e:Evaluation)-[:OF]->(t) MATCH (e)-[:ABOUT]->(p:Pairing) WHERE e.id = $e "
                                 "RETURN v.id AS v, t.id AS t, p.id AS p, e.score AS s", e=out["evaluationId"])
    assert got == [{"v": "org:c1", "t": "unit:h", "p": "pairing:p1", "s": 92.0}]
    body = await net(EVALUATE, {"input": {"pairingId": "pairing:p1", "evaluatorId": "unit:h", "direction": "UNIT_TO_AREA",
                                          "year": YEAR, "score": 60, "outcome": "RECTIFY_BY_DEADLINE"}})
    assert body["data"]["evaluate"]["status"] == "UNDER_RECTIFICATION"
    got = await rows(net.engine, "MATCH ()-[e:CO_BUILDS_WITH]->() WHERE e.pairingId = 'pairing:p1' RETURN e.status AS s")
    assert got == [{"s": "UNDER_RECTIFICATION"}]


async def test_evaluate_refusals(net: Client) -> None:
    base = {"pairingId": "pairing:p1", "evaluatorId": "area:c1", "direction": "AREA_TO_UNIT", "year": YEAR,
            "score": 80, "satisfactionRate": 90}
    await refused(net, EVALUATE, {"input": {**base, "evaluatorId": "unit:h"}}, "EVALUATOR_NOT_PARTY")
    await refused(net, EVALUATE, {"input": {**base, "evaluatorId": "unit:s"}}, "EVALUATOR_NOT_PARTY")
    await refused(net, EVALUATE, {"input": {**base, "score": 101}}, "SCORE_OUT_OF_RANGE")
    await refused(net, EVALUATE, {"input": {**base, "score": -1}}, "SCORE_OUT_OF_RANGE")
    await refused(net, EVALUATE, {"input": {**base, "satisfactionRate": None}}, "SATISFACTION_REQUIRED")
    await refused(net, EVALUATE, {"input": {**base, "year": YEAR + 1}}, "VALIDATION")
    await refused(net, EVALUATE, {"input": {**base, "pairingId": "pairing:nope"}}, "NOT_FOUND")
    assert not (await net(EVALUATE, {"input": base})).get("errors")
    await refused(net, EVALUATE, {"input": {**base, "evaluatorId": "org:c1"}}, "EVALUATION_DUPLICATE")


# ------------------------------------------------------------------------------------------------
REPORT = """mutation($input: ReportToCommunityInput!) { reportToCommunity(input: $input) {
  personId communityId partyOrganizationId status warnings { code } } }"""


async def test_report_to_community(net: Client) -> None:
    body = await net(REPORT, {"input": {"personId": "person:m", "communityId": "area:c1", "channel": "扫码"}})
    out = body["data"]["reportToCommunity"]
    assert out["partyOrganizationId"] == "org:c1" and out["status"] == "ACTIVE" and out["warnings"] == []
    got = await rows(net.engine, "MATCH (p:Person)-[r:REPORTS_TO]->(o) WHERE p.id = 'person:m' RETURN o.id AS o, r.reportType AS t, "
                                 "r.status AS s, r.channel AS c, r.reportedAt AS d")
    assert got == [{"o": "org:c1", "t": "IN_SERVICE", "s": "ACTIVE", "c": "扫码", "d": TODAY}]
    body = await net(REPORT, {"input": {"personId": "person:m", "communityId": "area:c1"}})  # again: no second edge
    assert [w["code"] for w in body["data"]["reportToCommunity"]["warnings"]] == ["ALREADY_REPORTED_HERE"]
    assert len(await rows(net.engine, "MATCH (p:Person)-[r:REPORTS_TO]->() WHERE p.id = 'person:m' RETURN r.status AS s")) == 1


async def test_report_refusals(net: Client) -> None:
    await refused(net, REPORT, {"input": {"personId": "person:v", "communityId": "area:c1"}}, "NOT_A_PARTY_MEMBER")
    err = await refused(net, REPORT, {"input": {"personId": "person:m2", "communityId": "area:c1"}}, "ALREADY_REPORTED_ELSEWHERE")
    assert err["extensions"]["reportedTo"] == "org:c2"
    err = await refused(net, REPORT, {"input": {"personId": "person:m", "communityId": "area:c3"}}, "VALIDATION")
    assert "no party organisation" in err["message"]
    await refused(net, REPORT, {"input": {"personId": "person:m", "communityId": "area:s1"}}, "VALIDATION")
    await refused(net, REPORT, {"input": {"personId": "person:nope", "communityId": "area:c1"}}, "NOT_FOUND")
    await refused(net, REPORT, {"input": {"personId": "person:m", "communityId": "area:c1",
                                          "reportedAt": (TODAY + dt.timedelta(days=1)).isoformat()}}, "VALIDATION")


# ------------------------------------------------------------------------------------------------
RECORD = """mutation($input: RecordServiceInput!) { recordService(input: $input) { serviceRecordId hoursThatDay } }"""


async def test_record_service(net: Client) -> None:
    body = await net(RECORD, {"input": {"personId": "person:m", "date": "2024-04-01", "hours": 3.5, "points": 35,
                                        "atId": "venue:v1", "forId": "project:j1"}})
    out = body["data"]["recordService"]
    assert out["hoursThatDay"] == 5.5  # 2 hours already recorded that day
    got = await rows(net.engine, "MATCH (p:Person)-[:PERFORMED]->(s:ServiceRecord)-[:AT]->(v) MATCH (s)-[:`FOR`]->(j) "
                                 "WHERE s.id = $s RETURN p.id AS p, v.id AS v, j.id AS j, s.points AS pts", s=out["serviceRecordId"])
    assert got == [{"p": "person:m", "v": "venue:v1", "j": "project:j1", "pts": 35}]
    body = await net(RECORD, {"input": {"personId": "person:v", "date": TODAY.isoformat(), "hours": 1, "atId": "area:c1"}})
    assert body["data"]["recordService"]["hoursThatDay"] == 1.0


@pytest.mark.parametrize("patch,code", [
    ({"hours": 0}, "INVALID_HOURS"),
    ({"hours": -2}, "INVALID_HOURS"),
    ({"hours": 25}, "INVALID_HOURS"),
    ({"date": "2024-04-01", "hours": 23}, "INVALID_HOURS"),  # 2 + 23 > 24 that day
    ({"date": (TODAY + dt.timedelta(days=1)).isoformat()}, "VALIDATION"),
    ({"points": -5}, "VALIDATION"),
    ({"atId": "unit:h"}, "VALIDATION"),
    ({"atId": "venue:nope"}, "NOT_FOUND"),
    ({"forId": "demand:nope"}, "NOT_FOUND"),
    ({"personId": "person:nope"}, "NOT_FOUND"),
])
async def test_record_service_refusals(net: Client, patch: dict[str, Any], code: str) -> None:
    base = {"personId": "person:m", "date": "2024-04-02", "hours": 2, "atId": "area:c1"}
    await refused(net, RECORD, {"input": {**base, **patch}}, code)


async def test_concurrent_service_records_lose_nothing(net: Client) -> None:
    bodies = await asyncio.gather(*[
        net(RECORD, {"input": {"personId": "person:m2", "date": "2024-04-03", "hours": 1, "points": 10, "atId": "area:c1"}})
        for _ in range(20)
    ])
    assert all(not b.get("errors") for b in bodies), bodies
    assert len({b["data"]["recordService"]["serviceRecordId"] for b in bodies}) == 20
    got = await rows(net.engine, "MATCH (p:Person)-[:PERFORMED]->(s:ServiceRecord) WHERE p.id = 'person:m2' "
                                 "RETURN count(s) AS n, sum(s.hours) AS h")
    assert got == [{"n": 20, "h": 20.0}]


# ------------------------------------------------------------------------------------------------
UPSERT_UNITS = """mutation($partner: String!, $items: [UnitUpsertInput!]!) { upsertUnits(partner: $partner, items: $items) {
  created updated unchanged ids } }"""
UPSERT_AREAS = """mutation($items: [AdminAreaUpsertInput!]!) { upsertAdminAreas(partner: "gov", items: $items) { created ids } }"""


async def test_upsert_units_is_idempotent(net: Client) -> None:
    items = [{"externalId": "91510100-A", "name": "甲公司", "unitType": "NON_PUBLIC_ENTERPRISE", "scaleTags": ["规上"]},
             {"externalId": "91510100-B", "name": "乙公司", "unitType": "SOCIAL_ORG"}]
    first = (await net(UPSERT_UNITS, {"partner": "acme", "items": items}))["data"]["upsertUnits"]
    assert (first["created"], first["updated"], first["unchanged"]) == (2, 0, 0)
    assert first["ids"] == [external_node_id("Unit", "acme", "91510100-A"), external_node_id("Unit", "acme", "91510100-B")]
    before = await snapshot(net.engine)
    again = (await net(UPSERT_UNITS, {"partner": "acme", "items": items}))["data"]["upsertUnits"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2) and again["ids"] == first["ids"]
    assert await snapshot(net.engine) == before  # updatedAt untouched
    items[1]["name"] = "乙社会组织"
    third = (await net(UPSERT_UNITS, {"partner": "acme", "items": items}))["data"]["upsertUnits"]
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 1)
    other = (await net(UPSERT_UNITS, {"partner": "other", "items": items[:1]}))["data"]["upsertUnits"]
    assert other["created"] == 1 and other["ids"][0] != first["ids"][0]
    areas = (await net(UPSERT_AREAS, {"items": [{"externalId": "510108", "name": "成华区", "level": "DISTRICT"}]}))["data"]
    assert areas["upsertAdminAreas"]["created"] == 1 and areas["upsertAdminAreas"]["ids"][0].startswith("area:x-gov-")


async def test_upsert_refusals(net: Client) -> None:
    ok = {"externalId": "X1", "name": "甲", "unitType": "SOE"}
    # upsert inputs use the filters' GraphQL enums: an unknown value is refused before anything runs
    err = await refused(net, UPSERT_UNITS, {"partner": "acme", "items": [ok, {"externalId": "X2", "unitType": "SPACESHIP"}]},
                        "GRAPHQL_VALIDATION")
    assert "UnitType" in err["message"]
    err = await refused(net, UPSERT_UNITS, {"partner": "acme", "items": [ok, {"externalId": "X3"}]}, "VALIDATION")
    assert err["extensions"]["index"] == 1 and err["extensions"]["field"] == "unitType"
    err = await refused(net, UPSERT_UNITS, {"partner": "acme", "items": [ok, ok]}, "VALIDATION")
    assert err["extensions"]["index"] == 1
    await refused(net, UPSERT_UNITS, {"partner": "Bad Partner!", "items": [ok]}, "VALIDATION")
    err = await refused(net, UPSERT_UNITS, {"partner": "acme", "items": [{**ok, "externalId": str(i)} for i in range(501)]}, "VALIDATION")
    assert err["extensions"]["field"] == "items" and err["extensions"]["limit"] == 500 and "at most 500" in err["message"]


def test_ids() -> None:
    a, b = new_id("Pairing"), new_id("Pairing")
    assert a != b and a.startswith("pairing:") and model.label_of_id(a).name == "Pairing"  # type: ignore[union-attr]
    assert external_node_id("Unit", "acme", "x") == external_node_id("Unit", "acme", "x")
    assert external_node_id("Unit", "acme", "x").startswith("unit:x-acme-")


async def test_every_mutation_field_and_argument_is_described(net: Client) -> None:
    from cobuild.schema.root import build_schema

    schema = build_schema()._schema
    mutation = schema.mutation_type
    assert mutation is not None
    for fname, f in mutation.fields.items():
        assert f.description and " / " in f.description, fname
        for aname, arg in f.args.items():
            assert arg.description and " / " in arg.description, (fname, aname)
        payload = f.type.of_type
        for pname, pf in payload.fields.items():
            assert pf.description and " / " in pf.description, (payload.name, pname)
    for tname in ("CreatePairingInput", "SignAgreementInput", "ClaimInput", "EvaluateInput", "UnitUpsertInput", "Warning"):
        t = schema.type_map[tname]
        assert t.description and " / " in t.description, tname
        for fname, f in t.fields.items():
            assert f.description and " / " in f.description, (tname, fname)


# ------------------------------------------------------------------------------------------------
# On the seed network (ids and expectations read from cobuild/seeds/data, never hard-coded)
# ------------------------------------------------------------------------------------------------
def _seed() -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    import yaml

    from cobuild.seeds.load import DATA_DIR

    nodes: dict[str, dict[str, Any]] = {}
    rels: list[dict[str, Any]] = []
    for f in sorted(Path(DATA_DIR).glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        nodes.update({n["id"]: n for n in doc.get("nodes") or []})
        rels += doc.get("rels") or []
    return nodes, rels


def _pairing_named(nodes: dict[str, dict[str, Any]], rels: list[dict[str, Any]], text: str) -> tuple[str, str, str]:
    pid = next(i for i, n in nodes.items() if n["label"] == "Pairing" and text in str(n.get("name")))
    host = next(r["from"] for r in rels if r["type"] == "PARTY_TO" and r["to"] == pid and r["side"] == "HOST")
    partner = next(r["from"] for r in rels if r["type"] == "PARTY_TO" and r["to"] == pid and r["side"] == "PARTNER")
    return pid, host, partner


async def test_seed_duplicate_pairing_zidongge_hospital(gql: Any) -> None:
    nodes, rels = _seed()
    pid, host, partner = _pairing_named(nodes, rels, "紫东阁社区—区第一人民医院")
    assert nodes[pid]["status"] == "ACTIVE"
    client = gql
    err = await refused(client, CREATE_PAIRING, {"input": {"hostId": host, "partnerId": partner,
                                                          "pairingType": nodes[pid]["pairingType"]}}, "PAIRING_DUPLICATE")
    assert err["extensions"]["rule"] == "A2"


async def test_seed_evaluation_this_year(gql: Any) -> None:
    nodes, rels = _seed()
    pid, host, partner = _pairing_named(nodes, rels, "紫东阁社区—区第一人民医院")
    about = {r["from"] for r in rels if r["type"] == "ABOUT" and r["to"] == pid}
    done = {(nodes[e]["year"], nodes[e]["direction"]) for e in about}
    client = gql
    variables = {"input": {"pairingId": pid, "evaluatorId": partner, "direction": "UNIT_TO_AREA", "year": YEAR, "score": 88}}
    if (YEAR, "UNIT_TO_AREA") in done:
        await refused(client, EVALUATE, variables, "EVALUATION_DUPLICATE")
    else:
        body = await client(EVALUATE, variables)
        assert body["data"]["evaluate"]["pairingId"] == pid
        await refused(client, EVALUATE, variables, "EVALUATION_DUPLICATE")
    # the host side cannot give the partner side's evaluation
    await refused(client, EVALUATE, {"input": {**variables["input"], "evaluatorId": host, "year": YEAR - 1}},
                  "EVALUATOR_NOT_PARTY")


async def test_seed_claim_published_demand(gql: Any) -> None:
    nodes, rels = _seed()
    claimed = {r["to"] for r in rels if r["type"] == "CLAIMED" and r.get("role") == "LEAD" and r.get("status", "ACTIVE") == "ACTIVE"}
    demand = next(i for i, n in sorted(nodes.items()) if n["label"] == "Demand" and n.get("status") == "PUBLISHED" and i not in claimed)
    units = sorted(i for i, n in nodes.items() if n["label"] == "Unit")
    client = gql
    body = await client(CLAIM, {"input": {"itemId": demand, "claimantId": units[0]}})
    assert body["data"]["claim"]["status"] == "CLAIMED", body
    err = await refused(client, CLAIM, {"input": {"itemId": demand, "claimantId": units[1]}}, "ALREADY_CLAIMED")
    assert err["extensions"]["entityId"] == demand


async def test_seed_publish_and_report(gql: Any) -> None:
    nodes, rels = _seed()
    community = next(i for i, n in nodes.items() if n["label"] == "AdminArea" and n.get("name") == "紫东阁社区")
    cat = next(i for i, n in nodes.items() if n["label"] == "Category")
    client = gql
    body = await client(PUBLISH, {"input": {"publisherId": community, "name": "老人助餐", "categoryIds": [cat]}})
    assert body["data"]["publishDemand"]["status"] == "PUBLISHED"
    reporting = {r["from"] for r in rels if r["type"] == "REPORTS_TO" and r.get("status") == "ACTIVE"
                 and r["from"].startswith("person:")}
    non_member = next((i for i, n in sorted(nodes.items()) if n["label"] == "Person"
                       and "PARTY_MEMBER" not in (n.get("roles") or [])), None)
    if non_member:
        await refused(client, REPORT, {"input": {"personId": non_member, "communityId": community}}, "NOT_A_PARTY_MEMBER")
    free = next((i for i, n in sorted(nodes.items()) if n["label"] == "Person" and "PARTY_MEMBER" in (n.get("roles") or [])
                 and i not in reporting), None)
    if free:
        body = await client(REPORT, {"input": {"personId": free, "communityId": community}})
        assert body["data"]["reportToCommunity"]["status"] == "ACTIVE", body


async def test_statement_counts(net: Client) -> None:
    """One check read, one write and the change record per mutation (plus rederive's read and write
    after a pairing change, and the tallies' statements after a write a roll-up counts); a refused mutation sends only its check read. (Every mutation's count is
    checked against docs/mutations.md by tests/partners/test_round_trips.py.)"""

    async def count(query: str, variables: dict[str, Any]) -> int:
        before = net.engine.counter.total
        body = await net(query, variables)
        assert not body.get("errors"), body
        return net.engine.counter.total - before

    assert await count(CLAIM, {"input": {"itemId": "demand:d1", "claimantId": "unit:h"}}) == 3
    # + 2 for the community tallies (listing, fed now: cobuild.graph.tallies); a unit's demand feeds no
    # community, so there is nothing to recount and write
    assert await count(PUBLISH, {"input": {"publisherId": "unit:h", "name": "x", "categoryIds": ["cat:a", "cat:b"]}}) == 3 + 2
    assert await count(RECORD, {"input": {"personId": "person:m", "date": "2024-04-05", "hours": 1, "atId": "area:c1"}}) == 3
    assert await count(START, {"id": "project:j3"}) == 3
    assert await count(UPSERT_UNITS, {"partner": "acme", "items": [{"externalId": "1", "unitType": "SOE"}]}) == 3
    assert await count(CREATE_PAIRING, {"input": {"hostId": "area:c1", "partnerId": "unit:s"}}) == 2 + 2 + 4 + 1  # rederive: 1 read, 1 write; tallies 4
    before = net.engine.counter.total
    assert code_of(await net(CLAIM, {"input": {"itemId": "demand:d1", "claimantId": "unit:s"}})) == "ALREADY_CLAIMED"
    assert net.engine.counter.total - before == 1


async def test_docs_examples_run_on_the_seed_network(gql: Any) -> None:
    """Every complete example in docs/mutations.md (no "…" placeholder) runs without errors, in order."""
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "mutations.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```graphql\n(.*?)```", text, flags=re.S)
    examples = [m for b in blocks for m in re.split(r"\n(?=mutation )", b.strip()) if "…" not in m]
    assert len(examples) >= 9
    for example in examples:
        body = await gql(example)
        assert not body.get("errors"), (example, body)


async def test_payload_returns_the_changed_entity(net: Client) -> None:
    q = """mutation($input: CreatePairingInput!) { createPairing(input: $input) {
      pairingId pairing { id status level forms since } } }"""
    body = await net(q, {"input": {"hostId": "area:c1", "partnerId": "unit:s", "forms": ["SERVICE_JOINT"], "since": "2024-01-02"}})
    out = body["data"]["createPairing"]
    assert out["pairing"] == {"id": out["pairingId"], "status": "ACTIVE", "level": "COMMUNITY", "forms": ["SERVICE_JOINT"],
                              "since": "2024-01-02"}
    body = await net("""mutation { startProject(projectId: "project:j3") { project { id status startedAt } } }""")
    assert body["data"]["startProject"]["project"] == {"id": "project:j3", "status": "IN_PROGRESS", "startedAt": TODAY.isoformat()}


def test_rule_statements_stay_in_the_shared_subset() -> None:
    """Built with the Neo4j dialect, no rule statement carries LadybugDB-only syntax (CAST, label(),
    1-based indexes) and every value is a parameter."""
    import re

    from cobuild.graph.dialect import DIALECTS

    neo = DIALECTS["neo4j"]
    d = dt.date(2024, 1, 1)
    pairing_row = node_row(model.label("Pairing"), {"id": "pairing:x", "pairingType": "CO_BUILDING", "forms": []}, "t")
    stmts = [
        rules.pairing_parties_check("PartyOrganization", "org:a", "PartyOrganization", "org:b", "CO_BUILDING"),
        rules.pairing_create_write(neo, "AdminArea", "area:a", "Unit", "unit:b", pairing_row, d, NOW),
        rules.pairing_parties_read("pairing:x", lock=True, year=2024, direction="AREA_TO_UNIT"),
        rules.agreement_write(neo, "pairing:x", node_row(model.label("Agreement"), {"id": "agreement:x", "agreementType": "JOINT_BUILDING"}, "t"), NOW),
        rules.signed_write(neo, "agreement:x", "Unit", [{"id": "unit:b", "role": "PARTY_B", "signedAt": d}]),
        rules.terminate_check("pairing:x"), rules.terminate_write("pairing:x", d, NOW),
        rules.publish_check("Unit", "unit:b", ["cat:a"]),
        rules.demand_write(neo, "Unit", "unit:b", node_row(model.label("Demand"), {"id": "demand:x"}, "t"), ["cat:a"], NOW),
        rules.claim_check("Demand", "demand:x", "Unit", "unit:b"),
        rules.claim_write(neo, "Demand", "demand:x", "Unit", "unit:b", {"role": "LEAD"}, "CLAIMED", NOW),
        rules.project_check("project:x"), rules.project_write("project:x", "COMPLETED", {"completedAt": d}, NOW, close_claims=d),
        rules.evaluation_write(neo, "pairing:x", "Unit", "unit:b", "AdminArea", "area:a",
                               node_row(model.label("Evaluation"), {"id": "eval:x", "year": 2024}, "t"), "ACTIVE", NOW),
        rules.report_check("person:x", "area:a"), rules.report_write(neo, "person:x", "org:a", {"status": "ACTIVE"}, NOW),
        rules.service_check("person:x", d, "Venue", "venue:x", "Project", "project:x"),
        rules.service_write(neo, "person:x", "Venue", "venue:x", "Project", "project:x",
                            node_row(model.label("ServiceRecord"), {"id": "service:x", "date": d, "hours": 1.0}, "t"), NOW),
        rules.existing_ids("Unit", ["unit:b"]),
    ]
    for stmt in stmts:
        assert "CAST(" not in stmt.text and "label(" not in stmt.text, stmt.text
        assert not re.search(r"\[\d+\]", stmt.text), stmt.text
        for forbidden in ("unit:b", "area:a", "pairing:x", "2024-01-01"):
            assert forbidden not in stmt.text, (forbidden, stmt.text)
