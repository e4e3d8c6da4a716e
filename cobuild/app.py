"""The Starlette application: GraphQL at /graphql (GraphiQL in a browser), /healthz, /readyz."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from cross_web import HTTPException
from strawberry.asgi import GraphQL

from cobuild.analyst.web import analyst_routes
from cobuild.config import Settings
from cobuild.errors import EngineError
from cobuild.graph.engines import GraphEngine, make_engine
from cobuild.graph.migrate import applied_version
from cobuild.graph import model
from cobuild.logs import configure_logging
from cobuild.middleware import TrustMiddleware, error_response
from cobuild.schema import build_schema
from cobuild.schema.context import Context


_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


class CobuildGraphQL(GraphQL):
    """Strawberry's ASGI app with cobuild's per-request context."""

    def __init__(self, engine: GraphEngine, settings: Settings, **kwargs: Any) -> None:
        super().__init__(build_schema(), graphql_ide="graphiql", **kwargs)
        self.engine = engine
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry answers a request it cannot read (no query, body not JSON, wrong method) in plain
        text; cobuild answers GraphQL-shaped JSON with a stable code (``BAD_REQUEST`` …), same status."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            request_id = (scope.get("state") or {}).get("request_id") or uuid.uuid4().hex[:16]
            response = error_response(exc.status_code, _HTTP_CODES.get(exc.status_code, "BAD_REQUEST"), exc.reason,
                                      request_id)
        await response(scope, receive, send)

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
        if owns_engine:
            with contextlib.suppress(EngineError):  # start anyway; /readyz says 503 until it is back
                await engine.open()
        yield
        if owns_engine:
            await engine.close()

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
    app = Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz), Route("/graphql", graphql, methods=["GET", "POST"]),
                *analyst_routes()],
        lifespan=lifespan,
        middleware=[Middleware(TrustMiddleware, settings=settings, engine=engine)],
    )
    app.state.engine = engine
    app.state.settings = settings
    return app
