"""Subscriptions over a real WebSocket (uvicorn + the ``websockets`` client, graphql-transport-ws):
the demand board hears a claim made by another client, scope and masking hold for events, events
arrive in commit order, a batch costs one statement, and a client resumes from a cursor."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from cobuild.graph.cypher import Statement
from cobuild.live.batch import LABEL as BATCH
from cobuild.live.hub import POLL_LABEL
from tests.live.conftest import CLAIM, PUBLISH, Live, running

BOARD = """subscription($area: ID!, $cursor: String) { demandBoard(areaId: $area, cursor: $cursor) {
  kind cursor label entityId demandStatus operation fields relationships
  entity { id ... on Demand { name status } } } }"""
CHANGES = """subscription($area: ID, $labels: [EntityLabel!], $cursor: String) {
  changes(areaId: $area, labels: $labels, cursor: $cursor) { kind cursor label entityId operation } }"""
CHANGES_ENTITY = """subscription($area: ID, $labels: [EntityLabel!]) {
  changes(areaId: $area, labels: $labels) { kind cursor label entityId
    entity { id ... on Person { name phone } ... on Demand { name status } } } }"""
UPSERT_DEMANDS = """mutation($items: [DemandUpsertInput!]!) { upsertDemands(partner: "acme", items: $items) { created ids } }"""
UPSERT_PERSONS = """mutation($items: [PersonUpsertInput!]!) { upsertPersons(partner: "acme", items: $items) { created ids } }"""
FEED = """query($cursor: String) { changesSince(cursor: $cursor, first: 100) { nodes { kind entityId } edges { cursor }
  pageInfo { endCursor } } }"""


async def subscribed(live: Live, ws: Any, op_id: str, query: str, variables: dict[str, Any]) -> None:
    """Subscribe and wait until the hub holds the subscription (so what follows is live)."""
    before = len(live.hub.subscribers)
    await ws.subscribe(op_id, query, variables)
    for _ in range(500):
        if len(live.hub.subscribers) > before:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the subscription never registered")


async def test_the_board_hears_a_claim_made_by_another_client(live: Live) -> None:
    watcher = live.key("district", ["area:d1"])
    claimer = live.key("unit", unit="unit:u1")
    async with live.ws({"apiKey": watcher}) as ws:
        assert ws.ack["role"] == "district" and ws.ack["maxSubscriptions"] == 20
        await subscribed(live, ws, "board", BOARD, {"area": "area:d1"})
        body = await live.gql(CLAIM, {"item": "demand:c10", "by": "unit:u1"}, key=claimer)
        assert body["data"]["claim"]["status"] == "CLAIMED", body
        [event] = await ws.events("board", 1)
        board = event["demandBoard"]
        assert (board["kind"], board["label"], board["entityId"], board["operation"]) == ("UPDATED", "Demand", "demand:c10", "claim")
        assert board["demandStatus"] == "CLAIMED" and board["fields"] == ["status"] and board["relationships"] == ["CLAIMED"]
        assert board["entity"] == {"id": "demand:c10", "name": "需求c10", "status": "CLAIMED"}
        # a claim in the other district is not on this board; a new demand published here is
        assert (await live.gql(CLAIM, {"item": "demand:c20", "by": "unit:u2"}))["data"]["claim"]
        created = (await live.gql(PUBLISH, {"by": "area:c1", "name": "老人助餐"}))["data"]["publishDemand"]["demandId"]
        [event] = await ws.events("board", 1)
        assert (event["demandBoard"]["kind"], event["demandBoard"]["entityId"], event["demandBoard"]["demandStatus"]) == (
            "CREATED", created, "PUBLISHED")
        await ws.quiet("board")
        # the cursor an event carries is the change feed's: changesSince after the claim starts at the new demand
        page = await live.gql(FEED, {"cursor": board["cursor"]})
        assert [n["entityId"] for n in page["data"]["changesSince"]["nodes"]] == ["demand:c20", created]


async def test_scoped_subscribers_see_only_their_areas(live: Live) -> None:
    other = live.key("district", ["area:d2"])
    partner = live.key("partner", ["area:d2"])
    async with live.ws({"apiKey": other}) as ws, live.ws({"apiKey": partner}) as pws:
        await subscribed(live, ws, "all", CHANGES, {})
        await subscribed(live, ws, "d1", CHANGES, {"area": "area:d1"})  # asking for another district: nothing
        await subscribed(live, pws, "all", CHANGES_ENTITY, {"labels": ["Demand"]})
        await live.gql(CLAIM, {"item": "demand:c10", "by": "unit:u1"})  # district 1
        await live.gql(CLAIM, {"item": "demand:c21", "by": "unit:u2"})  # district 2
        [event] = await ws.events("all", 1)
        assert event["changes"]["entityId"] == "demand:c21"
        [event] = await pws.events("all", 1)
        assert event["changes"]["entityId"] == "demand:c21" and event["changes"]["entity"]["status"] == "CLAIMED"
        await ws.quiet("d1")
        await ws.quiet("all", 0.2)
        await pws.quiet("all", 0.2)


async def test_personal_data_is_masked_in_events_as_in_queries(live: Live) -> None:
    partner = live.key("partner", ["area:d1"])
    district = live.key("district", ["area:d1"])
    async with live.ws({"apiKey": partner}) as pws, live.ws({"apiKey": district}) as dws:
        await subscribed(live, pws, "p", CHANGES_ENTITY, {"labels": ["Person"]})
        await subscribed(live, dws, "p", CHANGES_ENTITY, {"labels": ["Person"]})
        body = await live.gql(UPSERT_PERSONS, {"items": [{"externalId": "V-1", "name": "张三", "phone": "13912345678",
                                                          "roles": ["VOLUNTEER"], "employerId": "unit:u1"}]})
        assert body["data"]["upsertPersons"]["created"] == 1, body
        [seen_by_partner] = await pws.events("p", 1)
        [seen_by_district] = await dws.events("p", 1)
        assert seen_by_partner["changes"]["entity"] | {"id": None} == {"id": None, "name": "***", "phone": "***"}
        assert seen_by_district["changes"]["entity"]["name"] == "张三"
        assert seen_by_district["changes"]["entity"]["phone"] == "13912345678"


LIFECYCLE_BOARD = """subscription($area: ID!) { demandBoard(areaId: $area) {
  kind label entityId demandStatus projectStatus fields entity { id ... on Project { name projectStatus: status } } } }"""
UPSERT_PROJECTS = """mutation($items: [ProjectUpsertInput!]!) { upsertProjects(partner: "acme", items: $items) { created ids } }"""
START = """mutation($id: ID!) { startProject(projectId: $id) { status } }"""
COMPLETE = """mutation($id: ID!) { completeProject(projectId: $id, note: "助餐点已开放") { status } }"""


async def test_the_board_follows_a_project_through_its_lifecycle(live: Live) -> None:
    """A project listed, claimed, started, completed and a demand published and cancelled: each move is
    a board event with the status typed as ProjectStatus or DemandStatus (the other null); a rename is
    not a move."""
    async with live.ws({"apiKey": live.key("community", ["area:c1"])}) as ws:
        await subscribed(live, ws, "b", LIFECYCLE_BOARD, {"area": "area:c1"})
        listed = await live.gql(UPSERT_PROJECTS, {"items": [{"externalId": "p-meal", "name": "老年助餐", "status": "LISTED",
                                                             "regionId": "area:c1"}]})
        [project] = listed["data"]["upsertProjects"]["ids"]
        assert (await live.gql(CLAIM, {"item": project, "by": "unit:u1"}))["data"]["claim"]["status"] == "CLAIMED"
        assert (await live.gql(START, {"id": project}))["data"]["startProject"]["status"] == "IN_PROGRESS"
        assert (await live.gql(COMPLETE, {"id": project}))["data"]["completeProject"]["status"] == "COMPLETED"
        renamed = await live.gql(UPSERT_PROJECTS, {"items": [{"externalId": "p-meal", "name": "老年助餐点", "status": "COMPLETED"}]})
        assert "errors" not in renamed, renamed
        demand = {"externalId": "d-meal", "name": "助餐志愿者", "publisherId": "area:c1", "categoryIds": ["cat:a"]}
        published = await live.gql(UPSERT_DEMANDS, {"items": [{**demand, "status": "PUBLISHED"}]})
        [demand_id] = published["data"]["upsertDemands"]["ids"]
        cancelled = await live.gql(UPSERT_DEMANDS, {"items": [{**demand, "status": "CANCELLED"}]})
        assert "errors" not in cancelled, cancelled
        events = [e["demandBoard"] for e in await ws.events("b", 6)]
        await ws.quiet("b")
    assert [(e["kind"], e["label"], e["entityId"]) for e in events] == [("CREATED", "Project", project)] + [
        ("UPDATED", "Project", project)] * 3 + [("CREATED", "Demand", demand_id), ("UPDATED", "Demand", demand_id)]
    # each event carries the status read with its batch: the one it moved to, or a later one when the
    # next commit was already in when the batch was read — never an earlier one
    order = ["LISTED", "CLAIMED", "IN_PROGRESS", "COMPLETED"]
    seen = [e["projectStatus"] for e in events[:4]]
    assert all(e["demandStatus"] is None for e in events[:4]) and seen[-1] == "COMPLETED", events
    assert all(order.index(s) >= i for i, s in enumerate(seen)), seen
    assert events[3]["entity"]["projectStatus"] == "COMPLETED"
    assert [e["projectStatus"] for e in events[4:]] == [None, None] and events[-1]["demandStatus"] == "CANCELLED"
    assert events[4]["demandStatus"] in ("PUBLISHED", "CANCELLED") and events[-1]["entity"] == {"id": demand_id}


async def test_events_arrive_in_commit_order_once_each(live: Live) -> None:
    async with live.ws() as ws:
        await subscribed(live, ws, "c", CHANGES, {"labels": ["Demand"]})
        bodies = await asyncio.gather(*[live.gql(PUBLISH, {"by": f"area:c{1 + i % 2}", "name": f"需求{i}"}) for i in range(40)])
        ids = {b["data"]["publishDemand"]["demandId"] for b in bodies}
        events = [e["changes"] for e in await ws.events("c", 40)]
        assert {e["entityId"] for e in events} == ids and len(events) == 40
        page = await live.gql(FEED, {"cursor": None})
        feed_order = [n["entityId"] for n in page["data"]["changesSince"]["nodes"]]
        assert [e["entityId"] for e in events] == feed_order  # the feed's commit order
        await ws.quiet("c", 0.3)


async def test_a_batch_of_events_costs_one_statement(live: Live) -> None:
    """One upsert of 5 demands is one commit, one batch: one read of the feed and ONE statement for
    the 5 records, shared by three subscribers with the same selection; none without ``entity``."""
    seen: list[str] = []
    engine = live.engine
    real_run = engine.run

    async def recording(stmt: Statement, mode: str = "read", **kw: Any) -> Any:
        seen.append(stmt.label)
        return await real_run(stmt, mode, **kw)

    async with live.ws() as ws1, live.ws() as ws2, live.ws() as ws3:
        for ws in (ws1, ws2, ws3):
            await subscribed(live, ws, "e", CHANGES_ENTITY, {"labels": ["Demand"]})
        await subscribed(live, ws1, "light", CHANGES, {"labels": ["Demand"]})
        engine.run = recording  # type: ignore[method-assign]
        try:
            items = [{"externalId": f"B-{i}", "name": f"批量{i}", "publisherId": "area:c1", "categoryIds": ["cat:a"]}
                     for i in range(5)]
            body = await live.gql(UPSERT_DEMANDS, {"items": items})
            assert body["data"]["upsertDemands"]["created"] == 5, body
            for ws in (ws1, ws2, ws3):
                events = await ws.events("e", 5)
                assert [e["changes"]["entity"]["name"] for e in events] == [f"批量{i}" for i in range(5)]
            assert len(await ws1.events("light", 5)) == 5
        finally:
            engine.run = real_run  # type: ignore[method-assign]
    assert seen.count(BATCH) == 1, seen
    assert 1 <= seen.count(POLL_LABEL) <= 3, seen  # woken by the commit (a timed read may fall in between)


async def test_resume_by_cursor_after_a_disconnect(live: Live) -> None:
    async with live.ws() as ws:
        await subscribed(live, ws, "c", CHANGES, {"labels": ["Demand"]})
        await live.gql(CLAIM, {"item": "demand:c10", "by": "unit:u1"})
        [first] = await ws.events("c", 1)
    last_cursor = first["changes"]["cursor"]
    missed = [(await live.gql(PUBLISH, {"by": "area:c1", "name": f"断线期间{i}"}))["data"]["publishDemand"]["demandId"]
              for i in range(3)]
    # what changesSince gives from the last cursor is exactly what was missed
    page = await live.gql(FEED, {"cursor": last_cursor})
    assert [n["entityId"] for n in page["data"]["changesSince"]["nodes"]] == missed
    # or subscribe with the cursor: the missed events first, then live ones, no gap, no duplicate
    async with live.ws() as ws:
        await subscribed(live, ws, "r", CHANGES, {"labels": ["Demand"], "cursor": last_cursor})
        replayed = [e["changes"]["entityId"] for e in await ws.events("r", 3)]
        assert replayed == missed
        after = (await live.gql(CLAIM, {"item": "demand:c11", "by": "unit:u1"}))["data"]["claim"]["itemId"]
        [live_event] = await ws.events("r", 1)
        assert live_event["changes"]["entityId"] == after
        await ws.quiet("r", 0.3)
    # a cursor of another store's feed is refused, as changesSince refuses it
    foreign = "eyJlIjoib3RoZXJzdG9yZSIsInMiOjF9"  # {"e":"otherstore","s":1}
    async with live.ws() as ws:
        await ws.subscribe("x", CHANGES, {"cursor": foreign})
        msg = await ws.next("x")
        assert msg["type"] == "next" and msg["payload"]["errors"][0]["extensions"]["code"] == "CURSOR_EXPIRED"
        assert (await ws.next("x"))["type"] == "complete"


async def test_who_may_subscribe_to_what(live: Live) -> None:
    unit = live.key("unit", unit="unit:u1")
    async with live.ws({"apiKey": unit}) as ws:
        await ws.subscribe("c", CHANGES, {})
        msg = await ws.next("c")
        assert msg["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert (await ws.next("c"))["type"] == "complete"
        await subscribed(live, ws, "b", BOARD, {"area": "area:d1"})  # the board is public, like demands
        await live.gql(CLAIM, {"item": "demand:c12", "by": "unit:u1"})
        assert (await ws.events("b", 1))[0]["demandBoard"]["entityId"] == "demand:c12"
        await ws.subscribe("bad", BOARD, {"area": "unit:u1"})
        assert (await ws.next("bad"))["payload"]["errors"][0]["extensions"]["code"] == "VALIDATION"
    async with live.ws({}) as anonymous:  # no credential: the anonymous principal (COBUILD_ANONYMOUS=read)
        assert anonymous.ack["role"] == "anonymous"
        await anonymous.subscribe("c", CHANGES, {})
        assert (await anonymous.next("c"))["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_subscription_over_http_is_sent_to_the_websocket(live: Live) -> None:
    body = await live.gql(CHANGES, {})
    assert body["errors"][0]["extensions"]["code"] == "WEBSOCKET_REQUIRED"


async def test_the_poller_alone_delivers_what_another_process_wrote(network: Any, tmp_path: Path) -> None:
    """Two service processes over one store, simulated in one: app A serves the subscriber, app B
    (its own engine object, so A's after-commit listener never hears B's commits) takes the write.
    Only A's poller, reading the feed by cursor every interval, can deliver it."""
    import httpx

    from cobuild.app import create_app
    from tests.client import test_settings

    class OtherProcessEngine:  # the same store through another engine object
        def __init__(self, engine: Any) -> None:
            self._engine = engine

        def __getattr__(self, item: str) -> Any:
            return getattr(self._engine, item)

    async with running(network, tmp_path, live_poll_interval_s=0.2) as a:
        woken: list[Any] = []
        hub = a.hub
        original = hub._on_commit

        def spy(committed: Any) -> None:
            if committed.engine is hub.engine:
                woken.append(committed)
            original(committed)

        from cobuild.graph import changes

        remove = changes.add_listener(spy)
        app_b = create_app(test_settings(tmp_path, keys_path=tmp_path / "keys.json"), engine=OtherProcessEngine(network))  # type: ignore[arg-type]
        try:
            async with a.ws() as ws, httpx.AsyncClient(transport=httpx.ASGITransport(app=app_b), base_url="http://b") as b:
                await subscribed(a, ws, "board", BOARD, {"area": "area:d2"})
                reads_before = hub.reads
                r = await b.post("/graphql", json={"query": CLAIM, "variables": {"item": "demand:c22", "by": "unit:u2"}},
                                 headers={"x-api-key": a.admin_key})
                assert r.json()["data"]["claim"]["status"] == "CLAIMED", r.text
                [event] = await ws.events("board", 1, timeout=5)
                assert event["demandBoard"]["entityId"] == "demand:c22" and event["demandBoard"]["demandStatus"] == "CLAIMED"
                assert woken == [] and hub.reads > reads_before  # found by reading the feed, not by the listener
        finally:
            remove()
