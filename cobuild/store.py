"""Open the configured store for a command or the service, with errors a person can act on."""

from __future__ import annotations

import contextlib
from typing import AsyncIterator

from cobuild.config import Settings
from cobuild.graph.engines import GraphEngine, make_engine


@contextlib.asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[GraphEngine]:
    engine = make_engine(settings)
    await engine.open()
    try:
        yield engine
    finally:
        await engine.close()
