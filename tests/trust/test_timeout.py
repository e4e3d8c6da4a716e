"""The per-request graph timeout cancels the database work and answers TIMEOUT (never a 500); the
service keeps answering afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.client import serve

HEAVY = """query {
  units(first: 100) { totalCount nodes { id name
    pairings(first: 100) { nodes { id parties(first: 100) { nodes { id } } } }
    locatedInAreas { nodes { id parent { id children(first: 100) { nodes { id } } } } } } }
}"""


async def test_graph_timeout_answers_timeout_and_the_store_recovers(seeded: Any, tmp_path: Path) -> None:
    async with serve(seeded, tmp_path, query_timeout_s=0.001, max_cost=10**9, max_depth=30) as gql:
        codes = set()
        for _ in range(5):  # 1 ms is far below this statement's cost on any machine; 5 tries remove doubt
            body = await gql(HEAVY)
            codes |= {e["extensions"]["code"] for e in body.get("errors", [])}
        assert codes == {"TIMEOUT"}, codes
    async with serve(seeded, tmp_path, query_timeout_s=10) as gql:
        body = await gql("query { units(first: 1) { nodes { id } } }")
        assert "errors" not in body, body
