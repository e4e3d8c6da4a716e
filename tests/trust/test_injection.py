"""Cypher injection through every String and ID argument of every root field and mutation input.

The arguments are discovered from the app's own introspection (``gqlgen.string_paths``): every root
argument, every field of the input objects below it (filters: ``where.name.contains``, ``after``,
mutation inputs …), two input objects deep, plus a sample of the three-deep relationship filters.
Each path gets injection payloads (quotes, backticks, ``}) MATCH (n) DETACH DELETE n //``,
``' OR 1=1``, unicode escapes, ``$param`` look-alikes, a very long string), inline in the document or
as a variable. Then:

* queries: the graph is exactly as before (every node and relationship with all properties);
* mutations (admin key, other arguments filled with real ids so payloads reach the write path):
  nothing that existed before is gone, and only a bounded number of existing nodes changed (what
  the accepted mutations legitimately wrote);
* no response is a 500 and no error is ``INTERNAL``; and most payloads got past GraphQL validation
  into the resolvers (else the test would prove nothing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from cobuild.auth.keys import KeyStore
from cobuild.config import Settings
from cobuild.graph.cypher import Statement
from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.export import snapshot

from gqlgen import args_with, document, fetch_schema, minimal_selection, string_paths

PAYLOADS = [
    "' OR 1=1 //",
    '" OR "1"="1',
    "'}) MATCH (n) DETACH DELETE n //",
    '"}) MATCH (n) DETACH DELETE n //',
    "`}) MATCH (n) DETACH DELETE n //",
    "x` ) MATCH (n) DETACH DELETE n RETURN 1 AS `y",
    "area:x' }) WITH 1 AS x MATCH (n) SET n.name = 'pwned' //",
    "') RETURN 1 UNION MATCH (n) DETACH DELETE n RETURN 1 //",
    "\\u0027 OR 1=1 \\u0060 /* */",
    "\u2019 OR 1=1 \uff07\u202e\u0000\n MATCH (n) DELETE n",
    "$p0",
    "$where} RETURN n //",
    "{id: $id}",
    "CALL db.labels() YIELD label RETURN label //",
    "",
    "'" * 2000 + "}) DETACH DELETE n" + "x" * 20000,
]


async def ids(engine: GraphEngine, text: str) -> str:
    rows = await engine.run(Statement(text + " LIMIT 1"))
    assert rows, text
    return rows[0]["id"]


async def plausible_values(engine: GraphEngine) -> dict[str, Any]:
    """Real ids for arguments by name, so mutations get past NOT_FOUND to the payload."""
    community = await ids(engine, "MATCH (a:AdminArea) WHERE a.level = 'COMMUNITY' RETURN a.id AS id")
    unit = await ids(engine, "MATCH (u:Unit) RETURN u.id AS id")
    member = await ids(engine, "MATCH (p:Person) WHERE 'PARTY_MEMBER' IN p.roles RETURN p.id AS id")
    pairing = await ids(engine, "MATCH (p:Pairing) WHERE p.status = 'ACTIVE' RETURN p.id AS id")
    project = await ids(engine, "MATCH (p:Project) RETURN p.id AS id")
    demand = await ids(engine, "MATCH (d:Demand) RETURN d.id AS id")
    category = await ids(engine, "MATCH (c:Category) RETURN c.id AS id")
    return {
        "String": "x", "ID": community, "Int": 1, "Float": 1.0, "Boolean": True,
        "Date": "2024-01-02", "DateTime": "2024-01-02T03:04:05Z",
        "ID:personId": member, "ID:communityId": community, "ID:hostId": community, "ID:partnerId": unit,
        "ID:pairingId": pairing, "ID:projectId": project, "ID:itemId": demand, "ID:claimantId": unit,
        "ID:publisherId": community, "ID:atId": community, "ID:forId": project, "ID:evaluatorId": community,
        "ID:signerIds": community, "ID:categoryIds": category, "String:partner": "inj",
    }


@pytest.fixture
async def app_client(seeded: GraphEngine, tmp_path: Path) -> Any:
    from cobuild.app import create_app

    keys = tmp_path / "keys.json"
    _, key = KeyStore(keys).create(role="admin", name="injection admin")
    settings = Settings(db_path=tmp_path / "unused.lbdb", neo4j_uri=None, keys_path=keys, rate_limit_per_s=0)
    app = create_app(settings, engine=seeded)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers={"x-api-key": key}, timeout=60) as http:
        yield http


class Tally:
    def __init__(self) -> None:
        self.sent = 0
        self.validation = 0
        self.ok = 0

    def check(self, resp: httpx.Response, doc: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.sent += 1
        where = f"{doc[:300]} {str(variables)[:300]}"
        assert resp.status_code < 500, (resp.status_code, resp.text[:500], where)
        body = resp.json()
        errors = body.get("errors") or []
        got = [e.get("extensions", {}).get("code") for e in errors]
        assert "INTERNAL" not in got, (errors, where)
        if "GRAPHQL_VALIDATION" in got:
            self.validation += 1
        elif not errors:
            self.ok += 1
        return body


def arg_types(field: Any) -> dict[str, str]:
    return {a: str(arg.type) for a, arg in field.args.items()}


# Hundreds of requests (every String/ID path of every root field, connection filters included): minutes on
# a loaded 2-core machine, beyond pytest-timeout's 300 s default — an explicit budget of its own.
@pytest.mark.timeout(1200)
async def test_injection_through_every_string_argument(app_client: httpx.AsyncClient, seeded: GraphEngine) -> None:
    http = app_client
    schema = await fetch_schema(lambda q: http.post("/graphql", json={"query": q}))
    plausible = await plausible_values(seeded)
    before = await snapshot(seeded)
    tally = Tally()

    async def send(kind: str, root: Any, path: Any, payload: str, as_variables: bool) -> dict[str, Any]:
        field = root.fields[path.field]
        args = args_with(field, path, payload, plausible)
        doc, variables = document(kind, path.field, args, minimal_selection(field.type),
                                  as_variables=as_variables or len(payload) > 1000, arg_types=arg_types(field))
        resp = await http.post("/graphql", json={"query": doc, "variables": variables})
        return tally.check(resp, doc, variables)

    # --- queries: every path two input objects deep, a sample three deep; every root argument gets every payload
    query = schema.query_type
    paths = list(string_paths(schema, query, max_input_depth=2))
    deep = [p for p in string_paths(schema, query, max_input_depth=3) if len(p.steps) > 3][::40]
    with_args = {f for f, d in query.fields.items() if d.args}
    uncovered = with_args - {p.field for p in paths}
    assert all(not any(str(a.type).strip("[]!") in ("String", "ID") for a in query.fields[f].args.values())
               for f in uncovered), uncovered
    for i, path in enumerate(paths + deep):
        await send("query", query, path, PAYLOADS[i % len(PAYLOADS)], as_variables=i % 2 == 0)
    for j, path in enumerate(p for p in paths if len(p.steps) == 1):
        for k, payload in enumerate(PAYLOADS):
            await send("query", query, path, payload, as_variables=(j + k) % 2 == 1)
    queries_sent = tally.sent
    assert await snapshot(seeded) == before, "a query changed the graph"
    assert tally.validation < 0.2 * tally.sent, (tally.validation, tally.sent)  # payloads reached the resolvers

    # --- mutations: every path, several payloads each, as an admin (everything past authorization)
    mutation = schema.mutation_type
    mpaths = list(string_paths(schema, mutation, max_input_depth=2))
    assert {p.field for p in mpaths} == set(mutation.fields)  # every mutation has a string/ID input
    ok_before = tally.ok
    for i, path in enumerate(mpaths):
        for k in range(5):
            await send("mutation", mutation, path, PAYLOADS[(i + k * 3) % len(PAYLOADS)], as_variables=k % 2 == 0)
    accepted = tally.ok - ok_before
    after = await snapshot(seeded)
    for label, rows in before.items():
        kept_ids = {dict(r).get("id") for r in after[label]}
        if rows and "id" in dict(rows[0]):
            gone = {dict(r)["id"] for r in rows} - kept_ids
            assert not gone, (label, sorted(gone)[:5])
            changed = set(rows) - set(after[label])
            assert len(changed) <= 3 * accepted + 2, (label, len(changed), accepted)
        else:  # relationships: none may disappear except those a mutation legitimately replaced
            lost = set(rows) - set(after[label])
            assert len(lost) <= accepted, (label, len(lost), accepted)
    assert sum(len(v) for v in after.values()) >= sum(len(v) for v in before.values())
    print(f"injection: {queries_sent} query requests, {tally.sent - queries_sent} mutation requests "
          f"({accepted} accepted), {tally.validation} refused by GraphQL validation")

