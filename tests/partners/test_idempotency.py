"""Idempotent writes (issue 12 part 3): a retry with the same key returns the first answer and writes
nothing; another input under the same key is refused; keys are per principal and expire."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from cobuild.graph.cypher import Statement
from cobuild.graph.engines.base import GraphEngine
from tests.client import GQL, serve
from tests.partners.test_feed import NODES, NOW, RELS
from tests.graphs import write_graph

PUBLISH = """mutation($input: PublishDemandInput!, $cmid: String) {
  publishDemand(input: $input, clientMutationId: $cmid) { demandId status clientMutationId } }"""
DEMAND = {"publisherId": "area:c1", "name": "助餐", "categoryIds": ["cat:a"]}


async def demands(engine: GraphEngine) -> int:
    rows = await engine.run(Statement("MATCH (d:Demand) RETURN count(d) AS n"))
    return int(rows[0]["n"])


async def events(engine: GraphEngine) -> int:
    rows = await engine.run(Statement("MATCH (e:ChangeEvent) RETURN count(e) AS n"))
    return int(rows[0]["n"])


@pytest.fixture
async def gql(engine: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    await write_graph(engine, NODES, RELS, NOW)
    async with serve(engine, tmp_path) as client:
        yield client


async def test_a_retry_with_the_same_header_key_returns_the_first_answer(gql: GQL) -> None:
    first = await gql(PUBLISH, {"input": DEMAND}, **{"idempotency-key": "order-7"})
    again = await gql(PUBLISH, {"input": DEMAND}, **{"idempotency-key": "order-7"})
    assert not first.get("errors") and again == first
    assert await demands(gql.engine) == 1 and await events(gql.engine) == 1
    assert gql.last_statements == 1  # the claim found the stored answer: nothing else ran
    other = await gql(PUBLISH, {"input": DEMAND}, **{"idempotency-key": "order-8"})
    assert other["data"]["publishDemand"]["demandId"] != first["data"]["publishDemand"]["demandId"]
    plain = await gql(PUBLISH, {"input": DEMAND})  # no key: every call writes
    assert plain["data"]["publishDemand"]["demandId"] not in {first["data"]["publishDemand"]["demandId"],
                                                              other["data"]["publishDemand"]["demandId"]}
    assert await demands(gql.engine) == 3


async def test_client_mutation_id_is_a_key_and_is_echoed(gql: GQL) -> None:
    first = (await gql(PUBLISH, {"input": DEMAND, "cmid": "c-1"}))["data"]["publishDemand"]
    assert first["clientMutationId"] == "c-1"
    again = (await gql(PUBLISH, {"input": DEMAND, "cmid": "c-1"}))["data"]["publishDemand"]
    assert again == first and await demands(gql.engine) == 1


async def test_the_same_key_with_another_input_is_refused(gql: GQL) -> None:
    await gql(PUBLISH, {"input": DEMAND, "cmid": "c-2"})
    body = await gql(PUBLISH, {"input": {**DEMAND, "name": "助浴"}, "cmid": "c-2"})
    err = body["errors"][0]
    assert err["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED" and err["extensions"]["operation"] == "publishDemand"
    claim = """mutation { claim(input: {itemId: "demand:none", claimantId: "unit:u1"}, clientMutationId: "c-2") { status } }"""
    assert (await gql(claim))["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await demands(gql.engine) == 1 and await events(gql.engine) == 1


async def test_keys_are_per_principal(gql: GQL) -> None:
    mine = (await gql(PUBLISH, {"input": DEMAND, "cmid": "shared"}))["data"]["publishDemand"]
    district = gql.key("district", areas=["area:d1"])
    theirs = (await gql(PUBLISH, {"input": DEMAND, "cmid": "shared"}, key=district))["data"]["publishDemand"]
    assert theirs["demandId"] != mine["demandId"] and await demands(gql.engine) == 2


async def test_keys_expire(engine: GraphEngine, tmp_path: Path) -> None:
    await write_graph(engine, NODES, RELS, NOW)
    async with serve(engine, tmp_path, idempotency_ttl_s=3) as gql:
        first = (await gql(PUBLISH, {"input": DEMAND, "cmid": "short"}))["data"]["publishDemand"]
        assert (await gql(PUBLISH, {"input": DEMAND, "cmid": "short"}))["data"]["publishDemand"] == first
        await asyncio.sleep(3.1)
        later = (await gql(PUBLISH, {"input": DEMAND, "cmid": "short"}))["data"]["publishDemand"]
        assert later["demandId"] != first["demandId"] and await demands(engine) == 2


async def test_50_concurrent_retries_of_one_key_write_once(gql: GQL) -> None:
    bodies = await asyncio.gather(*[gql(PUBLISH, {"input": DEMAND}, **{"idempotency-key": "burst"}) for _ in range(50)])
    assert all(not b.get("errors") for b in bodies), [b for b in bodies if b.get("errors")][:2]
    assert len({b["data"]["publishDemand"]["demandId"] for b in bodies}) == 1  # every retry got the first answer
    assert await demands(gql.engine) == 1 and await events(gql.engine) == 1


async def test_a_refused_mutation_keeps_no_key(gql: GQL) -> None:
    """A refusal rolls back with the key: a retry runs the rules again (and may succeed once the graph
    allows it)."""
    later = {**DEMAND, "categoryIds": ["cat:b"]}
    assert (await gql(PUBLISH, {"input": later, "cmid": "k"}))["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await gql.engine.run(Statement("MATCH (k:IdempotencyKey) RETURN count(k) AS n"))) == [{"n": 0}]
    await write_graph(gql.engine, {"Category": [{"id": "cat:b", "name": "义诊"}]}, [], NOW)
    assert (await gql(PUBLISH, {"input": later, "cmid": "k"}))["data"]["publishDemand"]["status"] == "PUBLISHED"
    assert await demands(gql.engine) == 1


async def test_a_replayed_upsert_answers_what_it_did_the_first_time(gql: GQL) -> None:
    q = """mutation($cmid: String) { upsertUnits(partner: "acme", clientMutationId: $cmid, items: [
      {externalId: "A", name: "甲", unitType: SOE}]) { created updated unchanged ids } }"""
    first = (await gql(q, {"cmid": "u-1"}))["data"]["upsertUnits"]
    assert first["created"] == 1
    assert (await gql(q, {"cmid": "u-1"}))["data"]["upsertUnits"] == first  # created 1 again, not "unchanged"
    assert (await gql(q, {"cmid": "u-2"}))["data"]["upsertUnits"]["unchanged"] == 1


async def test_a_bad_key_is_a_validation_error(gql: GQL) -> None:
    body = await gql(PUBLISH, {"input": DEMAND, "cmid": "x" * 300})
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION" and body["errors"][0]["extensions"]["field"] == "clientMutationId"
    assert await demands(gql.engine) == 0
