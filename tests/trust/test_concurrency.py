"""Concurrency through the real app (httpx ASGI transport, admin API key): many clients at once.

* 100 concurrent ``claim`` mutations of one demand → exactly one succeeds, 99 get ``ALREADY_CLAIMED``,
  and the graph holds exactly one active LEAD ``CLAIMED`` edge to it.
* concurrent ``recordService`` calls → every record, hour and point is there (and the per-day
  24-hour rule, a check-then-write, holds exactly under contention).
* concurrent batch ``upsert`` of the same external ids → one node per id, created once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from pathlib import Path
from typing import Any, Callable

import pytest

from cobuild.auth.keys import KeyStore
from cobuild.graph.cypher import Statement
from cobuild.graph.engines.base import GraphEngine
from cobuild.ids import external_node_id
from tests.graphs import write_graph

NOW = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
CLAIMANTS = 100

NODES: dict[str, list[dict[str, Any]]] = {
    "AdminArea": [{"id": "area:cc-street", "name": "并发街道", "level": "STREET"},
                  {"id": "area:cc-community", "name": "并发社区", "level": "COMMUNITY"}],
    "Unit": [{"id": f"unit:cc-{i:03d}", "name": f"并发单位{i}", "unitType": "SOE"} for i in range(CLAIMANTS)],
    "Person": [{"id": "person:cc-a", "name": "党员甲", "roles": ["PARTY_MEMBER"], "memberCategory": "IN_SERVICE"},
               {"id": "person:cc-b", "name": "党员乙", "roles": ["PARTY_MEMBER"], "memberCategory": "IN_SERVICE"}],
    "Demand": [{"id": "demand:cc-1", "name": "助餐", "status": "PUBLISHED"}],
}
RELS = [
    ("PART_OF", "AdminArea", "AdminArea", [{"from": "area:cc-community", "to": "area:cc-street"}]),
    ("PUBLISHES", "AdminArea", "Demand", [{"from": "area:cc-community", "to": "demand:cc-1"}]),
]


async def build(engine: GraphEngine) -> None:
    await write_graph(engine, NODES, RELS, NOW)


@pytest.fixture
async def client(engine: GraphEngine, make_client: Callable[..., Any], tmp_path: Path) -> Any:
    await build(engine)
    c = await make_client(rate_limit_per_s=0)
    _, key = KeyStore(c.settings.keys_path).create(role="admin", name="concurrency admin")
    c.http.headers["x-api-key"] = key
    return c


async def post_all(client: Any, query: str, variables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    resps = await asyncio.gather(*[client.post(query, v) for v in variables])
    assert all(r.status_code == 200 for r in resps), [r.text for r in resps if r.status_code != 200][:3]
    return [r.json() for r in resps]


def codes(bodies: list[dict[str, Any]]) -> list[str | None]:
    return [(b.get("errors") or [{"extensions": {"code": None}}])[0]["extensions"]["code"] for b in bodies]


async def rows(engine: GraphEngine, text: str, **params: Any) -> list[dict[str, Any]]:
    return await engine.run(Statement(text, params))


CLAIM = "mutation($input: ClaimInput!) { claim(input: $input) { itemId claimantId role status } }"


async def test_100_concurrent_claims_one_winner(client: Any, engine: GraphEngine) -> None:
    variables = [{"input": {"itemId": "demand:cc-1", "claimantId": f"unit:cc-{i:03d}"}} for i in range(CLAIMANTS)]
    bodies = await post_all(client, CLAIM, variables)
    got = codes(bodies)
    assert got.count(None) == 1 and got.count("ALREADY_CLAIMED") == CLAIMANTS - 1, sorted(set(map(str, got)))
    winner = next(b["data"]["claim"] for b in bodies if not b.get("errors"))
    assert winner["status"] == "CLAIMED" and winner["role"] == "LEAD"
    edges = await rows(engine, "MATCH (c)-[k:CLAIMED]->(d:Demand) WHERE d.id = 'demand:cc-1' "
                               "RETURN c.id AS c, k.role AS role, k.status AS status")
    assert edges == [{"c": winner["claimantId"], "role": "LEAD", "status": "ACTIVE"}]
    assert await rows(engine, "MATCH (d:Demand) WHERE d.id = 'demand:cc-1' RETURN d.status AS s") == [{"s": "CLAIMED"}]


RECORD = "mutation($input: RecordServiceInput!) { recordService(input: $input) { serviceRecordId hoursThatDay } }"


async def test_concurrent_service_records_and_points_lose_nothing(client: Any, engine: GraphEngine) -> None:
    rnd = random.Random(4)
    sent = [{"personId": rnd.choice(["person:cc-a", "person:cc-b"]), "date": f"2024-03-{rnd.randint(1, 5):02d}",
             "hours": rnd.choice([0.25, 0.5, 1.0]), "points": rnd.randint(0, 50), "atId": "area:cc-community"}
            for _ in range(50)]
    bodies = await post_all(client, RECORD, [{"input": s} for s in sent])
    assert codes(bodies) == [None] * len(sent), bodies
    ids = {b["data"]["recordService"]["serviceRecordId"] for b in bodies}
    assert len(ids) == len(sent)
    got = await rows(engine, "MATCH (p:Person)-[:PERFORMED]->(s:ServiceRecord)-[:AT]->(a:AdminArea) "
                             "RETURN p.id AS p, s.id AS id, s.hours AS h, s.points AS pts")
    assert {r["id"] for r in got} == ids
    for person in ("person:cc-a", "person:cc-b"):
        mine = [s for s in sent if s["personId"] == person]
        theirs = [r for r in got if r["p"] == person]
        assert len(theirs) == len(mine)
        assert sum(r["h"] for r in theirs) == pytest.approx(sum(s["hours"] for s in mine))
        assert sum(r["pts"] for r in theirs) == sum(s["points"] for s in mine)


async def test_concurrent_service_records_respect_the_daily_limit(client: Any, engine: GraphEngine) -> None:
    """50 one-hour records for one person on one day, all at once: exactly 24 fit (rule PT5)."""
    inp = {"personId": "person:cc-a", "date": "2024-03-09", "hours": 1, "points": 3, "atId": "area:cc-community"}
    bodies = await post_all(client, RECORD, [{"input": inp}] * 50)
    got = codes(bodies)
    assert got.count(None) == 24 and got.count("INVALID_HOURS") == 26, sorted(set(map(str, got)))
    totals = sorted(b["data"]["recordService"]["hoursThatDay"] for b in bodies if not b.get("errors"))
    assert totals == [float(h) for h in range(1, 25)]  # each writer saw every earlier record
    stored = await rows(engine, "MATCH (p:Person)-[:PERFORMED]->(s:ServiceRecord) WHERE p.id = 'person:cc-a' "
                                "AND s.date = date('2024-03-09') RETURN count(s) AS n, sum(s.hours) AS h, sum(s.points) AS pts")
    assert stored == [{"n": 24, "h": 24.0, "pts": 72}]


UPSERT = """mutation($items: [UnitUpsertInput!]!) { upsertUnits(partner: "cc", items: $items) {
  created updated unchanged ids } }"""


async def test_concurrent_upserts_of_the_same_ids_one_node_each(client: Any, engine: GraphEngine) -> None:
    items = [{"externalId": f"EXT-{i}", "name": f"外部单位{i}", "unitType": "SOCIAL_ORG"} for i in range(10)]
    batches = [{"items": random.Random(b).sample(items, len(items))} for b in range(20)]  # same ids, any order
    bodies = await post_all(client, UPSERT, batches)
    assert codes(bodies) == [None] * len(batches), bodies
    out = [b["data"]["upsertUnits"] for b in bodies]
    # counted inside the merging statement: the batches add up to exactly one creation per id, and
    # no batch calls a node another batch created with the same values "updated"
    assert sum(o["created"] for o in out) == len(items), [o["created"] for o in out]  # each id created by exactly one batch
    assert all(o["updated"] == 0 for o in out), [o["updated"] for o in out]
    assert all(o["created"] + o["updated"] + o["unchanged"] == len(items) for o in out)
    expected = {external_node_id("Unit", "cc", it["externalId"]) for it in items}
    got = await rows(engine, "MATCH (u:Unit) WHERE u.id STARTS WITH 'unit:x-cc-' RETURN u.id AS id, u.name AS name")
    assert sorted(r["id"] for r in got) == sorted(expected)  # exactly one node per id
    assert {r["name"] for r in got} == {it["name"] for it in items}
