"""Shared fixtures. Every test runs on LadybugDB; the seeded store is built once per session and
copied per test (a copy of the small directory is much faster than loading it again)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import AsyncIterator

import pytest

from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.engines.ladybug import LadybugEngine
from cobuild.graph.migrate import migrate
from tests.client import GQL, serve
from tests.graphs import copy_store


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
    target = copy_store(seeded_template, tmp_path / "seed.lbdb")
    e = await _open(target)
    yield e
    await e.close()


@pytest.fixture
async def gql(seeded: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    """GraphQL over the seeded store, through the real Starlette app (admin key unless told otherwise)."""
    async with serve(seeded, tmp_path) as client:
        yield client


@pytest.fixture
def neo4j_uri() -> str:
    uri = os.environ.get("COBUILD_TEST_NEO4J_URI")
    if not uri:
        pytest.skip("COBUILD_TEST_NEO4J_URI not set (Neo4j contract tests run outside these machines)")
    return uri
