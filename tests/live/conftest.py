"""Live subscriptions over a real WebSocket: the app under uvicorn (in the test's event loop, on a
free port), a ``graphql-transport-ws`` client on the ``websockets`` library, HTTP mutations with httpx."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from cobuild.auth.keys import KeyStore
from cobuild.graph.engines.base import GraphEngine
from tests.client import test_settings
from tests.graphs import write_graph

NOW = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
PROTOCOL = "graphql-transport-ws"

# Two districts, each with a community, a unit, persons and published demands.
NODES: dict[str, list[dict[str, Any]]] = {
    "AdminArea": [
        {"id": "area:d1", "name": "一区", "level": "DISTRICT", "areaPath": ["area:d1"]},
        {"id": "area:c1", "name": "一社区", "level": "COMMUNITY", "areaPath": ["area:c1", "area:d1"]},
        {"id": "area:d2", "name": "二区", "level": "DISTRICT", "areaPath": ["area:d2"]},
        {"id": "area:c2", "name": "二社区", "level": "COMMUNITY", "areaPath": ["area:c2", "area:d2"]},
    ],
    "Unit": [{"id": "unit:u1", "name": "一单位", "unitType": "SOE", "areaPath": ["area:c1", "area:d1"]},
             {"id": "unit:u2", "name": "二单位", "unitType": "SOE", "areaPath": ["area:c2", "area:d2"]}],
    "Category": [{"id": "cat:a", "name": "养老"}],
    "Person": [{"id": f"person:p{i}", "name": f"志愿者{i}", "roles": ["VOLUNTEER"], "phone": "13800000000",
                "areaPath": ["area:c1", "area:d1"] if i % 2 == 0 else ["area:c2", "area:d2"]} for i in range(4)],
    "Demand": [{"id": f"demand:{c}{i}", "name": f"需求{c}{i}", "status": "PUBLISHED", "regionId": f"area:d{c[-1]}",
                "areaPath": [f"area:{c}", f"area:d{c[-1]}"]} for c in ("c1", "c2") for i in range(3)],
}
RELS = [
    ("PART_OF", "AdminArea", "AdminArea", [{"from": "area:c1", "to": "area:d1"}, {"from": "area:c2", "to": "area:d2"}]),
    ("PUBLISHES", "AdminArea", "Demand", [{"from": f"area:{c}", "to": f"demand:{c}{i}"} for c in ("c1", "c2") for i in range(3)]),
    ("IN_CATEGORY", "Demand", "Category", [{"from": f"demand:{c}{i}", "to": "cat:a"} for c in ("c1", "c2") for i in range(3)]),
]

CLAIM = """mutation($item: ID!, $by: ID!) { claim(input: {itemId: $item, claimantId: $by}) { itemId status } }"""
PUBLISH = """mutation($by: ID!, $name: String!) { publishDemand(input: {publisherId: $by, name: $name, categoryIds: ["cat:a"]}) {
  demandId } }"""


class Closed(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed {code}: {reason}")
        self.code = code
        self.reason = reason


class WS:
    """A graphql-transport-ws client: answers the server's pings, hands out the other messages."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.pings = 0
        self.ack: dict[str, Any] | None = None
        self.pending: list[dict[str, Any]] = []  # messages of other operations, kept for their readers

    async def send(self, message: dict[str, Any]) -> None:
        await self.conn.send(json.dumps(message))

    async def recv(self, timeout: float = 10.0) -> dict[str, Any]:
        while True:
            try:
                raw = await asyncio.wait_for(self.conn.recv(), timeout)
            except ConnectionClosed as exc:
                rcvd = exc.rcvd
                raise Closed(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") from None
            msg = json.loads(raw)
            if msg.get("type") == "ping":
                self.pings += 1
                await self.send({"type": "pong"})
                continue
            return msg

    async def init(self, payload: Any = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", **({"payload": payload} if payload is not None else {})})
        msg = await self.recv()
        assert msg["type"] == "connection_ack", msg
        self.ack = msg.get("payload")
        return msg

    async def subscribe(self, op_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        await self.send({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})

    async def next(self, op_id: str | None = None, timeout: float = 10.0) -> dict[str, Any]:
        """The next message (of ``op_id``; others are kept for their own readers)."""
        for i, msg in enumerate(self.pending):
            if op_id is None or msg.get("id") == op_id:
                return self.pending.pop(i)
        while True:
            msg = await self.recv(timeout)
            if op_id is None or msg.get("id") == op_id:
                return msg
            self.pending.append(msg)

    async def events(self, op_id: str, n: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        out = []
        while len(out) < n:
            msg = await self.next(op_id, timeout)
            assert msg["type"] == "next", msg
            assert not msg["payload"].get("errors"), msg
            out.append(msg["payload"]["data"])
        return out

    async def quiet(self, op_id: str, seconds: float = 0.6) -> None:
        """Nothing arrives for ``op_id`` within ``seconds``."""
        with contextlib.suppress(asyncio.TimeoutError):
            msg = await self.next(op_id, timeout=seconds)
            raise AssertionError(f"unexpected message {msg}")

    async def closed(self, timeout: float = 10.0) -> Closed:
        try:
            while True:
                await self.recv(timeout)
        except Closed as closed:
            return closed


class Live:
    """A running service: its URLs, keys, HTTP client and engine."""

    def __init__(self, app: Any, base: str, engine: GraphEngine, keys: KeyStore, http: httpx.AsyncClient) -> None:
        self.app = app
        self.base = base
        self.ws_url = base.replace("http://", "ws://") + "/graphql"
        self.engine = engine
        self.keys = keys
        self.http = http
        self.admin_key = self.key("admin")

    @property
    def hub(self) -> Any:
        return self.graphql_view.live_hub

    @property
    def graphql_view(self) -> Any:
        return next(r.endpoint for r in self.app.routes if getattr(r, "path", None) == "/graphql")

    def key(self, role: str, areas: tuple[str, ...] | list[str] = (), unit: str | None = None) -> str:
        _rec, secret = self.keys.create(role=role, name=f"live-{role}", area_ids=list(areas), unit_id=unit)
        return secret

    async def gql(self, query: str, variables: dict[str, Any] | None = None, key: str | None = None) -> dict[str, Any]:
        r = await self.http.post(self.base + "/graphql", json={"query": query, "variables": variables or {}},
                                 headers={"x-api-key": key or self.admin_key})
        return r.json()

    @contextlib.asynccontextmanager
    async def ws(self, payload: Any = None, *, init: bool = True, subprotocol: str = PROTOCOL,
                 headers: dict[str, str] | None = None) -> AsyncIterator[WS]:
        async with connect(self.ws_url, subprotocols=[subprotocol], additional_headers=headers,  # type: ignore[list-item]
                           open_timeout=10, close_timeout=2) as conn:
            client = WS(conn)
            if init:
                await client.init({"apiKey": self.admin_key} if payload is None else payload)
            yield client


@contextlib.asynccontextmanager
async def running(engine: GraphEngine, tmp_path: Path, **overrides: Any) -> AsyncIterator[Live]:
    """The app over ``engine`` under uvicorn on 127.0.0.1 (a free port), in this event loop."""
    from cobuild.app import create_app

    settings = test_settings(tmp_path, **overrides)
    app = create_app(settings, engine=engine)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]  # pytest keeps its signals
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if task.done():
        task.result()
    port = server.servers[0].sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            yield Live(app, base, engine, KeyStore(settings.keys_path), http)
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), 5)
        except asyncio.TimeoutError:
            server.force_exit = True
            await task


@pytest.fixture
async def network(engine: GraphEngine) -> GraphEngine:
    await write_graph(engine, NODES, RELS, NOW)
    return engine


@pytest.fixture
async def live(network: GraphEngine, tmp_path: Path) -> AsyncIterator[Live]:
    async with running(network, tmp_path) as service:
        yield service
