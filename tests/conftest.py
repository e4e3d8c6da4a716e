"""Shared fixtures. Every test runs on LadybugDB; the seeded store is built once per session and
copied per test (a copy of the small directory is much faster than loading it again)."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest

from cobuild.config import Settings
from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.engines.ladybug import LadybugEngine
from cobuild.graph.migrate import migrate


async def _open(path: Path) -> LadybugEngine:
    engine = LadybugEngine(path)
    await engine.open()
    return engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[GraphEngine]:
    """A fresh, migrated, empty store."""
    e = await _open(tmp_path / "empty.lbdb")
    await migrate(e)
    yield e
    await e.close()


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the seed network, built once; tests get copies (``seeded``)."""
    from cobuild.seeds.load import load

    path = tmp_path_factory.mktemp("seeded") / "seed.lbdb"

    async def build() -> None:
        e = await _open(path)
        await migrate(e)
        await load(e)
        await e.close()

    asyncio.run(build())
    return path


@pytest.fixture
async def seeded(seeded_template: Path, tmp_path: Path) -> AsyncIterator[GraphEngine]:
    """A private copy of the seeded store: tests may write to it freely."""
    target = tmp_path / "seed.lbdb"
    if seeded_template.is_dir():
        shutil.copytree(seeded_template, target)
    else:
        shutil.copy2(seeded_template, target)
        for extra in seeded_template.parent.glob(seeded_template.name + ".*"):
            shutil.copy2(extra, tmp_path / extra.name)
    e = await _open(target)
    yield e
    await e.close()


class GQL:
    """POSTs GraphQL to the ASGI app and reports the statements the request sent."""

    def __init__(self, client: httpx.AsyncClient, engine: GraphEngine) -> None:
        self.client = client
        self.engine = engine
        self.last_statements = 0

    async def __call__(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
        before = self.engine.counter.total
        resp = await self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        self.last_statements = self.engine.counter.total - before
        assert resp.status_code in (200, 400), resp.text
        return resp.json()


def _settings(tmp: Path) -> Settings:
    return Settings(db_path=tmp / "unused.lbdb", neo4j_uri=None)


@pytest.fixture
async def gql(seeded: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    """GraphQL over the seeded store, through the real Starlette app (httpx ASGI transport)."""
    from cobuild.app import create_app

    app = create_app(_settings(tmp_path), engine=seeded)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield GQL(client, seeded)


@pytest.fixture
def neo4j_uri() -> str:
    uri = os.environ.get("COBUILD_TEST_NEO4J_URI")
    if not uri:
        pytest.skip("COBUILD_TEST_NEO4J_URI not set (Neo4j contract tests run outside these machines)")
    return uri
