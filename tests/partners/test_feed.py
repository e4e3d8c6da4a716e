"""The durable change feed (issue 12 part 2): every committed write is in it, in commit order, once;
a partner pages and resumes from a cursor; pruned history answers CURSOR_EXPIRED; scope applies."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from cobuild.auth.principal import Principal
from cobuild.graph import changes
from cobuild.graph.cypher import Statement
from cobuild.graph.engines.base import GraphEngine
from cobuild.resolvers import mutations
from tests.client import GQL, serve
from tests.graphs import write_graph

NOW = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
PERSONS = 40
ADMIN = Principal("admin", key_id="feed-test")

NODES: dict[str, list[dict[str, Any]]] = {
    "AdminArea": [
        {"id": "area:d1", "name": "一区", "level": "DISTRICT", "areaPath": ["area:d1"]},
        {"id": "area:c1", "name": "一社区", "level": "COMMUNITY", "areaPath": ["area:c1", "area:d1"]},
        {"id": "area:d2", "name": "二区", "level": "DISTRICT", "areaPath": ["area:d2"]},
        {"id": "area:c2", "name": "二社区", "level": "COMMUNITY", "areaPath": ["area:c2", "area:d2"]},
    ],
    "Unit": [{"id": "unit:u1", "name": "一单位", "unitType": "SOE", "areaPath": ["area:c1", "area:d1"]},
             {"id": "unit:u2", "name": "二单位", "unitType": "SOE", "areaPath": ["area:c2", "area:d2"]}],
    "Category": [{"id": "cat:a", "name": "养老"}],
    "PartyOrganization": [{"id": "org:c2", "name": "二社区党委", "orgType": "COMMITTEE", "areaPath": ["area:c2", "area:d2"]}],
    "Person": [{"id": f"person:p{i:03d}", "name": f"志愿者{i}", "roles": ["VOLUNTEER", "PARTY_MEMBER"][: 1 + i % 2],
                "phone": "13800000000",
                "areaPath": ["area:c1", "area:d1"] if i % 2 == 0 else ["area:c2", "area:d2"]} for i in range(PERSONS)],
}
RELS = [
    ("PART_OF", "AdminArea", "AdminArea", [{"from": "area:c1", "to": "area:d1"}, {"from": "area:c2", "to": "area:d2"}]),
    ("HAS_PARTY_ORG", "AdminArea", "PartyOrganization", [{"from": "area:c2", "to": "org:c2"}]),
]

PAGE = """query($cursor: String, $first: Int!, $labels: [EntityLabel!], $area: ID) {
  changesSince(cursor: $cursor, first: $first, labels: $labels, areaId: $area) {
    edges { cursor node { kind label entityId operation fields relationships areaPath
                          entity { id ... on Person { name } ... on Demand { name status } } } }
    pageInfo { hasNextPage endCursor } headCursor } }"""
PUBLISH = """mutation($input: PublishDemandInput!) { publishDemand(input: $input) { demandId } }"""
RECORD = """mutation($input: RecordServiceInput!) { recordService(input: $input) { serviceRecordId } }"""


@pytest.fixture
async def feed(engine: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    await write_graph(engine, NODES, RELS, NOW)
    async with serve(engine, tmp_path) as client:
        yield client


LIGHT = PAGE.replace("entity { id ... on Person { name } ... on Demand { name status } }", "")


async def page_all(gql: GQL, cursor: str | None = None, first: int = 7, key: str | None = None, query: str = PAGE,
                   **variables: Any) -> tuple[list[dict[str, Any]], str]:
    """Every event after ``cursor``, page by page; returns the events and the last endCursor."""
    out: list[dict[str, Any]] = []
    while True:
        body = await gql(query, {"cursor": cursor, "first": first, **variables}, key=key)
        assert not body.get("errors"), body
        conn = body["data"]["changesSince"]
        out += [e["node"] | {"cursor": e["cursor"]} for e in conn["edges"]]
        cursor = conn["pageInfo"]["endCursor"]
        if not conn["pageInfo"]["hasNextPage"]:
            return out, cursor


def record(i: int, day: int = 1) -> dict[str, Any]:
    person = f"person:p{i % PERSONS:03d}"
    return {"input": {"personId": person, "date": f"2024-03-{day:02d}", "hours": 0.5,
                      "atId": "area:c1" if i % PERSONS % 2 == 0 else "area:c2"}}


async def test_mutations_are_recorded_in_commit_order_with_what_changed(feed: GQL) -> None:
    body = await feed(PUBLISH, {"input": {"publisherId": "area:c1", "name": "助餐", "categoryIds": ["cat:a"]}})
    demand = body["data"]["publishDemand"]["demandId"]
    body = await feed("""mutation($id: ID!) { claim(input: {itemId: $id, claimantId: "unit:u1"}) { status } }""", {"id": demand})
    assert body["data"]["claim"]["status"] == "CLAIMED"
    events, _ = await page_all(feed)
    assert [(e["kind"], e["label"], e["entityId"], e["operation"]) for e in events] == [
        ("CREATED", "Demand", demand, "publishDemand"), ("UPDATED", "Demand", demand, "claim")]
    assert "name" in events[0]["fields"] and "PUBLISHES" in events[0]["relationships"]
    assert events[1]["fields"] == ["status"] and events[1]["relationships"] == ["CLAIMED"]
    assert events[0]["areaPath"] == ["area:c1", "area:d1"]  # the demand lives where its publisher lives
    assert events[1]["entity"] == {"id": demand, "name": "助餐", "status": "CLAIMED"}  # the record as it is now
    assert feed.last_statements == 1  # events and their records: one statement per page


async def test_a_refused_or_rolled_back_write_records_nothing(feed: GQL) -> None:
    refused = await feed(RECORD, {"input": {"personId": "person:p000", "date": "2024-03-01", "hours": 30, "atId": "area:c1"}})
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_HOURS"
    engine = feed.engine
    original = engine.write

    async def failing(work: Any, **kw: Any) -> Any:
        async def doomed(tx: Any) -> Any:
            await work(tx)  # the writes and the change record are sent …
            raise RuntimeError("injected failure before commit")  # … and never committed
        return await original(doomed, **kw)

    engine.write = failing  # type: ignore[method-assign]
    try:
        assert (await feed(RECORD, record(0)))["errors"][0]["extensions"]["code"] == "INTERNAL"
    finally:
        engine.write = original  # type: ignore[method-assign]
    events, _ = await page_all(feed)
    assert events == []
    assert (await feed(RECORD, record(0)))["data"]["recordService"]["serviceRecordId"]
    assert len((await page_all(feed))[0]) == 1


async def test_1000_concurrent_writes_are_complete_in_order_while_a_reader_pages(feed: GQL) -> None:
    """1,000 mutations at once while a partner keeps paging: the reader ends with every change
    exactly once, in cursor order, with no gap in the sequence numbers."""
    n = 1000
    done = asyncio.Event()
    seen: list[dict[str, Any]] = []

    async def reader() -> None:
        cursor = None
        while True:
            finished = done.is_set()
            events, cursor = await page_all(feed, cursor, first=100, query=LIGHT)
            seen.extend(events)
            if finished:
                return
            await asyncio.sleep(0.01)

    async def one(i: int) -> str:
        """The recordService unit of work itself (what the GraphQL field calls), without HTTP around it."""
        args = record(i, day=1 + i // PERSONS)["input"]
        outcome = await mutations.record_service(
            feed.engine, ADMIN, person_id=args["personId"], date=dt.date.fromisoformat(args["date"]), hours=args["hours"],
            points=None, at_id=args["atId"])
        return outcome.ids["serviceRecordId"]

    async def writes() -> list[str]:
        try:
            return await asyncio.gather(*[one(i) for i in range(n)])
        finally:
            done.set()

    ids, _ = await asyncio.gather(writes(), reader())
    written = set(ids)
    got = [e["entityId"] for e in seen]
    assert len(got) == n and set(got) == written  # complete, and no duplicate
    seqs = [changes.decode_cursor(e["cursor"])[1] for e in seen]
    assert seqs == sorted(seqs) and seqs == list(range(seqs[0], seqs[0] + n))  # in order, no gap
    stored = await feed.engine.run(Statement("MATCH (e:ChangeEvent) RETURN count(e) AS n, max(e.seq) AS m"))
    assert stored == [{"n": n, "m": n}]


async def test_resume_from_a_cursor_after_downtime(feed: GQL) -> None:
    for i in range(5):
        await feed(RECORD, record(i))
    first, cursor = await page_all(feed, first=2)
    assert len(first) == 5
    again, same = await page_all(feed, cursor)  # nothing new: the cursor stays where it was
    assert again == [] and same == cursor
    for i in range(5, 8):
        await feed(RECORD, record(i))
    rest, _ = await page_all(feed, cursor, first=2)  # "hours later": exactly the three new ones
    assert len(rest) == 3 and {e["entityId"] for e in rest}.isdisjoint({e["entityId"] for e in first})
    # the cursor of any event resumes right after it
    mid, _ = await page_all(feed, first[2]["cursor"])
    assert [e["entityId"] for e in mid] == [e["entityId"] for e in first[3:] + rest]
    body = await feed(PAGE, {"cursor": None, "first": 0})
    assert body["data"]["changesSince"]["headCursor"] == rest[-1]["cursor"]


async def test_filters_by_label_and_area(feed: GQL) -> None:
    await feed(PUBLISH, {"input": {"publisherId": "area:c2", "name": "助浴", "categoryIds": ["cat:a"]}})
    for i in range(4):
        await feed(RECORD, record(i))
    demands, cursor = await page_all(feed, labels=["Demand"], first=1)
    assert [e["label"] for e in demands] == ["Demand"]
    assert (await page_all(feed, cursor, labels=["Demand"]))[0] == []  # the filtered page moved to the head
    in_c1, _ = await page_all(feed, area="area:c1")
    assert len(in_c1) == 2 and all("area:c1" in e["areaPath"] for e in in_c1)


async def test_expired_cursor_and_cursor_of_another_store(feed: GQL, tmp_path: Path) -> None:
    for i in range(3):
        await feed(RECORD, record(i))
    events, _ = await page_all(feed)
    old = events[0]["cursor"]
    report = await changes.prune(feed.engine, retention_days=1, now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2))
    assert report.events == 3 and report.pruned_through == 3
    body = await feed(PAGE, {"cursor": old, "first": 5})
    err = body["errors"][0]
    assert err["extensions"]["code"] == "CURSOR_EXPIRED" and err["extensions"]["prunedThrough"] == 3
    assert body["data"] is None
    latest = events[-1]["cursor"]  # at the pruned mark: nothing was lost after it
    await feed(RECORD, record(3))
    assert len((await page_all(feed, latest))[0]) == 1
    body = await feed(PAGE, {"cursor": changes.encode_cursor("0123456789abcdef", 1), "first": 5})
    assert body["errors"][0]["extensions"]["code"] == "CURSOR_EXPIRED"
    assert (await feed(PAGE, {"cursor": "not-a-cursor", "first": 5}))["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_scope_area_roles_see_their_areas_and_personal_data_is_masked(feed: GQL) -> None:
    for i in range(6):
        await feed(RECORD, record(i))
    body = await feed("""mutation { reportToCommunity(input: {personId: "person:p001", communityId: "area:c2"}) { status } }""")
    assert body["data"]["reportToCommunity"]["status"] == "ACTIVE", body
    q = """query { changesSince(first: 50) { nodes { label entityId areaPath
              entity { id ... on Person { name } } } } }"""
    everything = (await feed(q))["data"]["changesSince"]["nodes"]
    partner = feed.key("partner", areas=["area:d2"])
    theirs = (await feed(q, key=partner))["data"]["changesSince"]["nodes"]
    assert 0 < len(theirs) < len(everything)
    assert all("area:d2" in n["areaPath"] for n in theirs)
    assert {n["entityId"] for n in theirs} == {n["entityId"] for n in everything if "area:d2" in (n["areaPath"] or [])}
    person = next(n for n in theirs if n["label"] == "Person")
    assert person["entity"]["name"] == "***"  # partners never see personal data
    street = feed.key("community", areas=["area:c2"])
    mine = next(n for n in (await feed(q, key=street))["data"]["changesSince"]["nodes"] if n["label"] == "Person")
    assert mine["entity"]["name"] == "志愿者1"  # the community sees its residents
    analyst = feed.key("analyst")
    assert len((await feed(q, key=analyst))["data"]["changesSince"]["nodes"]) == len(everything)
    for who in (feed.key("unit", unit="unit:u1"), None):
        body = await feed(q, key=who, anonymous=who is None)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_after_commit_listener_hears_each_commit(feed: GQL) -> None:
    heard: list[changes.Committed] = []
    remove = changes.add_listener(heard.append)
    try:
        await feed(RECORD, record(0))
        await feed(RECORD, {"input": {**record(1)["input"], "hours": 99}})  # refused: nothing to hear
        await feed(RECORD, record(2))
    finally:
        remove()
    assert [(c.first, c.last, c.operation) for c in heard] == [(1, 1, "recordService"), (2, 2, "recordService")]
    # a listener (a subscription) reads exactly the changes it heard of, from the cursor before them
    events, _ = await page_all(feed, heard[1].cursor_before)
    assert [changes.decode_cursor(e["cursor"])[1] for e in events] == [2]


async def test_internal_records_stay_out_of_the_network(feed: GQL) -> None:
    """ChangeEvent, ChangeSequence, IdempotencyKey and ImportCheckpoint are cobuild's own records:
    no entity type, root list or lookup, no stats, no export, not searchable."""
    from cobuild.graph import model
    from cobuild.graph.stats import graph_stats
    from cobuild.schema.root import build_schema

    await feed(RECORD, record(0), **{"idempotency-key": "k"})
    internal = {lab.name for lab in model.INTERNAL_LABELS}
    assert internal.isdisjoint(model.LABELS_BY_NAME)
    schema = build_schema()._schema
    entity = schema.type_map["Entity"]
    implementers = {t.name for t in schema.get_possible_types(entity)}  # type: ignore[arg-type]
    assert "ChangeEvent" not in implementers and not internal & implementers
    roots = set(schema.query_type.fields)  # type: ignore[union-attr]
    assert not {"changeEvents", "changeEvent", "idempotencyKeys", "importCheckpoints", "changeSequences"} & roots
    stats = await graph_stats(feed.engine)
    assert internal.isdisjoint(stats["nodes"])
    counts = await feed.engine.run(Statement("MATCH (e:ChangeEvent) RETURN count(e) AS n"))
    assert counts == [{"n": 1}]  # … while they are in the store
