"""Issue 10: every relationship list under an entity is a connection (cursors, ``totalCount``,
``where``/``orderBy``, a defined default order), to-one relationships are plain fields, and the page
fields (community page, unit page, district dashboard) mean what their descriptions say.

Expectations on the seed network are computed from the seed files (``Seed`` of test_questions), never
typed in; the small networks are built here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.upsert import merge_rels, upsert_nodes
from tests.api.test_questions import Seed
from tests.client import GQL, serve

NOW = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)


def ok(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    return body["data"]


def code(body: dict[str, Any]) -> str:
    return body["errors"][0]["extensions"]["code"]


@pytest.fixture(scope="module")
def seed() -> Seed:
    return Seed()


async def walk(gql: GQL, query: str, path: list[str], first: int, variables: dict[str, Any]) -> tuple[list[dict[str, Any]], set[int]]:
    """Every edge of a nested connection, page by page (``$first``, ``$after``); the totalCounts seen."""
    seen: list[dict[str, Any]] = []
    totals: set[int] = set()
    after = None
    for _ in range(200):
        data = ok(await gql(query, {**variables, "first": first, "after": after}))
        assert gql.last_statements == 1
        conn = data
        for key in path:
            conn = conn[key]
        totals.add(conn["totalCount"])
        seen.extend(conn["edges"])
        assert len(conn["edges"]) <= first
        if not conn["pageInfo"]["hasNextPage"]:
            break
        assert conn["pageInfo"]["endCursor"] == conn["edges"][-1]["cursor"]
        after = conn["pageInfo"]["endCursor"]
    return seen, totals


# ---------------------------------------------------------------------------------------------
# Paging relationship lists on the seed network
# ---------------------------------------------------------------------------------------------
UNITS_WITHIN = """query($id: ID!, $first: Int!, $after: String) { adminArea(id: $id) {
  unitsLocatedWithin(first: $first, after: $after) { totalCount edges { cursor primary via { id } node { id name } }
    pageInfo { hasNextPage hasPreviousPage endCursor } } } }"""
STATISTICS = """query($id: ID!, $first: Int!, $after: String) { adminArea(id: $id) {
  statistics(first: $first, after: $after, orderBy: [{field: value, direction: DESC}]) { totalCount edges { cursor node { id value } }
    pageInfo { hasNextPage endCursor } } } }"""
MEMBERS = """query($id: ID!, $first: Int!, $after: String) { alliance(id: $id) {
  members(first: $first, after: $after) { totalCount edges { cursor role node { id name actorType } } pageInfo { hasNextPage endCursor } } } }"""


@pytest.mark.parametrize("first", [1, 3, 7, 100])
async def test_side_field_pages_walk_every_item_once(gql: GQL, seed: Seed, first: int) -> None:
    area = seed.by_name("AdminArea", "双流区")
    within = seed.subtree(area)
    expected = {r["from"] for r in seed.rels["LOCATED_IN"] if r["to"] in within and r["from"].startswith("unit:")}
    edges, totals = await walk(gql, UNITS_WITHIN, ["adminArea", "unitsLocatedWithin"], first, {"id": area})
    ids = [e["node"]["id"] for e in edges]
    assert len(ids) == len(set(ids)) and set(ids) == expected and totals == {len(expected)}
    # default order: name, then id
    names = [(e["node"]["name"] or "", e["node"]["id"]) for e in edges]
    assert names == sorted(names)
    for e in edges:  # via: the areas of the subtree the unit is located in
        assert e["via"] and {v["id"] for v in e["via"]} <= within


@pytest.mark.parametrize("first", [1, 4, 100])
async def test_relationship_pages_with_an_order_walk_every_item_once(gql: GQL, seed: Seed, first: int) -> None:
    area = seed.by_name("AdminArea", "双流区")
    expected = [r["to"] for r in seed.rels["HAS_STATISTIC"] if r["from"] == area]
    edges, totals = await walk(gql, STATISTICS, ["adminArea", "statistics"], first, {"id": area})
    got = [e["node"]["id"] for e in edges]
    assert sorted(got) == sorted(expected) and totals == {len(expected)}
    values = [(-e["node"]["value"], e["node"]["id"]) for e in edges]
    assert values == sorted(values)  # value descending, ties by id


async def test_actor_lists_page_too(gql: GQL, seed: Seed) -> None:
    al = "alliance:yt-red-alliance"
    expected = {r["from"] for r in seed.rels["BELONGS_TO"] if r["to"] == al}
    edges, totals = await walk(gql, MEMBERS, ["alliance", "members"], 7, {"id": al})
    assert {e["node"]["id"] for e in edges} == expected and totals == {len(expected)}
    assert {e["node"]["actorType"] for e in edges} <= {"UNIT", "PARTY_ORGANIZATION"}


async def test_cursors_belong_to_their_order(gql: GQL, seed: Seed) -> None:
    area = seed.by_name("AdminArea", "双流区")
    data = ok(await gql(UNITS_WITHIN, {"id": area, "first": 2, "after": None}))
    cursor = data["adminArea"]["unitsLocatedWithin"]["pageInfo"]["endCursor"]
    q = """query($id: ID!, $c: String) { adminArea(id: $id) {
      unitsLocatedWithin(after: $c, orderBy: [{field: unitType}]) { totalCount } } }"""
    assert code(await gql(q, {"id": area, "c": cursor})) == "VALIDATION"
    assert code(await gql(q, {"id": area, "c": "garbage"})) == "VALIDATION"


async def test_total_counts_the_filtered_list(gql: GQL, seed: Seed) -> None:
    area = seed.by_name("AdminArea", "双流区")
    within = seed.subtree(area)
    units = {r["from"] for r in seed.rels["LOCATED_IN"] if r["to"] in within and r["from"].startswith("unit:")}
    public = {u for u in units if seed.nodes[u].get("unitType") == "PUBLIC_INSTITUTION"}
    q = """query($id: ID!) { adminArea(id: $id) {
      all: unitsLocatedWithin(first: 1) { totalCount }
      public: unitsLocatedWithin(first: 1, where: {unitType: {eq: PUBLIC_INSTITUTION}}) { totalCount nodes { unitType } } } }"""
    d = ok(await gql(q, {"id": area}))["adminArea"]
    assert gql.last_statements == 1
    assert d["all"]["totalCount"] == len(units) and d["public"]["totalCount"] == len(public) > 0
    assert d["public"]["nodes"] == [{"unitType": "PUBLIC_INSTITUTION"}]


# ---------------------------------------------------------------------------------------------
# Page fields mean what their descriptions say (seed network)
# ---------------------------------------------------------------------------------------------
def community_side(seed: Seed, area: str) -> tuple[set[str], set[str]]:
    """(areas, party organisations) of an area's side: the area, the areas up to 4 levels below, their orgs."""
    areas = seed.subtree(area)
    return areas, {o for a in areas for o in seed.orgs_of.get(a, [])}


async def test_community_page_fields(gql: GQL, seed: Seed) -> None:
    area = seed.by_name("AdminArea", "紫东阁社区")
    areas, orgs = community_side(seed, area)
    side = areas | orgs
    q = """query($id: ID!) { adminArea(id: $id) {
      agreements(first: 100) { totalCount nodes { id } edges { via { id } } }
      demands(first: 100) { totalCount nodes { id } }
      resources(first: 100) { totalCount nodes { id } }
      projects(first: 100) { totalCount nodes { id } }
      pairings(first: 100) { totalCount nodes { id } }
      reportingMembers(first: 100) { totalCount edges { via { id } node { id } } }
      partTimeCommitteeMembers(first: 100) { totalCount edges { role node { id } } } } }"""
    d = ok(await gql(q, {"id": area}))["adminArea"]
    assert gql.last_statements == 1

    def ids(field: str) -> set[str]:
        assert d[field]["totalCount"] == len(d[field].get("nodes") or d[field].get("edges"))
        return {n["id"] for n in d[field]["nodes"]} if "nodes" in d[field] else {e["node"]["id"] for e in d[field]["edges"]}

    def out(rel: str, prefix: str, members: set[str]) -> set[str]:
        return {r["to"] for r in seed.rels[rel] if r["from"] in members and r["to"].startswith(prefix)}

    assert ids("agreements") == out("SIGNED", "agreement:", side) and ids("agreements")
    assert all({v["id"] for v in e["via"]} <= side for e in d["agreements"]["edges"])
    assert ids("demands") == out("PUBLISHES", "demand:", side) and ids("demands")
    assert ids("resources") == out("OFFERS", "resource:", side)
    pairings = out("PARTY_TO", "pairing:", side)
    assert ids("pairings") == pairings and pairings
    assert ids("projects") == {r["from"] for r in seed.rels["UNDER"] if r["to"] in pairings}
    assert ids("reportingMembers") == {r["from"] for r in seed.rels["REPORTS_TO"] if r["to"] in orgs and r["from"].startswith("person:")}
    assert all({v["id"] for v in e["via"]} <= orgs for e in d["reportingMembers"]["edges"])
    assert ids("partTimeCommitteeMembers") == {r["from"] for r in seed.rels["HOLDS_POSITION"]
                                               if r["to"] in orgs and r.get("role") == "PART_TIME_COMMITTEE_MEMBER"}
    assert {e["role"] for e in d["partTimeCommitteeMembers"]["edges"]} <= {"PART_TIME_COMMITTEE_MEMBER"}


async def test_district_dashboard_fields(gql: GQL, seed: Seed) -> None:
    for name in ("双流区", "烟台开发区"):
        area = seed.by_name("AdminArea", name)
        within = seed.subtree(area)
        communities = {a for a in within if seed.nodes[a].get("level") in ("COMMUNITY", "VILLAGE")}
        q = """query($id: ID!) { adminArea(id: $id) {
          communities(first: 100) { totalCount nodes { id level } }
          unitsLocatedWithin(first: 100) { totalCount nodes { id } } } }"""
        d = ok(await gql(q, {"id": area}))["adminArea"]
        assert {n["id"] for n in d["communities"]["nodes"]} == communities and communities
        assert d["communities"]["totalCount"] == len(communities)
        units = {r["from"] for r in seed.rels["LOCATED_IN"] if r["to"] in within and r["from"].startswith("unit:")}
        assert {n["id"] for n in d["unitsLocatedWithin"]["nodes"]} == units
    # a community's own `communities` is itself
    zid = seed.by_name("AdminArea", "紫东阁社区")
    d = ok(await gql('query($id: ID!) { adminArea(id: $id) { communities { nodes { id } } } }', {"id": zid}))
    assert d["adminArea"]["communities"]["nodes"] == [{"id": zid}]


async def test_unit_page_fields(gql: GQL, seed: Seed) -> None:
    unit = seed.by_name("Unit", "区第一人民医院")
    side = {unit, *seed.orgs_of.get(unit, [])}
    q = """query($id: ID!) { unit(id: $id) {
      communities { totalCount edges { via { id } node { id level } } }
      pairings(first: 100) { totalCount edges { side via { id } node { id } } }
      agreements(first: 100) { nodes { id } }
      claimedProjects(first: 100) { edges { mode via { id } node { id } } }
      partyOrganizations { nodes { id } }
      coBuildingAreas { nodes { id } } } }"""
    d = ok(await gql(q, {"id": unit}))["unit"]
    assert gql.last_statements == 1
    co_areas = {a for a, u, _p, _s in seed.co if u == unit}
    expected = set()
    for a in co_areas:
        cur = a
        for _ in range(3):
            if cur and seed.nodes[cur].get("level") in ("COMMUNITY", "VILLAGE"):
                expected.add(cur)
                break
            cur = seed.parent.get(cur)
    assert {e["node"]["id"] for e in d["communities"]["edges"]} == expected and expected
    for e in d["communities"]["edges"]:
        assert {v["id"] for v in e["via"]} <= co_areas
    assert {e["node"]["id"] for e in d["pairings"]["edges"]} == {r["to"] for r in seed.rels["PARTY_TO"] if r["from"] in side}
    assert {n["id"] for n in d["agreements"]["nodes"]} == {r["to"] for r in seed.rels["SIGNED"] if r["from"] in side}
    assert {e["node"]["id"] for e in d["claimedProjects"]["edges"]} == {
        r["to"] for r in seed.rels["CLAIMED"] if r["from"] in side and r["to"].startswith("project:")}
    assert {n["id"] for n in d["partyOrganizations"]["nodes"]} == set(seed.orgs_of.get(unit, []))
    assert {n["id"] for n in d["coBuildingAreas"]["nodes"]} == co_areas


# ---------------------------------------------------------------------------------------------
# To-one fields, several edges to one node, default orders (a small network)
# ---------------------------------------------------------------------------------------------
@pytest.fixture
async def small(engine: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    d = engine.dialect

    async def work(tx: Any) -> None:
        await tx.run(upsert_nodes(d, "AdminArea", [
            {"id": "area:a", "name": "甲", "level": "STREET"}, {"id": "area:b", "name": "乙", "level": "STREET"},
            {"id": "area:k", "name": "丙社区", "level": "COMMUNITY"}], NOW))
        await tx.run(upsert_nodes(d, "PartyOrganization", [{"id": "org:o", "name": "丙社区党委", "orgType": "COMMITTEE"}], NOW))
        await tx.run(upsert_nodes(d, "Person", [{"id": "person:x", "name": "王五"}], NOW))
        # two parents (the data breaks the tree): the to-one field answers the first by id
        await tx.run(merge_rels(d, "PART_OF", "AdminArea", "AdminArea", [
            {"from": "area:k", "to": "area:b", "confidence": "INFERRED"}, {"from": "area:k", "to": "area:a", "confidence": "STATED"}]))
        await tx.run(merge_rels(d, "HAS_PARTY_ORG", "AdminArea", "PartyOrganization", [{"from": "area:k", "to": "org:o"}]))
    await engine.write(work)

    async def positions(tx: Any) -> None:  # two positions of one person in one organisation: two items, one node
        for role, since in (("SECRETARY", dt.date(2020, 1, 1)), ("PART_TIME_COMMITTEE_MEMBER", dt.date(2021, 1, 1))):
            await tx.run(merge_rels(d, "HOLDS_POSITION", "Person", "PartyOrganization",
                                    [{"from": "person:x", "to": "org:o", "role": role, "since": since}], key="role"))
    await engine.write(positions)
    async with serve(engine, tmp_path) as client:
        yield client


async def test_to_one_fields_answer_the_first_by_id(small: GQL) -> None:
    q = """{ adminArea(id: "area:k") { parent { id } parentLink { confidence node { id } }
             partyOrganizations { nodes { owner { id name ... on AdminArea { level } } ownerLink { node { id } } } } }
           a: adminArea(id: "area:a") { parent { id } parentLink { confidence } } }"""
    d = ok(await small(q))
    assert small.last_statements == 2
    assert d["adminArea"]["parent"] == {"id": "area:a"}
    assert d["adminArea"]["parentLink"] == {"confidence": "STATED", "node": {"id": "area:a"}}
    org = d["adminArea"]["partyOrganizations"]["nodes"][0]
    assert org["owner"] == {"id": "area:k", "name": "丙社区", "level": "COMMUNITY"} and org["ownerLink"] == {"node": {"id": "area:k"}}
    assert d["a"] == {"parent": None, "parentLink": None}


async def test_two_relationships_to_one_node_are_two_items(small: GQL) -> None:
    q = """query($first: Int!, $after: String) { partyOrganization(id: "org:o") {
      positionHolders(first: $first, after: $after) { totalCount edges { cursor role since node { id } }
        pageInfo { hasNextPage endCursor } } } }"""
    edges, totals = await walk(small, q, ["partyOrganization", "positionHolders"], 1, {})
    assert totals == {2} and [e["node"]["id"] for e in edges] == ["person:x", "person:x"]
    assert sorted(e["role"] for e in edges) == ["PART_TIME_COMMITTEE_MEMBER", "SECRETARY"]
    assert len({e["cursor"] for e in edges}) == 2


async def test_default_orders_are_natural_then_id(small: GQL) -> None:
    d = ok(await small("{ adminAreas { nodes { id } } adminArea(id: \"area:k\") { parentLinks: parent { id } } }"))
    names = {"area:a": "甲", "area:b": "乙", "area:k": "丙社区"}
    assert [n["id"] for n in d["adminAreas"]["nodes"]] == sorted(names, key=lambda i: (names[i], i))
    d = ok(await small("{ adminAreas(orderBy: []) { nodes { id } } }"))  # an explicit empty order: by id
    assert [n["id"] for n in d["adminAreas"]["nodes"]] == sorted(names)


def test_interfaces_declare_every_field_their_types_share() -> None:
    """A field every implementation has with the same type lives on the interface, so a reference
    (``parties``, ``publisher``, ``owner`` …) needs no inline fragment for it; an Actor says what it is
    (``actorType``) and, for areas, its ``level``."""
    from graphql import GraphQLInterfaceType

    from cobuild.schema.root import build_schema

    schema = build_schema()._schema
    # Relay's Node keeps only `id` (every Node is also an Entity, which declares the rest)
    for iface in [t for t in schema.type_map.values() if isinstance(t, GraphQLInterfaceType) and t.name != "Node"]:
        impls = schema.get_possible_types(iface)
        shared = set.intersection(*({n for n in t.fields} for t in impls))
        same_type = {n for n in shared if len({str(t.fields[n].type) for t in impls}) == 1}
        assert same_type <= set(iface.fields), (iface.name, sorted(same_type - set(iface.fields)))
    actor = schema.type_map["Actor"]
    assert {"id", "name", "actorType", "level"} <= set(actor.fields)
    assert str(actor.fields["actorType"].type) == "ActorType!" and str(actor.fields["level"].type) == "AreaLevel"


async def test_actor_lists_match_once_and_mask_persons(gql: GQL, seed: Seed) -> None:
    """An Actor list asking only what every actor has is one unlabeled match in the statement; a
    person's name in it is masked for a credential not entitled to it, an organisation's is not."""
    claimed = [r for r in seed.rels["CLAIMED"] if r["from"].startswith("person:") and r["to"].startswith("wish:")]
    wish = claimed[0]["to"]
    q = """query($id: ID!) { microWish(id: $id) { claimants { totalCount edges { role node { id name actorType level } } } } }"""
    texts: list[str] = []
    original = gql.engine.run

    async def spy(stmt: Any, mode: str = "read", **kw: Any) -> Any:
        texts.append(stmt.text)
        return await original(stmt, mode, **kw)

    gql.engine.run = spy  # type: ignore[method-assign]
    try:
        anon = ok(await gql(q, {"id": wish}, anonymous=True))["microWish"]["claimants"]
        admin = ok(await gql(q, {"id": wish}))["microWish"]["claimants"]
    finally:
        gql.engine.run = original  # type: ignore[method-assign]
    assert texts[0].count("-[e") == 1 and "`CLAIMED`]-(n" in texts[0]  # one match for four possible labels
    expected = {r["from"] for r in seed.rels["CLAIMED"] if r["to"] == wish}
    assert {e["node"]["id"] for e in admin["edges"]} == expected and admin["totalCount"] == len(expected)
    for a, b in zip(anon["edges"], admin["edges"]):
        assert a["node"]["id"] == b["node"]["id"]
        if a["node"]["actorType"] == "PERSON":
            assert a["node"]["name"] == "***" and b["node"]["name"] not in (None, "***")
        else:
            assert a["node"]["name"] == b["node"]["name"]
    assert {e["node"]["actorType"] for e in admin["edges"]} >= {"PERSON"}
