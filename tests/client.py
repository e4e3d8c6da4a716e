"""The GraphQL test client every API test uses: the real Starlette app over an engine, through
httpx's ASGI transport, with credentials and a statement count per request."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, AsyncIterator

import httpx

from cobuild.auth.keys import KeyStore
from cobuild.config import Settings
from cobuild.graph.engines.base import GraphEngine


def test_settings(tmp: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {"db_path": tmp / "unused.lbdb", "neo4j_uri": None, "keys_path": tmp / "keys.json",
                            "rate_limit_per_s": 0}
    return Settings(**{**base, **overrides})


test_settings.__test__ = False  # type: ignore[attr-defined]  # not a test, despite the name


class GQL:
    """POSTs GraphQL and reports the statements the request sent (``last_statements``).

    Requests carry an admin API key unless ``anonymous=True`` or ``key=`` names another one;
    :meth:`key` makes keys of other roles (the authorization matrix)."""

    def __init__(self, client: httpx.AsyncClient, engine: GraphEngine, keys: KeyStore) -> None:
        self.client = client
        self.engine = engine
        self.keys = keys
        self.admin_key = self.key("admin")
        self.last_statements = 0

    def key(self, role: str, areas: tuple[str, ...] | list[str] = (), unit: str | None = None) -> str:
        _record, secret = self.keys.create(role=role, name=f"test-{role}", area_ids=list(areas), unit_id=unit)
        return secret

    async def __call__(self, query: str, variables: dict[str, Any] | None = None, *, key: str | None = None,
                       anonymous: bool = False, **headers: str) -> dict[str, Any]:
        if not anonymous:
            headers.setdefault("x-api-key", key or self.admin_key)
        before = self.engine.counter.total
        resp = await self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        self.last_statements = self.engine.counter.total - before
        assert resp.status_code in (200, 400), resp.text
        return resp.json()


@contextlib.asynccontextmanager
async def serve(engine: GraphEngine, tmp_path: Path, **overrides: Any) -> AsyncIterator[GQL]:
    """The app over ``engine`` (keys in ``tmp_path``), yielding a :class:`GQL` client."""
    from cobuild.app import create_app

    settings = test_settings(tmp_path, **overrides)
    app = create_app(settings, engine=engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield GQL(client, engine, KeyStore(settings.keys_path))
