"""OpenTelemetry traces: a span per HTTP request and a child span per graph statement.

Imported only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (:func:`cobuild.observe.build`): without it
no opentelemetry module is loaded and requests pay nothing. The packages are the optional extra
``cobuild[otel]``. The exporter is OTLP over HTTP and reads the standard ``OTEL_*`` variables
(endpoint, headers, ``OTEL_SERVICE_NAME`` …); an incoming W3C ``traceparent`` continues the caller's
trace.

What a span carries: the request's method, route, status, GraphQL operation name and type, request
id, statement count and error codes; a statement span carries its question (the statement's label,
e.g. ``Q1 communityCoBuilders``), the engine and the mode. Never a statement's text or a parameter value
(console statements are text someone typed, values included), and exceptions are recorded by type
only.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator, Mapping

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

_DB_SYSTEM = {"neo4j": "neo4j", "ladybug": "ladybugdb"}


def provider_from_env() -> Any:
    """A tracer provider exporting in batches over OTLP/HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT``."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "cobuild")}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


class Tracing:
    def __init__(self, provider: Any) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer("cobuild")

    @contextlib.contextmanager
    def statement(self, label: str, engine: str, mode: str) -> Iterator[None]:
        attributes = {"db.system": _DB_SYSTEM.get(engine, engine), "cobuild.question": label or "(unlabelled)",
                      "cobuild.statement.mode": mode}
        with self.tracer.start_as_current_span(label or "statement", kind=SpanKind.CLIENT, attributes=attributes,
                                               record_exception=False, set_status_on_exception=False) as span:
            try:
                yield
            except BaseException as exc:
                span.set_attribute("error.type", type(exc).__name__)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise

    def start_request(self, method: str, route: str, headers: Mapping[str, str]) -> tuple[Any, Any]:
        """Start the request's span and make it current; returns what :meth:`end_request` needs."""
        parent = propagate.extract(carrier=dict(headers))
        span = self.tracer.start_span(f"{method} {route}", context=parent, kind=SpanKind.SERVER,
                                      attributes={"http.request.method": method, "http.route": route})
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        return span, token

    @staticmethod
    def end_request(handle: tuple[Any, Any], status: int, fields: Mapping[str, Any]) -> None:
        span, token = handle
        try:
            span.set_attribute("http.response.status_code", status)
            op_type, op_name = fields.get("type"), fields.get("operation")
            if op_type:
                span.update_name(f"{op_type} {op_name}" if op_name else op_type)
                span.set_attribute("graphql.operation.type", op_type)
            if op_name:
                span.set_attribute("graphql.operation.name", op_name)
            for key in ("requestId", "statements"):
                if fields.get(key) is not None:
                    span.set_attribute(f"cobuild.{'request_id' if key == 'requestId' else key}", fields[key])
            codes = fields.get("codes") or []
            if codes:
                span.set_attribute("cobuild.error_codes", list(codes))
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR, codes[0] if codes else str(status)))
        finally:
            span.end()
            otel_context.detach(token)
