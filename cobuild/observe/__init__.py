"""Observation of the running service: Prometheus metrics (:mod:`.metrics`) and OpenTelemetry traces
(:mod:`.tracing`, only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set).

Two hooks feed both: the HTTP gate (:class:`cobuild.middleware.TrustMiddleware`) calls
:meth:`Observability.request` around every request, and the engine calls :meth:`Observability.statement`
around every graph statement (``engine.counter.observer``, see :mod:`cobuild.graph.engines.base`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from typing import Any, Iterator, Mapping

from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode

from cobuild.config import Settings
from cobuild.graph.cypher import Statement

TRACING_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"


class Observability:
    def __init__(self, metrics: Any = None, tracing: Any = None) -> None:
        self.metrics = metrics  # cobuild.observe.metrics.Metrics | None
        self.tracing = tracing  # cobuild.observe.tracing.Tracing | None

    @property
    def active(self) -> bool:
        return self.metrics is not None or self.tracing is not None

    # --- statements (engine hook) -----------------------------------------------------------
    @contextlib.contextmanager
    def statement(self, stmt: Statement, engine: str, mode: str) -> Iterator[None]:
        with contextlib.ExitStack() as stack:
            if self.tracing is not None:
                stack.enter_context(self.tracing.statement(stmt.label, engine, mode))
            if self.metrics is not None:
                stack.enter_context(self.metrics.statement(stmt.label, engine, mode))
            yield

    # --- requests (middleware hook) ---------------------------------------------------------
    def request(self, scope: Mapping[str, Any], headers: Mapping[str, str]) -> "RequestObservation":
        route = self.metrics.route(scope.get("path", "")) if self.metrics is not None else scope.get("path", "")
        trace_handle = (self.tracing.start_request(scope.get("method", ""), route, headers)
                        if self.tracing is not None else None)
        return RequestObservation(self, route, trace_handle)


class RequestObservation:
    __slots__ = ("obs", "route", "trace", "started")

    def __init__(self, obs: Observability, route: str, trace_handle: Any) -> None:
        self.obs = obs
        self.route = route
        self.trace = trace_handle
        self.started = time.perf_counter()

    def finish(self, state: Mapping[str, Any], status: int, body: bytes | bytearray, statements: int | None) -> None:
        """Record the request (never raises: observation must not fail a request)."""
        try:
            elapsed = time.perf_counter() - self.started
            errors = _errors(body)
            codes = list(dict.fromkeys(c for _path, c in errors if c))
            op = state.get("graphql_operation") or {}
            m = self.obs.metrics
            if m is not None:
                self._metrics(m, state, op, status, errors, codes, elapsed, statements)
            if self.trace is not None:
                principal = state.get("principal")
                self.obs.tracing.end_request(self.trace, status, {
                    "type": op.get("type"), "operation": op.get("name"), "requestId": state.get("request_id"),
                    "statements": statements, "codes": codes, "role": getattr(principal, "role", None)})
                self.trace = None
        except Exception:  # pragma: no cover - defensive
            logging.getLogger("cobuild.observe").exception("request observation failed")

    def _metrics(self, m: Any, state: Mapping[str, Any], op: Mapping[str, Any], status: int,
                 errors: list[tuple[Any, str]], codes: list[str], elapsed: float, statements: int | None) -> None:
        m.http_requests(self.route, str(status)).inc()
        m.http_latency(self.route).observe(elapsed)
        if status == 429:
            principal = state.get("principal")
            m.rate_limited(getattr(principal, "method", None) or "anonymous").inc()
        m.refresh_memory()
        m.flush_gc()
        if self.route != "/graphql" or (not op and not codes):
            return  # not a GraphQL answer (GraphiQL's page, a static file)
        name, kind = m.operation(op.get("name")), m.op_type(op.get("type"))
        m.gql_requests(name, kind, m.code(codes[0] if codes else None)).inc()
        m.gql_latency(name, kind).observe(elapsed)
        if statements is not None and op:
            m.statements_per_request(name).observe(statements)
        request_code = next((c for path, c in errors if not path), None)
        by_key: dict[str, str] = {}
        for path, c in errors:
            if path and isinstance(path[0], str):
                by_key.setdefault(path[0], c)
        for key, field in root_fields(op):
            code = request_code or by_key.get(key)
            m.root_field_calls(m.root_field(field), m.code(code)).inc()


def root_fields(op: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(response key, field name) of each root field of the operation that ran (fragments followed)."""
    definition, document = op.get("definition"), op.get("document")
    if definition is None:
        return []
    fragments = {d.name.value: d for d in getattr(document, "definitions", ()) if d.kind == "fragment_definition"}
    out: list[tuple[str, str]] = []

    def walk(selection_set: Any, depth: int) -> None:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                out.append(((sel.alias or sel.name).value, sel.name.value))
            elif depth < 4 and isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set, depth + 1)
            elif depth < 4 and isinstance(sel, FragmentSpreadNode) and sel.name.value in fragments:
                walk(fragments[sel.name.value].selection_set, depth + 1)

    walk(definition.selection_set, 0)
    return out


def _errors(body: bytes | bytearray) -> list[tuple[Any, str]]:
    """(path, code) of each error in a JSON answer; [] when there are none (or it is not JSON)."""
    if not body or b'"errors"' not in body:
        return []
    try:
        doc = json.loads(bytes(body))
    except ValueError:
        return []
    out: list[tuple[Any, str]] = []
    for e in (doc.get("errors") or []) if isinstance(doc, dict) else []:
        if isinstance(e, dict):
            code = (e.get("extensions") or {}).get("code")
            out.append((e.get("path"), code if isinstance(code, str) else "INTERNAL"))
    return out


def build(settings: Settings, engine: Any, *, routes: frozenset[str] = frozenset(),
          root_fields: frozenset[str] = frozenset()) -> Observability:
    """Metrics unless switched off everywhere; tracing only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set
    (otherwise opentelemetry is never imported)."""
    metrics = None
    if settings.metrics != "off" or settings.metrics_port is not None:
        from cobuild.observe.metrics import Metrics

        metrics = Metrics(engine=engine, max_operations=settings.metrics_max_operations, routes=routes,
                          root_fields=root_fields)
    tracing = None
    if os.environ.get(TRACING_ENV):
        from cobuild.observe.tracing import Tracing, provider_from_env

        tracing = Tracing(provider_from_env())
    return Observability(metrics, tracing)
