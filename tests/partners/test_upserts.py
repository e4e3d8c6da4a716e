"""Batch upserts for every record a partner may own (issue 12 part 4): the single mutations' rules
per row, references as edges, dryRun, all or nothing, the partner's scope per row, a size limit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from cobuild.graph import model
from cobuild.graph.cypher import Statement
from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.export import snapshot
from cobuild.graph.partner_records import SPECS
from cobuild.ids import external_node_id
from tests.client import GQL, serve
from tests.graphs import write_graph

NOW = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
C1 = ["area:c1", "area:s1", "area:d1"]
NODES: dict[str, list[dict[str, Any]]] = {
    "AdminArea": [
        {"id": "area:d1", "name": "一区", "level": "DISTRICT", "areaPath": ["area:d1"]},
        {"id": "area:s1", "name": "一街道", "level": "STREET", "areaPath": ["area:s1", "area:d1"], "regionId": "area:d1"},
        {"id": "area:c1", "name": "一社区", "level": "COMMUNITY", "areaPath": C1, "regionId": "area:d1"},
        {"id": "area:d2", "name": "二区", "level": "DISTRICT", "areaPath": ["area:d2"]},
        {"id": "area:c2", "name": "二社区", "level": "COMMUNITY", "areaPath": ["area:c2", "area:d2"], "regionId": "area:d2"},
    ],
    "PartyOrganization": [{"id": "org:c1", "name": "一社区党委", "orgType": "COMMITTEE", "areaPath": C1},
                          {"id": "org:u1", "name": "一单位党支部", "orgType": "BRANCH", "areaPath": C1}],
    "Unit": [{"id": "unit:u1", "name": "一单位", "unitType": "SOE", "areaPath": C1},
             {"id": "unit:u2", "name": "二单位", "unitType": "SOE", "areaPath": ["area:c2", "area:d2"]}],
    "Person": [{"id": "person:m1", "name": "党员甲", "roles": ["PARTY_MEMBER"], "areaPath": C1}],
    "Category": [{"id": "cat:a", "name": "养老"}, {"id": "cat:b", "name": "义诊"}],
    "Pairing": [{"id": "pairing:p1", "pairingType": "CO_BUILDING", "status": "ACTIVE", "level": "COMMUNITY",
                 "since": dt.date(2022, 1, 1), "areaPath": C1}],
    "Venue": [{"id": "venue:v1", "name": "一社区党群服务中心", "venueType": "PARTY_MASS_CENTER", "areaPath": C1}],
}
RELS = [
    ("PART_OF", "AdminArea", "AdminArea", [{"from": "area:c1", "to": "area:s1"}, {"from": "area:s1", "to": "area:d1"},
                                           {"from": "area:c2", "to": "area:d2"}]),
    ("HAS_PARTY_ORG", "AdminArea", "PartyOrganization", [{"from": "area:c1", "to": "org:c1"}]),
    ("HAS_PARTY_ORG", "Unit", "PartyOrganization", [{"from": "unit:u1", "to": "org:u1"}]),
    ("PARTY_TO", "AdminArea", "Pairing", [{"from": "area:c1", "to": "pairing:p1", "side": "HOST"}]),
    ("PARTY_TO", "Unit", "Pairing", [{"from": "unit:u1", "to": "pairing:p1", "side": "PARTNER"}]),
]

# label → (a valid item, [(a change that breaks a rule, the code it answers)])
CASES: dict[str, tuple[dict[str, Any], list[tuple[dict[str, Any], str]]]] = {
    "AdminArea": ({"externalId": "A1", "name": "新社区", "level": "COMMUNITY", "parentId": "area:s1"},
                  [({"parentId": "unit:u1"}, "VALIDATION"), ({"parentId": "area:nope"}, "NOT_FOUND"), ({"level": None}, "VALIDATION")]),
    "PartyOrganization": ({"externalId": "O1", "name": "新支部", "orgType": "BRANCH", "ownerId": "unit:u1", "superiorId": "org:c1"},
                          [({"ownerId": "person:m1"}, "VALIDATION")]),
    "Unit": ({"externalId": "U1", "name": "新单位", "unitType": "SOE", "locatedInId": "area:c1"},
             [({"locatedInId": "area:zz"}, "NOT_FOUND")]),
    "Person": ({"externalId": "P1", "name": "张三", "roles": ["PARTY_MEMBER"], "partyOrganizationId": "org:c1", "synthetic": True},
               [({"partyOrganizationId": "unit:u1"}, "VALIDATION")]),
    "Pairing": ({"externalId": "X1", "pairingType": "CO_BUILDING", "hostId": "area:c1", "partnerId": "unit:u2", "since": "2024-01-01"},
                [({"hostId": "area:d1"}, "INVALID_PAIRING_PARTIES"), ({"partnerId": "unit:u1"}, "PAIRING_DUPLICATE"),
                 ({"hostId": "unit:u2"}, "INVALID_PAIRING_PARTIES"), ({"partnerId": None}, "INVALID_PAIRING_PARTIES"),
                 ({"since": "2999-01-01"}, "VALIDATION")]),
    "Agreement": ({"externalId": "G1", "agreementType": "JOINT_BUILDING", "scope": ["ACTIVITY_JOINT"], "pairingId": "pairing:p1",
                   "signerIds": ["area:c1", "unit:u1"], "signedAt": "2024-02-01"},
                  [({"signerIds": ["area:c1", "unit:u2"]}, "SIGNER_NOT_PARTY"), ({"signerIds": ["area:c1"]}, "VALIDATION")]),
    "Demand": ({"externalId": "D1", "name": "助餐", "publisherId": "area:c1", "categoryIds": ["cat:a"]},
               [({"publisherId": None}, "PUBLISHER_REQUIRED"), ({"categoryIds": []}, "CATEGORY_REQUIRED"),
                ({"categoryIds": ["cat:zz"]}, "NOT_FOUND"), ({"publisherId": "cat:a"}, "PUBLISHER_REQUIRED")]),
    "Resource": ({"externalId": "R1", "name": "会议室", "providerId": "unit:u1", "categoryIds": ["cat:b"]},
                 [({"providerId": "cat:a"}, "VALIDATION")]),
    "Project": ({"externalId": "J1", "name": "义诊进社区", "status": "LISTED", "underId": "pairing:p1", "categoryIds": ["cat:b"]},
                [({"underId": "unit:u1"}, "VALIDATION")]),
    "MicroWish": ({"externalId": "W1", "name": "一台收音机", "publisherId": "person:m1"},
                  [({"publisherId": None}, "PUBLISHER_REQUIRED")]),
    "ServiceRecord": ({"externalId": "S1", "date": "2024-04-01", "hours": 2.5, "personId": "person:m1", "atId": "venue:v1"},
                      [({"hours": 0}, "INVALID_HOURS"), ({"hours": 25}, "INVALID_HOURS"), ({"date": "2999-01-01"}, "VALIDATION"),
                       ({"atId": "unit:u1"}, "VALIDATION")]),
    "Evaluation": ({"externalId": "E1", "pairingId": "pairing:p1", "evaluatorId": "area:c1", "direction": "AREA_TO_UNIT",
                    "year": 2024, "score": 90, "satisfactionRate": 95},
                   [({"evaluatorId": "unit:u1"}, "EVALUATOR_NOT_PARTY"), ({"satisfactionRate": None}, "SATISFACTION_REQUIRED"),
                    ({"score": 120}, "SCORE_OUT_OF_RANGE")]),
    "Venue": ({"externalId": "V1", "name": "红色驿站", "venueType": "PARTY_WORK_POST", "locatedInId": "area:c1", "operatorIds": ["unit:u1"]},
              [({"operatorIds": ["person:m1"]}, "VALIDATION")]),
    "Alliance": ({"externalId": "L1", "name": "商户联盟", "allianceType": "MERCHANT", "leadIds": ["unit:u1"], "memberIds": ["unit:u2"],
                  "regionId": "area:d1"},
                 [({"memberIds": ["area:c1"]}, "VALIDATION")]),
}


def mutation(label: str) -> tuple[str, str]:
    spec = SPECS[label]
    q = (f"mutation($items: [{label}UpsertInput!]!, $dry: Boolean) {{ {spec.field_name}(partner: \"acme\", items: $items, "
         "dryRun: $dry) { created updated unchanged refused dryRun ids items { index id outcome code field } } }")
    return q, spec.field_name


@pytest.fixture
async def gql(engine: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    await write_graph(engine, NODES, RELS, NOW)
    async with serve(engine, tmp_path) as client:
        yield client


async def count(engine: GraphEngine, text: str, **params: Any) -> int:
    rows = await engine.run(Statement(text, params))
    return int(rows[0]["n"])


def test_every_record_a_partner_may_own_has_an_upsert() -> None:
    assert set(SPECS) == {"AdminArea", "PartyOrganization", "Unit", "Demand", "Resource", "Pairing", "Agreement", "Project",
                          "MicroWish", "ServiceRecord", "Evaluation", "Venue", "Alliance", "Person"}
    assert set(CASES) == set(SPECS)


@pytest.mark.parametrize("label", list(CASES))
async def test_each_upsert_follows_its_rules_with_dry_run_and_all_or_nothing(gql: GQL, label: str) -> None:
    q, field = mutation(label)
    valid, refusals = CASES[label]
    bad = [{**valid, "externalId": f"BAD-{i}", **patch} for i, (patch, _code) in enumerate(refusals)]
    before = await snapshot(gql.engine)

    dry = (await gql(q, {"items": [valid, *bad], "dry": True}))["data"][field]
    assert dry["dryRun"] is True and (dry["created"], dry["refused"]) == (1, len(bad))
    assert [(i["outcome"], i["code"]) for i in dry["items"]] == [("CREATED", None)] + [("REFUSED", c) for _, c in refusals]
    assert await snapshot(gql.engine) == before and await count(gql.engine, "MATCH (e:ChangeEvent) RETURN count(e) AS n") == 0

    for i, (_patch, code) in enumerate(refusals):  # all or nothing: one bad item refuses the batch
        body = await gql(q, {"items": [valid, bad[i]]})
        assert body["errors"][0]["extensions"]["code"] == code and body["errors"][0]["extensions"]["index"] == 1, body
    assert await snapshot(gql.engine) == before

    out = (await gql(q, {"items": [valid]}))["data"][field]
    node_id = external_node_id(label, "acme", valid["externalId"])
    assert (out["created"], out["ids"], out["items"][0]["outcome"]) == (1, [node_id], "CREATED")
    for ref in SPECS[label].input_refs:  # every reference became its edge
        wanted = valid.get(ref.field)
        if wanted:
            pattern = f"(o)-[e:`{ref.rel}`]->(n:`{label}`)" if ref.incoming else f"(n:`{label}`)-[e:`{ref.rel}`]->(o)"
            keys = list(ref.key_props.items())
            keyed = "".join(f" AND e.`{k}` = $k{i}" for i, (k, _v) in enumerate(keys))
            got = await gql.engine.run(Statement(f"MATCH {pattern} WHERE n.id = $id{keyed} RETURN o.id AS o",
                                                 {"id": node_id, **{f"k{i}": v for i, (_k, v) in enumerate(keys)}}))
            assert sorted(r["o"] for r in got) == sorted(wanted if isinstance(wanted, list) else [wanted]), ref.field
    again = (await gql(q, {"items": [valid], "dry": True}))["data"][field]
    assert again["items"][0]["outcome"] == "UNCHANGED"
    assert (await gql(q, {"items": [valid]}))["data"][field]["unchanged"] == 1
    events = await gql.engine.run(Statement("MATCH (e:ChangeEvent) RETURN e.kind AS kind, e.entityId AS id, e.operation AS op, "
                                            "e.areaPath AS path ORDER BY e.seq"))
    assert [(e["kind"], e["id"], e["op"]) for e in events if e["id"] == node_id] == [("CREATED", node_id, field)]


async def test_references_are_kept_as_the_item_says(gql: GQL) -> None:
    q, field = mutation("Unit")
    item = {"externalId": "U9", "name": "迁址单位", "unitType": "SOE", "locatedInId": "area:c1"}
    await gql(q, {"items": [item]})
    moved = {**item, "locatedInId": "area:c2"}
    dry = (await gql(q, {"items": [moved], "dry": True}))["data"][field]
    assert dry["items"][0]["outcome"] == "UPDATED"
    out = (await gql(q, {"items": [moved]}))["data"][field]
    assert out["updated"] == 1
    uid = out["ids"][0]
    rows = await gql.engine.run(Statement("MATCH (u:Unit)-[r:LOCATED_IN]->(a) WHERE u.id = $id RETURN a.id AS a, r.`primary` AS p",
                                          {"id": uid}))
    assert rows == [{"a": "area:c2", "p": True}]
    unit = await gql.engine.run(Statement("MATCH (u:Unit) WHERE u.id = $id RETURN u.areaPath AS path, u.regionId AS region",
                                          {"id": uid}))
    assert unit == [{"path": ["area:c2", "area:d2"], "region": "area:d2"}]  # it lives where it is located
    last = await gql.engine.run(Statement("MATCH (e:ChangeEvent) RETURN e.kind AS k, e.relationships AS r, e.fields AS f "
                                          "ORDER BY e.seq DESC LIMIT 1"))
    assert last == [{"k": "UPDATED", "r": ["LOCATED_IN"], "f": ["areaPath", "regionId"]}]


async def test_pairing_upserts_derive_co_building_edges_and_follow_the_lifecycle(gql: GQL) -> None:
    q, field = mutation("Pairing")
    item = CASES["Pairing"][0]
    pid = (await gql(q, {"items": [item]}))["data"][field]["ids"][0]
    rows = await gql.engine.run(Statement("MATCH (a:AdminArea)-[e:CO_BUILDS_WITH]->(u:Unit) WHERE e.pairingId = $id "
                                          "RETURN a.id AS a, u.id AS u", {"id": pid}))
    assert rows == [{"a": "area:c1", "u": "unit:u2"}]
    level = await gql.engine.run(Statement("MATCH (p:Pairing) WHERE p.id = $id RETURN p.level AS l", {"id": pid}))
    assert level == [{"l": "COMMUNITY"}]  # the host's level, as createPairing sets it
    body = await gql(q, {"items": [{**item, "status": "PROPOSED"}]})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_STATE_TRANSITION"
    assert (await gql(q, {"items": [{**item, "status": "TERMINATED"}]}))["data"][field]["updated"] == 1
    body = await gql(q, {"items": [{**item, "status": "TERMINATED", "forms": ["SERVICE_JOINT"]}]})
    assert body["errors"][0]["extensions"]["code"] == "ENTITY_CLOSED"  # rule 5.12


async def test_evaluation_upserts_put_a_pairing_under_rectification(gql: GQL) -> None:
    q, field = mutation("Evaluation")
    item = {**CASES["Evaluation"][0], "outcome": "RECTIFY_BY_DEADLINE"}
    body = await gql(q, {"items": [item, {**item, "externalId": "E2", "score": 40}]})
    assert body["errors"][0]["extensions"]["code"] == "EVALUATION_DUPLICATE"  # one per pairing, year and direction
    eid = (await gql(q, {"items": [item]}))["data"][field]["ids"][0]
    rows = await gql.engine.run(Statement("MATCH (e:Evaluation)-[:OF]->(t) WHERE e.id = $id MATCH (p:Pairing) WHERE p.id = 'pairing:p1' "
                                          "RETURN t.id AS of, p.status AS status", {"id": eid}))
    assert rows == [{"of": "unit:u1", "status": "UNDER_RECTIFICATION"}]


async def test_service_records_keep_the_daily_limit_across_the_batch(gql: GQL) -> None:
    q, field = mutation("ServiceRecord")
    base = CASES["ServiceRecord"][0]
    items = [{**base, "externalId": f"S{i}", "hours": 10} for i in range(3)]  # 30 hours on one day
    dry = (await gql(q, {"items": items, "dry": True}))["data"][field]
    assert [(i["outcome"], i["code"]) for i in dry["items"]] == [("CREATED", None), ("CREATED", None), ("REFUSED", "INVALID_HOURS")]
    assert (await gql(q, {"items": items[:2]}))["data"][field]["created"] == 2
    assert (await gql(q, {"items": items[:2]}))["data"][field]["unchanged"] == 2  # the records themselves are not counted twice


async def test_demand_status_follows_its_lifecycle(gql: GQL) -> None:
    q, field = mutation("Demand")
    item = CASES["Demand"][0]
    await gql(q, {"items": [item]})
    body = await gql(q, {"items": [{**item, "status": "COMPLETED"}]})
    err = body["errors"][0]["extensions"]
    assert err["code"] == "INVALID_STATE_TRANSITION" and err["currentState"] == "PUBLISHED"
    assert (await gql(q, {"items": [{**item, "status": "CANCELLED"}]}))["data"][field]["updated"] == 1


async def test_persons_keep_their_synthetic_flag_and_personal_data_stays_masked(gql: GQL) -> None:
    q, field = mutation("Person")
    partner = gql.key("partner", areas=["area:d1"])
    pid = (await gql(q, {"items": [{**CASES["Person"][0], "phone": "13900000000"}]}, key=partner))["data"][field]["ids"][0]
    rows = await gql.engine.run(Statement("MATCH (p:Person) WHERE p.id = $id RETURN p.synthetic AS s, p.areaPath AS path", {"id": pid}))
    assert rows == [{"s": True, "path": C1}]
    seen = await gql("query($id: ID!) { person(id: $id) { name phone synthetic } }", {"id": pid}, key=partner)
    assert seen["data"]["person"] == {"name": "***", "phone": "***", "synthetic": True}
    fields = await gql.engine.run(Statement("MATCH (e:ChangeEvent) WHERE e.entityId = $id RETURN e.fields AS f", {"id": pid}))
    assert "phone" in fields[0]["f"] and "13900000000" not in str(fields)  # names of what changed, never values


async def test_the_partner_scope_applies_per_row(gql: GQL) -> None:
    q, field = mutation("Unit")
    partner = gql.key("partner", areas=["area:d1"])
    mine = {"externalId": "IN", "name": "区内单位", "unitType": "SOE", "locatedInId": "area:c1"}
    theirs = {"externalId": "OUT", "name": "区外单位", "unitType": "SOE", "locatedInId": "area:c2"}
    nowhere = {"externalId": "NOWHERE", "name": "无处单位", "unitType": "SOE"}
    dry = (await gql(q, {"items": [mine, theirs, nowhere], "dry": True}, key=partner))["data"][field]
    assert [(i["outcome"], i["code"]) for i in dry["items"]] == [("CREATED", None), ("REFUSED", "FORBIDDEN"), ("REFUSED", "FORBIDDEN")]
    body = await gql(q, {"items": [mine, theirs]}, key=partner)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN" and body["errors"][0]["extensions"]["index"] == 1
    assert (await gql(q, {"items": [mine]}, key=partner))["data"][field]["created"] == 1
    # an existing record cannot be moved out of (or taken from outside) the partner's areas either
    body = await gql(q, {"items": [{**mine, "locatedInId": "area:c2"}]}, key=partner)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    admin_moved = (await gql(q, {"items": [{**mine, "locatedInId": "area:c2"}]}))["data"][field]
    assert admin_moved["updated"] == 1
    body = await gql(q, {"items": [{**mine, "locatedInId": "area:c1"}]}, key=partner)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    unit_key = gql.key("unit", unit="unit:u1")
    assert (await gql(q, {"items": [mine]}, key=unit_key))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_batch_size_limit_is_a_setting_named_in_the_error(engine: GraphEngine, tmp_path: Path) -> None:
    await write_graph(engine, NODES, RELS, NOW)
    async with serve(engine, tmp_path, max_upsert_items=2) as gql:
        q, _field = mutation("Unit")
        items = [{"externalId": f"N{i}", "name": "单位", "unitType": "SOE"} for i in range(3)]
        err = (await gql(q, {"items": items}))["errors"][0]
        assert err["extensions"]["code"] == "VALIDATION" and err["extensions"]["limit"] == 2 and "at most 2" in err["message"]
        assert not (await gql(q, {"items": items[:2]})).get("errors")


async def test_a_batch_costs_the_same_statements_whatever_its_size(gql: GQL) -> None:
    q, field = mutation("Demand")
    item = CASES["Demand"][0]
    await gql(q, {"items": [item]})
    one = gql.last_statements
    await gql(q, {"items": [{**item, "externalId": f"M{i}"} for i in range(40)]})
    assert gql.last_statements == one
    assert model.label("Demand")  # (the counts themselves are documented in docs/mutations.md)
