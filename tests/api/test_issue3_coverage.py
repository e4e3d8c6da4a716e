"""Issue 3 coverage audit: the mutation paths and error codes test_mutations.py leaves out, every
batch upsert field, and rollback — a mutation that fails after its writes ran leaves the graph
exactly as it was (snapshot of every node and relationship).

Runs on test_mutations.py's small network through the real app (its ``net`` fixture, so these tests
get whatever principal that fixture gives its app).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cobuild.graph import model
from cobuild.graph.upsert import merge_rels, upsert_nodes
from cobuild.graph.validate import node_row
from tests.api.test_mutations import (  # noqa: F401  (net is a fixture)
    CLAIM, COMPLETE, CREATE_PAIRING, EVALUATE, NOW, PUBLISH, RECORD, REPORT, SIGN, START, TERMINATE, TODAY, YEAR,
    Client, code_of, net, refused, rows, snapshot,
)


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert not body.get("errors"), body
    return body["data"]


# ------------------------------------------------------------------------------------------------
# Error paths not covered elsewhere (each through `refused`: code checked, graph unchanged)
# ------------------------------------------------------------------------------------------------
async def test_create_pairing_more_refusals(net: Client) -> None:
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    await refused(net, CREATE_PAIRING, {"input": {"hostId": "area:c2", "partnerId": "unit:h", "since": tomorrow}}, "VALIDATION")
    await refused(net, CREATE_PAIRING, {"input": {"hostId": "area:c2", "partnerId": "unit:h", "forms": ["PARTY_DINNER"]}},
                  "GRAPHQL_VALIDATION")
    await refused(net, CREATE_PAIRING, {"input": {"hostId": "area:c2", "partnerId": "unit:h", "pairingType": "NOPE"}},
                  "GRAPHQL_VALIDATION")


async def test_sign_agreement_party_orgs_act_for_their_sides(net: Client) -> None:
    body = await net(SIGN, {"input": {"pairingId": "pairing:p1", "agreementType": "JOINT_BUILDING", "scope": ["ACTIVITY_JOINT"],
                                      "signerIds": ["org:c1", "org:h"]}})
    out = data(body)["signAgreement"]
    got = await rows(net.engine, "MATCH (s)-[r:SIGNED]->(g:Agreement) WHERE g.id = $g RETURN s.id AS s, r.role AS role",
                     g=out["agreementId"])
    assert {(r["s"], r["role"]) for r in got} == {("org:c1", "PARTY_A"), ("org:h", "PARTY_B")}
    await refused(net, SIGN, {"input": {"pairingId": "pairing:p1", "agreementType": "JOINT_BUILDING", "scope": ["ACTIVITY_JOINT"],
                                        "signerIds": ["area:c1", "zzz:nobody"]}}, "NOT_FOUND")
    await refused(net, SIGN, {"input": {"pairingId": "pairing:p1", "agreementType": "JOINT_BUILDING", "scope": ["ACTIVITY_JOINT"],
                                        "signerIds": ["area:c1", "unit:h"], "name": "长" * 201}}, "VALIDATION")


async def test_rectification_then_termination_closes_the_pairing(net: Client) -> None:
    """ACTIVE → UNDER_RECTIFICATION (evaluate) → TERMINATED (terminate): agreements end with it, the
    derived edge follows, and a closed pairing refuses signatures and evaluations (ENTITY_CLOSED)."""
    sign = {"pairingId": "pairing:p2", "agreementType": "JOINT_BUILDING", "scope": ["ACTIVITY_JOINT"],
            "signerIds": ["area:c2", "unit:s"]}
    agreement = data(await net(SIGN, {"input": sign}))["signAgreement"]["agreementId"]
    body = await net(EVALUATE, {"input": {"pairingId": "pairing:p2", "evaluatorId": "org:c2", "direction": "AREA_TO_UNIT",
                                          "year": YEAR, "score": 55, "satisfactionRate": 60, "outcome": "RECTIFY_BY_DEADLINE"}})
    assert data(body)["evaluate"]["status"] == "UNDER_RECTIFICATION"
    body = await net(TERMINATE, {"id": "pairing:p2", "reason": "整改未达标"})
    assert data(body)["terminatePairing"] == {"pairingId": "pairing:p2", "status": "TERMINATED"}
    got = await rows(net.engine, "MATCH (g:Agreement)-[:FORMALIZES]->(p:Pairing) WHERE g.id = $g "
                                 "RETURN g.status AS s, g.effectiveTo AS t, p.status AS ps", g=agreement)
    assert got == [{"s": "TERMINATED", "t": TODAY, "ps": "TERMINATED"}]
    assert await rows(net.engine, "MATCH ()-[e:CO_BUILDS_WITH]->() WHERE e.pairingId = 'pairing:p2' RETURN e.status AS s") == \
        [{"s": "TERMINATED"}]
    err = await refused(net, SIGN, {"input": sign}, "ENTITY_CLOSED")
    assert err["extensions"]["currentState"] == "TERMINATED"
    await refused(net, EVALUATE, {"input": {"pairingId": "pairing:p2", "evaluatorId": "unit:s", "direction": "UNIT_TO_AREA",
                                            "year": YEAR, "score": 80}}, "ENTITY_CLOSED")
    await refused(net, TERMINATE, {"id": "pairing:p2", "reason": "again"}, "INVALID_STATE_TRANSITION")


async def test_terminate_needs_a_pairing_id(net: Client) -> None:
    await refused(net, TERMINATE, {"id": "unit:h", "reason": "x"}, "VALIDATION")
    await refused(net, TERMINATE, {"id": "nothing", "reason": "x"}, "NOT_FOUND")


async def test_publish_demand_by_a_person_and_wrong_category_kind(net: Client) -> None:
    body = await net(PUBLISH, {"input": {"publisherId": "person:m", "name": "陪老人就医", "categoryIds": ["cat:a", "cat:a"]}})
    demand = data(body)["publishDemand"]["demandId"]
    got = await rows(net.engine, "MATCH (x)-[:PUBLISHES]->(d:Demand)-[:IN_CATEGORY]->(c) WHERE d.id = $d RETURN x.id AS x, c.id AS c",
                     d=demand)
    assert got == [{"x": "person:m", "c": "cat:a"}]  # a repeated category is one edge
    await refused(net, PUBLISH, {"input": {"publisherId": "area:c1", "name": "x", "categoryIds": ["unit:h"]}}, "VALIDATION")
    await refused(net, PUBLISH, {"input": {"publisherId": "area:c1", "name": "长" * 201, "categoryIds": ["cat:a"]}}, "VALIDATION")


async def test_claim_enum_arguments_are_checked_by_graphql(net: Client) -> None:
    await refused(net, CLAIM, {"input": {"itemId": "demand:d1", "claimantId": "unit:h", "mode": "GRAB"}}, "GRAPHQL_VALIDATION")
    await refused(net, CLAIM, {"input": {"itemId": "demand:d1", "claimantId": "unit:h", "role": "BOSS"}}, "GRAPHQL_VALIDATION")


async def test_claimed_then_support_then_project_lifecycle(net: Client) -> None:
    """The full path of a listed project: lead claim → support joins → start → complete; the claims
    are closed on completion and a completed project cannot be started or completed again."""
    assert data(await net(CLAIM, {"input": {"itemId": "project:j1", "claimantId": "unit:h"}}))["claim"]["status"] == "CLAIMED"
    assert data(await net(CLAIM, {"input": {"itemId": "project:j1", "claimantId": "person:m", "role": "SUPPORT"}}))["claim"]["role"] == "SUPPORT"
    assert data(await net(START, {"id": "project:j1"}))["startProject"]["status"] == "IN_PROGRESS"
    assert data(await net(COMPLETE, {"id": "project:j1", "note": "三次义诊", "at": TODAY.isoformat()}))["completeProject"]["status"] == "COMPLETED"
    got = await rows(net.engine, "MATCH (x)-[k:CLAIMED]->(j:Project) WHERE j.id = 'project:j1' RETURN x.id AS c, k.role AS r, "
                                 "k.status AS s, k.completedAt AS t ORDER BY c")
    assert got == [{"c": "person:m", "r": "SUPPORT", "s": "COMPLETED", "t": TODAY},
                   {"c": "unit:h", "r": "LEAD", "s": "COMPLETED", "t": TODAY}]
    err = await refused(net, COMPLETE, {"id": "project:j1", "note": "again"}, "INVALID_STATE_TRANSITION")
    assert err["extensions"]["currentState"] == "COMPLETED"
    await refused(net, START, {"id": "project:j1"}, "INVALID_STATE_TRANSITION")


async def test_project_id_checks(net: Client) -> None:
    await refused(net, COMPLETE, {"id": "project:nope", "note": "x"}, "NOT_FOUND")
    await refused(net, START, {"id": "unit:h"}, "VALIDATION")
    await refused(net, COMPLETE, {"id": "demand:d1", "note": "x"}, "VALIDATION")


async def test_evaluate_more_paths(net: Client) -> None:
    base = {"pairingId": "pairing:p1", "direction": "UNIT_TO_AREA", "year": YEAR, "score": 88}
    # the partner's party organisation evaluates for the unit side; the evaluation is OF the host area
    out = data(await net(EVALUATE, {"input": {**base, "evaluatorId": "org:h"}}))["evaluate"]
    got = await rows(net.engine, "MATCH (v)-[:GAVE]->(e:Evaluation)-[:OF]->(t) WHERE e.id = $e RETURN v.id AS v, t.id AS t, "
                                 "e.year AS y, e.direction AS d", e=out["evaluationId"])
    assert got == [{"v": "org:h", "t": "area:c1", "y": YEAR, "d": "UNIT_TO_AREA"}]
    # the same direction and year again, by the unit itself: one per direction per year
    await refused(net, EVALUATE, {"input": {**base, "evaluatorId": "unit:h"}}, "EVALUATION_DUPLICATE")
    # last year is a different year
    assert not (await net(EVALUATE, {"input": {**base, "evaluatorId": "unit:h", "year": YEAR - 1}})).get("errors")
    area = {"pairingId": "pairing:p1", "evaluatorId": "area:c1", "direction": "AREA_TO_UNIT", "year": YEAR, "score": 90}
    await refused(net, EVALUATE, {"input": {**area, "satisfactionRate": 120}}, "VALIDATION")
    await refused(net, EVALUATE, {"input": {**area, "satisfactionRate": 90, "evaluatorId": "person:m"}}, "EVALUATOR_NOT_PARTY")
    await refused(net, EVALUATE, {"input": {**area, "satisfactionRate": 90, "year": 1999}}, "VALIDATION")
    await refused(net, EVALUATE, {"input": {**area, "satisfactionRate": 90, "direction": "SIDEWAYS"}}, "GRAPHQL_VALIDATION")


async def test_evaluate_a_pairing_without_a_partner(net: Client) -> None:
    lab = model.label("Pairing")
    await net.engine.run(upsert_nodes(net.engine.dialect, "Pairing", [node_row(lab, {
        "id": "pairing:lonely", "pairingType": "CO_BUILDING", "status": "ACTIVE", "level": "COMMUNITY"}, "t")], NOW), "write")
    await net.engine.run(merge_rels(net.engine.dialect, "PARTY_TO", "AdminArea", "Pairing",
                                    [{"from": "area:c1", "to": "pairing:lonely", "side": "HOST", "joinedAt": None}]), "write")
    err = await refused(net, EVALUATE, {"input": {"pairingId": "pairing:lonely", "evaluatorId": "area:c1", "direction": "AREA_TO_UNIT",
                                                  "year": YEAR, "score": 90, "satisfactionRate": 90}}, "INVALID_PAIRING_PARTIES")
    assert err["extensions"]["entityId"] == "pairing:lonely"


async def test_report_more_refusals(net: Client) -> None:
    await refused(net, REPORT, {"input": {"personId": "person:m", "communityId": "area:nope"}}, "NOT_FOUND")
    await refused(net, REPORT, {"input": {"personId": "person:m", "communityId": "unit:h"}}, "VALIDATION")
    await refused(net, REPORT, {"input": {"personId": "unit:h", "communityId": "area:c1"}}, "NOT_A_PARTY_MEMBER")
    await refused(net, REPORT, {"input": {"personId": "person:m", "communityId": "area:c1", "channel": "x" * 101}}, "VALIDATION")


async def test_report_elsewhere_is_allowed_after_the_old_report_ends(net: Client) -> None:
    """M2 counts ACTIVE in-service reports only: once person:m2's report to 紫东阁 is withdrawn, the
    member may report to 海信社区."""
    await net.engine.run(rows_stmt("MATCH (p:Person)-[r:REPORTS_TO]->() WHERE p.id = 'person:m2' SET r.status = 'WITHDRAWN'"), "write")
    out = data(await net(REPORT, {"input": {"personId": "person:m2", "communityId": "area:c1"}}))["reportToCommunity"]
    assert out["partyOrganizationId"] == "org:c1" and out["warnings"] == []


def rows_stmt(text: str) -> Any:
    from cobuild.graph.cypher import Statement

    return Statement(text, {})


async def test_record_service_more(net: Client) -> None:
    await refused(net, RECORD, {"input": {"personId": "person:m", "date": "2024-04-02", "hours": 1, "atId": "area:c1",
                                          "forId": "cat:a"}}, "VALIDATION")
    await refused(net, RECORD, {"input": {"personId": "area:c1", "date": "2024-04-02", "hours": 1, "atId": "area:c1"}}, "VALIDATION")
    # exactly 24 hours in a day is allowed (2 already recorded on 2024-04-01)
    out = data(await net(RECORD, {"input": {"personId": "person:m", "date": "2024-04-01", "hours": 22, "atId": "area:c1",
                                            "forId": "demand:d1"}}))["recordService"]
    assert out["hoursThatDay"] == 24.0
    await refused(net, RECORD, {"input": {"personId": "person:m", "date": "2024-04-01", "hours": 0.5, "atId": "area:c1"}},
                  "INVALID_HOURS")


# ------------------------------------------------------------------------------------------------
# Every batch upsert field: created, then unchanged, then a refusal that writes nothing
# ------------------------------------------------------------------------------------------------
UPSERTS = [
    ("upsertAdminAreas", "AdminAreaUpsertInput", {"name": "新社区", "level": "COMMUNITY"}, "level", "PLANET"),
    ("upsertPartyOrganizations", "PartyOrganizationUpsertInput", {"name": "新党支部", "orgType": "BRANCH"}, "orgType", "CLUB"),
    ("upsertUnits", "UnitUpsertInput", {"name": "新单位", "unitType": "SOE"}, "unitType", "SPACESHIP"),
    ("upsertDemands", "DemandUpsertInput", {"name": "新需求", "status": "PUBLISHED", "publisherId": "area:c1",
                                            "categoryIds": ["cat:a"]}, None, None),
    ("upsertResources", "ResourceUpsertInput", {"name": "新资源"}, None, None),
]


@pytest.mark.parametrize("field,input_type,item,bad_field,bad_value", UPSERTS)
async def test_every_upsert_field(net: Client, field: str, input_type: str, item: dict[str, Any],
                                  bad_field: str | None, bad_value: str | None) -> None:
    q = f"mutation($items: [{input_type}!]!) {{ {field}(partner: \"acme\", items: $items) {{ created updated unchanged ids }} }}"
    items = [{"externalId": "E-1", **item}, {"externalId": "E-2", **item}]
    first = data(await net(q, {"items": items}))[field]
    assert (first["created"], first["updated"], first["unchanged"]) == (2, 0, 0)
    label = model.label_of_id(first["ids"][0])
    assert label is not None
    got = await rows(net.engine, f"MATCH (n:`{label.name}`) WHERE n.id IN $ids RETURN n.name AS name, n.externalId AS x ORDER BY x",
                     ids=first["ids"])
    assert got == [{"name": item["name"], "x": "E-1"}, {"name": item["name"], "x": "E-2"}]
    before = await snapshot(net.engine)
    again = data(await net(q, {"items": items}))[field]
    assert (again["created"], again["updated"], again["unchanged"], again["ids"]) == (0, 0, 2, first["ids"])
    assert await snapshot(net.engine) == before
    if bad_field:  # an unknown enum value: GraphQL refuses the document (the inputs use the filters' enums)
        await refused(net, q, {"items": [{"externalId": "E-3", **item}, {**items[0], bad_field: bad_value}]}, "GRAPHQL_VALIDATION")
        err = await refused(net, q, {"items": [{"externalId": "E-3", **item}, {**items[0], bad_field: None}]}, "VALIDATION")
        assert err["extensions"]["index"] == 1 and err["extensions"]["field"] == bad_field
    await refused(net, q, {"items": [{"externalId": "", **item}]}, "VALIDATION")


# ------------------------------------------------------------------------------------------------
# Rollback: a failure after a mutation's writes ran commits none of them
# ------------------------------------------------------------------------------------------------
SUCCESSFUL = [
    (CREATE_PAIRING, {"input": {"hostId": "org:c1", "partnerId": "unit:k"}}),
    (SIGN, {"input": {"pairingId": "pairing:p1", "agreementType": "JOINT_BUILDING", "scope": ["ACTIVITY_JOINT"],
                      "signerIds": ["area:c1", "org:c1", "unit:h", "org:h"]}}),
    (TERMINATE, {"id": "pairing:p2", "reason": "单位迁出"}),
    (PUBLISH, {"input": {"publisherId": "area:c1", "name": "助浴", "categoryIds": ["cat:a", "cat:b"]}}),
    (CLAIM, {"input": {"itemId": "demand:d1", "claimantId": "unit:h"}}),
    (START, {"id": "project:j3"}),
    (COMPLETE, {"id": "project:j5", "note": "完成"}),
    (EVALUATE, {"input": {"pairingId": "pairing:p1", "evaluatorId": "area:c1", "direction": "AREA_TO_UNIT", "year": YEAR,
                          "score": 50, "satisfactionRate": 60, "outcome": "RECTIFY_BY_DEADLINE"}}),
    (REPORT, {"input": {"personId": "person:m", "communityId": "area:c1"}}),
    (RECORD, {"input": {"personId": "person:m", "date": "2024-04-01", "hours": 1, "atId": "venue:v1", "forId": "project:j1"}}),
    ("""mutation { upsertUnits(partner: "acme", items: [{externalId: "A", name: "甲", unitType: SOE}]) { created } }""", {}),
]


@pytest.mark.parametrize("query,variables", SUCCESSFUL, ids=lambda v: v.split("{")[1].split("(")[0].strip() if isinstance(v, str) else "")
async def test_failure_after_the_writes_rolls_everything_back(net: Client, query: str, variables: dict[str, Any]) -> None:
    """The unit of work runs to its end — every write statement sent — and then fails (as a lost
    connection or a failed COMMIT would): the client gets INTERNAL and the graph is as before."""
    engine = net.engine
    original = engine.write
    sent: list[str] = []

    async def failing_write(work: Any, **kw: Any) -> Any:
        async def doomed(tx: Any) -> Any:
            class Spy:
                async def run(self, stmt: Any) -> Any:
                    sent.append(stmt.label or stmt.text[:40])
                    return await tx.run(stmt)

            await work(Spy())
            raise RuntimeError("injected failure after the unit of work")

        return await original(doomed, **kw)

    before = await snapshot(engine)
    engine.write = failing_write  # type: ignore[method-assign]
    try:
        body = await net(query, variables)
    finally:
        engine.write = original  # type: ignore[method-assign]
    assert code_of(body) == "INTERNAL", body
    assert any(str(s).startswith("write") or "upsert" in str(s).lower() or "MERGE" in str(s) for s in sent), sent
    assert await snapshot(engine) == before
    # and without the injected failure the same mutation succeeds (so the writes above were real)
    assert not (await net(query, variables)).get("errors")
    assert await snapshot(engine) != before


# ------------------------------------------------------------------------------------------------
# Uniqueness rules hold under concurrent requests (not only claim: test_mutations.py covers that)
# ------------------------------------------------------------------------------------------------
async def test_concurrent_duplicates_exactly_one_wins(net: Client) -> None:
    import asyncio

    async def race(query: str, variables: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
        bodies = await asyncio.gather(*[net(query, v) for v in variables])
        won = [b for b in bodies if not b.get("errors")]
        assert len(won) == 1, bodies
        assert sorted(code_of(b) for b in bodies if b.get("errors")) == [code] * (len(variables) - 1)
        return won

    await race(CREATE_PAIRING, [{"input": {"hostId": "area:c2", "partnerId": "unit:h"}}] * 6, "PAIRING_DUPLICATE")
    assert len(await rows(net.engine, "MATCH (a:AdminArea)-[:PARTY_TO]->(p:Pairing)<-[:PARTY_TO]-(u:Unit) "
                                      "WHERE a.id = 'area:c2' AND u.id = 'unit:h' RETURN p.id AS p")) == 1
    ev = {"pairingId": "pairing:p1", "evaluatorId": "area:c1", "direction": "AREA_TO_UNIT", "year": YEAR, "satisfactionRate": 90}
    await race(EVALUATE, [{"input": {**ev, "score": 70 + i}} for i in range(6)], "EVALUATION_DUPLICATE")
    assert len(await rows(net.engine, "MATCH (e:Evaluation)-[:ABOUT]->(p:Pairing) WHERE p.id = 'pairing:p1' AND e.year = $y "
                                      "AND e.direction = 'AREA_TO_UNIT' RETURN e.id AS e", y=YEAR)) == 1
    # one active in-service report: person:m races to report to two communities
    bodies = await asyncio.gather(*[net(REPORT, {"input": {"personId": "person:m", "communityId": c}})
                                    for c in ("area:c1", "area:c2") * 3])
    winners = {b["data"]["reportToCommunity"]["communityId"] for b in bodies if not b.get("errors")}
    assert len(winners) == 1, bodies  # repeats to the winner succeed with a warning; the other community is refused
    assert {code_of(b) for b in bodies if b.get("errors")} == {"ALREADY_REPORTED_ELSEWHERE"}
    assert len(await rows(net.engine, "MATCH (p:Person)-[r:REPORTS_TO]->() WHERE p.id = 'person:m' AND r.status = 'ACTIVE' "
                                      "RETURN r.status AS s")) == 1
