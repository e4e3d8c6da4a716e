"""The engine contract: what every GraphEngine must do, run on LadybugDB always and on Neo4j when
``COBUILD_TEST_NEO4J_URI`` is set (the ``engine`` fixture: a clean, migrated store per test)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import AsyncIterator

import pytest

from cobuild.errors import ConstraintViolationError, EngineError
from cobuild.graph import model
from cobuild.graph.cypher import Statement
from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.upsert import upsert_nodes
from cobuild.graph.validate import node_row

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


@pytest.fixture
async def any_engine(engine: GraphEngine) -> AsyncIterator[tuple[GraphEngine, str]]:
    """The store fixture's fresh store (each store the run is configured for), and a unit id prefix."""
    yield engine, f"t{uuid.uuid4().hex[:8]}"


def _unit(prefix: str, i: int) -> dict:
    return node_row(model.label("Unit"), {"id": f"unit:{prefix}-{i}", "name": f"单位{i}", "unitType": "SOE"}, "test")


async def _count(e: GraphEngine, prefix: str) -> int:
    rows = await e.run(Statement("MATCH (u:Unit) WHERE u.id STARTS WITH $p RETURN count(u) AS n", {"p": f"unit:{prefix}"}))
    return int(rows[0]["n"])


async def test_parameters_round_trip_types(any_engine) -> None:
    e, p = any_engine
    row = _unit(p, 1) | {"aliases": ["别名", "it's \"quoted\""], "validFrom": dt.date(2020, 2, 29), "isResidentUnit": True}
    await e.run(upsert_nodes(e.dialect, "Unit", [row], NOW), "write")
    got = await e.run(Statement(
        "MATCH (u:Unit {id: $id}) RETURN u.name AS name, u.aliases AS aliases, u.validFrom AS vf, "
        "u.createdAt AS created, u.isResidentUnit AS resident", {"id": row["id"]}))
    assert got == [{"name": "单位1", "aliases": ["别名", "it's \"quoted\""], "vf": dt.date(2020, 2, 29), "created": NOW, "resident": True}]


async def test_failed_unit_of_work_writes_nothing(any_engine) -> None:
    e, p = any_engine

    async def work(tx):
        await tx.run(upsert_nodes(e.dialect, "Unit", [_unit(p, 1)], NOW))
        await tx.run(Statement("THIS IS NOT CYPHER"))

    with pytest.raises(EngineError):
        await e.write(work)
    assert await _count(e, p) == 0
    # the store is still usable after the failure (LadybugDB: no poisoned connection)
    await e.run(upsert_nodes(e.dialect, "Unit", [_unit(p, 2)], NOW), "write")
    assert await _count(e, p) == 1


async def test_error_in_python_rolls_back(any_engine) -> None:
    e, p = any_engine

    async def work(tx):
        await tx.run(upsert_nodes(e.dialect, "Unit", [_unit(p, 1)], NOW))
        raise RuntimeError("a rule failed after the first write")

    with pytest.raises(RuntimeError):
        await e.write(work)
    assert await _count(e, p) == 0


async def test_concurrent_writers_lose_nothing(any_engine) -> None:
    e, p = any_engine

    async def one(i: int) -> None:
        async def work(tx):
            await tx.run(upsert_nodes(e.dialect, "Unit", [_unit(p, i)], NOW))
            if i % 10 == 7:
                raise ValueError("this unit of work fails on purpose")
        try:
            await e.write(work)
        except ValueError:
            pass

    async def reader() -> int:
        return await _count(e, p)

    results = await asyncio.gather(*[one(i) for i in range(60)], *[reader() for _ in range(30)])
    failed = len([i for i in range(60) if i % 10 == 7])
    assert await _count(e, p) == 60 - failed
    assert all(isinstance(r, int) for r in results[60:])


async def test_duplicate_primary_key_is_a_constraint_violation(any_engine) -> None:
    e, p = any_engine
    await e.run(upsert_nodes(e.dialect, "Unit", [_unit(p, 1)], NOW), "write")
    with pytest.raises(ConstraintViolationError):
        await e.run(Statement("CREATE (u:Unit {id: $id, name: 'x', unitType: 'SOE'})", {"id": f"unit:{p}-1"}), "write")
    assert await _count(e, p) == 1


async def test_statement_counter_scopes(any_engine) -> None:
    e, p = any_engine
    with e.counter.scope() as tally:
        await _count(e, p)
        await _count(e, p)
    assert tally.count == 2
