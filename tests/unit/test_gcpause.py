"""The service freezes its start-up objects out of the garbage collector's full walks and reports
every collection's pause (cobuild.observe.gcpause): the cause of issue 11's > 200 ms tail."""

from __future__ import annotations

import gc
from pathlib import Path

import httpx
import pytest

from cobuild.auth.keys import KeyStore
from cobuild.config import Settings
from cobuild.observe import gcpause


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # later tests of this process collect as usual


def test_freezing_leaves_the_startup_objects_out_of_full_collections(unfrozen: None) -> None:
    held = [{"n": i} for i in range(20_000)]  # long-lived containers, as a schema's types are
    frozen = gcpause.freeze_startup_objects()
    assert frozen >= len(held)
    # frozen objects that die leave the permanent generation (other threads' garbage, say): it only shrinks
    assert len(held) <= gc.get_freeze_count() <= frozen
    # a full collection now walks only what was made since the freeze
    tracked_after = len(gc.get_objects(generation=2))
    assert tracked_after < frozen // 10, (tracked_after, frozen)


def test_the_pause_clock_reports_each_collection_with_its_generation() -> None:
    seen: list[tuple[int, float]] = []
    clock = gcpause.PauseClock()
    try:
        gc.collect(2)
        gc.collect(0)
        assert not seen  # recorded inside the collector, handed over only when drained
        clock.drain(lambda gen, s: seen.append((gen, s)))
    finally:
        clock.close()
    assert [g for g, _ in seen][-2:] == [2, 0]
    assert all(s >= 0 for _, s in seen) and not clock.pending
    gc.collect()
    assert not clock.pending  # closed: no more records


def test_the_collector_never_calls_into_a_lock_holder() -> None:
    """A collection may start while a thread holds a metrics library's lock; the callback must not
    take that lock again (it would deadlock): it only appends, the metrics drain later."""
    import threading

    lock = threading.Lock()
    observed: list[int] = []

    def observe(gen: int, s: float) -> None:
        with lock:
            observed.append(gen)

    clock = gcpause.PauseClock()
    try:
        with lock:  # as if inside Histogram.observe when the collector starts
            gc.collect()
        clock.drain(observe)
    finally:
        clock.close()
    assert observed


@pytest.mark.store_only("ladybug", "the app owns and opens its own embedded store here, as `cobuild serve` does")
async def test_the_service_freezes_at_start_and_exposes_its_pauses(tmp_path: Path, unfrozen: None) -> None:
    from cobuild.app import create_app

    settings = Settings(db_path=tmp_path / "store.lbdb", neo4j_uri=None, keys_path=tmp_path / "keys.json",
                        rate_limit_per_s=0, gc_freeze=True)
    _, key = KeyStore(settings.keys_path).create(role="admin", name="gc test")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 10_000  # the schema and the modules behind it
        gc.collect(2)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            text = (await http.get("/metrics", headers={"x-api-key": key})).text
    assert 'cobuild_gc_pause_seconds_count{generation="2"}' in text
    callbacks = len(gc.callbacks)
    gc.collect()
    assert len(gc.callbacks) == callbacks  # the clock left with the app


async def test_apps_built_for_tests_do_not_freeze(tmp_path: Path, unfrozen: None) -> None:
    from cobuild.app import create_app

    assert Settings().gc_freeze is False  # tests/conftest.py: COBUILD_GC_FREEZE=false for the test process
    app = create_app(Settings(db_path=tmp_path / "store.lbdb", neo4j_uri=None, keys_path=tmp_path / "keys.json"))
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() == 0
