"""The heavy-question queue on its own (cobuild.graph.admission): slots, order, the wait limit, a waiter
that gives up, the observer, and the settings' defaults."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cobuild.config import Settings
from cobuild.graph.admission import Admission, HeavyQueueFull, admission_for, default_slots


class Seen:
    def __init__(self) -> None:
        self.states: list[tuple[int, int]] = []
        self.outcomes: list[str] = []

    def heavy_state(self, running: int, waiting: int) -> None:
        self.states.append((running, waiting))

    def heavy_outcome(self, outcome: str, waited_s: float) -> None:
        self.outcomes.append(outcome)


async def test_no_more_than_the_slots_run_and_the_rest_go_in_arrival_order() -> None:
    seen = Seen()
    gate = Admission(2, wait_s=5, observer=seen)
    running = peak = 0
    order: list[int] = []

    async def heavy(i: int) -> None:
        nonlocal running, peak
        async with gate.slot():
            order.append(i)
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.02)
            running -= 1

    await asyncio.gather(*(heavy(i) for i in range(7)))
    assert peak == 2
    assert order == list(range(7))  # FIFO: nobody overtakes
    assert max(w for _r, w in seen.states) == 5 and max(r for r, _w in seen.states) == 2
    assert seen.states[-1] == (0, 0) and gate.running == 0 and gate.waiting == 0
    assert seen.outcomes == ["admitted"] * 7


async def test_past_the_wait_limit_a_heavy_question_is_refused_with_a_retry_time() -> None:
    seen = Seen()
    gate = Admission(1, wait_s=0.05, observer=seen)
    async with gate.slot():
        await asyncio.sleep(0.3)  # the running mean duration behind retryAfter: 0.3 s
    hold = asyncio.Event()

    async def holder() -> None:
        async with gate.slot():
            await hold.wait()

    task = asyncio.create_task(holder())
    await asyncio.sleep(0)
    with pytest.raises(HeavyQueueFull) as refused:
        async with gate.slot():
            pytest.fail("admitted while the only slot was held")
    assert refused.value.retry_after == 1  # ceil(0.3 s × 1 ahead / 1 slot)
    assert "COBUILD_HEAVY_WAIT_S" in str(refused.value)
    assert gate.waiting == 0  # the refused one left the queue
    hold.set()
    await task
    assert seen.outcomes == ["admitted", "admitted", "refused"]
    async with gate.slot():  # the slot came back
        pass


async def test_retry_after_grows_with_the_queue_ahead() -> None:
    gate = Admission(2, wait_s=10)
    gate._mean_s = 3.0  # noqa: SLF001 - the measured mean, set directly
    gate.running = 2
    assert gate.retry_after() == 3  # 2 running ahead / 2 slots × 3 s
    gate._waiters.extend(asyncio.get_running_loop().create_future() for _ in range(4))  # noqa: SLF001
    assert gate.retry_after() == 9  # 6 ahead / 2 slots × 3 s


async def test_a_waiter_cancelled_in_the_queue_leaves_no_slot_behind() -> None:
    gate = Admission(1, wait_s=5)
    release = asyncio.Event()

    async def holder() -> None:
        async with gate.slot():
            await release.wait()

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiter = asyncio.create_task(holder())
    await asyncio.sleep(0)
    assert gate.waiting == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert gate.waiting == 0
    release.set()
    await first
    assert gate.running == 0
    await asyncio.wait_for(holder(), 1)  # free again


async def test_a_slot_handed_over_as_its_waiter_gives_up_goes_on_to_the_next() -> None:
    gate = Admission(1, wait_s=5)
    fut = asyncio.get_running_loop().create_future()
    gate.running = 1
    gate._waiters.append(fut)  # noqa: SLF001
    gate._release()  # noqa: SLF001 - hands the slot to fut …
    assert fut.done() and gate.running == 1
    gate._leave(fut)  # noqa: SLF001 - … whose request was cancelled at that moment: the slot is freed
    assert gate.running == 0


class FakeEngine:
    def __init__(self, readers: int | None) -> None:
        if readers is not None:
            self.readers = readers
        self.name = "fake"


def test_defaults_keep_a_reader_for_page_questions_and_follow_the_cores_on_neo4j(monkeypatch: Any) -> None:
    assert default_slots(FakeEngine(2)) == 1
    assert default_slots(FakeEngine(4)) == 3
    assert default_slots(FakeEngine(1)) == 1
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert default_slots(FakeEngine(None)) == 8
    assert default_slots(FakeEngine(None), workers=4) == 2
    assert default_slots(FakeEngine(None), workers=16) == 1
    assert admission_for(FakeEngine(2), 5, 1.0).slots == 1  # never every reader of the embedded store
    assert admission_for(FakeEngine(None), 5, 1.0).slots == 5


def test_settings_refuse_slots_that_would_take_every_reader(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="COBUILD_HEAVY_SLOTS=2 must be below COBUILD_LADYBUG_READERS=2"):
        Settings(db_path=tmp_path / "x", heavy_slots=2, ladybug_readers=2)
    assert Settings(db_path=tmp_path / "x", heavy_slots=2, ladybug_readers=3).heavy_slots == 2
    assert Settings(db_path=tmp_path / "x", heavy_slots=4, neo4j_uri="bolt://h:7687", neo4j_password="p").heavy_slots == 4


class Recorded:
    """An ``RWLock`` whose holders record when they got in: readers (page or heavy) hold it until an event."""

    def __init__(self) -> None:
        from cobuild.graph.engines.base import RWLock

        self.lock = RWLock()
        self.events: list[str] = []

    async def read(self, name: str, until: asyncio.Event | None = None, *, heavy: bool = False) -> None:
        async with self.lock.read(heavy=heavy):
            self.events.append(f"{name} in")
            if until is not None:
                await until.wait()

    async def write(self) -> None:
        async with self.lock.write():
            self.events.append("write in")


async def test_page_readers_pass_a_waiting_writer_only_while_a_heavy_reader_holds_the_lock() -> None:
    """A write waits for a running heavy read anyway, so page reads need not wait behind the write;
    new heavy reads do wait, and the write goes before them once the heavy read ends."""
    rec = Recorded()
    events = rec.events
    heavy_done = asyncio.Event()
    page_done = asyncio.Event()

    def heavy(name: str, until: asyncio.Event | None) -> Any:
        return rec.read(name, until, heavy=True)

    page, writer = rec.read, rec.write

    first = asyncio.create_task(heavy("heavy 1", heavy_done))
    await asyncio.sleep(0.01)
    write = asyncio.create_task(writer())
    await asyncio.sleep(0.01)
    await asyncio.wait_for(page("page 1"), 1)  # not queued behind the write
    second = asyncio.create_task(heavy("heavy 2", None))
    slow_page = asyncio.create_task(page("page 2", page_done))
    await asyncio.sleep(0.01)
    assert events == ["heavy 1 in", "page 1 in", "page 2 in"]  # heavy 2 waits for the writer
    heavy_done.set()
    await asyncio.sleep(0.01)
    assert "write in" not in events  # page 2 still reads
    page_done.set()
    await asyncio.gather(first, write, second, slow_page)
    assert events == ["heavy 1 in", "page 1 in", "page 2 in", "write in", "heavy 2 in"]


async def test_without_a_heavy_reader_a_waiting_writer_still_goes_first() -> None:
    rec = Recorded()
    events = rec.events
    release = asyncio.Event()
    page, writer = rec.read, rec.write

    first = asyncio.create_task(page("page 1", release))
    await asyncio.sleep(0.01)
    write = asyncio.create_task(writer())
    await asyncio.sleep(0.01)
    late = asyncio.create_task(page("page 2"))
    await asyncio.sleep(0.01)
    assert events == ["page 1 in"]
    release.set()
    await asyncio.gather(first, write, late)
    assert events == ["page 1 in", "write in", "page 2 in"]


async def test_the_engine_layer_gates_heavy_statements_of_any_engine() -> None:
    """The gate sits in GraphEngine's wrapper of ``run``, so Neo4j's heavy transactions are bounded
    the same way as LadybugDB's: an engine that only sleeps shows it."""
    from cobuild.graph.cypher import Statement
    from cobuild.graph.engines.base import GraphEngine

    class Sleepy(GraphEngine):
        name = "sleepy"
        dialect = None  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.now = self.peak_heavy = 0

        async def run(self, stmt: Statement, mode: str = "read", *, timeout: float | None = None) -> list[dict[str, Any]]:
            self.now += stmt.heavy
            self.peak_heavy = max(self.peak_heavy, self.now)
            await asyncio.sleep(0.02)
            self.now -= stmt.heavy
            return []

        async def open(self) -> None: ...
        async def close(self) -> None: ...
        async def write(self, work: Any, *, timeout: float | None = None) -> Any: ...
        async def ping(self) -> None: ...
        async def bulk_load(self, nodes: Any, rels: Any, progress: Any = None) -> dict[str, int]: return {}

    engine = Sleepy()
    engine.admission = Admission(2, wait_s=5)
    heavy, page = Statement("RETURN 1", label="heavy", heavy=True), Statement("RETURN 1", label="page")
    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(engine.run(heavy) for _ in range(6)), *(engine.run(page) for _ in range(20)))
    assert engine.peak_heavy == 2
    assert asyncio.get_running_loop().time() - started >= 3 * 0.02  # six heavy statements, two at a time
