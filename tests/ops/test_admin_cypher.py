"""POST /admin/cypher: admin and analyst credentials only, read-only, the analyst rule, the timeout,
GraphQL-style errors with codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cobuild.graph.cypher import Statement
from cobuild.graph.engines.base import GraphEngine
from tests.client import GQL, serve

COMMUNITY = "area:sl-zidongge"


async def post(gql: GQL, body: Any, key: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"x-api-key": key} if key else {}
    resp = await gql.client.post("/admin/cypher", json=body, headers=headers)
    return resp.status_code, resp.json()


def code(doc: dict[str, Any]) -> str:
    err = doc["errors"][0]
    assert err["extensions"]["requestId"] and err["message"]
    assert doc["data"] is None
    return err["extensions"]["code"]


async def test_admin_and_analyst_read_the_graph(gql: GQL) -> None:
    statement = ("MATCH (c:AdminArea {id: $c})-[:CO_BUILDS_WITH]->(u:Unit) "
                 "RETURN u.name AS unit ORDER BY unit")
    expected = await gql.engine.run(Statement(statement, {"c": COMMUNITY}))
    assert expected, "the seed network pairs units with 紫东阁社区"
    for key in (gql.admin_key, gql.key("analyst")):
        status, doc = await post(gql, {"statement": statement, "parameters": {"c": COMMUNITY}}, key)
        assert status == 200, doc
        data = doc["data"]
        assert data["columns"] == ["unit"] and data["rows"] == [[r["unit"]] for r in expected]
        assert data["rowCount"] == len(expected) and data["truncated"] is False


@pytest.mark.parametrize("role, grant", [("district", {"areas": ["area:shuangliu"]}), ("unit", {"unit": "unit:sl-first-hospital"}),
                                         ("partner", {"areas": ["area:shuangliu"]}), ("anonymous", None)])
async def test_other_roles_are_forbidden(gql: GQL, role: str, grant: dict[str, Any] | None) -> None:
    key = None if grant is None else gql.key(role, **grant)
    status, doc = await post(gql, {"statement": "MATCH (u:Unit) RETURN count(*) AS n"}, key)
    assert status == 403 and code(doc) == "FORBIDDEN"


async def test_writes_are_refused_and_change_nothing(gql: GQL) -> None:
    before = await gql.engine.run(Statement("MATCH (u:Unit) RETURN count(*) AS n"))
    for statement in ("CREATE (:Unit {id: 'unit:console', name: 'x'})", "MATCH (u:Unit) DETACH DELETE u",
                      "MATCH (u:Unit) WITH u LIMIT 1 SET u.name = 'x' RETURN u.name AS name"):
        status, doc = await post(gql, {"statement": statement}, gql.admin_key)
        assert status == 400 and code(doc) == "READ_ONLY", doc
        assert "read-only" in doc["errors"][0]["message"]
    assert await gql.engine.run(Statement("MATCH (u:Unit) RETURN count(*) AS n")) == before


async def test_the_analyst_rule_on_the_endpoint(gql: GQL) -> None:
    analyst = gql.key("analyst")
    person = "MATCH (p:Person) RETURN p.name AS name ORDER BY name LIMIT 1"
    status, doc = await post(gql, {"statement": person}, gql.admin_key)
    assert status == 200 and doc["data"]["rows"][0][0] not in (None, "***")  # an admin reads names
    for statement in (person, "MATCH (u:Unit)<-[:EMPLOYED_BY]-(p) RETURN p.name AS name",
                      "MATCH p = (u:Unit)-[*1..2]-(c:AdminArea) RETURN nodes(p) AS ns"):
        status, doc = await post(gql, {"statement": statement}, analyst)
        assert status == 403 and code(doc) == "FORBIDDEN"
        assert "personal data" in doc["errors"][0]["message"]


async def test_validation_timeout_and_store_errors(gql: GQL, seeded: GraphEngine, tmp_path: Path) -> None:
    key = gql.admin_key
    for body in ({"query": "MATCH (n) RETURN n"}, {"statement": ""}, {"statement": "RETURN 1; RETURN 2"},
                 {"statement": "RETURN 1", "parameters": [1]}, {"statement": "RETURN 1", "timeout": -1}):
        status, doc = await post(gql, body, key)
        assert status == 400 and code(doc) == "VALIDATION", (body, doc)
    status, doc = await post(gql, {"statement": "MATCH (u:NoSuchLabel) RETURN u"}, key)
    assert status == 400 and code(doc) == "CYPHER_ERROR" and "NoSuchLabel" in doc["errors"][0]["message"]
    slow = "MATCH (a:Unit), (b:Unit), (c:Unit), (d:Unit) WHERE a.name < b.name AND b.name < c.name AND c.name < d.name RETURN count(*) AS n"
    status, doc = await post(gql, {"statement": slow, "timeout": 0.05}, key)
    assert status == 504 and code(doc) == "TIMEOUT"
    status, doc = await post(gql, {"statement": "RETURN 1 AS one"}, key)
    assert status == 200 and doc["data"]["rows"] == [[1]]  # the store answers again
    # the console timeout setting is a ceiling a request can only lower
    async with serve(seeded, tmp_path / "t", cypher_timeout_s=0.05) as low:
        status, doc = await post(low, {"statement": slow, "timeout": 60}, low.admin_key)
        assert status == 504 and code(doc) == "TIMEOUT"
        assert doc["errors"][0]["extensions"]["timeout"] == 0.05


async def test_rows_are_capped(gql: GQL, seeded: GraphEngine, tmp_path: Path) -> None:
    async with serve(seeded, tmp_path / "cap", cypher_max_rows=5) as capped:
        status, doc = await post(capped, {"statement": "MATCH (u:Unit) RETURN u.id AS id"}, capped.admin_key)
        assert status == 200 and doc["data"]["rowCount"] == 5 and doc["data"]["truncated"] is True
        status, doc = await post(capped, {"statement": "MATCH (u:Unit) RETURN u.id AS id", "maxRows": 2},
                                 capped.admin_key)
        assert doc["data"]["rowCount"] == 2
