"""The Starlette application: GraphQL at /graphql (GraphiQL in a browser), /healthz, /readyz, /static/…,
/metrics (Prometheus, credentials per ``COBUILD_METRICS``) and /admin/cypher (the read-only Cypher console)."""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute

from cobuild.analyst.web import analyst_routes
from cobuild.config import Settings
from cobuild.errors import EngineError
from cobuild.graph.admission import admission_for
from cobuild.graph.engines import GraphEngine, make_engine
from cobuild.graph.engines.base import request_timeout
from cobuild.graph.migrate import applied_version
from cobuild.graph import model
from cobuild.http.cors import CorsMiddleware
from cobuild.http.view import GraphQLView
from cobuild.live.protocol import LiveWebSockets
from cobuild.logs import configure_logging
from cobuild.middleware import TrustMiddleware, error_response
from cobuild import observe
from cobuild.observe import gcpause
from cobuild.schema.root import build_schema
from cobuild.schema.context import Context
from cobuild.web.explore import explore_routes
from cobuild.web.pages import static_routes


class CobuildGraphQL(LiveWebSockets, GraphQLView):
    """The GraphQL-over-HTTP view (:mod:`cobuild.http.view`) with cobuild's per-request context, and
    subscriptions over WebSocket on the same path (:mod:`cobuild.live.protocol`)."""

    def __init__(self, engine: GraphEngine, settings: Settings, **kwargs: Any) -> None:
        super().__init__(build_schema(), settings, **kwargs)
        self.engine = engine
        self.setup_live(engine, settings)

    async def execute_params(self, request: Any, params: Any, media: str) -> Any:
        with request_timeout(self.settings.query_timeout_s):  # bounds every mutation's unit of work too
            return await super().execute_params(request, params, media)

    async def get_context(self, request: Any, response: Any = None) -> Context:  # type: ignore[override]
        return Context(
            engine=self.engine,
            settings=self.settings,
            request=request,
            response=response,
            request_id=getattr(request.state, "request_id", None) or uuid.uuid4().hex[:16],
            viewer=getattr(request.state, "principal", None),  # set by TrustMiddleware; None = anonymous
        )


def create_app(settings: Settings | None = None, engine: GraphEngine | None = None) -> Starlette:
    """Build the service. Tests pass an already-open ``engine``; otherwise one is made from settings."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    owns_engine = engine is None
    engine = engine or make_engine(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        clock = None
        if owns_engine:  # the service itself (tests hand in their engine and share one process)
            with contextlib.suppress(EngineError):  # start anyway; /readyz says 503 until it is back
                await engine.open()
            if settings.gc_freeze:
                gcpause.freeze_startup_objects()
            if obs.metrics is not None:
                clock = obs.metrics.gc_clock = gcpause.PauseClock()
        yield
        if clock is not None:
            clock.close()
            obs.metrics.gc_clock = None
        await graphql.live_hub.close()
        if owns_engine:
            await engine.close()
        if obs.metrics is not None and obs.metrics.multiprocess:  # this worker's live gauges end with it
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid())

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        try:
            await engine.ping()
            version, _fp = await applied_version(engine)
        except EngineError:
            return JSONResponse({"status": "unavailable", "store": engine.name}, status_code=503)
        if version < model.SCHEMA_VERSION:
            return JSONResponse(
                {"status": "migrations pending", "store": engine.name, "schemaVersion": version,
                 "expected": model.SCHEMA_VERSION, "fix": "run `cobuild migrate`"},
                status_code=503,
            )
        return JSONResponse({"status": "ready", "store": engine.name, "schemaVersion": version})

    graphql = CobuildGraphQL(engine, settings)
    # /graphql takes every method: the view answers 405 METHOD_NOT_ALLOWED in a GraphQL-shaped body itself
    routes = [Route("/healthz", healthz), Route("/readyz", readyz), Route("/graphql", graphql),
              WebSocketRoute("/graphql", graphql),  # subscriptions: cobuild.live
              *static_routes(graphql.assets), *explore_routes(graphql.assets)]
    obs = observe.build(settings, engine, root_fields=_root_fields(graphql))
    routes += _ops_routes(settings, engine, obs)
    engine.counter.observer = obs if obs.active else None  # the latest app over this engine observes it
    engine.admission = admission_for(engine, settings.heavy_slots, settings.heavy_wait_s, workers=settings.workers,
                                     observer=obs.metrics)  # heavy questions' slots (cobuild.graph.admission)
    app = Starlette(
        routes=[*routes, *analyst_routes()],
        lifespan=lifespan,
        # CORS outermost: its headers reach every answer, the trust middleware's refusals included
        middleware=[Middleware(CorsMiddleware, origins=settings.cors_origin_list, max_age=settings.cors_max_age),
                    Middleware(TrustMiddleware, settings=settings, engine=engine,
                               observer=obs if obs.active else None)],
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.observability = obs
    if obs.metrics is not None:  # the label values of `route`: every path the app serves (mounts as prefixes)
        obs.metrics.routes = frozenset(r.path + ("/" if isinstance(r, Mount) else "") for r in app.routes
                                       if isinstance(r, (Route, Mount)))
    return app


def _root_fields(graphql: CobuildGraphQL) -> frozenset[str]:
    schema = graphql.schema._schema  # type: ignore[attr-defined]
    return frozenset(f for t in (schema.query_type, schema.mutation_type) if t is not None for f in t.fields)


def _ops_routes(settings: Settings, engine: GraphEngine, obs: observe.Observability) -> list[Route]:
    """/metrics (unless ``COBUILD_METRICS=off``) and /admin/cypher."""
    from cobuild.console import http as console_http

    metrics = obs.metrics
    on_console = (lambda role, code: metrics.console(role, code).inc()) if metrics is not None else None
    routes = [Route(console_http.PATH, console_http.endpoint(engine, settings, on_console), methods=["POST"])]
    if metrics is not None and settings.metrics != "off":
        allowed = ("admin",) if settings.metrics == "admin" else ("admin", "analyst")

        async def metrics_endpoint(request: Request) -> Response:
            principal = request.scope.get("state", {}).get("principal")
            if getattr(principal, "role", None) not in allowed:
                return error_response(403, "FORBIDDEN", f"/metrics needs {' or '.join(allowed)} credentials "
                                      "(COBUILD_METRICS), or scrape COBUILD_METRICS_PORT",
                                      request.scope.get("state", {}).get("request_id", ""))
            body, content_type = metrics.exposition()
            return Response(body, media_type=content_type)

        routes.append(Route("/metrics", metrics_endpoint))
    return routes
