"""Entity types, connections, filters and the one-statement rule, through the real app.

Most tests run on a small network built here (``net``) so expected answers are computed from the
rows below; the last ones run on the seed network (``gql``) and read names from the YAML files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from cobuild.graph.derive import rederive
from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.upsert import merge_rels, upsert_nodes
from tests.client import GQL, serve

NOW = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
SECTORS = ["医疗", "教育", "酒店", None]
N_UNITS = 27

AREAS = [
    {"id": "area:d", "name": "成华区", "level": "DISTRICT"},
    {"id": "area:s1", "name": "双桥子街道", "level": "STREET"},
    {"id": "area:s2", "name": "猛追湾街道", "level": "STREET"},
    {"id": "area:c1", "name": "海信社区", "level": "COMMUNITY", "communityType": "URBAN", "populationResident": 12000},
    {"id": "area:c2", "name": "紫东阁社区", "level": "COMMUNITY", "communityType": "URBAN", "populationResident": 8000},
    {"id": "area:c3", "name": "望平社区", "level": "COMMUNITY", "communityType": "AGRI_RELATED"},
]
PART_OF = [("area:s1", "area:d"), ("area:s2", "area:d"), ("area:c1", "area:s1"), ("area:c2", "area:s2"), ("area:c3", "area:s2")]


def unit_rows() -> list[dict[str, Any]]:
    rows = []
    for i in range(N_UNITS):
        rows.append({
            "id": f"unit:u{i:02d}",
            "name": f"单位{i:02d}" if i != 3 else "区第一人民医院",
            "unitType": "PUBLIC_INSTITUTION" if i % 3 == 0 else "NON_PUBLIC_ENTERPRISE",
            "sector": SECTORS[i % 4],
            "aliases": ["医院"] if i == 3 else None,
            "validFrom": dt.date(2020, 1, 1) + dt.timedelta(days=30 * i),
        })
    return rows


def located(i: int) -> str:
    return ["area:c1", "area:c2", "area:c3"][i % 3]


async def build(engine: GraphEngine) -> None:
    d = engine.dialect

    async def work(tx: Any) -> None:
        await tx.run(upsert_nodes(d, "AdminArea", AREAS, NOW))
        await tx.run(upsert_nodes(d, "Unit", unit_rows(), NOW))
        await tx.run(upsert_nodes(d, "PartyOrganization", [
            {"id": "org:c1", "name": "海信社区党委", "orgType": "COMMITTEE"},
            {"id": "org:u03", "name": "区第一人民医院党委", "orgType": "COMMITTEE"},
        ], NOW))
        pairings = [{"id": f"pairing:p{i}", "name": f"结对{i}", "pairingType": "CO_BUILDING", "status": "ACTIVE",
                     "since": dt.date(2021, 1, 1) + dt.timedelta(days=i)} for i in range(4)]
        await tx.run(upsert_nodes(d, "Pairing", pairings, NOW))
        await tx.run(merge_rels(d, "PART_OF", "AdminArea", "AdminArea", [{"from": a, "to": b, "confidence": "STATED"} for a, b in PART_OF]))
        await tx.run(merge_rels(d, "LOCATED_IN", "Unit", "AdminArea",
                                [{"from": f"unit:u{i:02d}", "to": located(i), "primary": True} for i in range(N_UNITS)]))
        await tx.run(merge_rels(d, "HAS_PARTY_ORG", "AdminArea", "PartyOrganization", [{"from": "area:c1", "to": "org:c1"}]))
        await tx.run(merge_rels(d, "HAS_PARTY_ORG", "Unit", "PartyOrganization", [{"from": "unit:u03", "to": "org:u03"}]))
        # 海信社区 (c1) pairs with u03, u04, u05; 紫东阁社区 (c2) with u03
        hosts = [("area:c1", "pairing:p0"), ("area:c1", "pairing:p1"), ("area:c1", "pairing:p2"), ("area:c2", "pairing:p3")]
        partners = [("unit:u03", "pairing:p0"), ("unit:u04", "pairing:p1"), ("unit:u05", "pairing:p2"), ("unit:u03", "pairing:p3")]
        await tx.run(merge_rels(d, "PARTY_TO", "AdminArea", "Pairing", [{"from": a, "to": p, "side": "HOST"} for a, p in hosts]))
        await tx.run(merge_rels(d, "PARTY_TO", "Unit", "Pairing", [{"from": u, "to": p, "side": "PARTNER"} for u, p in partners]))
        await rederive(tx, d, [p["id"] for p in pairings])

    await engine.write(work)


Client = GQL


@pytest.fixture
async def net(engine: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    await build(engine)
    async with serve(engine, tmp_path) as client:
        yield client


def ok(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    return body["data"]


def code(body: dict[str, Any]) -> str:
    return body["errors"][0]["extensions"]["code"]


async def unit_ids(net: Client, where: str) -> list[str]:
    data = ok(await net(f"{{ units(first: 100, where: {where}) {{ nodes {{ id }} }} }}"))
    return sorted(n["id"] for n in data["units"]["nodes"])


def ids_where(pred: Any) -> list[str]:
    return sorted(r["id"] for i, r in enumerate(unit_rows()) if pred(i, r))


# ---------------------------------------------------------------------------------------------
# Nested selections, one statement
# ---------------------------------------------------------------------------------------------


async def test_nested_units_one_statement(net: Client) -> None:
    q = """{ units(first: 5, orderBy: [{field: name}]) {
        totalCount
        edges { cursor node { name
          locatedInAreas { edges { primary node { __typename name level parentLink { confidence node { name } } } } }
        } } } }"""
    data = ok(await net(q))
    assert net.last_statements == 1
    conn = data["units"]
    assert conn["totalCount"] == N_UNITS
    names = [e["node"]["name"] for e in conn["edges"]]
    assert names == sorted(r["name"] for r in unit_rows())[:5]
    first = conn["edges"][0]["node"]
    i = int([r for r in unit_rows() if r["name"] == first["name"]][0]["id"][-2:])
    loc = first["locatedInAreas"]["edges"]
    assert len(loc) == 1 and loc[0]["primary"] is True and loc[0]["node"]["__typename"] == "AdminArea"
    area = next(a for a in AREAS if a["id"] == located(i))
    assert loc[0]["node"]["name"] == area["name"] and loc[0]["node"]["level"] == "COMMUNITY"
    parent = next(b for a, b in PART_OF if a == area["id"])
    assert loc[0]["node"]["parentLink"] == {"confidence": "STATED", "node": {"name": next(a["name"] for a in AREAS if a["id"] == parent)}}


async def test_node_co_builds_one_statement(net: Client) -> None:
    q = """query($id: ID!) { node(id: $id) { id ... on AdminArea { name
        coBuildingUnits(orderBy: [{field: name}]) { edges { pairingId status node { name partyOrganizations { nodes { name } }
            coBuildingAreas { nodes { name } } } } }
        children { nodes { id } } } } }"""
    data = ok(await net(q, {"id": "area:c1"}))
    assert net.last_statements == 1
    node = data["node"]
    assert node["name"] == "海信社区"
    partners = [e["node"]["name"] for e in node["coBuildingUnits"]["edges"]]
    assert partners == sorted(["区第一人民医院", "单位04", "单位05"])
    hospital = next(e for e in node["coBuildingUnits"]["edges"] if e["node"]["name"] == "区第一人民医院")
    assert hospital["pairingId"] == "pairing:p0" and hospital["status"] == "ACTIVE"
    assert hospital["node"]["partyOrganizations"] == {"nodes": [{"name": "区第一人民医院党委"}]}
    assert sorted(e["name"] for e in hospital["node"]["coBuildingAreas"]["nodes"]) == ["海信社区", "紫东阁社区"]
    assert node["children"] == {"nodes": []}


async def test_aliases_fragments_and_directives(net: Client) -> None:
    q = """query($skip: Boolean!) { adminArea(id: "area:s2") {
        ...F
        kids: children(orderBy: [{field: name, direction: DESC}], first: 1) { nodes { name } }
        all: children { nodes { name } }
        gone: children @skip(if: $skip) { nodes { name } }
        level @include(if: false)
      } }
      fragment F on Entity { name }"""
    data = ok(await net(q, {"skip": True}))
    assert net.last_statements == 1
    a = data["adminArea"]
    kids = sorted([x["name"] for x in AREAS if x["id"] in ("area:c2", "area:c3")])
    assert a["name"] == "猛追湾街道"
    assert [k["name"] for k in a["kids"]["nodes"]] == [max(kids)]
    assert sorted(k["name"] for k in a["all"]["nodes"]) == kids
    assert "gone" not in a and "level" not in a


async def test_nested_where(net: Client) -> None:
    q = """{ adminArea(id: "area:c1") { coBuildingUnits(where: {unitType: {eq: PUBLIC_INSTITUTION}}) { totalCount nodes { id unitType } } } }"""
    data = ok(await net(q))
    got = sorted(e["id"] for e in data["adminArea"]["coBuildingUnits"]["nodes"])
    assert data["adminArea"]["coBuildingUnits"]["totalCount"] == len(got)
    assert got == sorted(u for u in ["unit:u03", "unit:u04", "unit:u05"] if int(u[-2:]) % 3 == 0)


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------


async def test_string_operators(net: Client) -> None:
    assert await unit_ids(net, '{name: {eq: "区第一人民医院"}}') == ["unit:u03"]
    assert await unit_ids(net, '{name: {in: ["单位01", "单位02", "不存在"]}}') == ["unit:u01", "unit:u02"]
    assert await unit_ids(net, '{name: {contains: "医院"}}') == ["unit:u03"]
    assert await unit_ids(net, '{name: {startsWith: "单位1"}}') == ids_where(lambda i, r: r["name"].startswith("单位1"))
    assert await unit_ids(net, "{sector: {isNull: true}}") == ids_where(lambda i, r: r["sector"] is None)
    assert await unit_ids(net, '{sector: {ne: "医疗"}}') == ids_where(lambda i, r: r["sector"] != "医疗")
    assert await unit_ids(net, '{aliases: {includes: "医院"}}') == ["unit:u03"]
    assert await unit_ids(net, '{aliases: {includesAny: ["x", "医院"]}}') == ["unit:u03"]
    assert await unit_ids(net, "{name: {in: []}}") == []
    assert await unit_ids(net, "{NOT: {name: {in: []}}}") == ids_where(lambda i, r: True)


async def test_enum_date_and_range_operators(net: Client) -> None:
    assert await unit_ids(net, "{unitType: {eq: PUBLIC_INSTITUTION}}") == ids_where(lambda i, r: i % 3 == 0)
    assert await unit_ids(net, '{validFrom: {gte: "2021-01-01", lt: "2022-01-01"}}') == ids_where(
        lambda i, r: dt.date(2021, 1, 1) <= r["validFrom"] < dt.date(2022, 1, 1))
    data = ok(await net("{ adminAreas(where: {populationResident: {gt: 9000}}) { nodes { id } } }"))
    assert [n["id"] for n in data["adminAreas"]["nodes"]] == ["area:c1"]
    data = ok(await net("{ adminAreas(where: {populationResident: {lte: 9000}}) { nodes { id } } }"))
    assert [n["id"] for n in data["adminAreas"]["nodes"]] == ["area:c2"]


async def test_and_or_not(net: Client) -> None:
    got = await unit_ids(net, '{AND: [{unitType: {eq: PUBLIC_INSTITUTION}}, {sector: {eq: "医疗"}}]}')
    assert got == ids_where(lambda i, r: i % 3 == 0 and r["sector"] == "医疗")
    got = await unit_ids(net, '{OR: [{name: {eq: "单位01"}}, {sector: {eq: "酒店"}}]}')
    assert got == ids_where(lambda i, r: r["name"] == "单位01" or r["sector"] == "酒店")
    got = await unit_ids(net, "{NOT: {unitType: {eq: PUBLIC_INSTITUTION}}}")
    assert got == ids_where(lambda i, r: i % 3 != 0)


async def test_relationship_some_none(net: Client) -> None:
    got = await unit_ids(net, '{locatedInAreas_some: {name: {eq: "海信社区"}}}')
    assert got == ids_where(lambda i, r: located(i) == "area:c1")
    got = await unit_ids(net, '{coBuildingAreas_some: {name: {eq: "紫东阁社区"}}}')
    assert got == ["unit:u03"]
    got = await unit_ids(net, "{coBuildingAreas_none: {}}")
    assert got == ids_where(lambda i, r: r["id"] not in ("unit:u03", "unit:u04", "unit:u05"))
    data = ok(await net('{ adminAreas(where: {parent_some: {name: {eq: "猛追湾街道"}}}) { nodes { id } totalCount } }'))
    assert sorted(n["id"] for n in data["adminAreas"]["nodes"]) == ["area:c2", "area:c3"]
    assert data["adminAreas"]["totalCount"] == 2
    assert net.last_statements == 1


async def test_injection_attempt_is_just_a_value(net: Client) -> None:
    evil = "x'}) MATCH (n) DETACH DELETE n //` \" \\"
    body = await net("query($v: String!) { units(where: {name: {eq: $v}}) { nodes { id } totalCount } }", {"v": evil})
    assert ok(body)["units"] == {"nodes": [], "totalCount": 0}
    body = await net('{ units(where: {name: {contains: "\') DETACH DELETE n"}}) { totalCount } }')
    assert ok(body)["units"]["totalCount"] == 0
    assert ok(await net("{ units { totalCount } }"))["units"]["totalCount"] == N_UNITS


# ---------------------------------------------------------------------------------------------
# Pagination and ordering
# ---------------------------------------------------------------------------------------------


async def walk(net: Client, order: str, first: int, where: str = "{}") -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    after = None
    for _ in range(50):
        q = """query($after: String, $first: Int!) { units(first: $first, after: $after, where: %s, orderBy: %s) {
            edges { cursor node { id name sector validFrom } } pageInfo { hasNextPage endCursor } } }""" % (where, order)
        data = ok(await net(q, {"after": after, "first": first}))["units"]
        seen.extend(e["node"] for e in data["edges"])
        if not data["pageInfo"]["hasNextPage"]:
            break
        assert data["pageInfo"]["endCursor"] == data["edges"][-1]["cursor"]
        after = data["pageInfo"]["endCursor"]
    return seen


@pytest.mark.parametrize("order,key", [
    ("[]", lambda r: r["id"]),
    ("[{field: name}]", lambda r: (r["name"], r["id"])),
    ("[{field: name, direction: DESC}]", None),
    ("[{field: sector}, {field: validFrom, direction: DESC}]", None),
])
async def test_pages_have_no_duplicates_or_gaps(net: Client, order: str, key: Any) -> None:
    full = ok(await net("{ units(first: 100, orderBy: %s) { nodes { id name sector validFrom } } }" % order))["units"]["nodes"]
    assert len(full) == N_UNITS
    if key is not None:
        assert [r["id"] for r in full] == [r["id"] for r in sorted(full, key=key)]
    for size in (1, 4, 10):
        pages = await walk(net, order, size)
        assert [r["id"] for r in pages] == [r["id"] for r in full]


async def test_desc_order_and_nulls(net: Client) -> None:
    full = ok(await net("{ units(first: 100, orderBy: [{field: sector, direction: DESC}]) { nodes { id sector } } }"))["units"]["nodes"]
    sectors = [r["sector"] for r in full]
    nulls = sectors.count(None)
    assert sectors[:nulls] == [None] * nulls  # DESC puts NULLs first, as Cypher does
    assert sectors[nulls:] == sorted(sectors[nulls:], reverse=True)


async def test_first_limits_and_bad_cursor(net: Client) -> None:
    assert code(await net("{ units(first: 101) { nodes { id } } }")) == "VALIDATION"
    assert code(await net("{ units(first: -1) { nodes { id } } }")) == "VALIDATION"
    assert code(await net('{ adminArea(id: "area:c1") { coBuildingUnits(first: 500) { nodes { id } } } }')) == "VALIDATION"
    assert code(await net('{ units(after: "not-a-cursor") { nodes { id } } }')) == "VALIDATION"
    data = ok(await net("{ units { nodes { id } pageInfo { hasNextPage } } }"))["units"]
    assert len(data["nodes"]) == 20 and data["pageInfo"]["hasNextPage"] is True
    cur = ok(await net("{ units(first: 2, orderBy: []) { pageInfo { endCursor } } }"))["units"]["pageInfo"]["endCursor"]
    # a cursor made for another order is refused, not misread
    assert code(await net('query($c: String) { units(after: $c, orderBy: [{field: name}]) { nodes { id } } }', {"c": cur})) == "VALIDATION"


async def test_total_count_only_when_selected(net: Client) -> None:
    texts: list[str] = []
    original = net.engine.run

    async def spy(stmt: Any, mode: str = "read", **kw: Any) -> Any:
        texts.append(stmt.text)
        return await original(stmt, mode, **kw)

    net.engine.run = spy  # type: ignore[method-assign]
    try:
        ok(await net("{ units { nodes { id } } }"))
        ok(await net("{ units { totalCount } }"))
    finally:
        net.engine.run = original  # type: ignore[method-assign]
    assert "count(" not in texts[0] and "AS total" not in texts[0] and "AS total" in texts[1]


# ---------------------------------------------------------------------------------------------
# node(id) and lookups
# ---------------------------------------------------------------------------------------------


async def test_node_lookup_errors(net: Client) -> None:
    assert code(await net('{ node(id: "unit:nope") { id } }')) == "NOT_FOUND"
    assert code(await net('{ node(id: "nolabel:x") { id } }')) == "NOT_FOUND"
    assert code(await net('{ node(id: "garbage") { id } }')) == "VALIDATION"
    assert code(await net('{ unit(id: "area:c1") { id } }')) == "NOT_FOUND"
    data = ok(await net('{ node(id: "unit:u03") { __typename id ... on Actor { name } ... on Unit { unitType sector } } }'))
    assert data["node"] == {"__typename": "Unit", "id": "unit:u03", "name": "区第一人民医院", "unitType": "PUBLIC_INSTITUTION", "sector": unit_rows()[3]["sector"]}
    assert net.last_statements == 1


async def test_pairing_parties(net: Client) -> None:
    q = """{ pairings(orderBy: [{field: since}]) { nodes { id since
        parties(orderBy: [{field: name}]) { edges { side node { __typename id name actorType } } } } } }"""
    data = ok(await net(q))
    assert net.last_statements == 1
    p0 = data["pairings"]["nodes"][0]
    assert p0["id"] == "pairing:p0" and p0["since"] == "2021-01-01"
    parties = p0["parties"]["edges"]
    assert [(e["side"], e["node"]["id"]) for e in parties] == [("PARTNER", "unit:u03"), ("HOST", "area:c1")]
    assert {e["node"]["__typename"] for e in parties} == {"Unit", "AdminArea"}
    assert {e["node"]["actorType"] for e in parties} == {"UNIT", "AREA"}


# ---------------------------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------------------------


def test_every_type_and_field_is_bilingual() -> None:
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType

    from cobuild.graph import model
    from cobuild.schema.root import build_schema
    from cobuild.graph.naming import list_field

    schema = build_schema()._schema
    missing = []
    for tname, t in schema.type_map.items():
        if tname.startswith("__") or not isinstance(
            t, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType, GraphQLEnumType, GraphQLUnionType)
        ):
            continue
        if not _bilingual(t.description) and tname not in ("Query", "Mutation"):  # roots: schema/__init__, part E
            missing.append(tname)
        for fname, f in getattr(t, "fields", {}).items():
            if not _bilingual(f.description):
                missing.append(f"{tname}.{fname}")
            for aname, a in getattr(f, "args", {}).items():
                if not _bilingual(a.description):
                    missing.append(f"{tname}.{fname}({aname})")
    for tname in ("Query", "Mutation"):  # other parts own these roots' other fields
        missing = [m for m in missing if not m.startswith(tname + ".") or m.split(".")[1].split("(")[0] in _entity_roots()]
    assert not missing, missing
    query = schema.query_type.fields
    for lab in model.LABELS:
        assert lab.name in schema.type_map
        assert list_field(lab.name) in query
    assert "node" in query and "units" in query and "adminAreas" in query


def _entity_roots() -> set[str]:
    from cobuild.schema.entities import EntityQuery

    return {f.graphql_name or f.python_name for f in EntityQuery.__strawberry_definition__.fields}


def _bilingual(text: str | None) -> bool:
    if not text or " / " not in text:
        return False
    return any("\u4e00" <= ch <= "\u9fff" for ch in text) and any(ch.isascii() and ch.isalpha() for ch in text)


async def test_sibling_and_deep_nesting(net: Client) -> None:
    q = """{ adminArea(id: "area:d") { name
        children(first: 3, orderBy: [{field: name}]) { nodes { name
            children(first: 3, orderBy: [{field: name}]) { nodes { name
                unitsLocatedHere(first: 2, orderBy: [{field: name}]) { nodes { id coBuildingAreas(first: 3) { nodes { name } } } }
                partyOrganizations(first: 1) { nodes { name } }
                parent { name parent { name } } } }
            parent { name } } }
        partyOrganizations(first: 1) { nodes { id } } } }"""
    data = ok(await net(q))
    assert net.last_statements == 1
    d = data["adminArea"]
    assert d["partyOrganizations"] == {"nodes": []}
    streets = d["children"]["nodes"]
    assert [s["name"] for s in streets] == sorted(["双桥子街道", "猛追湾街道"])
    for s in streets:
        assert s["parent"] == {"name": "成华区"}
        for node in s["children"]["nodes"]:
            assert node["parent"] == {"name": s["name"], "parent": {"name": "成华区"}}
            area_id = next(a["id"] for a in AREAS if a["name"] == node["name"])
            expected = sorted((r["name"], r["id"]) for i, r in enumerate(unit_rows()) if located(i) == area_id)[:2]
            assert [e["id"] for e in node["unitsLocatedHere"]["nodes"]] == [x[1] for x in expected]
    c1 = next(c for s in streets for c in s["children"]["nodes"] if c["name"] == "海信社区")
    assert c1["partyOrganizations"] == {"nodes": [{"name": "海信社区党委"}]}
    hospital = [e for e in c1["unitsLocatedHere"]["nodes"] if e["id"] == "unit:u03"]
    assert hospital and sorted(x["name"] for x in hospital[0]["coBuildingAreas"]["nodes"]) == ["海信社区", "紫东阁社区"]


# ---------------------------------------------------------------------------------------------
# On the seed network (names and ids read from the seed files, not hard-coded)
# ---------------------------------------------------------------------------------------------


def seed() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    import yaml

    from cobuild.seeds.load import DATA_DIR

    nodes: list[dict[str, Any]] = []
    rels: list[dict[str, Any]] = []
    for path in sorted(DATA_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        nodes.extend(doc.get("nodes") or [])
        rels.extend(doc.get("rels") or [])
    return nodes, rels


def seed_id(label: str, name: str) -> str:
    nodes, _ = seed()
    found = [n["id"] for n in nodes if n.get("label") == label and n.get("name") == name]
    assert len(found) == 1, (label, name, found)
    return found[0]


def seed_partner_units(area_id: str) -> set[str]:
    _, rels = seed()
    hosted = {r["to"] for r in rels if r["type"] == "PARTY_TO" and r["from"] == area_id and r.get("side") == "HOST"}
    return {r["from"] for r in rels if r["type"] == "PARTY_TO" and r["to"] in hosted
            and r.get("side") == "PARTNER" and r["from"].startswith("unit:")}


@pytest.mark.read_only
async def test_seed_zidongge_and_first_hospital(gql: Any) -> None:
    area, hospital = seed_id("AdminArea", "紫东阁社区"), seed_id("Unit", "区第一人民医院")
    q = """query($a: ID!, $u: ID!) {
        area: node(id: $a) { ... on AdminArea { name coBuildingUnits(first: 100) { edges { pairingId since node { id name } } } } }
        unit(id: $u) { name coBuildingAreas(first: 100) { nodes { id name } } } }"""
    data = ok(await gql(q, {"a": area, "u": hospital}))
    assert gql.last_statements == 2  # one per root field
    assert hospital in {e["node"]["id"] for e in data["area"]["coBuildingUnits"]["edges"]}
    assert area in {e["id"] for e in data["unit"]["coBuildingAreas"]["nodes"]}


@pytest.mark.read_only
async def test_seed_haixin_has_eleven_partners(gql: Any) -> None:
    area = seed_id("AdminArea", "海信社区")
    expected = seed_partner_units(area)
    assert len(expected) == 11  # the article's number, as the seed files encode it
    q = """query($a: ID!) { adminArea(id: $a) { coBuildingUnits(first: 100) { totalCount nodes { id } } } }"""
    data = ok(await gql(q, {"a": area}))
    assert {e["id"] for e in data["adminArea"]["coBuildingUnits"]["nodes"]} == expected
    got = ok(await gql('query($n: String!) { units(first: 100, where: {coBuildingAreas_some: {name: {eq: $n}}}) { totalCount nodes { id } } }',
                       {"n": "海信社区"}))["units"]
    assert got["totalCount"] == 11 and {n["id"] for n in got["nodes"]} == expected


@pytest.mark.read_only
async def test_seed_brief_examples_are_one_statement(gql: Any) -> None:
    q1 = """{ units(first: 5) { edges { node { name locatedInAreas(first: 3) { nodes { name parent { name } } } } } totalCount } }"""
    data = ok(await gql(q1))
    assert gql.last_statements == 1 and len(data["units"]["edges"]) == 5
    nodes, _ = seed()
    assert data["units"]["totalCount"] == sum(1 for n in nodes if n.get("label") == "Unit")
    area = seed_id("AdminArea", "海信社区")
    q2 = """query($id: ID!) { node(id: $id) { ... on AdminArea { coBuildingUnits(first: 20) { nodes { name partyOrganizations(first: 2) { nodes { name } } } } } } }"""
    data = ok(await gql(q2, {"id": area}))
    assert gql.last_statements == 1 and len(data["node"]["coBuildingUnits"]["nodes"]) == 11


@pytest.mark.read_only
async def test_seed_pagination_matches_full_order(gql: Any) -> None:
    nodes, _ = seed()
    units = [n for n in nodes if n.get("label") == "Unit"]
    expected = [u["id"] for u in sorted(units, key=lambda u: (u["name"], u["id"]))]
    got: list[str] = []
    after = None
    while True:
        q = """query($after: String) { units(first: 40, after: $after, orderBy: [{field: name}]) {
            nodes { id } pageInfo { hasNextPage endCursor } } }"""
        page = ok(await gql(q, {"after": after}))["units"]
        got.extend(n["id"] for n in page["nodes"])
        assert gql.last_statements == 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert got == expected


async def test_filters_and_order_from_variables(net: Client) -> None:
    q = """query($w: UnitWhere, $o: [UnitOrder!], $n: Int!) { units(first: $n, where: $w, orderBy: $o) {
        nodes { id validFrom locatedInAreas(first: $n) { nodes { id } } } } }"""
    w = {"unitType": {"eq": "PUBLIC_INSTITUTION"}, "validFrom": {"gte": "2020-06-01"},
         "OR": [{"locatedInAreas_some": {"name": {"eq": "海信社区"}}}, {"sector": {"isNull": True}}]}
    data = ok(await net(q, {"w": w, "o": [{"field": "validFrom", "direction": "DESC"}], "n": 50}))
    got = [n["id"] for n in data["units"]["nodes"]]
    rows = [r for i, r in enumerate(unit_rows()) if i % 3 == 0 and r["validFrom"] >= dt.date(2020, 6, 1)
            and (located(i) == "area:c1" or r["sector"] is None)]
    assert got == [r["id"] for r in sorted(rows, key=lambda r: r["validFrom"], reverse=True)]
    assert code(await net("query($n: Int!) { units(first: $n) { nodes { id } } }", {"n": 101})) == "VALIDATION"


# docs/entities.md's examples run in tests/test_docs.py (every example of README.md and docs/).
