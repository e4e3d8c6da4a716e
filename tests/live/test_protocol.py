"""The WebSocket gate: credentials on ``connection_init`` (API key, JWT, handshake headers), the close
codes of refusals, per-connection and per-process limits, keep-alive and re-checked credentials."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.live.conftest import Closed, Live, running

SECRET = "live-test-secret-0123456789abcdef0123456789"
CHANGES = "subscription { changes { kind entityId } }"


def token(**claims: Any) -> str:
    return jwt.encode({"sub": "someone", "role": "district", "areas": ["area:d1"], "exp": int(time.time()) + 600, **claims},
                      SECRET, algorithm="HS256")


async def refused_with(live: Live, payload: Any, *, raw: dict[str, Any] | None = None) -> Closed:
    async with live.ws(init=False) as ws:
        await ws.send(raw if raw is not None else {"type": "connection_init", "payload": payload})
        return await ws.closed()


@pytest.fixture
async def gated(network: Any, tmp_path: Path) -> Any:
    async with running(network, tmp_path, jwt_secret=SECRET, live_max_subscriptions=2, live_init_timeout_s=0.5) as service:
        yield service


async def test_credentials_accepted_on_connection_init(gated: Live) -> None:
    async with gated.ws({"apiKey": gated.key("partner", ["area:d2"])}) as ws:
        assert ws.ack == {"role": "partner", "maxSubscriptions": 2, "keepAliveS": 15.0}
    async with gated.ws({"authorization": f"Bearer {token()}"}) as ws:
        assert ws.ack["role"] == "district"
    # no credential in the payload: the handshake's header is used (clients that can set headers)
    async with gated.ws({}, headers={"X-API-Key": gated.key("analyst")}) as ws:
        assert ws.ack["role"] == "analyst"
    async with gated.ws({}) as ws:
        assert ws.ack["role"] == "anonymous"


@pytest.mark.parametrize("payload,code,reason", [
    ({"apiKey": "cbk_nope.nope"}, 4403, "UNAUTHENTICATED: the API key is unknown, malformed or revoked"),
    ({"authorization": "Bearer not.a.jwt"}, 4403, "UNAUTHENTICATED: the bearer token is malformed"),
    ({"authorization": "Basic abc"}, 4403, "UNAUTHENTICATED: use"),
    ({"apiKey": "cbk_a.b", "authorization": "Bearer x"}, 4400, "AMBIGUOUS_CREDENTIALS"),
    ({"apiKey": 42}, 4400, "BAD_REQUEST: apiKey must be a string"),
    ("a string", 4400, "BAD_REQUEST: the connection_init payload must be an object"),
])
async def test_bad_connection_init_is_refused_with_the_protocol_close_code(gated: Live, payload: Any, code: int,
                                                                           reason: str) -> None:
    closed = await refused_with(gated, payload)
    assert closed.code == code and closed.reason.startswith(reason), closed


async def test_expired_and_wrongly_signed_tokens_are_refused(gated: Live) -> None:
    expired = token(exp=int(time.time()) - 3600)
    assert (await refused_with(gated, {"authorization": f"Bearer {expired}"})).reason == \
        "UNAUTHENTICATED: the bearer token has expired"
    forged = jwt.encode({"sub": "x", "role": "admin", "exp": int(time.time()) + 60}, "another-secret-0123456789abcdef0123456789",
                        algorithm="HS256")
    closed = await refused_with(gated, {"authorization": f"Bearer {forged}"})
    assert (closed.code, closed.reason) == (4403, "UNAUTHENTICATED: the bearer token's signature is invalid")


async def test_protocol_order_is_enforced(gated: Live) -> None:
    async with gated.ws(init=False) as ws:  # subscribe before connection_ack
        await ws.subscribe("1", CHANGES)
        assert (await ws.closed()).code == 4401
    async with gated.ws() as ws:  # a second connection_init
        await ws.send({"type": "connection_init", "payload": {}})
        assert (await ws.closed()).code == 4429
    async with gated.ws(init=False) as ws:  # no connection_init in time
        closed = await ws.closed()
        assert (closed.code, closed.reason) == (4408, "Connection initialisation timeout")
    async with gated.ws(init=False, subprotocol="graphql-ws") as ws:  # the legacy protocol is not offered
        assert (await ws.closed()).code == 4406


async def test_credentials_required_when_anonymous_access_is_off(network: Any, tmp_path: Path) -> None:
    async with running(network, tmp_path, anonymous="off") as live:
        closed = await refused_with(live, {})
        assert closed.code == 4403 and closed.reason.startswith("UNAUTHENTICATED: this server requires credentials")
        async with live.ws() as ws:  # the admin key still gets in
            assert ws.ack["role"] == "admin"


async def test_subscriptions_per_connection_are_limited(gated: Live) -> None:
    async with gated.ws() as ws:
        await ws.subscribe("1", CHANGES)
        await ws.subscribe("2", CHANGES)
        await ws.subscribe("3", CHANGES)
        msg = await ws.next("3")
        assert msg["type"] == "error"
        assert msg["payload"][0]["extensions"] == {"code": "TOO_MANY_SUBSCRIPTIONS", "limit": 2}
        await ws.send({"id": "1", "type": "complete"})  # one completed: room for another
        await asyncio.sleep(0.1)
        await ws.subscribe("4", CHANGES)
        await gated.gql("""mutation { claim(input: {itemId: "demand:c10", claimantId: "unit:u1"}) { status } }""")
        assert (await ws.events("4", 1))[0]["changes"]["entityId"] == "demand:c10"
        assert (await ws.events("2", 1))[0]["changes"]["entityId"] == "demand:c10"
        # queries and mutations go over HTTP
        await ws.subscribe("q", "{ __typename }")
        msg = await ws.next("q")
        assert msg["type"] == "error" and msg["payload"][0]["extensions"]["code"] == "WEBSOCKET_SUBSCRIPTIONS_ONLY"


async def test_connections_per_process_are_limited_with_1013(network: Any, tmp_path: Path) -> None:
    async with running(network, tmp_path, live_max_connections=2) as live:
        async with live.ws() as one, live.ws() as two:
            assert one.ack and two.ack
            async with live.ws(init=False) as three:
                closed = await three.closed()
                assert closed.code == 1013 and closed.reason.startswith("TRY_AGAIN_LATER")
        await asyncio.sleep(0.2)  # the two closed: slots free again
        async with live.ws() as again:
            assert again.ack["role"] == "admin" and live.hub.connections == 1


async def test_keep_alive_pings_and_a_revoked_key_closes_the_connection(network: Any, tmp_path: Path) -> None:
    async with running(network, tmp_path, live_keepalive_s=0.2) as live:
        record, secret = live.keys.create(role="district", name="to-revoke", area_ids=["area:d1"])
        async with live.ws({"apiKey": secret}) as ws:
            await asyncio.sleep(0.7)
            await ws.quiet("nothing", 0.1)  # reads (and answers) the pings that arrived
            assert ws.pings >= 2
            live.keys.revoke(record.id)
            closed = await ws.closed(timeout=5)
            assert (closed.code, closed.reason) == (4403, "UNAUTHENTICATED: the API key was revoked")


async def test_browser_origins_follow_the_cors_list_and_query_limits_apply(network: Any, tmp_path: Path) -> None:
    from websockets.exceptions import InvalidStatus

    async with running(network, tmp_path, cors_origins="https://board.example.gov.cn", max_depth=3) as live:
        async with live.ws(headers={"Origin": "https://board.example.gov.cn"}) as ws:  # a listed browser app
            assert ws.ack["role"] == "admin"
            # the same query limits as over HTTP: too deep is refused before it starts
            await ws.subscribe("deep", "subscription { changes { entity { id ... on Demand { publishers { node { "
                                       "id ... on AdminArea { partOf { node { id } } } } } } } } }")
            msg = await ws.next("deep")
            assert msg["type"] == "error" and msg["payload"][0]["extensions"]["code"] == "QUERY_TOO_DEEP", msg
        with pytest.raises(InvalidStatus) as refused:  # a page on another origin cannot open it
            async with live.ws(headers={"Origin": "https://elsewhere.example.com"}):
                pass
        assert refused.value.response.status_code == 403


async def test_each_websocket_leaves_one_access_log_line(gated: Live, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.INFO, logger="cobuild.access")
    async with gated.ws({"apiKey": gated.key("partner", ["area:d1"])}) as ws:
        await ws.subscribe("1", CHANGES)
        await asyncio.sleep(0.1)
    for _ in range(100):
        lines = [r.fields for r in caplog.records if getattr(r, "fields", {}).get("method") == "WEBSOCKET"]  # type: ignore[attr-defined]
        if lines:
            break
        await asyncio.sleep(0.02)
    [line] = lines
    assert line["role"] == "partner" and line["auth"] == "api_key" and line["subscriptions"] == 1
    assert line["path"] == "/graphql" and line["durationMs"] > 0
