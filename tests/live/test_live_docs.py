"""The subscription examples of the docs run (issue 10's docs that run, for what HTTP cannot carry):
every ```graphql subscription of README.md and docs/*.md — found by tests/test_docs.py, with its
``<!-- run: … -->`` role, area and variables — is subscribed over a real WebSocket on the seed network
and must receive, without error, a meaningful event for a claim another client makes in its area."""

from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from graphql import OperationDefinitionNode, OperationType, parse

from cobuild.graph.engines.base import GraphEngine
from tests.live.conftest import Live, running
from tests.live.test_subscriptions import subscribed
from tests.test_docs import EXAMPLES, Example, meaningful


def _is_subscription(ex: Example) -> bool:
    return any(isinstance(d, OperationDefinitionNode) and d.operation is OperationType.SUBSCRIPTION
               for d in parse(ex.text).definitions)


SUBSCRIPTIONS = [ex for ex in EXAMPLES if _is_subscription(ex)]

# The move every documented subscription must hear: a published demand of 兴隆湖社区 (天府新区) claimed
# online by a hospital, over HTTP, by another client (the admin key).
ITEM = "demand:tf-xinglonghu-d01"
CLAIM = """mutation { claim(input: {itemId: "demand:tf-xinglonghu-d01", claimantId: "unit:sl-first-hospital",
  mode: ONLINE_ORDER}) { itemId status } }"""


@pytest.fixture
async def seed_live(seeded: GraphEngine, tmp_path: Path) -> AsyncIterator[Live]:
    async with running(seeded, tmp_path) as service:
        yield service


def test_docs_live_md_documents_both_subscriptions() -> None:
    roots = {parse(ex.text).definitions[0].selection_set.selections[0].name.value  # type: ignore[attr-defined]
             for ex in SUBSCRIPTIONS if Path(ex.path).name == "live.md"}
    assert roots == {"demandBoard", "changes"}, roots


@pytest.mark.parametrize("ex", SUBSCRIPTIONS, ids=[e.id for e in SUBSCRIPTIONS])
async def test_documented_subscription_hears_a_claim_on_the_seed_network(seed_live: Live, ex: Example) -> None:
    if ex.role == "anonymous":
        payload: dict[str, Any] = {}
    elif ex.role == "admin":
        payload = {"apiKey": seed_live.admin_key}
    else:
        payload = {"apiKey": seed_live.key(ex.role, (ex.area,) if ex.area else (), ex.unit)}
    async with seed_live.ws(payload) as ws:
        await subscribed(seed_live, ws, "doc", ex.text, ex.variables)
        body = await seed_live.gql(CLAIM)
        assert "errors" not in body and body["data"]["claim"]["status"] == "CLAIMED", body
        [data] = await ws.events("doc", 1)
        await ws.send({"id": "doc", "type": "complete"})
    [event] = data.values()
    assert event["kind"] == "UPDATED" and event["entityId"] == ITEM, (ex.id, event)
    assert meaningful(event.get("entity")), f"{ex.id}: the event's entity answered nothing: {event}"
    if "demandStatus" in event:
        assert event["demandStatus"] == "CLAIMED", event
    claimants = event["entity"].get("claimants")
    if claimants is not None:  # the claim is in the record the event carries, read after the commit
        assert "unit:sl-first-hospital" in [e["node"]["id"] for e in claimants["edges"]], claimants
