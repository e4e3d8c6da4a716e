"""CORS for browser apps on other origins: an allow-list (``COBUILD_CORS_ORIGINS``), nothing by default.

Starlette's ``CORSMiddleware`` does the protocol; cobuild adds what its clients need:

* it wraps the whole application, so every answer to a listed origin carries the CORS headers —
  ``/healthz``, ``/readyz``, static files, and the trust middleware's refusals (401, 413, 429) too,
  which a browser app must be able to read to show the error;
* credentials are allowed for listed origins (the origin is echoed, never ``*``), preflights are
  cached by the browser for ``COBUILD_CORS_MAX_AGE`` seconds, ``X-Request-Id`` and ``Retry-After``
  are readable from scripts;
* a refused preflight answers a GraphQL-shaped body with ``CORS_PREFLIGHT_REJECTED`` saying what was
  refused (origin, method or header), and an unlisted origin gets no CORS headers at all.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Send

ALLOWED_METHODS = ("GET", "POST")
ALLOWED_HEADERS = (
    "Authorization", "X-API-Key", "X-Request-Id", "Idempotency-Key",
    # sent by Apollo Client / urql when configured; harmless to allow
    "apollographql-client-name", "apollographql-client-version", "apollo-require-preflight",
)
EXPOSED_HEADERS = ("X-Request-Id", "Retry-After")


class CorsMiddleware(CORSMiddleware):
    def __init__(self, app: ASGIApp, *, origins: list[str], max_age: int) -> None:
        super().__init__(app, allow_origins=origins, allow_methods=ALLOWED_METHODS, allow_headers=ALLOWED_HEADERS,
                         allow_credentials=True, expose_headers=EXPOSED_HEADERS, max_age=max_age)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        from cobuild.middleware import error_response

        reasons = []
        origin = request_headers.get("origin", "")
        if not self.is_allowed_origin(origin):
            reasons.append(f"origin {origin!r} is not in COBUILD_CORS_ORIGINS")
        method = request_headers.get("access-control-request-method", "")
        if method not in ALLOWED_METHODS:
            reasons.append(f"method {method!r} is not allowed (GET, POST)")
        requested = [h.strip().lower() for h in (request_headers.get("access-control-request-headers") or "").split(",")]
        refused = [h for h in requested if h and h not in self.allow_headers]
        if refused:
            reasons.append(f"header(s) {', '.join(refused)} not allowed")
        if not reasons:
            reasons.append(response.body.decode("utf-8", "replace"))
        headers: dict[str, Any] = {"Vary": self.preflight_headers["Vary"]}
        request_id = uuid.uuid4().hex[:16]
        resp = error_response(response.status_code, "CORS_PREFLIGHT_REJECTED", "CORS preflight refused: " + "; ".join(reasons),
                              request_id, headers={**headers, "X-Request-Id": request_id})
        return resp

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        """Only a listed origin gets CORS headers; every cross-origin answer varies by Origin."""
        origin = request_headers.get("origin")
        if message["type"] == "http.response.start" and origin is not None and not self.is_allowed_origin(origin):
            message.setdefault("headers", [])
            MutableHeaders(scope=message).append("Vary", "Origin")
            await send(message)
            return
        await super().send(message, send, request_headers)
