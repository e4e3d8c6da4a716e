"""OpenTelemetry: a span per request and per statement, named by the question, never carrying a
parameter value — and nothing of opentelemetry loaded when OTEL_EXPORTER_OTLP_ENDPOINT is unset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from cobuild.graph.engines.base import GraphEngine
from tests.client import GQL, serve

SECRET_ID = "area:sl-zidongge"  # a parameter value: must appear in no span


@pytest.fixture
async def traced(seeded: GraphEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[GQL, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.invalid:4318")
    monkeypatch.setattr("cobuild.observe.tracing.provider_from_env", lambda: provider)
    async with serve(seeded, tmp_path) as gql:
        exporter.clear()  # key creation and start-up
        yield gql, exporter


def _all_attribute_text(spans: Any) -> str:
    return json.dumps([{k: v if isinstance(v, (str, int, float, bool)) else list(v) for k, v in s.attributes.items()}
                       | {"__name": s.name} for s in spans], ensure_ascii=False)


async def test_a_span_per_request_and_per_statement(traced: tuple[GQL, InMemorySpanExporter]) -> None:
    gql, exporter = traced
    doc = await gql("query CommunityPage($id: ID!) { communityCoBuilders(communityId: $id) { unitCount } "
                    "units(first: 2) { totalCount } }", {"id": SECRET_ID})
    assert "errors" not in doc
    spans = exporter.get_finished_spans()
    servers = [s for s in spans if s.kind == SpanKind.SERVER]
    clients = [s for s in spans if s.kind == SpanKind.CLIENT]
    assert len(servers) == 1
    request = servers[0]
    assert request.name == "query CommunityPage"
    assert request.attributes["graphql.operation.name"] == "CommunityPage"
    assert request.attributes["http.response.status_code"] == 200
    assert request.attributes["cobuild.statements"] == 2
    assert sorted(s.name for s in clients) == ["Q1 communityCoBuilders", "connection Unit"]
    for s in clients:
        assert s.parent is not None and s.parent.span_id == request.context.span_id
        assert s.context.trace_id == request.context.trace_id
        assert s.attributes["cobuild.question"] == s.name and s.attributes["db.system"] == "ladybugdb"
    assert SECRET_ID not in _all_attribute_text(spans)


async def test_console_statements_are_traced_without_their_text(traced: tuple[GQL, InMemorySpanExporter]) -> None:
    gql, exporter = traced
    resp = await gql.client.post("/admin/cypher", json={"statement": f"MATCH (c:AdminArea {{id: '{SECRET_ID}'}}) RETURN c.name AS n"},
                                 headers={"x-api-key": gql.admin_key})
    assert resp.status_code == 200
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans if s.kind == SpanKind.CLIENT] == ["cypher console"]
    assert SECRET_ID not in _all_attribute_text(spans) and "MATCH" not in _all_attribute_text(spans)


async def test_a_caller_trace_is_continued_and_failures_marked(traced: tuple[GQL, InMemorySpanExporter]) -> None:
    gql, exporter = traced
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    await gql("{ __typename }", traceparent=f"00-{trace_id}-00f067aa0ba902b7-01")
    slow = "MATCH (a:Unit), (b:Unit), (c:Unit), (d:Unit) WHERE a.name < b.name AND b.name < c.name AND c.name < d.name RETURN count(*) AS n"
    await gql.client.post("/admin/cypher", json={"statement": slow, "timeout": 0.05}, headers={"x-api-key": gql.admin_key})
    spans = exporter.get_finished_spans()
    first = [s for s in spans if s.kind == SpanKind.SERVER][0]
    assert format(first.context.trace_id, "032x") == trace_id
    failed = [s for s in spans if s.kind == SpanKind.CLIENT][-1]
    assert failed.attributes["error.type"] == "QueryTimeoutError" and not failed.status.is_ok
    assert not failed.events  # no exception text recorded


def test_without_the_endpoint_opentelemetry_is_never_imported(tmp_path: Path) -> None:
    code = f"""
import asyncio, os, sys
os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
import httpx
from cobuild.app import create_app
from cobuild.config import Settings
from cobuild.graph.engines.ladybug import LadybugEngine
async def main():
    engine = LadybugEngine(":memory:")
    await engine.open()
    app = create_app(Settings(db_path={str(tmp_path / 'x.lbdb')!r}, keys_path={str(tmp_path / 'k.json')!r}), engine=engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.post("/graphql", json={{"query": "{{ __typename }}"}})).status_code == 200
    assert app.state.observability.tracing is None
    await engine.close()
asyncio.run(main())
loaded = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
print("LOADED", loaded)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "LOADED []" in out.stdout
