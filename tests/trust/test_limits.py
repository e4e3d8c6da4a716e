"""Every limit answers with its code (never a 500): tokens, depth, aliases, cost, persisted
queries, body size, rate limit."""

from __future__ import annotations

import json
from typing import Any

import pytest
import strawberry
from graphql import parse

from cobuild.limits import DEFAULT_LIMITS, Limits, QueryLimits, check_document, query_hash
from cobuild.ratelimit import RateLimiter


def _code(resp) -> str:
    body = resp.json()
    assert body.get("data") is None, body
    return body["errors"][0]["extensions"]["code"]


def _nested(depth: int) -> str:
    return "{ " + " { ".join(f"f{i}" for i in range(depth)) + " }" * depth


async def test_query_too_deep(make_client):
    c = await make_client()
    r = await c.post(_nested(11))
    assert r.status_code == 200 and _code(r) == "QUERY_TOO_DEEP"
    assert r.json()["errors"][0]["extensions"]["limit"] == 10
    r = await c.post(_nested(10))  # at the limit: passes to validation (the fields do not exist)
    assert _code(r) == "GRAPHQL_VALIDATION"
    # hidden in fragments
    q = "{ a { ...F } } fragment F on X { b { c { d { e { f { g { h { i { j { k } } } } } } } } } }"
    assert _code(await c.post(q)) == "QUERY_TOO_DEEP"
    # bracket nesting far beyond any real query is refused before parsing
    assert _code(await c.post("{ a(x: " + "[" * 200 + "]" * 200 + ") }")) == "QUERY_TOO_DEEP"


async def test_too_many_aliases(make_client):
    c = await make_client()
    r = await c.post("{ " + " ".join(f"v{i}: version" for i in range(31)) + " }")
    assert _code(r) == "TOO_MANY_ALIASES" and r.json()["errors"][0]["extensions"]["actual"] == 31
    r = await c.post("{ " + " ".join(f"v{i}: version" for i in range(30)) + " }")
    assert r.json()["data"]["v29"]


async def test_query_too_large(make_client):
    c = await make_client()
    r = await c.post("{ " + "version " * 2500 + "}")
    assert r.status_code == 200 and _code(r) == "QUERY_TOO_LARGE"
    c = await make_client(max_tokens=50)
    assert _code(await c.post("{ " + "version " * 60 + "}")) == "QUERY_TOO_LARGE"


async def test_query_too_costly(make_client):
    c = await make_client()
    q = "query($n: Int) { a(first: 100) { b(first: 100) { c(first: $n) { d } } } }"
    r = await c.post(q, {"n": 50})
    assert _code(r) == "QUERY_TOO_COSTLY"
    assert r.json()["errors"][0]["extensions"]["actual"] > 10_000
    r = await c.post(q, {"n": 1})  # 1 + 100 × (1 + 100 × (1 + 1)) = 20,101: still too costly
    assert _code(r) == "QUERY_TOO_COSTLY"
    r = await c.post("{ a(first: 10) { b(first: 10) { c(first: 10) { d } } } }")
    assert _code(r) == "GRAPHQL_VALIDATION"  # cheap enough; the fields just do not exist


async def test_persisted_only(make_client, tmp_path):
    allowed = "query Version { version }"
    (tmp_path / "pq.json").write_text(json.dumps([query_hash(allowed)]))
    c = await make_client(persisted_only=True, persisted_queries_path=tmp_path / "pq.json")
    assert (await c.post(allowed)).json() == {"data": {"version": "0.1.0"}}
    r = await c.post("{ version }")
    assert _code(r) == "PERSISTED_QUERY_REQUIRED"
    assert r.json()["errors"][0]["extensions"]["hash"] == query_hash("{ version }")


async def test_body_too_large(make_client):
    c = await make_client(max_body_bytes=4096)
    r = await c.post("{ version }", {"blob": "x" * 5000})
    assert r.status_code == 413 and _code(r) == "REQUEST_TOO_LARGE"

    async def chunks():  # no Content-Length: the limit holds while streaming
        for _ in range(10):
            yield b"x" * 1000

    r = await c.http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and _code(r) == "REQUEST_TOO_LARGE"
    r = await c.post("{ version }")
    assert r.status_code == 200


async def test_rate_limited_after_burst(make_client):
    from cobuild.auth.keys import KeyStore

    c = await make_client(rate_limit_per_s=0.5, rate_limit_burst=3)
    statuses = [(await c.post("{ version }")).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    r = await c.post("{ version }")
    assert r.status_code == 429 and _code(r) == "RATE_LIMITED"
    assert int(r.headers["Retry-After"]) >= 1 and r.json()["errors"][0]["extensions"]["retryAfter"] >= 1
    # another credential has its own bucket; health checks are never limited
    _rec, key = KeyStore(c.settings.keys_path).create(role="analyst", name="研究员")
    assert (await c.post("{ version }", headers={"X-API-Key": key})).status_code == 200
    assert (await c.http.get("/healthz")).status_code == 200


def test_token_bucket_refills():
    now = [0.0]
    rl = RateLimiter(rate=2, burst=2, clock=lambda: now[0])
    assert rl.take("k") == 0 and rl.take("k") == 0
    assert rl.take("k") == pytest.approx(0.5)
    now[0] = 0.5
    assert rl.take("k") == 0
    assert RateLimiter(rate=0, burst=1).take("k") == 0  # disabled


# --- the cost model on a schema with real connections ------------------------------------------
@strawberry.type
class Item:
    name: str

    @strawberry.field
    def children(self, first: int | None = None) -> "ItemConnection":
        return ItemConnection(edges=[])

    @strawberry.field
    def tags(self) -> list[str]:
        return []

    @strawberry.field
    def partners(self, first: int = 5) -> list["Item"]:
        return []


@strawberry.type
class ItemEdge:
    node: Item


@strawberry.type
class ItemConnection:
    edges: list[ItemEdge]
    total_count: int = 0


@strawberry.type
class Q:
    @strawberry.field
    def items(self, first: int | None = None) -> ItemConnection:
        return ItemConnection(edges=[ItemEdge(node=Item(name="a"))])

    @strawberry.field
    def plain(self) -> list[Item]:
        return []


SCHEMA = strawberry.Schema(Q, extensions=[QueryLimits])


def _measure(q: str, variables: dict[str, Any] | None = None, limits: Limits = DEFAULT_LIMITS):
    return check_document(parse(q), SCHEMA._schema, variables, None, limits)


def test_cost_uses_default_pages_and_does_not_multiply_edges():
    m, err = _measure("{ items { edges { node { name } } } }")
    assert err is None and m.cost == 1 + 20 * (1 + (1 + 1))  # items + 20 × (edges + node + name)
    m, _ = _measure("{ items(first: 5) { totalCount edges { node { children { edges { node { name } } } } } } }")
    assert m.cost == 1 + 1 + 5 * (1 + 1 + (1 + 20 * 3))  # totalCount counts once; only edges/nodes multiply
    m, _ = _measure("{ plain { name tags } }")  # a plain list without paging arguments counts once
    assert m.cost == 1 + 2
    m, _ = _measure("{ plain { partners { name } } }")  # a list with a `first` argument pages by its default
    assert m.cost == 1 + (1 + 5 * 1)
    m, _ = _measure("{ plain { partners(first: 50) { name } } }")
    assert m.cost == 1 + (1 + 50 * 1)


def test_to_one_fields_cost_one_on_the_real_schema():
    """Issue 10: three levels of a single parent cost a handful (17,263 when every relationship,
    even a to-one, was charged as a page of 20); nested connections still multiply."""
    from cobuild.schema.root import build_schema

    schema = build_schema()._schema

    def cost(q: str) -> int:
        m, _ = check_document(parse(q), schema, {}, None, DEFAULT_LIMITS)
        return m.cost

    assert cost('{ adminArea(id: "area:x") { parent { parent { parent { name } } } } }') == 5
    assert cost('{ adminArea(id: "area:x") { parentLink { confidence node { name } } } }') == 5
    assert cost("{ adminAreas { totalCount pageInfo { hasNextPage } nodes { name } } }") == 1 + 1 + 2 + 20 * 2
    assert cost("{ adminAreas { edges { node { children { edges { node { name } } } } } } }") == 1 + 20 * (2 + (1 + 20 * 3))
    m, err = check_document(parse("{ adminAreas(first: 100) { edges { node { children(first: 100) { edges { node { name } } } } } } }"),
                            schema, {}, None, DEFAULT_LIMITS)
    assert m.cost == 1 + 100 * (2 + (1 + 100 * 3)) and err is not None and err.extensions["code"] == "QUERY_TOO_COSTLY"


def test_cost_caps_first_at_max_page_size_and_fragments_are_memoised():
    m, _ = _measure("{ items(first: 100000) { edges { node { name } } } }")
    assert m.cost == 1 + 100 * 3
    # fragment fan-out: 2^20 expansions if expanded naively; measured once per fragment
    frags = " ".join(f"fragment F{i} on Item {{ ...F{i + 1} ...F{i + 1} }}" for i in range(20)) + " fragment F20 on Item { name }"
    m, err = _measure("{ items(first: 1) { edges { node { ...F0 } } } } " + frags)
    assert err is not None and err.extensions["code"] == "QUERY_TOO_COSTLY"


def test_limits_in_schema_without_context():
    r = SCHEMA.execute_sync(_nested(12).replace("f0", "items"))
    assert r.errors and r.errors[0].extensions["code"] == "QUERY_TOO_DEEP"
    r = SCHEMA.execute_sync("{ items { edges { node { name } } } }")
    assert r.errors is None


def test_introspection_is_not_counted_as_depth():
    from graphql import get_introspection_query

    r = SCHEMA.execute_sync(get_introspection_query())
    assert r.errors is None and r.data["__schema"]


async def test_malformed_requests_are_never_500(make_client):
    c = await make_client()
    bodies = [b"", b"{", b"[]", b'{"query": 5}', b'{"query": "{ version }", "variables": "x"}', "{\"query\": \"{ 版本 }\"}".encode(),
              b'{"query": "query A { version } query B { version }"}', b'{"query": "{ version }", "operationName": "Nope"}']
    for body in bodies:
        r = await c.http.post("/graphql", content=body, headers={"content-type": "application/json"})
        assert r.status_code < 500, (body, r.status_code, r.text)
    r = await c.http.get("/graphql", params={"query": _nested(12)})
    assert r.status_code == 200 and _code(r) == "QUERY_TOO_DEEP"


async def test_graphiql_introspection_passes_the_limits(make_client):
    from graphql import get_introspection_query

    c = await make_client()
    q = get_introspection_query(descriptions=True, specified_by_url=True, directive_is_repeatable=True,
                                schema_description=True, input_value_deprecation=True)
    r = await c.post(q)
    assert r.status_code == 200 and "errors" not in r.json() and r.json()["data"]["__schema"]["queryType"]


async def test_cached_documents_still_meet_every_limit(make_client):
    """Parse and validation are cached per document; the limits run on every request all the same,
    and an invalid document's errors are made afresh each time (their own request id)."""
    c = await make_client()
    valid = "query($id: ID!) { node(id: $id) { id } }"
    for _ in range(3):
        assert _code(await c.post(valid, {"id": "nope"})) == "VALIDATION"  # parsed and validated once, then cached
    costly = "{ units(first: 100) { nodes { pairings(first: 100) { nodes { id } } } } }"
    ids = set()
    for _ in range(2):
        r = await c.post(costly)
        assert _code(r) == "QUERY_TOO_COSTLY"
        bad = await c.post("{ noSuchField }")
        assert _code(bad) == "GRAPHQL_VALIDATION"
        ids.add(bad.json()["errors"][0]["extensions"]["requestId"])
    assert len(ids) == 2
    # the same cached document under a stricter server: refused by that server's limit
    strict = await make_client(max_depth=1)
    assert _code(await strict.post(valid, {"id": "nope"})) == "QUERY_TOO_DEEP"


async def test_validation_that_gives_up_answers_query_too_large(make_client):
    """graphql-core stops after 100 validation errors ("Validation aborted"); that is a document too
    large to check: QUERY_TOO_LARGE first, then the errors found."""
    c = await make_client()
    r = await c.post("{ " + " ".join(f"f{i}" for i in range(150)) + " }")
    errors = r.json()["errors"]
    assert r.status_code == 200 and errors[0]["extensions"]["code"] == "QUERY_TOO_LARGE"
    assert not any("aborted" in e["message"] for e in errors)
    assert len(errors) == 101 and {e["extensions"]["code"] for e in errors[1:]} == {"GRAPHQL_VALIDATION"}

