"""``/graphql`` per the GraphQL-over-HTTP spec, on Strawberry's schema execution.

* **Methods.** ``POST`` (``Content-Type: application/json``) runs queries and mutations; ``GET`` runs
  queries from the query string (``query``, ``variables``, ``operationName``, ``extensions``); a
  mutation over GET is ``405 METHOD_NOT_ALLOWED`` with ``Allow: POST``; any other method is ``405``
  with ``Allow: GET, POST`` (``OPTIONS`` answers 204 with that ``Allow``). A browser asking for HTML
  with no query gets the GraphiQL page.
* **Media types.** ``application/graphql-response+json`` when the client's ``Accept`` prefers it
  (a request that fails before execution — parse, validation, limits, persisted documents, unknown
  operation — then answers ``400`` without ``data``); ``application/json`` otherwise (those errors
  answer ``200`` with ``"data": null``, as before). ``Accept`` naming neither is ``406 NOT_ACCEPTABLE``.
* **Operations.** A document with several operations needs ``operationName`` (``OPERATION_NAME_REQUIRED``);
  a name that matches none is ``OPERATION_NOT_FOUND``.
* **Persisted documents.** APQ and ``documentId`` are resolved first (:mod:`cobuild.http.persisted`).
* **Bad input.** Reading is strict (:mod:`cobuild.http.body`): bad UTF-8 or a lone surrogate anywhere is
  ``400 INVALID_UNICODE``, as is a GraphQL string escape that is not Unicode (``"\\ud800"``).

Every refusal is a GraphQL-shaped body with ``extensions.code`` and ``requestId``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from graphql.language import OperationDefinitionNode
from graphql.language import OperationType as AstOperationType
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from cobuild.config import Settings
from cobuild.execution import CompiledExecutor
from cobuild.http.body import (
    GraphQLParams,
    RequestRefused,
    bad_request,
    content_type_is_json,
    from_mapping,
    loads,
    query_string_params,
)
from cobuild.http.media import GRAPHQL_RESPONSE_JSON, JSON, answer, negotiate, wants_ide
from cobuild.http.persisted import AllowList, ApqCache, resolve
from cobuild.limits import Limits, _parse_cached, lexical_stats_cached, query_hash
from cobuild.web.assets import WebAssets
from cobuild.web.pages import GRAPHIQL, render

ALLOW = "GET, POST"
def _request_id(scope: Scope) -> str:
    return (scope.get("state") or {}).get("request_id") or uuid.uuid4().hex[:16]


def refusal(refused: RequestRefused, media: str, request_id: str) -> Response:
    """A GraphQL-shaped error body; ``data`` only under the legacy ``application/json``."""
    error = {"message": refused.message, "extensions": {"code": refused.code, "requestId": request_id, **refused.extensions}}
    body: dict[str, Any] = {"errors": [error]} if media == GRAPHQL_RESPONSE_JSON else {"data": None, "errors": [error]}
    status = refused.status if media == GRAPHQL_RESPONSE_JSON else refused.legacy_status
    return Response(json.dumps(body, separators=(",", ":")), status_code=status, media_type=media, headers=refused.headers)


class GraphQLView(GraphQL):
    """Strawberry's ASGI view with cobuild's HTTP layer (see the module docstring)."""

    def __init__(self, schema: Any, settings: Settings, **kwargs: Any) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True, **kwargs)
        self.settings = settings
        self.allow_list = AllowList(settings.persisted_queries_path)
        self.apq = ApqCache(settings.apq_cache_entries)
        self.assets = WebAssets(settings.web_dir)
        # compiled execution of repeated read-only queries (cobuild.execution; COBUILD_COMPILED_EXECUTION)
        self.compiled = CompiledExecutor(schema, settings) if settings.compiled_execution else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        media = negotiate(request.headers.get("accept"))
        try:
            response = await self.handle(request, media)
        except RequestRefused as refused:
            response = refusal(refused, media or JSON, _request_id(scope))
        except HTTPException as exc:  # from Strawberry internals; should not happen, but stays GraphQL-shaped
            response = refusal(RequestRefused(exc.status_code, "BAD_REQUEST", exc.reason), media or JSON, _request_id(scope))
        await response(scope, receive, send)

    async def render_graphql_ide(self, request: Request) -> Response:  # type: ignore[override]
        return render(GRAPHIQL, self.assets, {"endpoint": request.url.path})

    # --- the request ---------------------------------------------------------------------------
    async def handle(self, request: Request, media: str | None) -> Response:
        method = request.method
        if method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": f"{ALLOW}, OPTIONS"})
        if method not in ("GET", "POST"):
            raise RequestRefused(405, "METHOD_NOT_ALLOWED", f"{method} is not supported on {request.url.path}: send queries "
                                 "with GET or POST and mutations with POST", headers={"Allow": ALLOW})
        if method == "GET":
            query_params = query_string_params(request.scope.get("query_string", b""))
            if wants_ide(method, query_params, request.headers.get("accept")):
                return await self.render_graphql_ide(request)
        if media is None:
            raise RequestRefused(406, "NOT_ACCEPTABLE", "this endpoint answers application/graphql-response+json or "
                                 "application/json; send an Accept header that allows one of them")
        if method == "GET":
            params = from_mapping(query_params, from_query_string=True)
        else:
            if not content_type_is_json(request.headers.get("content-type")):
                raise RequestRefused(415, "UNSUPPORTED_MEDIA_TYPE", "send the request body as JSON with "
                                     "`Content-Type: application/json`", headers={"Accept-Post": "application/json"})
            params = from_mapping(loads(await request.body(), "request body"), from_query_string=False)
        return await self.execute_params(request, params, media)

    async def execute_params(self, request: Request, params: GraphQLParams, media: str) -> Response:
        settings = self.settings
        resolved = resolve(params, self.allow_list, self.apq, settings.persisted_only)
        query = resolved.query
        if not query:
            raise bad_request("no GraphQL document: send `query` (or a persisted document's id)")
        state = request.scope.setdefault("state", {})
        if resolved.from_allow_list:
            state["persisted_document"] = True  # QueryLimits admits it in persisted-only mode
        self.check_operation(query, params.operation_name, request.method, resolved.from_allow_list)
        if self.compiled is not None:  # None: no plan, or Strawberry must answer this request
            compiled = await self.compiled.execute(self, request, query, params, media)
            if compiled is not None:
                return compiled

        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, sub_response)
        allowed = {OperationType.QUERY, OperationType.MUTATION} if request.method == "POST" else {OperationType.QUERY}
        try:
            result = await self.schema.execute(
                query, variable_values=params.variables, context_value=context, root_value=None,
                operation_name=params.operation_name, allowed_operation_types=allowed,
                operation_extensions=params.extensions)
        except InvalidOperationTypeError:
            raise _get_mutation() from None
        except CannotGetOperationTypeError as exc:
            raise RequestRefused(400, "OPERATION_NOT_FOUND", exc.as_http_error_reason(), legacy_status=200) from None
        except MissingQueryError:
            raise bad_request("no GraphQL document: send `query` (or a persisted document's id)") from None
        data = await self.process_result(request, result)
        return self.respond(dict(data), sub_response, media)

    def check_operation(self, query: str, operation_name: str | None, method: str, from_allow_list: bool) -> None:
        """Refuse before execution what the spec says to: an ambiguous or unknown operation, a
        mutation over GET, a string escape that is not Unicode. Documents the limits will refuse
        anyway (too many tokens, too deep, not persisted) are left to them unparsed."""
        limits = Limits.from_settings(self.settings)
        if limits.persisted_only and not from_allow_list and query_hash(query) not in limits.persisted_hashes:
            return
        tokens, nesting = lexical_stats_cached(query, limits.max_tokens)
        if tokens > limits.max_tokens or nesting > limits.max_nesting:
            return
        try:
            document = _parse_cached(query, limits.max_tokens)
        except GraphQLError as exc:
            if "Invalid Unicode escape sequence" in exc.message:
                raise RequestRefused(400, "INVALID_UNICODE", exc.message.removeprefix("Syntax Error: ") +
                                     " — a \\u escape must be a Unicode scalar value (a surrogate only as half of a pair)",
                                     locations=[{"line": loc.line, "column": loc.column} for loc in exc.locations or []]) from None
            return  # other syntax errors: Strawberry reports them
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        names = [o.name.value if o.name else "(anonymous)" for o in operations]
        if operation_name is None:
            if len(operations) > 1:
                raise RequestRefused(400, "OPERATION_NAME_REQUIRED", f"the document holds {len(operations)} operations "
                                     f"({', '.join(names)}); say which one to run with `operationName`",
                                     legacy_status=200, operations=names)
            chosen = operations[0] if operations else None
        else:
            chosen = next((o for o in operations if o.name is not None and o.name.value == operation_name), None)
            if chosen is None and operations:
                raise RequestRefused(400, "OPERATION_NOT_FOUND", f"`operationName` {operation_name!r} names no operation "
                                     f"in the document (it holds {', '.join(names)})", legacy_status=200, operations=names)
        if chosen is not None and chosen.operation == AstOperationType.SUBSCRIPTION:
            raise RequestRefused(400, "WEBSOCKET_REQUIRED", "subscriptions run over WebSocket on this path (protocol "
                                 "graphql-transport-ws, docs/live.md); over HTTP, page the change feed with changesSince",
                                 legacy_status=200)
        if chosen is not None and chosen.operation != AstOperationType.QUERY and method == "GET":
            raise _get_mutation(chosen.operation.value)

    def respond(self, data: dict[str, Any], sub_response: Response, media: str) -> Response:
        status = 200
        errors = data.get("errors") or []
        if media == GRAPHQL_RESPONSE_JSON and data.get("data") is None and errors \
                and not any(isinstance(e, dict) and e.get("path") for e in errors):
            data.pop("data", None)  # a request error: execution never started (spec: no `data`, 4xx)
            status = 400
        return answer(self.encode_json(data), sub_response, media, status)


def _get_mutation(kind: str = "mutation") -> RequestRefused:
    return RequestRefused(405, "METHOD_NOT_ALLOWED", f"a {kind} cannot be sent with GET (GET is for queries only, so "
                          "caches and prefetching never change data); send it with POST", headers={"Allow": "POST"})
