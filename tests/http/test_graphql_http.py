"""GraphQL over HTTP (the spec's GET/POST, media types, status codes, operation selection), through
the real app over the seed network."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.client import GQL

UNIT = "unit:sl-first-hospital"
NAME = "区第一人民医院"  # its name in cobuild/seeds/data (F001)
QUERY = "query Unit($id: ID!) { node(id: $id) { id ... on Unit { name } } }"
GRJ = "application/graphql-response+json"
# a mutation that is sure to be refused by the rules if it ever ran (counted in statements)
MUTATION = 'mutation Start { startProject(projectId: "project:none") { status } }'


def _code(r: httpx.Response) -> str:
    return r.json()["errors"][0]["extensions"]["code"]


async def _get(gql: GQL, accept: str | None = "application/json", **params: str) -> httpx.Response:
    headers = {"x-api-key": gql.admin_key}
    if accept is not None:
        headers["accept"] = accept
    return await gql.client.get("/graphql", params=params, headers=headers)


async def _post(gql: GQL, body: dict, accept: str | None = "application/json", **headers: str) -> httpx.Response:
    headers = {"x-api-key": gql.admin_key, **headers}
    if accept is not None:
        headers["accept"] = accept
    return await gql.client.post("/graphql", json=body, headers=headers)


async def test_get_and_post_answer_the_same(gql: GQL) -> None:
    variables = json.dumps({"id": UNIT})
    got = await _get(gql, query=QUERY, variables=variables, operationName="Unit")
    posted = await _post(gql, {"query": QUERY, "variables": {"id": UNIT}, "operationName": "Unit"})
    assert got.status_code == posted.status_code == 200
    assert got.headers["content-type"] == posted.headers["content-type"] == "application/json"
    assert got.json() == posted.json() == {"data": {"node": {"id": UNIT, "name": NAME}}}
    # extensions travel in the query string too (empty here), and an empty operationName means none
    got = await _get(gql, query=QUERY, variables=variables, extensions="{}", operationName="")
    assert got.json()["data"]["node"]["name"] == NAME


async def test_media_type_negotiation(gql: GQL) -> None:
    body = {"query": QUERY, "variables": {"id": UNIT}}
    for accept, expected in [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GRJ, GRJ),
        (f"{GRJ}, application/json;q=0.9", GRJ),  # what Apollo Client and graphql-http send
        (f"{GRJ};q=0.5, application/json", "application/json"),
        ("text/html;q=0.9, application/*", "application/json"),
    ]:
        r = await _post(gql, body, accept)
        assert r.status_code == 200 and r.headers["content-type"] == expected, (accept, r.headers, r.text)
        assert r.json()["data"]["node"]["name"] == NAME
    r = await _post(gql, body, "text/plain")
    assert r.status_code == 406 and _code(r) == "NOT_ACCEPTABLE"


async def test_status_codes_per_media_type(gql: GQL) -> None:
    """graphql-response+json: a request error (no execution) is 400 without `data`; a field error
    during execution keeps 200 and `data`. application/json: 200 either way."""
    invalid = {"query": "{ notAField }"}
    r = await _post(gql, invalid, GRJ)
    assert r.status_code == 400 and "data" not in r.json() and _code(r) == "GRAPHQL_VALIDATION"
    r = await _post(gql, invalid, "application/json")
    assert r.status_code == 200 and r.json()["data"] is None and _code(r) == "GRAPHQL_VALIDATION"
    bad_variable = {"query": QUERY, "variables": {"id": 5.5}}  # coercion fails before execution
    r = await _post(gql, bad_variable, GRJ)
    assert r.status_code == 400 and "data" not in r.json()
    # a field error during execution (`node` is non-null, so the null reaches the root): 200, `data: null`
    field_error = {"query": '{ a: node(id: "unit:none") { id } b: version }'}
    r = await _post(gql, field_error, GRJ)
    body = r.json()
    assert r.status_code == 200 and "data" in body and body["data"] is None, body
    assert body["errors"][0]["path"] == ["a"] and body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    too_costly = {"query": "{ units(first: 100) { edges { node { communities(first: 100) { edges { node { "
                           "unitsLocatedHere(first: 100) { totalCount } } } } } } } }"}
    r = await _post(gql, too_costly, GRJ)
    assert r.status_code == 400 and _code(r) == "QUERY_TOO_COSTLY" and "data" not in r.json()


async def test_mutations_are_refused_over_get(gql: GQL) -> None:
    before = gql.engine.counter.total
    for accept in ("application/json", GRJ):
        r = await _get(gql, accept, query=MUTATION)
        assert r.status_code == 405 and r.headers["allow"] == "POST" and _code(r) == "METHOD_NOT_ALLOWED", r.text
        assert r.headers["content-type"] == accept
    # the query of a document runs over GET; its mutation, picked by name, does not
    both = f"query Version {{ version }} {MUTATION}"
    r = await _get(gql, query=both, operationName="Version")
    assert r.status_code == 200 and r.json() == {"data": {"version": "0.1.0"}}
    r = await _get(gql, query=both, operationName="Start")
    assert r.status_code == 405 and _code(r) == "METHOD_NOT_ALLOWED"
    assert gql.engine.counter.total == before  # nothing reached the store
    r = await _post(gql, {"query": MUTATION})
    assert r.status_code == 200 and _code(r) != "METHOD_NOT_ALLOWED"  # POST runs it (and the rules answer)


async def test_several_operations_need_an_operation_name(gql: GQL) -> None:
    """Before, the first operation ran — even a mutation."""
    document = f"{MUTATION} query Version {{ version }}"
    before = gql.engine.counter.total
    r = await _post(gql, {"query": document})
    assert r.status_code == 200 and _code(r) == "OPERATION_NAME_REQUIRED"
    assert r.json()["errors"][0]["extensions"]["operations"] == ["Start", "Version"]
    r = await _post(gql, {"query": document}, GRJ)
    assert r.status_code == 400 and _code(r) == "OPERATION_NAME_REQUIRED" and "data" not in r.json()
    assert gql.engine.counter.total == before  # the mutation did not run
    r = await _post(gql, {"query": document, "operationName": "Version"})
    assert r.json() == {"data": {"version": "0.1.0"}}
    r = await _post(gql, {"query": document, "operationName": "Nope"})
    assert _code(r) == "OPERATION_NOT_FOUND" and "Start, Version" in r.json()["errors"][0]["message"]
    r = await _post(gql, {"query": "{ version }", "operationName": "Named"})
    assert _code(r) == "OPERATION_NOT_FOUND"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_answer_405_graphql_shaped(gql: GQL, method: str) -> None:
    r = await gql.client.request(method, "/graphql", json={"query": "{ version }"}, headers={"accept": GRJ})
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
    assert r.headers["content-type"] == GRJ and _code(r) == "METHOD_NOT_ALLOWED" and "data" not in r.json()


async def test_options_and_content_types(gql: GQL) -> None:
    r = await gql.client.options("/graphql")
    assert r.status_code == 204 and r.headers["allow"] == "GET, POST, OPTIONS"
    r = await gql.client.post("/graphql", content=b'{"query": "{ version }"}')  # no Content-Type
    assert r.status_code == 415 and _code(r) == "UNSUPPORTED_MEDIA_TYPE"
    r = await gql.client.post("/graphql", content=b'{"query": "{ version }"}',
                              headers={"content-type": "application/json; charset=utf-8"})
    assert r.json() == {"data": {"version": "0.1.0"}}
    r = await gql.client.post("/graphql", content='\ufeff{"query": "{ version }"}'.encode(),  # a UTF-8 byte-order mark
                              headers={"content-type": "application/json"})
    assert r.json() == {"data": {"version": "0.1.0"}}


async def test_bad_unicode_is_a_coded_400_in_both_media_types(gql: GQL) -> None:
    cases = [
        json.dumps({"query": QUERY, "variables": {"id": "unit:\ud800"}}).encode(),  # lone surrogate in a variable
        json.dumps({"query": '{ node(id: "\\udfff") { id } }'}).encode(),  # … as a GraphQL escape in a literal
        b'{"query": "{ version }", "variables": {"x": "\xc3\x28"}}',  # not UTF-8
    ]
    for body in cases:
        for accept in ("application/json", GRJ):
            r = await gql.client.post("/graphql", content=body, headers={"content-type": "application/json", "accept": accept})
            assert r.status_code == 400 and _code(r) == "INVALID_UNICODE", (body, r.text)
    # a surrogate *pair* is valid Unicode, as a JSON escape and as a GraphQL escape
    pair = json.dumps({"query": '{ search(text: "\\ud83d\\ude00", first: 1) { __typename } }'}).encode()
    r = await gql.client.post("/graphql", content=pair, headers={"content-type": "application/json"})
    assert r.status_code == 200 and "errors" not in r.json(), r.text
