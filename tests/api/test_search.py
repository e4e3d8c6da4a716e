"""``search``: names and aliases across the searchable labels, one statement, ranked."""

from __future__ import annotations

from typing import Any

import pytest

from cobuild.graph.cypher import Params
from cobuild.graph.dialect import DIALECTS
from cobuild.resolvers.search import SEARCHABLE

Q = "query($t: String!, $l: [SearchLabel!], $f: Int) { search(text: $t, labels: $l, first: $f) { id label name aliases score } }"


@pytest.mark.read_only
async def test_a_community_by_part_of_its_name(gql: Any) -> None:
    body = await gql(Q, {"t": "紫东阁"})
    hits = body["data"]["search"]
    assert gql.last_statements == 1
    assert hits[0]["id"] == "area:sl-zidongge"  # prefix match, shortest name first
    assert {"Pairing", "Demand", "AdminArea"} <= {h["label"] for h in hits}
    assert all("紫东阁" in (h["name"] + "".join(h["aliases"] or [])) for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


@pytest.mark.read_only
async def test_aliases_match_and_labels_filter(gql: Any) -> None:
    hits = (await gql(Q, {"t": "双流区第一人民医院", "l": ["Unit"]}))["data"]["search"]
    assert [h["id"] for h in hits] == ["unit:sl-first-hospital"]
    assert hits[0]["name"] == "区第一人民医院" and "双流区第一人民医院" in hits[0]["aliases"]


@pytest.mark.read_only
async def test_first_limits_the_merged_hits(gql: Any) -> None:
    hits = (await gql(Q, {"t": "社区", "f": 3}))["data"]["search"]
    assert len(hits) == 3


@pytest.mark.read_only
async def test_persons_are_not_searchable(gql: Any) -> None:
    assert "Person" not in SEARCHABLE and "Evaluation" not in SEARCHABLE
    body = await gql(Q, {"t": "x", "l": ["Person"]})
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION"


@pytest.mark.parametrize(("text", "first"), [("", 5), ("   ", 5), ("长" * 101, 5), ("社区", 101)])
@pytest.mark.read_only
async def test_bad_arguments(gql: Any, text: str, first: int) -> None:
    body = await gql(Q, {"t": text, "f": first})
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


@pytest.mark.read_only
async def test_query_syntax_is_literal_text(gql: Any) -> None:
    for text in ['紫东阁" OR 1=1 //', "*", "a) MATCH (n) DETACH DELETE n //", "AND", "\\"]:
        body = await gql(Q, {"t": text})
        assert "errors" not in body, body
    assert (await gql(Q, {"t": "紫东阁"}))["data"]["search"]


def test_neo4j_search_uses_the_fulltext_index_with_an_escaped_parameter() -> None:
    params = Params()
    text = DIALECTS["neo4j"].name_search("n", "Unit", 'a+b "c" OR d', params)
    assert "db.index.fulltext.queryNodes('cobuild_names'" in text and "a+b" not in text
    assert list(params.values.values()) == ['a\\+b \\"c\\" or d']
