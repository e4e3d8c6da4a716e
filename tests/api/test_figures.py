"""Figures an analyst can trust (issue 13 part 1), through the real app.

One definition of "the communities under an area" (cobuild.graph.fields.COMMUNITIES_UNDER, rendered
for the questions by cobuild.resolvers.areas; ``AdminArea.communities`` lists them) in every roll-up, with
communities directly under a district included and grouped in the district's own row; per-street
rows that add up to the area's totals and equal the same question asked of the street; reported
figures compared with the graph count of the same kind (cobuild.resolvers.figures).

The first part runs on a small tree made for the edge cases; the second on the seed network, with
expectations recomputed from the seed files (tests/api/test_questions.py's ``Seed``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from cobuild.graph import model, tallies
from cobuild.graph.derive import rederive
from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.upsert import merge_rels, upsert_nodes
from tests.api.test_questions import Seed, ok
from tests.client import GQL, serve

ROLLUP = """query($id: ID!) { rollup(areaId: $id) {
  communitiesTotal communitiesCovered agenciesInstitutionsCoBuilding twoNewCoBuilding coBuildingUnits activePairings
  agreements partTimeCommitteeMembers agreementsByKind { agreementType count }
  groups { area { id name level } communitiesTotal communitiesCovered agenciesInstitutionsCoBuilding twoNewCoBuilding
           coBuildingUnits activePairings agreements partTimeCommitteeMembers agreementsByKind { agreementType count } }
  comparisons { metric agreementType definition graphValue reportedValue difference statistic { metric value qualifier quote } }
} }"""
CLAIMS = """query($id: ID!) { claimRates(areaId: $id) {
  communityCount demandsTotal demandsClaimed demandsCompleted claimRate projectsTotal projectsCompleted
  items { street { id name level } communityCount demandsTotal demandsClaimed demandsCompleted claimRate
          projectsTotal projectsCompleted }
} }"""
COMMUNITIES = """query($id: ID!, $after: String) { adminArea(id: $id) {
  communities(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } }
} }"""
GAPS = """query($id: ID!) { coverageGaps(areaId: $id) {
  communityCount gapCount groups { street { id name level } communityType communityCount gapCount gaps { id } }
} }"""
ADDITIVE_ROLLUP = ("communitiesTotal", "communitiesCovered", "activePairings", "agreements", "partTimeCommitteeMembers")
# a unit may pair with communities of two rows: it counts once in each row and once in the total
DISTINCT_UNITS = ("agenciesInstitutionsCoBuilding", "twoNewCoBuilding", "coBuildingUnits")
CLAIM_COUNTS = ("communityCount", "demandsTotal", "demandsClaimed", "demandsCompleted", "projectsTotal", "projectsCompleted")


# ---------------------------------------------------------------------------------------------
# A small tree with every placement the definition must handle
# ---------------------------------------------------------------------------------------------
# 测试区 ─ 一街道 ─ 甲社区 (pairs with 医院, signs a 责任书) · 乙村 (VILLAGE, no pairing)
#        │        └ 越级小区 (a compound directly under the street: no community's, counted nowhere)
#        └ 丙社区 (directly under the district) ─ 丙一小区 (pairs with 企业, signs a 《共驻共建协议书》)
D = dt.date
NODES: dict[str, list[dict[str, Any]]] = {
    "AdminArea": [
        {"id": "area:fd", "name": "测试区", "level": "DISTRICT"},
        {"id": "area:fs", "name": "一街道", "level": "STREET"},
        {"id": "area:fc1", "name": "甲社区", "level": "COMMUNITY", "communityType": "URBAN"},
        {"id": "area:fv1", "name": "乙村", "level": "VILLAGE", "communityType": "VILLAGE"},
        {"id": "area:fc2", "name": "丙社区", "level": "COMMUNITY", "communityType": "URBAN"},
        {"id": "area:fk2", "name": "丙一小区", "level": "COMPOUND"},
        {"id": "area:fkx", "name": "越级小区", "level": "COMPOUND"},
    ],
    "Unit": [
        {"id": "unit:fu1", "name": "医院", "unitType": "PUBLIC_INSTITUTION"},
        {"id": "unit:fu2", "name": "企业", "unitType": "NON_PUBLIC_ENTERPRISE"},
        {"id": "unit:fu3", "name": "越级单位", "unitType": "NON_PUBLIC_ENTERPRISE"},
    ],
    "Pairing": [
        {"id": "pairing:f1", "name": "甲社区—医院", "pairingType": "CO_BUILDING", "status": "ACTIVE", "since": D(2019, 1, 1)},
        {"id": "pairing:f2", "name": "丙一小区—企业", "pairingType": "CO_BUILDING", "status": "ACTIVE", "since": D(2019, 2, 1)},
        {"id": "pairing:f3", "name": "越级小区—越级单位", "pairingType": "CO_BUILDING", "status": "ACTIVE", "since": D(2019, 3, 1)},
    ],
    "Agreement": [
        {"id": "agreement:f1", "name": "责任书", "agreementType": "PAIRING_RESPONSIBILITY", "status": "IN_FORCE"},
        {"id": "agreement:f2", "name": "共驻共建协议书", "agreementType": "CO_RESIDENCE_CO_BUILDING", "status": "IN_FORCE"},
        {"id": "agreement:f3", "name": "越级协议", "agreementType": "DEVELOPMENT", "status": "IN_FORCE"},
    ],
    "Statistic": [
        {"id": "stat:f1", "name": "责任书", "metric": "pairing_responsibility_agreements", "value": 3.0, "qualifier": "AT_LEAST", "asOf": "2019"},
        {"id": "stat:f2", "name": "社区数", "metric": "communities_paired", "value": 3.0, "qualifier": "EXACT", "asOf": "2019"},
    ],
    "Demand": [
        {"id": "demand:f1", "name": "甲需求", "status": "CLAIMED", "publishedAt": D(2024, 1, 1)},
        {"id": "demand:f2", "name": "丙一需求", "status": "PUBLISHED", "publishedAt": D(2024, 1, 2)},
        {"id": "demand:f3", "name": "丙需求", "status": "COMPLETED", "publishedAt": D(2024, 1, 3)},
        {"id": "demand:f4", "name": "越级需求", "status": "PUBLISHED", "publishedAt": D(2024, 1, 4)},
        {"id": "demand:f5", "name": "街道需求", "status": "PUBLISHED", "publishedAt": D(2024, 1, 5)},
    ],
}
RELS: list[tuple[str, str, str, list[dict[str, Any]]]] = [
    ("PART_OF", "AdminArea", "AdminArea", [
        {"from": "area:fs", "to": "area:fd"}, {"from": "area:fc1", "to": "area:fs"}, {"from": "area:fv1", "to": "area:fs"},
        {"from": "area:fkx", "to": "area:fs"}, {"from": "area:fc2", "to": "area:fd"}, {"from": "area:fk2", "to": "area:fc2"}]),
    ("PARTY_TO", "AdminArea", "Pairing", [
        {"from": "area:fc1", "to": "pairing:f1", "side": "HOST"}, {"from": "area:fk2", "to": "pairing:f2", "side": "HOST"},
        {"from": "area:fkx", "to": "pairing:f3", "side": "HOST"}]),
    ("PARTY_TO", "Unit", "Pairing", [
        {"from": "unit:fu1", "to": "pairing:f1", "side": "PARTNER"}, {"from": "unit:fu2", "to": "pairing:f2", "side": "PARTNER"},
        {"from": "unit:fu3", "to": "pairing:f3", "side": "PARTNER"}]),
    ("SIGNED", "AdminArea", "Agreement", [
        {"from": "area:fc1", "to": "agreement:f1"}, {"from": "area:fk2", "to": "agreement:f2"}, {"from": "area:fkx", "to": "agreement:f3"}]),
    ("HAS_STATISTIC", "AdminArea", "Statistic", [{"from": "area:fd", "to": "stat:f1"}, {"from": "area:fd", "to": "stat:f2"}]),
    ("PUBLISHES", "AdminArea", "Demand", [
        {"from": "area:fc1", "to": "demand:f1"}, {"from": "area:fk2", "to": "demand:f2"}, {"from": "area:fc2", "to": "demand:f3"},
        {"from": "area:fkx", "to": "demand:f4"}, {"from": "area:fs", "to": "demand:f5"}]),
]


@pytest.fixture
async def tree(engine: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    now = dt.datetime(2024, 7, 1, tzinfo=dt.timezone.utc)

    async def work(tx: Any) -> None:
        for label, rows in NODES.items():
            lab = model.label(label)
            await tx.run(upsert_nodes(engine.dialect, label, [{k: r.get(k) for k in lab.prop_names} for r in rows], now))
        for rel, a, b, rows in RELS:
            res = await tx.run(merge_rels(engine.dialect, rel, a, b, rows))
            assert int(res[0]["n"]) == len(rows), (rel, a, b)
        await rederive(tx, engine.dialect, [r["id"] for r in NODES["Pairing"]])
        await tallies.rebuild_in(tx, engine.dialect)

    await engine.write(work)
    async with serve(engine, tmp_path) as client:
        yield client


def _rows(d: dict[str, Any], key: str, area: str) -> dict[str, dict[str, Any]]:
    return {r[area]["id"]: r for r in d[key]}


async def _area_communities(client: GQL, area: str) -> tuple[int, set[str]]:
    """``AdminArea.communities``: its totalCount and every node, page by page."""
    ids: set[str] = set()
    after = None
    while True:
        page = ok(await client(COMMUNITIES, {"id": area, "after": after}), client)["adminArea"]["communities"]
        ids |= {n["id"] for n in page["nodes"]}
        if not page["pageInfo"]["hasNextPage"]:
            return page["totalCount"], ids
        after = page["pageInfo"]["endCursor"]


async def test_one_definition_of_the_communities_under_an_area(tree: GQL) -> None:
    gaps = ok(await tree(GAPS, {"id": "area:fd"}), tree)["coverageGaps"]
    claims = ok(await tree(CLAIMS, {"id": "area:fd"}), tree)["claimRates"]
    roll = ok(await tree(ROLLUP, {"id": "area:fd"}), tree)["rollup"]
    # 甲社区 and 乙村 under the street, 丙社区 directly under the district; the compound placed directly
    # under the street is no community's
    assert gaps["communityCount"] == claims["communityCount"] == roll["communitiesTotal"] == 3
    # … and the entity field walks the same definition (cobuild.graph.fields.COMMUNITIES_UNDER)
    assert await _area_communities(tree, "area:fd") == (3, {"area:fc1", "area:fv1", "area:fc2"})
    assert await _area_communities(tree, "area:fs") == (2, {"area:fc1", "area:fv1"})
    assert await _area_communities(tree, "area:fc2") == (1, {"area:fc2"})
    assert {g["street"]["id"]: g["communityCount"] for g in gaps["groups"] if g["communityType"] == "URBAN"} == {"area:fs": 1, "area:fd": 1}
    assert [g["id"] for grp in gaps["groups"] for g in grp["gaps"]] == ["area:fv1"]
    # the same rows in every question: the street, and the district itself for 丙社区
    assert set(_rows(claims, "items", "street")) == set(_rows(roll, "groups", "area")) == {"area:fs", "area:fd"}
    assert {i["street"]["id"]: i["demandsTotal"] for i in claims["items"]} == {"area:fs": 1, "area:fd": 2}
    assert (claims["demandsTotal"], claims["demandsClaimed"], claims["demandsCompleted"]) == (3, 2, 1)
    fd = _rows(roll, "groups", "area")["area:fd"]
    assert (fd["communitiesTotal"], fd["communitiesCovered"], fd["coBuildingUnits"], fd["agreements"]) == (1, 1, 1, 1)
    assert (roll["coBuildingUnits"], roll["activePairings"], roll["communitiesCovered"], roll["agreements"]) == (2, 2, 2, 2)


async def test_like_with_like_in_the_small_tree(tree: GQL) -> None:
    roll = ok(await tree(ROLLUP, {"id": "area:fd"}), tree)["rollup"]
    comp = {c["metric"]: c for c in roll["comparisons"]}
    # the reported 3 counts 责任书 only: it stands beside the one such agreement, not beside both kinds
    pr = comp["agreementsPairingResponsibility"]
    assert (pr["agreementType"], pr["graphValue"], pr["reportedValue"], pr["difference"]) == ("PAIRING_RESPONSIBILITY", 1, 3.0, -2.0)
    assert pr["statistic"]["qualifier"] == "AT_LEAST"
    assert "PAIRING_RESPONSIBILITY" in pr["definition"] and " / " in pr["definition"]
    assert (comp["agreements"]["graphValue"], comp["agreements"]["reportedValue"]) == (2, None)
    assert comp["communitiesCovered"]["graphValue"] == 2 and comp["communitiesCovered"]["reportedValue"] == 3.0
    assert {k["agreementType"]: k["count"] for k in roll["agreementsByKind"]} == {
        "CO_RESIDENCE_CO_BUILDING": 1, "JOINT_BUILDING": 0, "PAIRING_RESPONSIBILITY": 1, "DEVELOPMENT": 0}


async def test_a_street_and_a_community_answer_like_their_row(tree: GQL) -> None:
    district = ok(await tree(CLAIMS, {"id": "area:fd"}), tree)["claimRates"]
    street = ok(await tree(CLAIMS, {"id": "area:fs"}), tree)["claimRates"]
    assert [i["street"]["id"] for i in street["items"]] == ["area:fs"]
    assert {k: street[k] for k in CLAIM_COUNTS} == {k: _rows(district, "items", "street")["area:fs"][k] for k in CLAIM_COUNTS}
    # a community asked directly is its own single community, in its own row
    roll = ok(await tree(ROLLUP, {"id": "area:fc2"}), tree)["rollup"]
    assert roll["communitiesTotal"] == 1 and [g["area"]["id"] for g in roll["groups"]] == ["area:fd"]
    d = ok(await tree('{ unitCommunities(unitId: "unit:fu2") { communities { community { id } street { id } via { id } } streetCount } }'),
           tree)["unitCommunities"]
    assert d == {"communities": [{"community": {"id": "area:fc2"}, "street": {"id": "area:fd"}, "via": [{"id": "area:fk2"}]}],
                 "streetCount": 1}


# ---------------------------------------------------------------------------------------------
# The seed network
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed() -> Seed:
    return Seed()


def _communities(seed: Seed, root: str) -> set[str]:
    """The definition, recomputed from the seed files: communities 0–4 PART_OF hops below ``root``."""
    return {a for a in seed.subtree(root, 4) if seed.nodes[a].get("level") in ("COMMUNITY", "VILLAGE")}


def _districts(seed: Seed) -> list[str]:
    return sorted(i for i, n in seed.nodes.items() if n["_label"] == "AdminArea" and n.get("level") == "DISTRICT"
                  and _communities(seed, i))


def _sum(rows: list[dict[str, Any]], key: str) -> int:
    return sum(r[key] for r in rows)


async def test_seed_rows_add_up_to_each_district_in_every_roll_up(gql: GQL, seed: Seed) -> None:
    districts = _districts(seed)
    assert {seed.nodes[d]["name"] for d in districts} >= {"双流区", "烟台开发区", "四川天府新区"}
    for district in districts:
        comms = _communities(seed, district)
        claims = ok(await gql(CLAIMS, {"id": district}), gql)["claimRates"]
        gaps = ok(await gql(GAPS, {"id": district}), gql)["coverageGaps"]
        roll = ok(await gql(ROLLUP, {"id": district}), gql)["rollup"]
        name = seed.nodes[district]["name"]
        # every roll-up counts the same communities, and AdminArea.communities lists exactly them
        assert claims["communityCount"] == gaps["communityCount"] == roll["communitiesTotal"] == len(comms), name
        assert await _area_communities(gql, district) == (len(comms), comms), name
        # the rows add up to the totals
        for key in CLAIM_COUNTS:
            assert _sum(claims["items"], key) == claims[key], (name, key)
        assert (_sum(gaps["groups"], "communityCount"), _sum(gaps["groups"], "gapCount")) == (gaps["communityCount"], gaps["gapCount"])
        for key in ADDITIVE_ROLLUP:
            assert _sum(roll["groups"], key) == roll[key], (name, key)
        for key in DISTINCT_UNITS:
            assert _sum(roll["groups"], key) >= roll[key], (name, key)
        kinds = {k: sum(next(x["count"] for x in g["agreementsByKind"] if x["agreementType"] == k) for g in roll["groups"])
                 for k in model.AGREEMENT_TYPES}
        assert kinds == {k["agreementType"]: k["count"] for k in roll["agreementsByKind"]}, name
        assert sum(kinds.values()) == roll["agreements"]
        # the same rows (street, town, or the district itself) in every roll-up, each a community's parent
        rows = {seed.parent[c] for c in comms}
        assert set(_rows(claims, "items", "street")) == set(_rows(roll, "groups", "area")) == \
            {g["street"]["id"] for g in gaps["groups"]} == rows, name
        per_row_comms = {r: sum(1 for c in comms if seed.parent[c] == r) for r in rows}
        assert {k: v["communityCount"] for k, v in _rows(claims, "items", "street").items()} == per_row_comms
        assert {k: v["communitiesTotal"] for k, v in _rows(roll, "groups", "area").items()} == per_row_comms


async def test_seed_a_street_answers_like_its_row(gql: GQL, seed: Seed) -> None:
    for district in _districts(seed):
        claims = ok(await gql(CLAIMS, {"id": district}), gql)["claimRates"]
        roll = ok(await gql(ROLLUP, {"id": district}), gql)["rollup"]
        for row_id, row in _rows(claims, "items", "street").items():
            if row_id == district:
                continue
            street = ok(await gql(CLAIMS, {"id": row_id}), gql)["claimRates"]
            assert {k: street[k] for k in CLAIM_COUNTS} == {k: row[k] for k in CLAIM_COUNTS}, row["street"]["name"]
            sroll = ok(await gql(ROLLUP, {"id": row_id}), gql)["rollup"]
            group = _rows(roll, "groups", "area")[row_id]
            assert {k: sroll[k] for k in (*ADDITIVE_ROLLUP, *DISTINCT_UNITS)} == {k: group[k] for k in (*ADDITIVE_ROLLUP, *DISTINCT_UNITS)}


async def test_seed_claim_rates_count_the_demands_of_communities_under_the_district(gql: GQL, seed: Seed) -> None:
    shuangliu = seed.by_name("AdminArea", "双流区")
    comms = _communities(seed, shuangliu)
    areas = {a for c in comms for a in seed.subtree(c, 2)}
    demands = {r["to"]: seed.nodes[r["to"]]["status"] for r in seed.rels["PUBLISHES"]
               if r["from"] in areas and seed.nodes[r["to"]]["_label"] == "Demand"}
    counted = {d for d, s in demands.items() if s not in ("DRAFT", "CANCELLED")}
    claims = ok(await gql(CLAIMS, {"id": shuangliu}), gql)["claimRates"]
    assert claims["demandsTotal"] == len(counted) == 42
    # the 11 demands of the communities directly under 双流区 (草坪社区, 长兴社区, and 花样年·别样城's
    # community) used to vanish from claimRates; they are the district's own row
    direct = {c for c in comms if seed.parent[c] == shuangliu}
    assert {seed.nodes[c]["name"] for c in direct} == {"草坪社区", "长兴社区", "花样年·别样城所在社区(未载明·合成)"}
    direct_demands = {r["to"] for r in seed.rels["PUBLISHES"] if r["from"] in {a for c in direct for a in seed.subtree(c, 2)}
                      and r["to"] in counted}
    row = _rows(claims, "items", "street")[shuangliu]
    assert row["demandsTotal"] == len(direct_demands) == 11 and row["communityCount"] == 3
    claimed = sum(1 for d in counted if demands[d] in ("CLAIMED", "IN_PROGRESS", "COMPLETED", "EVALUATED"))
    assert claims["demandsClaimed"] == claimed and claims["claimRate"] == round(claimed / len(counted), 4)


async def test_seed_haixin_compares_eleven_with_eleven(gql: GQL, seed: Seed) -> None:
    haixin = seed.by_name("AdminArea", "海信社区")
    roll = ok(await gql(ROLLUP, {"id": haixin}), gql)["rollup"]
    comp = {c["metric"]: c for c in roll["comparisons"]}
    co = comp["agreementsCoResidenceCoBuilding"]
    assert (co["agreementType"], co["graphValue"], co["reportedValue"], co["difference"]) == ("CO_RESIDENCE_CO_BUILDING", 11, 11.0, 0.0)
    assert "《共驻共建协议书》" in co["statistic"]["quote"]
    # its 发展协议 with the 红色联盟 merchants is another kind: counted, but compared with nothing
    by_kind = {k["agreementType"]: k["count"] for k in roll["agreementsByKind"]}
    assert by_kind == {"CO_RESIDENCE_CO_BUILDING": 11, "JOINT_BUILDING": 0, "PAIRING_RESPONSIBILITY": 0, "DEVELOPMENT": 1}
    assert roll["agreements"] == 12 and comp["agreements"]["reportedValue"] is None
    kinds = {r["to"]: seed.nodes[r["to"]]["agreementType"] for r in seed.rels["SIGNED"]
             if r["from"] == haixin and seed.nodes[r["to"]]["_label"] == "Agreement"}
    assert sum(1 for k in kinds.values() if k == "CO_RESIDENCE_CO_BUILDING") == 11


async def test_seed_huayangnian_pairing_belongs_to_a_community(gql: GQL, seed: Seed) -> None:
    compound = seed.by_name("AdminArea", "花样年·别样城")
    community = seed.parent[compound]
    assert seed.nodes[community]["level"] == "COMMUNITY" and seed.nodes[community]["synthetic"] is True
    d = ok(await gql("query($id: ID!) { communityCoBuilders(communityId: $id) { items { unit { name } via { id } } } }",
                     {"id": community}), gql)["communityCoBuilders"]
    assert d["items"] == [{"unit": {"name": "社区卫生服务中心(双流·花样年结对)"}, "via": [{"id": compound}]}]
    d = ok(await gql("query($id: ID!) { unitCommunities(unitId: $id) { communities { community { id } street { id } } } }",
                     {"id": seed.by_name("Unit", "社区卫生服务中心(双流·花样年结对)")}), gql)["unitCommunities"]
    assert d["communities"] == [{"community": {"id": community}, "street": {"id": seed.by_name("AdminArea", "双流区")}}]
