"""``graphql-transport-ws`` on ``/graphql``: Strawberry's protocol handler with cobuild's gate.

The HTTP gate (:class:`cobuild.middleware.TrustMiddleware`) passes WebSocket scopes through; this
handler is their gate. A browser handshake from another origin is refused (HTTP 403) unless the
origin is in ``COBUILD_CORS_ORIGINS``. A connection then goes through, in order:

1. **Slot.** At most ``COBUILD_LIVE_MAX_CONNECTIONS`` open connections per process; one more is
   accepted and closed at once with **1013** (*Try Again Later*, RFC 6455's code for a server
   overload — graphql-ws clients retry it with back-off). 0 turns subscriptions off.
2. **``connection_init``** within ``COBUILD_LIVE_INIT_TIMEOUT_S`` (else **4408**, the protocol's
   *Connection initialisation timeout*). Its payload carries the credential — ``{"apiKey": "cbk_…"}``
   or ``{"authorization": "Bearer <jwt>"}`` (browsers cannot set headers on a WebSocket); without
   one, the handshake's own ``X-API-Key`` / ``Authorization`` headers are used, else the anonymous
   principal (unless ``COBUILD_ANONYMOUS=off``). Checked by the same :class:`~cobuild.auth.KeyStore`
   and :class:`~cobuild.auth.jwt.JwtVerifier` as HTTP requests. Refusals close the socket:

   ====== ============================================================================================
   4400   the payload is not an object, a credential is not a string, or two credentials are given
          (``AMBIGUOUS_CREDENTIALS``) — the protocol's *bad request*
   4403   the credential is unknown, malformed, revoked or expired, or credentials are required
          (``UNAUTHENTICATED``) — the protocol's *Forbidden*, what Strawberry sends when a connection
          is rejected
   4429   a second ``connection_init`` (the protocol's *Too many initialisation requests*)
   4500   the credentials cannot be checked right now (a broken key or JWKS file: ``AUTH_UNAVAILABLE``)
   ====== ============================================================================================

   The reason text starts with the code (``UNAUTHENTICATED: the API key is unknown, …``; at most 123
   bytes, the WebSocket limit). ``connection_ack`` carries ``{"role", "maxSubscriptions",
   "keepAliveS"}``.
3. **``subscribe``** before the ack closes with **4401** (*Unauthorized*, the protocol's rule). Only
   subscription operations run here — queries and mutations go over HTTP, through its rate limit and
   access log (error ``WEBSOCKET_SUBSCRIPTIONS_ONLY``); at most ``COBUILD_LIVE_MAX_SUBSCRIPTIONS``
   active per connection (error ``TOO_MANY_SUBSCRIPTIONS``; the connection stays open).
4. **Keep-alive.** Clients may ``ping`` at any time (answered ``pong``); the server sends a ``ping``
   every ``COBUILD_LIVE_KEEPALIVE_S`` so proxies keep an idle connection open (uvicorn's WebSocket-level
   pings find dead peers). On the same beat the credential is checked again: a revoked API key or an
   expired token closes the connection with **4403**.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from typing import Any

import jwt as pyjwt
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from strawberry.http.websocket_origin import normalize_allowed_origins
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from cobuild.auth.jwt import LEEWAY_S, JwtVerifier, TokenError
from cobuild.auth.keys import KeyStore
from cobuild.auth.principal import ANONYMOUS, Principal
from cobuild.live.hub import LiveHub
from cobuild.logs import log_request

log = logging.getLogger("cobuild.live")

BAD_REQUEST, FORBIDDEN, UNAUTHORIZED, TOO_MANY_INITS, INTERNAL, TRY_AGAIN_LATER = 4400, 4403, 4401, 4429, 4500, 1013


class Refused(Exception):
    def __init__(self, close_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.close_code = close_code
        self.reason = f"{code}: {message}".encode()[:123].decode("utf-8", "ignore")


def _payload_credential(payload: dict[str, Any], headers: Any) -> tuple[str, str] | None:
    """``("api_key", key)`` / ``("jwt", token)`` from the payload, else from the handshake headers."""
    lowered = {str(k).lower(): v for k, v in payload.items()}
    api_key = lowered.get("apikey", lowered.get("x-api-key"))
    authorization = lowered.get("authorization")
    if api_key is None and authorization is None and headers is not None:
        api_key, authorization = headers.get("x-api-key"), headers.get("authorization")
    if api_key is not None and authorization is not None:
        raise Refused(BAD_REQUEST, "AMBIGUOUS_CREDENTIALS", "two credentials (apiKey and authorization); send exactly one")
    if api_key is not None:
        if not isinstance(api_key, str):
            raise Refused(BAD_REQUEST, "BAD_REQUEST", "apiKey must be a string")
        return "api_key", api_key
    if authorization is not None:
        if not isinstance(authorization, str):
            raise Refused(BAD_REQUEST, "BAD_REQUEST", "authorization must be a string: 'Bearer <jwt>'")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused(FORBIDDEN, "UNAUTHENTICATED", "use {\"authorization\": \"Bearer <jwt>\"} or {\"apiKey\": \"cbk_…\"}")
        return "jwt", token.strip()
    return None


class Gate:
    """Credentials for WebSockets, checked like HTTP requests' (same key file, same JWT rules)."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.keys = KeyStore(settings.keys_path)
        self.jwt = JwtVerifier(settings.jwt_secret, settings.jwks_path, audience=settings.jwt_audience,
                               issuer=settings.jwt_issuer)

    def authenticate(self, credential: tuple[str, str] | None) -> tuple[Principal, float | None]:
        """The principal and, for a token, when it expires (epoch seconds)."""
        try:
            if credential is None:
                if self.settings.anonymous == "off":
                    raise Refused(FORBIDDEN, "UNAUTHENTICATED", "this server requires credentials: send "
                                  "{\"apiKey\": …} or {\"authorization\": \"Bearer …\"} in connection_init")
                return ANONYMOUS, None
            kind, secret = credential
            if kind == "api_key":
                principal = self.keys.verify(secret)
                if principal is None:
                    raise Refused(FORBIDDEN, "UNAUTHENTICATED", "the API key is unknown, malformed or revoked")
                return principal, None
            try:
                principal = self.jwt.verify(secret)
            except TokenError as exc:
                raise Refused(FORBIDDEN, "UNAUTHENTICATED", str(exc)) from None
            exp = pyjwt.decode(secret, options={"verify_signature": False}).get("exp")
            return principal, (float(exp) + LEEWAY_S) if isinstance(exp, (int, float)) else None
        except Refused:
            raise
        except Exception:  # a broken key or JWKS file: the operator's problem, not the client's
            log.error("live: credential check failed", exc_info=True)
            raise Refused(INTERNAL, "AUTH_UNAVAILABLE", "credentials cannot be checked right now; try again shortly") from None

    def still_valid(self, credential: tuple[str, str] | None, expires_at: float | None) -> str | None:
        """Why an accepted credential no longer holds (revoked key, expired token), or None."""
        if expires_at is not None and time.time() > expires_at:
            return "the bearer token has expired"
        if credential is not None and credential[0] == "api_key":
            with contextlib.suppress(Exception):  # a file being rewritten: check again on the next beat
                if self.keys.verify(credential[1]) is None:
                    return "the API key was revoked"
        return None


def _operation_type(query: Any, operation_name: Any) -> OperationType | None:
    """The operation's type, or None when the document does not parse (Strawberry reports that)."""
    try:
        document = parse(query) if isinstance(query, str) else None
    except GraphQLError:
        return None
    if document is None:
        return None
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = next((o for o in ops if operation_name is None or (o.name and o.name.value == operation_name)), None)
    return chosen.operation if chosen is not None else None


class LiveProtocol(BaseGraphQLTransportWSHandler):
    """Strawberry's graphql-transport-ws handler with cobuild's gate (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hub: LiveHub = self.view.live_hub
        self.gate: Gate = self.view.live_gate
        self.settings = self.hub.settings
        self.credential: tuple[str, str] | None = None
        self.expires_at: float | None = None
        self.beat: asyncio.Task[None] | None = None
        self.closed_with: int | None = None
        self.subscriptions = 0  # started on this connection (for the access log)
        extras = getattr(self.context, "extras", None)
        if isinstance(extras, dict):
            extras["live_hub"] = self.hub

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = self.closed_with or code
        with contextlib.suppress(Exception):  # already closed by the peer or by the protocol
            await self.websocket.close(code=code, reason=reason)

    async def handle(self) -> None:
        if not self.hub.acquire_connection():
            n = self.settings.live_max_connections
            await self.close(TRY_AGAIN_LATER, f"TRY_AGAIN_LATER: this server holds its {n} live connections; retry later"
                             if n else "SUBSCRIPTIONS_OFF: live subscriptions are turned off on this server")
            return
        started = time.perf_counter()
        try:
            await super().handle()
        finally:
            self.hub.release_connection()
            if self.beat is not None:
                self.beat.cancel()
            self._log(started)

    def _log(self, started: float) -> None:
        """One access-log line per WebSocket, when it ends (HTTP requests have theirs)."""
        fields: dict[str, Any] = {"requestId": getattr(self.context, "request_id", None), "method": "WEBSOCKET",
                                  "path": "/graphql", "status": 101, "durationMs": round((time.perf_counter() - started) * 1000, 2),
                                  "operationType": "subscription", "subscriptions": self.subscriptions,
                                  "closeCode": self.closed_with}
        principal = getattr(self.context, "viewer", None)
        if isinstance(principal, Principal):
            fields.update(principal.log_fields())
        with contextlib.suppress(Exception):
            log_request(fields)

    async def handle_connection_init(self, message: Any) -> None:
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload")
        payload = {} if payload is None else payload
        if not isinstance(payload, dict):
            await self.close(BAD_REQUEST, "BAD_REQUEST: the connection_init payload must be an object")
            return
        if self.connection_init_received:
            await self.close(TOO_MANY_INITS, "Too many initialisation requests")
            return
        self.connection_init_received = True
        headers = getattr(getattr(self.websocket, "ws", None), "headers", None)
        try:
            self.credential = _payload_credential(payload, headers)
            principal, self.expires_at = self.gate.authenticate(self.credential)
        except Refused as refused:
            await self.close(refused.close_code, refused.reason)
            return
        self.context.viewer = principal
        await self.send_message({"type": "connection_ack", "payload": {  # type: ignore[typeddict-item]
            "role": principal.role, "maxSubscriptions": self.settings.live_max_subscriptions,
            "keepAliveS": self.settings.live_keepalive_s}})
        self.connection_acknowledged = True
        if self.settings.live_keepalive_s > 0:
            self.beat = asyncio.create_task(self._keep_alive(), name="cobuild-live-keepalive")

    async def _keep_alive(self) -> None:
        every = self.settings.live_keepalive_s
        try:
            while True:
                await asyncio.sleep(every)
                why = self.gate.still_valid(self.credential, self.expires_at)
                if why is not None:
                    await self.close(FORBIDDEN, f"UNAUTHENTICATED: {why}")
                    return
                await self.send_message({"type": "ping"})
        except Exception:  # noqa: BLE001 - the socket went away; the handler cleans up
            return

    async def handle_subscribe(self, message: Any) -> None:
        if self.connection_acknowledged and message.get("id") not in self.operations:
            payload = message.get("payload") or {}
            kind = _operation_type(payload.get("query"), payload.get("operationName"))
            refusal = None
            if kind is not None and kind != OperationType.SUBSCRIPTION:
                refusal = ("WEBSOCKET_SUBSCRIPTIONS_ONLY", f"only subscriptions run over WebSocket; send this "
                           f"{kind.value} to /graphql over HTTP (POST)")
            elif len(self.operations) >= self.settings.live_max_subscriptions:
                refusal = ("TOO_MANY_SUBSCRIPTIONS", f"this connection already has {len(self.operations)} active "
                           f"subscriptions (at most {self.settings.live_max_subscriptions}); complete one or open "
                           "another connection", )
            if refusal is not None:
                code, text = refusal
                extensions: dict[str, Any] = {"code": code}
                if code == "TOO_MANY_SUBSCRIPTIONS":
                    extensions["limit"] = self.settings.live_max_subscriptions
                await self.send_message({"id": message["id"], "type": "error",  # type: ignore[typeddict-item]
                                         "payload": [{"message": text, "extensions": extensions}]})
                return
            self.subscriptions += 1
        await super().handle_subscribe(message)


class LiveWebSockets:
    """Mixed into the GraphQL view: ``graphql-transport-ws`` only, cobuild's handler and limits."""

    graphql_transport_ws_handler_class = LiveProtocol

    def setup_live(self, engine: Any, settings: Any) -> None:
        self.protocols = (GRAPHQL_TRANSPORT_WS_PROTOCOL,)  # the legacy graphql-ws protocol is not offered
        self.connection_init_wait_timeout = timedelta(seconds=settings.live_init_timeout_s)
        self.max_subscriptions_per_connection = None  # counted by LiveProtocol, with an error code
        # Browser pages may open the socket from the origins CORS lists (same-origin pages always);
        # others are refused at the handshake (HTTP 403) — Strawberry's check, fed with cobuild's list
        self.allowed_origins = normalize_allowed_origins(settings.cors_origin_list)
        self.live_hub = LiveHub(engine, settings)
        self.live_gate = Gate(settings)
