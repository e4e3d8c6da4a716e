"""The per-request timeout bounds writes too (issue 11 part 4): a unit of work past it is interrupted,
rolled back whole (a graph snapshot before and after is equal) and answers ``TIMEOUT``; the single
writer keeps working — a write right after a timed-out one commits.

Written against the ``seeded`` fixture, so each test runs on every store the fixture gives (LadybugDB
here; Neo4j too when ``COBUILD_TEST_NEO4J_URI`` is set and the fixture is parametrised over it).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from cobuild.errors import WriteTimeoutError
from cobuild.graph.cypher import Statement
from cobuild.graph.engines.base import GraphEngine, request_timeout
from tests.api.test_mutations import UPSERT_UNITS, snapshot
from tests.client import serve

# Four Unit scans crossed (147⁴ ≈ 4.7e8 rows on the seed network): minutes of work unless interrupted.
ENDLESS = Statement("MATCH (a:`Unit`), (b:`Unit`), (c:`Unit`), (d:`Unit`) WHERE a.`id` + b.`id` < c.`id` + d.`name` "
                    "RETURN count(*) AS n", label="endless")


def probe(key: str) -> Statement:
    return Statement("CREATE (:`Category` {`id`: $id, `name`: $name})", {"id": f"category:probe-{key}", "name": key},
                     label="probe")


async def probes(engine: GraphEngine) -> list[str]:
    rows = await engine.run(Statement("MATCH (c:`Category`) WHERE c.`id` STARTS WITH 'category:probe-' "
                                      "RETURN c.`id` AS id ORDER BY id"))
    return [r["id"] for r in rows]


async def test_a_unit_of_work_past_its_timeout_is_interrupted_and_rolled_back(seeded: GraphEngine) -> None:
    before = await snapshot(seeded)
    writer = getattr(seeded, "_writer", None)

    async def work(tx: Any) -> None:
        await tx.run(probe("written-first"))  # written, then undone by the rollback
        await tx.run(ENDLESS)

    started = time.monotonic()
    with pytest.raises(WriteTimeoutError):
        await seeded.write(work, timeout=0.3)
    assert time.monotonic() - started < 15  # the statement was stopped, not waited for
    assert await snapshot(seeded) == before

    await seeded.write(lambda tx: tx.run(probe("after")))  # the writer still works …
    assert await probes(seeded) == ["category:probe-after"]
    if writer is not None:  # … and is the same connection (LadybugDB): the interrupt did not poison it
        assert getattr(seeded, "_writer") is writer


async def test_the_request_timeout_bounds_a_write_that_brings_none(seeded: GraphEngine) -> None:
    async def slow(tx: Any) -> None:
        await tx.run(probe("slow"))
        await asyncio.sleep(0.5)

    with request_timeout(0.1):
        with pytest.raises(WriteTimeoutError):
            await seeded.write(slow)
        assert await probes(seeded) == []
        await seeded.write(slow, timeout=5)  # its own timeout wins
    assert await probes(seeded) == ["category:probe-slow"]
    await seeded.run(Statement("MATCH (c:`Category`) WHERE c.`id` = 'category:probe-slow' DETACH DELETE c"), "write")
    await seeded.write(slow)  # outside a request (scripts, CLI): no timeout
    assert await probes(seeded) == ["category:probe-slow"]


async def test_a_mutation_past_the_timeout_answers_timeout_and_writes_nothing(seeded: GraphEngine, tmp_path: Path) -> None:
    items = [{"externalId": f"T-{i:03d}", "name": f"超时单位{i}", "unitType": "SOE"} for i in range(500)]
    variables = {"partner": "acme", "items": items}
    before = await snapshot(seeded)
    async with serve(seeded, tmp_path, query_timeout_s=0.01) as gql:
        body = await gql(UPSERT_UNITS, variables)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["TIMEOUT"], body
    assert body["data"] is None and "rolled back" in body["errors"][0]["message"]
    assert await snapshot(seeded) == before

    async with serve(seeded, tmp_path) as gql:  # the same writer, right after: the write commits
        started = time.monotonic()
        body = await gql(UPSERT_UNITS, variables)
        took = time.monotonic() - started
    assert "errors" not in body, body
    assert body["data"]["upsertUnits"]["created"] == 500
    assert took > 0.01  # the timed-out attempt really needed more than its 10 ms
