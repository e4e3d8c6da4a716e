"""The authorization matrix (issue #4 §2): each role × own area / other area × read / write, on the
seed network through the real app.

* read  — an evaluation (a scoped record) is listed, and a person's name comes back unmasked;
* write — ``publishDemand`` as a community or unit (``upsertUnits`` for partners).

Scopes are compiled into the one statement of each root field; a refused write changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from cobuild.auth.access import MASK
from cobuild.graph.cypher import Statement

EVALS = "query { evaluations(first: 100) { nodes { id } } }"
PERSON = "query($id: ID!) { person(id: $id) { id name phone } }"
PUBLISH = """mutation($p: ID!, $c: [ID!]!) {
  publishDemand(input: {publisherId: $p, name: "矩阵测试需求", categoryIds: $c}) { demand { id } } }"""
UPSERT = """mutation($r: String!) {
  upsertUnits(partner: "matrix", items: [{externalId: "m-1", name: "矩阵测试单位", unitType: SOE, regionId: $r}]) { created } }"""


@dataclass
class World:
    """Two sides of the seed network in different districts: ``own`` and ``other``."""

    district: dict[str, str]
    street: dict[str, str]
    community: dict[str, str]
    unit: dict[str, str]  # a unit that gave an evaluation
    evaluation: dict[str, str]  # … that evaluation
    person: dict[str, str]  # a person living in the community
    category: str


async def _world(engine: Any) -> World:
    async def q(text: str) -> list[dict[str, Any]]:
        return await engine.run(Statement(text))

    levels = {r["id"]: r["level"] for r in await q("MATCH (a:`AdminArea`) RETURN a.`id` AS id, a.`level` AS level")}
    persons = await q("MATCH (p:`Person`) RETURN p.`id` AS id, p.`areaPath` AS path ORDER BY id")
    units = await q("MATCH (u:`Unit`) RETURN u.`id` AS id, u.`areaPath` AS path ORDER BY id")
    evals = await q("MATCH (g)-[:`GAVE`]->(e:`Evaluation`) RETURN g.`id` AS giver, e.`id` AS eval, e.`areaPath` AS path "
                    "ORDER BY eval")

    def levelled(path: list[str]) -> dict[str, str]:
        return {("STREET" if levels.get(a) == "TOWN" else levels.get(a)): a for a in path or []}

    def person_in(area: str) -> str | None:
        return next((p["id"] for p in persons if area in (p["path"] or [])), None)

    own = None
    for r in evals:
        lv = levelled(r["path"])
        if r["giver"].startswith("unit:") and {"COMMUNITY", "STREET", "DISTRICT"} <= lv.keys() and person_in(lv["COMMUNITY"]):
            own = {"district": lv["DISTRICT"], "street": lv["STREET"], "community": lv["COMMUNITY"], "unit": r["giver"],
                   "evaluation": r["eval"], "person": person_in(lv["COMMUNITY"])}
            break
    assert own is not None, "the seed network should have an evaluation given by a unit in a community"
    other = None
    for r in evals:
        lv = levelled(r["path"])
        d = lv.get("DISTRICT")
        unit = next((u["id"] for u in units if d in (u["path"] or [])), None)
        if d and d != own["district"] and person_in(d) and unit:
            other = {"district": d, "street": lv.get("STREET", d), "community": (r["path"] or [d])[0], "unit": unit,
                     "evaluation": r["eval"], "person": person_in(d)}
            break
    assert other is not None, "the seed network should have evaluations in a second district"
    cat = (await q("MATCH (c:`Category`) RETURN c.`id` AS id ORDER BY id LIMIT 1"))[0]["id"]
    return World(**{k: {"own": own[k], "other": other[k]} for k in own}, category=cat)


def _grant(role: str, w: World) -> dict[str, Any]:
    """The key a role gets for the ``own`` side."""
    return {
        "admin": {}, "analyst": {}, "anonymous": None,
        "district": {"areas": (w.district["own"],)},
        "street": {"areas": (w.street["own"],)},
        "community": {"areas": (w.community["own"],)},
        "partner": {"areas": (w.district["own"],)},
        "unit": {"unit": w.unit["own"]},
    }[role]


# role → (evaluation visible own, other), (name unmasked own, other), (write own, other)
MATRIX: dict[str, tuple[tuple[bool, bool], tuple[bool, bool], tuple[bool, bool]]] = {
    "admin": ((True, True), (True, True), (True, True)),
    "district": ((True, False), (True, False), (True, False)),
    "street": ((True, False), (True, False), (True, False)),
    "community": ((True, False), (True, False), (True, False)),
    "unit": ((True, False), (False, False), (True, False)),
    "analyst": ((True, True), (False, False), (False, False)),
    "partner": ((True, False), (False, False), (True, False)),
    "anonymous": ((False, False), (False, False), (False, False)),
}


@pytest.fixture
async def world(gql: Any) -> World:
    return await _world(gql.engine)


async def _as(gql: Any, role: str, w: World, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    grant = _grant(role, w)
    if grant is None:
        return await gql(query, variables, anonymous=True)
    return await gql(query, variables, key=gql.key(role, grant.get("areas", ()), grant.get("unit")))


@pytest.mark.parametrize("role", list(MATRIX))
@pytest.mark.parametrize("side", ["own", "other"])
async def test_read_scoped_records(gql: Any, world: World, role: str, side: str) -> None:
    body = await _as(gql, role, world, EVALS)
    assert "errors" not in body, body
    assert gql.last_statements == 1  # the scope is a filter inside the one statement
    # evaluations(first: 100) pages by id; look the record up directly too (same rule, also one statement)
    visible = world.evaluation[side] in {n["id"] for n in body["data"]["evaluations"]["nodes"]}
    lookup = await _as(gql, role, world, "query($id: ID!) { evaluation(id: $id) { id } }", {"id": world.evaluation[side]})
    found = "errors" not in lookup
    assert not found or lookup["data"]["evaluation"]["id"] == world.evaluation[side]
    if not found:
        assert lookup["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # out of scope reads as absent
    expected = MATRIX[role][0][0 if side == "own" else 1]
    assert found == expected, (role, side, lookup)
    if visible:
        assert expected


@pytest.mark.parametrize("role", list(MATRIX))
@pytest.mark.parametrize("side", ["own", "other"])
async def test_personal_data_masked_not_refused(gql: Any, world: World, role: str, side: str) -> None:
    body = await _as(gql, role, world, PERSON, {"id": world.person[side]})
    assert "errors" not in body, body
    person = body["data"]["person"]
    unmasked = person["name"] != MASK
    assert unmasked == MATRIX[role][1][0 if side == "own" else 1], (role, side, person)
    if unmasked:
        assert person["phone"] != MASK
    else:
        assert person["phone"] in (None, MASK)  # a missing phone stays missing; a present one is masked


async def _demands(gql: Any) -> int:
    return (await gql.engine.run(Statement("MATCH (d:`Demand`) RETURN count(d) AS n")))[0]["n"]


@pytest.mark.parametrize("role", list(MATRIX))
@pytest.mark.parametrize("side", ["own", "other"])
async def test_write_within_scope_only(gql: Any, world: World, role: str, side: str) -> None:
    before = await _demands(gql)
    if role == "partner":
        body = await _as(gql, role, world, UPSERT, {"r": world.district[side]})
    else:
        publisher = world.unit[side] if role == "unit" else world.community[side]
        body = await _as(gql, role, world, PUBLISH, {"p": publisher, "c": [world.category]})
    allowed = MATRIX[role][2][0 if side == "own" else 1]
    if allowed:
        assert "errors" not in body, body
    else:
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
        assert "role" in body["errors"][0]["message"]
        assert await _demands(gql) == before  # a refused write writes nothing


async def test_partner_may_only_upsert(gql: Any, world: World) -> None:
    body = await _as(gql, "partner", world, PUBLISH, {"p": world.community["own"], "c": [world.category]})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_new_records_inherit_the_area_of_what_they_belong_to(gql: Any, world: World) -> None:
    """A demand published by a community lives there: the community's key reads and writes it."""
    key = gql.key("community", (world.community["own"],))
    body = await gql(PUBLISH, {"p": world.community["own"], "c": [world.category]}, key=key)
    demand = body["data"]["publishDemand"]["demand"]["id"]
    rows = await gql.engine.run(Statement("MATCH (d:`Demand`) WHERE d.`id` = $id RETURN d.`areaPath` AS p", {"id": demand}))
    assert world.community["own"] in rows[0]["p"] and world.district["own"] in rows[0]["p"]


async def test_ordering_by_personal_data_is_admin_only(gql: Any, world: World) -> None:
    q = "query { persons(first: 5, orderBy: [{field: name}]) { nodes { id } } }"
    body = await _as(gql, "district", world, q)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "errors" not in await gql(q)


async def test_filtering_by_personal_data_sees_only_entitled_rows(gql: Any, world: World) -> None:
    """A where on a masked property cannot be used to probe names: it matches unmasked rows only."""
    q = "query($id: ID!) { persons(where: {id: {eq: $id}, name: {isNull: false}}) { nodes { id } } }"
    body = await _as(gql, "analyst", world, q, {"id": world.person["own"]})
    assert body["data"]["persons"]["nodes"] == []
    body = await _as(gql, "admin", world, q, {"id": world.person["own"]})
    assert [n["id"] for n in body["data"]["persons"]["nodes"]] == [world.person["own"]]


# ------------------------------------------------------------------------------------------------
# Page and side fields (issue 10): scoped rows filtered and personal data masked inside them too
# ------------------------------------------------------------------------------------------------
async def _giver_of(gql: Any, evaluation: str) -> str:
    rows = await gql.engine.run(Statement("MATCH (g)-[:`GAVE`]->(e:`Evaluation`) WHERE e.`id` = $id RETURN g.`id` AS id",
                                          {"id": evaluation}))
    return rows[0]["id"]


async def _subject_in(gql: Any, evaluation: str, district: str) -> bool:
    """Whether the evaluation is of an area (or an area's party organisation) in the district's subtree."""
    rows = await gql.engine.run(Statement(
        "MATCH (e:`Evaluation`)-[:`OF`]->(s) WHERE e.`id` = $id RETURN s.`id` AS id, s.`areaPath` AS path", {"id": evaluation}))
    return any(not r["id"].startswith("unit:") and district in (r["path"] or []) for r in rows)


@pytest.mark.parametrize("role", list(MATRIX))
@pytest.mark.parametrize("side", ["own", "other"])
async def test_side_fields_filter_scoped_records(gql: Any, world: World, role: str, side: str) -> None:
    """An evaluation reached through a side field — its giver's ``evaluationsGiven``, the district's
    ``evaluationsReceived`` over its whole side — is listed exactly when the role may read it."""
    evaluation = world.evaluation[side]
    giver = await _giver_of(gql, evaluation)
    label = "unit" if giver.startswith("unit:") else "adminArea" if giver.startswith("area:") else "partyOrganization"
    q = f"""query($g: ID!, $d: ID!) {{
      giver: {label}(id: $g) {{ evaluations: evaluationsGiven(first: 100) {{ totalCount nodes {{ id }} }} }}
      district: adminArea(id: $d) {{ evaluations: evaluationsReceived(first: 100) {{ totalCount nodes {{ id }} }} }} }}"""
    body = await _as(gql, role, world, q, {"g": giver, "d": world.district[side]})
    assert "errors" not in body, body
    assert gql.last_statements == 2  # one per root field, the scope inside each
    expected = MATRIX[role][0][0 if side == "own" else 1]
    in_district = await _subject_in(gql, evaluation, world.district[side])
    for part, reachable in (("giver", True), ("district", in_district)):
        conn = body["data"][part]["evaluations"]
        ids = {n["id"] for n in conn["nodes"]}
        assert (evaluation in ids) == (expected and reachable), (role, side, part, conn)
        assert conn["totalCount"] >= len(ids)
        if conn["totalCount"] <= 100:
            assert conn["totalCount"] == len(ids)  # counts only what the role may read
    if side == "own":
        assert in_district  # the own-side evaluation is of the own community: the district part is exercised


async def _reporting(gql: Any) -> tuple[str, list[dict[str, Any]]]:
    """A community with members who reported to it, and those members' area paths."""
    rows = await gql.engine.run(Statement(
        "MATCH (a:`AdminArea`)-[:`HAS_PARTY_ORG`]->(:`PartyOrganization`)<-[:`REPORTS_TO`]-(p:`Person`) "
        "WHERE a.`level` = 'COMMUNITY' RETURN a.`id` AS area, p.`id` AS id, p.`areaPath` AS path ORDER BY area, id"))
    area = rows[0]["area"]
    return area, [r for r in rows if r["area"] == area]


@pytest.mark.parametrize("role", ["admin", "district", "community", "unit", "analyst", "anonymous"])
async def test_page_fields_mask_personal_data(gql: Any, world: World, role: str) -> None:
    """``reportingMembers`` and ``partTimeCommitteeMembers`` mask names in the statement exactly as
    ``person(id)`` does: unmasked for admins, and for area roles within their granted areas."""
    area, members = await _reporting(gql)
    grants = {"district": (members[0]["path"][-2],), "community": (area,)}  # the member's district, the community
    key = None if role == "anonymous" else gql.key(role, grants.get(role, ()), world.unit["own"] if role == "unit" else None)
    q = """query($a: ID!) { adminArea(id: $a) {
      reportingMembers(first: 100) { totalCount edges { reportType via { name } node { id name phone } } }
      partTimeCommitteeMembers(first: 100) { nodes { id name } } } }"""
    body = await (gql(q, {"a": area}, anonymous=True) if key is None else gql(q, {"a": area}, key=key))
    assert "errors" not in body, body
    assert gql.last_statements == 1
    got = {e["node"]["id"]: e["node"] for e in body["data"]["adminArea"]["reportingMembers"]["edges"]}
    assert set(got) == {m["id"] for m in members}
    granted = set(grants.get(role, ()))
    for m in members:
        entitled = role == "admin" or (role in ("district", "community") and bool(granted & set(m["path"] or [])))
        assert (got[m["id"]]["name"] != MASK) == entitled, (role, m, got[m["id"]])
        if not entitled:
            assert got[m["id"]]["phone"] in (None, MASK)
    for n in body["data"]["adminArea"]["partTimeCommitteeMembers"]["nodes"]:
        assert role == "admin" or n["name"] in (MASK, None) or role in ("district", "community")


async def test_ordering_page_fields_by_personal_data_is_admin_only(gql: Any, world: World) -> None:
    area, _members = await _reporting(gql)
    q = "query($a: ID!) { adminArea(id: $a) { reportingMembers(orderBy: [{field: name}]) { nodes { id } } } }"
    body = await _as(gql, "district", world, q, {"a": area})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "errors" not in await gql(q, {"a": area})
