"""docs/partners.md: every GraphQL example runs, in order, on one copy of the seed network with a
partner key — and answers what the page says it answers (tests/test_docs.py runs each on its own
copy, after the examples it builds on)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "partners.md"


def examples() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```graphql\n(.*?)```", text, flags=re.S)
    return [b.strip() for b in blocks]


def documented_json() -> list[Any]:
    text = DOC.read_text(encoding="utf-8")
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, flags=re.S)]


async def test_the_partner_page_examples_run_as_documented(gql: Any) -> None:
    ops = examples()
    assert len(ops) == 8
    partner = gql.key("partner", areas=["area:shuangliu"])
    answers = []
    for op in ops:
        body = await gql(op, key=partner)
        assert not body.get("errors"), (op, body)
        answers.append(body["data"])
    dry = answers[0]["upsertUnits"]
    assert dry == documented_json()[0]["upsertUnits"]  # the dry run's answer, exactly as the page shows it
    assert answers[1]["upsertUnits"]["ids"] == ["unit:x-acme-5ad23e031b71"] and answers[1]["upsertUnits"]["created"] == 1
    assert answers[2]["upsertPairings"]["created"] == 1
    assert [i["outcome"] for i in answers[3]["upsertDemands"]["items"]] == ["CREATED", "CREATED"]
    feed = answers[4]["changesSince"]
    kinds = [(e["node"]["kind"], e["node"]["label"], e["node"]["operation"]) for e in feed["edges"]]
    assert ("CREATED", "Unit", "upsertUnits") in kinds and ("CREATED", "Pairing", "upsertPairings") in kinds
    assert all(e["node"]["entity"]["id"] == e["node"]["entityId"] for e in feed["edges"])
    # NextChanges without a stored cursor ($cursor null) pages from the oldest change kept
    nxt = answers[5]["changesSince"]
    assert nxt["nodes"] and nxt["pageInfo"]["endCursor"]
    first, retry = answers[6]["upsertUnits"], answers[7]["upsertUnits"]
    assert first == retry and first["created"] == 1 and first["clientMutationId"] == "acme-2024-07-01-batch-17"
    # the documented refusal: a demand without a category
    body = await gql("""mutation { upsertDemands(partner: "acme", items: [
      {externalId: "WISH-120", name: "助浴", publisherId: "area:sl-zidongge", categoryIds: []}]) { created } }""", key=partner)
    documented = documented_json()[1]
    assert body["errors"][0]["message"] == documented["message"]
    assert {k: body["errors"][0]["extensions"][k] for k in documented["extensions"]} == documented["extensions"]
