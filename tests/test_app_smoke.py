import pytest


@pytest.mark.read_only
async def test_healthz_and_graphql(gql):
    r = await gql.client.get("/healthz")
    assert r.json() == {"status": "ok"}
    r = await gql.client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    body = await gql("{ version }")
    assert body["data"]["version"] == "0.1.0"
    bad = await gql("{ nope }")
    assert bad["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION"
