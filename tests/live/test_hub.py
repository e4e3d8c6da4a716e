"""The process's change-feed reader without a WebSocket: slow subscribers, idling, a reset feed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from cobuild.auth.principal import Principal
from cobuild.graph import changes
from cobuild.graph.cypher import Statement
from cobuild.live.events import FeedEvent, board_filter, changes_filter
from cobuild.live.hub import LiveHub, Subscriber
from cobuild.resolvers import mutations
from tests.client import test_settings

ADMIN = Principal("admin", key_id="hub-test")


def event(seq: int, label: str | None = "Demand", area: tuple[str, ...] = ("area:c1", "area:d1"), kind: str = "UPDATED",
          fields: tuple[str, ...] = ("status",), rels: tuple[str, ...] = ()) -> FeedEvent:
    return FeedEvent(seq, kind, label, f"demand:x{seq}" if label else None, area if label else (), None, "test", fields, rels)


async def test_a_slow_subscriber_is_ended_with_the_cursor_to_resume_from() -> None:
    sub = Subscriber(lambda ev: True, limit=5, start=10, epoch="e1")
    sub.offer([event(11), event(12)])
    assert [ev.seq for ev in await sub.take()] == [11, 12]
    sub.delivered = 12
    sub.offer([event(s) for s in range(13, 17)])
    sub.offer([event(s) for s in range(17, 19)])  # 6 waiting > 5
    try:
        await sub.take()
    except changes.CursorExpiredError:
        raise AssertionError("wrong error")
    except Exception as exc:  # noqa: BLE001
        assert getattr(exc, "code", None) == "SUBSCRIBER_TOO_SLOW"
        assert exc.extensions["cursor"] == changes.encode_cursor("e1", 12)  # type: ignore[attr-defined]
    else:
        raise AssertionError("the slow subscriber was not ended")


def test_filters_follow_the_feed_rules() -> None:
    district = changes_filter(Principal("district", ("area:d2",)), None, None)
    assert not district(event(1)) and district(event(2, area=("area:c2", "area:d2"))) and district(event(3, label=None))
    demands_in_c1 = changes_filter(ADMIN, ["Demand"], "area:c1")
    assert demands_in_c1(event(1)) and not demands_in_c1(event(2, label="Unit")) and not demands_in_c1(event(3, area=("area:d1",)))
    board = board_filter("area:d1")
    assert board(event(1)) and board(event(2, kind="CREATED", fields=("name",)))
    assert board(event(3, fields=(), rels=("CLAIMED",)))  # a SUPPORT claim
    assert not board(event(4, fields=("name",)))  # a renamed demand is not a board move
    assert not board(event(5, label="Unit")) and not board(event(6, area=("area:d2",)))


async def test_no_subscriber_no_reads_and_a_reset_feed_ends_subscriptions(network: Any, tmp_path: Path) -> None:
    hub = LiveHub(network, test_settings(tmp_path, live_poll_interval_s=0.05))
    sub = await hub.subscribe(changes_filter(ADMIN, None, None))
    await mutations.claim(network, ADMIN, item_id="demand:c10", claimant_id="unit:u1")
    [ev] = await asyncio.wait_for(sub.take(), 5)
    assert (ev.entity_id, ev.operation) == ("demand:c10", "claim")
    # the store's feed is recreated under the subscriber (a rebuilt store): it ends with CURSOR_EXPIRED
    await network.run(Statement("MATCH (s:`ChangeSequence`) SET s.`epoch` = 'rebuilt'", {}), "write")
    try:
        await asyncio.wait_for(sub.take(), 5)
    except changes.CursorExpiredError:
        pass
    else:
        raise AssertionError("a reset feed must end the subscription")
    hub.unsubscribe(sub)
    await asyncio.sleep(0.2)
    reads = hub.reads
    await asyncio.sleep(0.3)  # six intervals with nobody listening
    assert hub.reads == reads and (hub._task is None or hub._task.done())
    await hub.close()
