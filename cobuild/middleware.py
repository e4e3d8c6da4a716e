"""The HTTP gate in front of GraphQL (pure ASGI, so request bodies are streamed, not re-read).

In order, for every HTTP request:

1. **Request id** — ``X-Request-Id`` from the client if it is a plain token (≤ 64 of
   ``A–Z a–z 0–9 . _ : -``), else a fresh one; echoed in the response header, in GraphQL error
   extensions (``requestId``) and in the access log.
2. **Body size** — more than ``COBUILD_MAX_BODY_BYTES`` (1 MiB) → HTTP 413, ``REQUEST_TOO_LARGE``
   (checked on ``Content-Length`` and again while reading, so a chunked body cannot sneak past).
3. **Authentication** (not for ``/healthz``, ``/readyz``, ``/static/…`` and the GraphiQL page) —
   ``Authorization: Bearer <jwt>`` or ``X-API-Key: <key>`` (exactly one: both → HTTP 400,
   ``AMBIGUOUS_CREDENTIALS``) → :class:`~cobuild.auth.Principal` on ``request.state.principal``; a bad,
   expired or revoked credential → HTTP 401, ``UNAUTHENTICATED`` (a wrong credential is never
   downgraded to anonymous). No credential → the anonymous read-only principal, or 401 when
   ``COBUILD_ANONYMOUS=off``.
4. **Rate limit** — a token bucket per credential (per client IP when anonymous) → HTTP 429,
   ``RATE_LIMITED`` with ``Retry-After`` (see :mod:`cobuild.ratelimit`).
5. **Access log** — one JSON line per request (:mod:`cobuild.logs`), with the number of graph
   statements the request sent (``engine.counter.scope()`` around the request).
6. **Metrics and traces** — when an ``observer`` is given (:mod:`cobuild.observe`), it sees every
   request from start to end (refusals included).

Refusals are GraphQL-shaped JSON bodies: ``{"errors": [{"message", "extensions": {"code",
"requestId"}}]}``. An exception that escapes the application becomes HTTP 500 ``INTERNAL`` with the
request id; the log keeps the detail.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cobuild.analyst.web import PATHS as ANALYST_KIT_PATHS
from cobuild.auth.jwt import JwtVerifier, TokenError
from cobuild.auth.keys import KeyStore
from cobuild.auth.principal import ANONYMOUS, Principal
from cobuild.config import Settings
from cobuild.graph.engines.base import GraphEngine
from cobuild.logs import log_request
from cobuild.ratelimit import RateLimiter, retry_after_header

log = logging.getLogger("cobuild.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
PUBLIC_PATHS = frozenset({"/healthz", "/readyz"}) | ANALYST_KIT_PATHS  # the kit holds queries, never data
PUBLIC_PATHS |= {"/explore"}  # the explorer page: static HTML; its GraphQL requests carry the credential
PUBLIC_PREFIXES = ("/static/",)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_CAPTURE_LIMIT = 4 * 1024 * 1024  # response bytes read for the log's error codes


def is_public(scope: Scope, headers: Headers) -> bool:
    """Paths served without a credential or rate limit: health checks, browser assets and the
    GraphiQL and explorer pages themselves (static HTML; the credential goes into the page, sent with queries)."""
    path = scope["path"]
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return True
    if path == "/graphql" and scope.get("method") == "GET":
        from cobuild.http.media import wants_ide

        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        return wants_ide("GET", params, headers.get("accept"))
    return False


def error_response(status: int, code: str, message: str, request_id: str, headers: dict[str, str] | None = None,
                   **extensions: Any) -> JSONResponse:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code, "requestId": request_id, **extensions}}]}
    return JSONResponse(body, status_code=status, headers=headers)


class _Refused(Exception):
    def __init__(self, response: JSONResponse) -> None:
        self.response = response


class TrustMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings, engine: GraphEngine | None = None,
                 keys: KeyStore | None = None, jwt: JwtVerifier | None = None, limiter: RateLimiter | None = None,
                 observer: Any = None) -> None:
        self.app = app
        self.observer = observer  # cobuild.observe.Observability, or None
        self.settings = settings
        self.engine = engine
        self.keys = keys or KeyStore(settings.keys_path)
        self.jwt = jwt or JwtVerifier(settings.jwt_secret, settings.jwks_path, audience=settings.jwt_audience, issuer=settings.jwt_issuer)
        self.limiter = limiter or RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex[:16]
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        outcome: dict[str, Any] = {"status": 500, "started": False, "body": bytearray(), "capture": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
                outcome["started"] = True
                h = MutableHeaders(scope=message)
                h["x-request-id"] = request_id
                outcome["capture"] = "json" in h.get("content-type", "")
            elif message["type"] == "http.response.body" and outcome["capture"]:
                buf: bytearray = outcome["body"]
                if len(buf) < _CAPTURE_LIMIT:
                    buf.extend(message.get("body", b""))
            await send(message)

        tally_cm = self.engine.counter.scope() if self.engine is not None else None
        tally = tally_cm.__enter__() if tally_cm is not None else None
        observed = self.observer.request(scope, headers) if self.observer is not None else None
        try:
            try:
                receive = await self._limit_body(scope, receive, headers, request_id)
                if not is_public(scope, headers):
                    state["principal"] = self._authenticate(headers, request_id)
                    self._rate_limit(scope, state["principal"], request_id)
            except _Refused as refused:
                await refused.response(scope, receive, send_wrapper)
                return
            try:
                await self.app(scope, receive, send_wrapper)
            except Exception:
                log.error("unhandled error request_id=%s path=%s", request_id, scope.get("path"), exc_info=True)
                if outcome["started"]:
                    raise
                resp = error_response(500, "INTERNAL", f"internal error (request id {request_id})", request_id)
                await resp(scope, receive, send_wrapper)
        finally:
            if tally_cm is not None:
                tally_cm.__exit__(None, None, None)
            self._log(scope, state, outcome, started, tally.count if tally is not None else None)
            if observed is not None:
                observed.finish(state, outcome["status"], outcome["body"] if outcome["capture"] else b"",
                                tally.count if tally is not None else None)

    # --- steps -------------------------------------------------------------------------------
    async def _limit_body(self, scope: Scope, receive: Receive, headers: Headers, request_id: str) -> Receive:
        if scope.get("method") not in _BODY_METHODS:
            return receive
        limit = self.settings.max_body_bytes

        def too_large() -> _Refused:
            return _Refused(error_response(413, "REQUEST_TOO_LARGE", f"the request body is larger than {limit} bytes; "
                                           "send a smaller document or fewer variables", request_id, limit=limit))

        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise too_large()
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            body.extend(message.get("body", b""))
            if len(body) > limit:
                raise too_large()
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        return replay

    def _authenticate(self, headers: Headers, request_id: str) -> Principal:
        def refuse(message: str, challenge: str = 'Bearer, ApiKey header="X-API-Key"') -> _Refused:
            return _Refused(error_response(401, "UNAUTHENTICATED", message, request_id, headers={"WWW-Authenticate": challenge}))

        authorization = headers.get("authorization")
        api_key = headers.get("x-api-key")
        if authorization is not None and api_key is not None:  # which one is meant? never guess
            raise _Refused(error_response(400, "AMBIGUOUS_CREDENTIALS", "the request carries two credentials (X-API-Key and "
                                          "Authorization); send exactly one", request_id))
        try:
            if authorization is not None:
                scheme, _, token = authorization.strip().partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    raise refuse("use `Authorization: Bearer <jwt>` (or the X-API-Key header for API keys)")
                try:
                    return self.jwt.verify(token.strip())
                except TokenError as exc:
                    raise refuse(str(exc), 'Bearer error="invalid_token"') from None
            if api_key is not None:
                principal = self.keys.verify(api_key)
                if principal is None:
                    raise refuse("the API key is unknown, malformed or revoked")
                return principal
        except _Refused:
            raise
        except Exception:  # a broken key or JWKS file: the operator's problem, not the client's
            log.error("credential check failed request_id=%s", request_id, exc_info=True)
            raise _Refused(error_response(503, "AUTH_UNAVAILABLE", "credentials cannot be checked right now; try again shortly",
                                          request_id)) from None
        if self.settings.anonymous == "off":
            raise refuse("this server requires credentials: send `X-API-Key: <key>` or `Authorization: Bearer <jwt>`")
        return ANONYMOUS

    def _rate_limit(self, scope: Scope, principal: Principal, request_id: str) -> None:
        if not self.limiter.enabled:
            return
        key = principal.rate_key
        if key is None:
            client = scope.get("client")
            key = f"ip:{client[0] if client else 'unknown'}"
        wait = self.limiter.take(key)
        if wait > 0:
            retry = retry_after_header(wait)
            raise _Refused(error_response(
                429, "RATE_LIMITED",
                f"too many requests for this credential; retry after {retry} s "
                f"(limit {self.limiter.rate:g}/s, burst {self.limiter.burst})",
                request_id, headers={"Retry-After": retry}, retryAfter=int(retry)))

    def _log(self, scope: Scope, state: dict[str, Any], outcome: dict[str, Any], started: float, statements: int | None) -> None:
        try:
            fields: dict[str, Any] = {
                "requestId": state.get("request_id"),
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": outcome["status"],
                "durationMs": round((time.perf_counter() - started) * 1000, 2),
                "statements": statements,
            }
            op = state.get("graphql_operation")
            if op:
                fields["operation"] = op.get("name")
                fields["operationType"] = op.get("type")
            codes = _error_codes(bytes(outcome["body"])) if outcome["capture"] else []
            if codes:
                fields["errorCodes"] = codes
            principal = state.get("principal")
            if isinstance(principal, Principal):
                fields.update(principal.log_fields())
            log_request(fields)
        except Exception:  # pragma: no cover - logging must never fail a request
            log.exception("access log failed")


def _error_codes(body: bytes) -> list[str]:
    if b'"errors"' not in body:
        return []
    try:
        doc = json.loads(body)
    except ValueError:
        return []
    codes: list[str] = []
    for e in doc.get("errors") or [] if isinstance(doc, dict) else []:
        code = (e.get("extensions") or {}).get("code") if isinstance(e, dict) else None
        if isinstance(code, str) and code not in codes:
            codes.append(code)
    return codes
