"""/metrics: Prometheus text with requests by operation, root field and code, latency histograms,
statements per request, statement latency per question, pool and memory gauges, rate-limit refusals —
behind admin credentials by default, with bounded labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from cobuild.graph.engines.base import GraphEngine
from tests.client import GQL, serve

CO_BUILDERS = 'query CommunityPage($id: ID!) { communityCoBuilders(communityId: $id) { unitCount } }'
COMMUNITY = "area:sl-zidongge"


async def scrape(gql: GQL, key: str | None = None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = await gql.client.get("/metrics", headers={"x-api-key": key or gql.admin_key})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def series(samples: dict[Any, float], name: str) -> list[dict[str, str]]:
    return [dict(lbl) for (n, lbl) in samples if n == name]


async def test_requests_root_fields_statements_and_questions(gql: GQL) -> None:
    for _ in range(3):
        doc = await gql(CO_BUILDERS, {"id": COMMUNITY})
        assert "errors" not in doc
    bad = await gql('query CommunityPage { communityCoBuilders(communityId: "unit:not-a-community") { unitCount } }')
    bad_code = bad["errors"][0]["extensions"]["code"]
    await gql("{ a: __typename b: units(first: 1) { totalCount } }")
    m = await scrape(gql)
    assert value(m, "cobuild_graphql_requests_total", operation="CommunityPage", type="query", code="OK") == 3
    assert value(m, "cobuild_graphql_requests_total", operation="CommunityPage", type="query", code=bad_code) == 1
    assert value(m, "cobuild_graphql_requests_total", operation="(anonymous)", type="query", code="OK") == 1
    assert value(m, "cobuild_graphql_root_fields_total", root_field="communityCoBuilders", code="OK") == 3
    assert value(m, "cobuild_graphql_root_fields_total", root_field="communityCoBuilders", code=bad_code) == 1
    assert value(m, "cobuild_graphql_root_fields_total", root_field="units", code="OK") == 1  # alias → field
    assert value(m, "cobuild_graphql_root_fields_total", root_field="__typename", code="OK") == 1
    assert value(m, "cobuild_graphql_request_duration_seconds_count", operation="CommunityPage", type="query") == 4
    # one statement per root field, as a histogram an operator can alert on
    assert value(m, "cobuild_graphql_statements_per_request_count", operation="CommunityPage") == 4
    assert value(m, "cobuild_graphql_statements_per_request_bucket", operation="CommunityPage", le="1.0") == 4
    assert value(m, "cobuild_graphql_statements_per_request_bucket", operation="CommunityPage", le="0.0") == 1
    questions = {s["question"] for s in series(m, "cobuild_statement_duration_seconds_count")}
    assert "Q1 communityCoBuilders" in questions and "connection Unit" in questions
    assert value(m, "cobuild_statement_duration_seconds_count", question="Q1 communityCoBuilders", engine="ladybug",
                 mode="read") == 3
    assert value(m, "cobuild_http_requests_total", route="/graphql", status="200") == 5
    assert value(m, "cobuild_statements_in_flight", engine="ladybug") == 0


async def test_pool_memory_and_process_gauges(gql: GQL) -> None:
    m = await scrape(gql)
    assert value(m, "cobuild_engine_readers", engine="ladybug") == gql.engine.readers  # type: ignore[attr-defined]
    assert value(m, "cobuild_engine_readers_in_use", engine="ladybug") == 0
    assert value(m, "cobuild_process_resident_memory_bytes") > 10 * 2**20
    assert value(m, "cobuild_process_peak_resident_memory_bytes") >= value(m, "cobuild_process_resident_memory_bytes")
    assert value(m, "process_resident_memory_bytes") > 0
    assert value(m, "cobuild_info", engine="ladybug", version="0.1.0") == 1


async def test_writes_are_timed_statement_by_statement(gql: GQL) -> None:
    doc = await gql('mutation { upsertUnits(partner: "metrics", items: [{externalId: "M-1", name: "测度单位", '
                    'unitType: SOE}]) { created ids } }')
    assert "errors" not in doc, doc
    m = await scrape(gql)
    write_series = [s for s in series(m, "cobuild_statement_duration_seconds_count") if s["mode"] == "write"]
    assert write_series, "the mutation's statements are observed inside its unit of work"
    assert value(m, "cobuild_graphql_root_fields_total", root_field="upsertUnits", code="OK") == 1


async def test_metrics_need_admin_credentials_by_default(gql: GQL, seeded: GraphEngine, tmp_path: Path) -> None:
    analyst = gql.key("analyst")
    assert (await gql.client.get("/metrics")).status_code == 403
    forbidden = await gql.client.get("/metrics", headers={"x-api-key": analyst})
    assert forbidden.status_code == 403 and forbidden.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with serve(seeded, tmp_path / "a", metrics="analyst") as open_to_analysts:
        key = open_to_analysts.key("analyst")
        assert (await open_to_analysts.client.get("/metrics", headers={"x-api-key": key})).status_code == 200
    async with serve(seeded, tmp_path / "off", metrics="off") as off:
        assert (await off.client.get("/metrics", headers={"x-api-key": off.admin_key})).status_code == 404


async def test_rate_limit_refusals_are_counted(seeded: GraphEngine, tmp_path: Path) -> None:
    async with serve(seeded, tmp_path, rate_limit_per_s=0.001, rate_limit_burst=2) as gql:
        analyst = gql.key("analyst")
        statuses = []
        for _ in range(4):
            resp = await gql.client.post("/graphql", json={"query": "{ __typename }"}, headers={"x-api-key": analyst})
            statuses.append(resp.status_code)
        assert statuses == [200, 200, 429, 429]
        m = await scrape(gql)
        assert value(m, "cobuild_rate_limited_total", credential="api_key") == 2
        assert value(m, "cobuild_graphql_requests_total", operation="(anonymous)", type="(none)",
                     code="RATE_LIMITED") == 2
        assert value(m, "cobuild_http_requests_total", route="/graphql", status="429") == 2


async def test_label_values_stay_bounded(seeded: GraphEngine, tmp_path: Path) -> None:
    async with serve(seeded, tmp_path, metrics_max_operations=2) as gql:
        for name in ("One", "Two", "Three", "Four"):
            assert "errors" not in await gql(f"query {name} {{ __typename }}")
        await gql.client.get("/no/such/path", headers={"x-api-key": gql.admin_key})
        m = await scrape(gql)
        ops = {s["operation"] for s in series(m, "cobuild_graphql_requests_total")}
        assert ops == {"One", "Two", "(other)"}
        routes = {s["route"] for s in series(m, "cobuild_http_requests_total")}
        assert "(other)" in routes and "/no/such/path" not in routes


async def test_a_metrics_port_serves_without_credentials(seeded: GraphEngine, tmp_path: Path) -> None:
    import socket

    from cobuild.serving import start_metrics_port

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with serve(seeded, tmp_path, metrics="off", metrics_port=port) as gql:
        app = gql.client._transport.app  # type: ignore[attr-defined]
        server = start_metrics_port(app.state.settings, app)
        try:
            await gql(CO_BUILDERS, {"id": COMMUNITY})
            async with httpx.AsyncClient() as client:
                resp = await client.get(f"http://127.0.0.1:{port}/metrics")
            assert resp.status_code == 200
            assert 'cobuild_graphql_requests_total{code="OK",operation="CommunityPage",type="query"} 1.0' in resp.text
            assert (await gql.client.get("/metrics", headers={"x-api-key": gql.admin_key})).status_code == 404
        finally:
            server[0].shutdown()
