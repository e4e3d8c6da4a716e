"""One process on the embedded store serves several reads at once, up to its read connections
(issue 11 part 2), and heavy questions never take the last one (part 4).

The slow read is a statement that would run for minutes, stopped after 1 s by LadybugDB's own query
timeout, so how long it runs does not depend on how busy the machine is. Overlap is measured with a
page question sent while slow reads run: it answers at once while a read connection is free, and waits
for a slow read to end when none is. The path is the service's: the app's event loop, the read–write
lock, the reader pool, the engine's thread pool and LadybugDB's own query threads (which, left at
their default of one per core, had made page questions wait behind two running statements on this
2-core machine).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import AsyncIterator

import pytest

from cobuild.errors import QueryTimeoutError
from cobuild.graph.admission import Admission
from cobuild.graph.cypher import Statement
from cobuild.graph.engines.ladybug import LadybugEngine
from tests.client import serve
from tests.graphs import copy_store
from tests.trust.test_write_timeout import ENDLESS, probe, probes

SLOW_S = 1.0
UNIT_PAGE = '{ unit(id: "unit:sl-first-hospital") { id name } }'
PAGE = Statement("MATCH (u:`Unit`) WHERE u.`id` = $id RETURN u.`name` AS name", {"id": "unit:sl-first-hospital"},
                 label="page")


@pytest.fixture
async def three_readers(seeded_template: Path, tmp_path: Path) -> AsyncIterator[LadybugEngine]:
    engine = LadybugEngine(copy_store(seeded_template, tmp_path / "three.lbdb"), readers=3)
    await engine.open()
    yield engine
    await engine.close()


async def slow_read(engine: LadybugEngine, heavy: bool = False) -> float:
    """Seconds from sending the slow read until it ended (by its timeout)."""
    started = time.monotonic()
    stmt = Statement(ENDLESS.text, label="slow read", heavy=heavy)
    with pytest.raises(QueryTimeoutError):
        await engine.run(stmt, timeout=SLOW_S)
    return time.monotonic() - started


async def test_reads_overlap_up_to_the_read_connections(three_readers: LadybugEngine, tmp_path: Path) -> None:
    """Two reads of 1 s are running: a page question through the service still answers at once (a
    third statement runs beside them). Three are running: it waits for one of them to end."""
    engine = three_readers
    async with serve(engine, tmp_path) as gql:
        for busy, waits in ((2, False), (3, True)):
            reads = [asyncio.create_task(slow_read(engine)) for _ in range(busy)]
            while engine.pool_stats()["readers_in_use"] < busy:
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.2)  # past planning: the slow statements are executing in LadybugDB
            started = time.monotonic()
            assert await gql("{ __typename }") == {"data": {"__typename": "Query"}}
            floor = time.monotonic() - started  # the event loop is free while the store works (GIL released)
            body = await gql(UNIT_PAGE)
            answered = time.monotonic() - started
            assert body["data"]["unit"]["id"] == "unit:sl-first-hospital", body
            still = engine.pool_stats()["readers_in_use"]
            took = await asyncio.gather(*reads)
            assert floor < SLOW_S / 2, (busy, floor)
            if waits:
                assert answered >= SLOW_S / 2, (busy, answered, took)
            else:
                assert answered < SLOW_S / 2 and still == busy, (busy, answered, still, took)

    started = time.monotonic()
    took = await asyncio.gather(*(slow_read(engine) for _ in range(4)))
    assert time.monotonic() - started >= 2 * SLOW_S * 0.95, took  # the fourth waited for a read connection
    assert sorted(took)[-1] >= 2 * SLOW_S * 0.95 and sorted(took)[2] < 2 * SLOW_S


async def test_heavy_reads_leave_a_reader_for_page_questions(three_readers: LadybugEngine) -> None:
    engine = three_readers
    engine.admission = Admission(2, wait_s=30)  # three readers: two for heavy questions, one kept for pages
    heavy = [asyncio.create_task(slow_read(engine, heavy=True)) for _ in range(4)]
    while engine.admission.running < 2 or engine.admission.waiting < 2:
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.2)  # past planning: both heavy statements are executing in LadybugDB
    assert engine.pool_stats()["readers_in_use"] <= 2
    for _ in range(5):
        started = time.monotonic()
        assert len(await engine.run(PAGE)) == 1
        assert time.monotonic() - started < SLOW_S / 2  # never behind the heavy reads
    assert engine.admission.running == 2  # the heavy reads were still running meanwhile
    took = await asyncio.gather(*heavy)
    assert sorted(took)[-1] >= 2 * SLOW_S * 0.95  # two at a time: the last two waited for a slot


async def test_without_admission_heavy_reads_take_every_reader(three_readers: LadybugEngine) -> None:
    """The contrast that shows what the reserve does: three heavy reads hold all three readers and a
    page question waits for one of them to end."""
    engine = three_readers
    engine.admission = None
    heavy = [asyncio.create_task(slow_read(engine, heavy=True)) for _ in range(3)]
    while engine.pool_stats()["readers_in_use"] < 3:
        await asyncio.sleep(0.005)
    started = time.monotonic()
    await engine.run(PAGE)
    assert time.monotonic() - started >= SLOW_S / 2
    await asyncio.gather(*heavy)


async def test_a_write_waiting_behind_a_heavy_read_does_not_hold_up_page_questions(three_readers: LadybugEngine) -> None:
    engine = three_readers
    heavy = asyncio.create_task(slow_read(engine, heavy=True))
    while engine.pool_stats()["readers_in_use"] < 1:
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.2)
    write = asyncio.create_task(engine.write(lambda tx: tx.run(probe("behind-heavy"))))
    await asyncio.sleep(0.05)
    assert not write.done()  # the write waits for the heavy read (one writer, no torn reads) …
    started = time.monotonic()
    assert len(await engine.run(PAGE)) == 1  # … but a page question does not wait behind the write
    assert time.monotonic() - started < SLOW_S / 2 and not write.done()
    await heavy
    await write
    assert await probes(engine) == ["category:probe-behind-heavy"]
