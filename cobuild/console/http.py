"""``POST /admin/cypher``: the Cypher console through the running service.

The embedded store belongs to one process, so while ``cobuild serve`` runs, ``cobuild cypher`` sends
its statements here. Admin and analyst credentials only (the analyst rule is in
:mod:`cobuild.console.policy`); every statement runs read-only with the console timeout.

Request: ``{"statement": "MATCH …", "parameters": {…}, "timeout": 5, "maxRows": 100}`` (all but
``statement`` optional; ``timeout`` and ``maxRows`` may only lower ``COBUILD_CYPHER_TIMEOUT_S`` and
``COBUILD_CYPHER_MAX_ROWS``). Answer: ``{"data": {"columns", "rows", "truncated", "rowCount",
"elapsedMs"}}``, or GraphQL-style ``{"data": null, "errors": [{"message", "extensions": {"code",
"requestId"}}]}`` with ``VALIDATION`` / ``CYPHER_ERROR`` / ``READ_ONLY`` (400), ``FORBIDDEN`` (403),
``DB_BUSY`` / ``DB_UNAVAILABLE`` (503), ``TIMEOUT`` (504).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from cobuild.auth.principal import ANONYMOUS, Principal
from cobuild.config import Settings
from cobuild.console.run import ConsoleError, run_statement
from cobuild.graph.engines.base import GraphEngine
from cobuild.middleware import error_response

log = logging.getLogger("cobuild.console")
PATH = "/admin/cypher"
_STATUS = {"VALIDATION": 400, "CYPHER_ERROR": 400, "READ_ONLY": 400, "FORBIDDEN": 403, "UNAUTHENTICATED": 401,
           "DB_BUSY": 503, "DB_UNAVAILABLE": 503, "TIMEOUT": 504}


def endpoint(engine: GraphEngine, settings: Settings, on_result: Any = None) -> Any:
    """The Starlette endpoint; ``on_result(role, code)`` is told each outcome (metrics)."""

    async def admin_cypher(request: Request) -> JSONResponse:
        request_id = request.scope.get("state", {}).get("request_id", "")
        principal = request.scope.get("state", {}).get("principal") or ANONYMOUS
        assert isinstance(principal, Principal)
        code = "OK"
        try:
            response = await _answer(request, principal, engine, settings)
        except ConsoleError as exc:
            code = exc.code
            response = error_response(_STATUS.get(exc.code, 400), exc.code, exc.message, request_id, **exc.extensions)
        if on_result is not None:
            on_result(principal.role, code)
        return response

    return admin_cypher


async def _answer(request: Request, principal: Principal, engine: GraphEngine, settings: Settings) -> JSONResponse:
    if principal.role not in ("admin", "analyst"):
        hint = "send an admin or analyst API key" if principal.is_anonymous else f"role {principal.role} may not use it"
        raise ConsoleError("FORBIDDEN", f"the Cypher console is for admin and analyst credentials: {hint}")
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        raise ConsoleError("VALIDATION", "the body is not JSON; send {\"statement\": \"MATCH …\"}") from None
    if not isinstance(body, dict) or not isinstance(body.get("statement"), str):
        raise ConsoleError("VALIDATION", "send a JSON object with a `statement` string")
    params = body.get("parameters") or {}
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise ConsoleError("VALIDATION", "`parameters` must be a JSON object")
    timeout = _lowered(body.get("timeout"), settings.cypher_timeout_s, "timeout")
    max_rows = int(_lowered(body.get("maxRows"), settings.cypher_max_rows, "maxRows"))
    result = await run_statement(engine, body["statement"], role=principal.role, params=params, timeout=timeout,
                                 max_rows=max_rows)
    log.info("console statement role=%s rows=%d truncated=%s ms=%.1f", principal.role, len(result.rows),
             result.truncated, result.elapsed_ms)  # never the text: it may hold values
    return JSONResponse({"data": result.to_wire()})


def _lowered(value: Any, ceiling: float, name: str) -> float:
    if value is None:
        return ceiling
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConsoleError("VALIDATION", f"`{name}` must be a positive number")
    return min(float(value), ceiling)
