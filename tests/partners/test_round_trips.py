"""Statements (round trips) per mutation, measured with the engine's statement counter, equal the
numbers docs/mutations.md states (issue 9 part 4): every mutation is one transaction that sends
exactly the statements its rules need."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from cobuild.graph.engines.base import GraphEngine
from tests.api.test_mutations import (CLAIM, COMPLETE, CREATE_PAIRING, EVALUATE, PUBLISH, RECORD, REPORT, SIGN, START,
                                      TERMINATE, YEAR, NOW, build)
from tests.client import GQL, serve
from tests.graphs import write_graph

DOC = Path(__file__).resolve().parents[2] / "docs" / "mutations.md"
UPSERT_DEMANDS = """mutation($items: [DemandUpsertInput!]!) { upsertDemands(partner: "acme", items: $items) { created } }"""
UPSERT_UNITS = """mutation($items: [UnitUpsertInput!]!) { upsertUnits(partner: "acme", items: $items) { created updated } }"""
DEMAND_ITEM = {"externalId": "D-1", "name": "助餐", "publisherId": "area:c1", "categoryIds": ["cat:a", "cat:b"]}

# documented row → (query, variables); run in this order on the mutation tests' small network
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("createPairing", CREATE_PAIRING, {"input": {"hostId": "area:c1", "partnerId": "unit:s"}}),
    ("signAgreement", SIGN, {"input": {"pairingId": "pairing:p1", "agreementType": "JOINT_BUILDING", "scope": ["ACTIVITY_JOINT"],
                                       "signerIds": ["area:c1", "unit:h"]}}),
    ("terminatePairing", TERMINATE, {"id": "pairing:p2", "reason": "单位迁出"}),
    ("publishDemand", PUBLISH, {"input": {"publisherId": "area:c1", "name": "助浴", "categoryIds": ["cat:a", "cat:b"]}}),
    ("claim", CLAIM, {"input": {"itemId": "demand:d1", "claimantId": "unit:h"}}),
    ("startProject", START, {"id": "project:j3"}),
    ("completeProject", COMPLETE, {"id": "project:j5", "note": "完成"}),
    ("evaluate", EVALUATE, {"input": {"pairingId": "pairing:p1", "evaluatorId": "area:c1", "direction": "AREA_TO_UNIT",
                                      "year": YEAR, "score": 90, "satisfactionRate": 95}}),
    ("evaluate (pairing put under rectification)", EVALUATE, {"input": {
        "pairingId": "pairing:p1", "evaluatorId": "unit:h", "direction": "UNIT_TO_AREA", "year": YEAR, "score": 50,
        "outcome": "RECTIFY_BY_DEADLINE"}}),
    ("reportToCommunity", REPORT, {"input": {"personId": "person:m", "communityId": "area:c1"}}),
    ("recordService", RECORD, {"input": {"personId": "person:m", "date": "2024-04-05", "hours": 1, "atId": "area:c1"}}),
    ("upsertDemands (new records)", UPSERT_DEMANDS, {"items": [DEMAND_ITEM]}),
    ("upsertDemands (existing records)", UPSERT_DEMANDS, {"items": [{**DEMAND_ITEM, "categoryIds": ["cat:a"]}]}),
    ("upsertUnits (no references)", UPSERT_UNITS, {"items": [{"externalId": "U-1", "name": "甲", "unitType": "SOE"}]}),
]


def documented() -> dict[str, int]:
    """The table under "Statements and round trips per mutation" in docs/mutations.md."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Statements and round trips per mutation", 1)[1].split("\n## ", 1)[0]
    out: dict[str, int] = {}
    for line in section.splitlines():
        m = re.match(r"^\| `([^`]+)`((?: [^|]*)?) \| (\d+) \|", line)
        if m:
            out[(m.group(1) + m.group(2)).strip()] = int(m.group(3))
    return out


@pytest.fixture
async def net(engine: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    await build(engine)
    async with serve(engine, tmp_path) as client:
        yield client


async def test_statements_per_mutation_are_the_documented_ones(net: GQL) -> None:
    measured: dict[str, int] = {}
    for row, query, variables in CASES:
        body = await net(query, variables)
        assert not body.get("errors"), (row, body)
        measured[row] = net.last_statements
    doc = documented()
    assert measured == {row: doc.get(row) for row in measured}, measured


async def test_a_key_a_replay_a_scoped_principal_and_a_refusal_cost_what_the_doc_says(net: GQL) -> None:
    doc = documented()
    variables = {"input": {"itemId": "demand:d1", "claimantId": "unit:h"}}
    await net(CLAIM.replace("claim(input: $input)", 'claim(input: $input, clientMutationId: "k1")'), variables)
    assert net.last_statements == doc["claim"] + doc["with an idempotency key"]
    await net(CLAIM.replace("claim(input: $input)", 'claim(input: $input, clientMutationId: "k1")'), variables)
    assert net.last_statements == doc["a replayed key"]
    body = await net(CLAIM, {"input": {"itemId": "demand:d1", "claimantId": "unit:s"}})
    assert body["errors"][0]["extensions"]["code"] == "ALREADY_CLAIMED"
    assert net.last_statements == doc["refused by a rule"]
    await write_graph(net.engine, {"MicroWish": [{"id": "wish:w1", "name": "一台收音机", "status": "PUBLICIZED",
                                                  "areaPath": ["area:c1", "area:s1", "area:d"]}]}, [], NOW)
    district = net.key("district", areas=["area:d"])
    wish = """mutation { claim(input: {itemId: "wish:w1", claimantId: "person:m"}) { status } }"""
    body = await net(wish, key=district)
    assert not body.get("errors"), body
    assert net.last_statements == doc["claim"] + doc["for a scoped principal"]


if __name__ == "__main__":  # print the measured numbers (to write the doc table)
    import asyncio
    import tempfile

    from cobuild.graph.engines.ladybug import LadybugEngine
    from cobuild.graph.migrate import migrate

    async def main() -> None:
        tmp = Path(tempfile.mkdtemp())
        e = LadybugEngine(tmp / "m.lbdb")
        await e.open()
        await migrate(e)
        await build(e)
        async with serve(e, tmp) as gql:
            for row, query, variables in CASES:
                body = await gql(query, variables)
                print(f"{row}: {gql.last_statements}", body.get("errors"))

    asyncio.run(main())
