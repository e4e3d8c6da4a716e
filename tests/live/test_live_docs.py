"""The GraphQL examples of docs/live.md run: each subscription there is subscribed over a real
WebSocket and receives a claim made over HTTP, with no error."""

from __future__ import annotations

import re
from pathlib import Path

from tests.live.conftest import CLAIM, Live
from tests.live.test_subscriptions import subscribed

DOC = Path(__file__).resolve().parents[2] / "docs" / "live.md"


def examples() -> list[str]:
    return re.findall(r"```graphql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


async def test_the_documented_subscriptions_run(live: Live) -> None:
    docs = examples()
    assert len(docs) == 2 and all(d.lstrip().startswith("subscription") for d in docs)
    async with live.ws({"apiKey": live.key("district", ["area:d1"])}) as ws:
        for i, document in enumerate(docs):
            await subscribed(live, ws, str(i), document, {})
        assert (await live.gql(CLAIM, {"item": "demand:c10", "by": "unit:u1"}))["data"]["claim"]["status"] == "CLAIMED"
        [board] = await ws.events("0", 1)
        [change] = await ws.events("1", 1)
    assert board["demandBoard"]["status"] == "CLAIMED"
    assert board["demandBoard"]["entity"]["publishers"] == [{"node": {"id": "area:c1", "name": "一社区"}}]
    assert change["changes"]["entity"] == {"id": "demand:c10", "name": "需求c10", "status": "CLAIMED"}
