"""An app over the empty migrated store with trust settings chosen per test."""

from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator, Callable

import httpx
import pytest

from cobuild.config import Settings


class Client:
    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self.http = http
        self.settings = settings

    async def post(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        body: dict[str, Any] = {"query": query, "variables": variables or {}}
        if "operation_name" in kw:
            body["operationName"] = kw.pop("operation_name")
        return await self.http.post("/graphql", json=body, **kw)


@pytest.fixture
async def make_client(engine, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """``client = await make_client(rate_limit_per_s=0, …)`` — settings overrides as keyword args."""
    from cobuild.app import create_app

    opened: list[httpx.AsyncClient] = []

    async def make(**overrides: Any) -> Client:
        base: dict[str, Any] = {"db_path": tmp_path / "unused.lbdb", "neo4j_uri": None, "keys_path": tmp_path / "keys.json",
                                "rate_limit_per_s": 0}
        settings = Settings(**{**base, **overrides})
        app = create_app(settings, engine=engine)
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        opened.append(http)
        return Client(http, settings)

    yield make
    for h in opened:
        await h.aclose()
