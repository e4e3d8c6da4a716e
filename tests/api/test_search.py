"""``search``: names and aliases across the searchable labels, one statement, ranked."""

from __future__ import annotations

from typing import Any

import pytest

from cobuild.graph.cypher import Params
from cobuild.graph.dialect import DIALECTS
from cobuild.resolvers.search import SEARCHABLE, terms_of

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


def test_neo4j_candidates_are_a_required_phrase_per_term_escaped_as_literals() -> None:
    params = Params()
    text = DIALECTS["neo4j"].name_search("n", "Unit", terms_of('双流区  医院 a+b "c" OR d\\'), params)
    assert "db.index.fulltext.queryNodes('cobuild_names'" in text and "a+b" not in text
    assert list(params.values.values()) == ['"双流区" AND "医院" AND "a+b" AND "\\"c\\"" AND "or" AND "d\\\\"']


async def test_the_hospital_alone_for_its_full_alias(gql: Any) -> None:
    """Every term as a consecutive string: a unit that only shares 医院 or 第一 is no hit."""
    hits = (await gql(Q, {"t": "双流区第一人民医院", "l": ["Unit"], "f": 100}))["data"]["search"]
    assert [(h["id"], h["score"]) for h in hits] == [("unit:sl-first-hospital", 0.9)]  # exact alias


async def test_every_term_must_match(gql: Any) -> None:
    both = (await gql(Q, {"t": "双流 医院", "f": 100}))["data"]["search"]
    assert "unit:sl-first-hospital" in {h["id"] for h in both}  # 医院 in its name, 双流 in its alias
    for h in both:
        text = (h["name"] + " " + " ".join(h["aliases"] or [])).lower()
        assert "双流" in text and "医院" in text, h
    only_hospital = (await gql(Q, {"t": "医院", "f": 100}))["data"]["search"]
    assert {h["id"] for h in both} < {h["id"] for h in only_hospital}
    assert (await gql(Q, {"t": "双流 医院 不存在的词"}))["data"]["search"] == []


async def test_exact_name_first_then_prefix_then_contains(gql: Any) -> None:
    hits = (await gql(Q, {"t": "区第一人民医院", "f": 100}))["data"]["search"]
    assert hits[0] == {"id": "unit:sl-first-hospital", "label": "Unit", "name": "区第一人民医院",
                       "aliases": ["双流区第一人民医院"], "score": 1.0}
    rest = hits[1:]
    assert rest and all(0 < h["score"] < 1 for h in rest)
    prefix = [h for h in rest if h["name"].startswith("区第一人民医院")]
    inner = [h for h in rest if not h["name"].startswith("区第一人民医院")]
    assert prefix and inner and rest == prefix + inner
    assert all(0.7 <= h["score"] <= 0.8 for h in prefix) and all(0.5 <= h["score"] <= 0.6 for h in inner)


async def test_scores_between_0_and_1_best_first_ties_by_name_then_id(gql: Any) -> None:
    for text in ("社区", "紫东阁", "社区 党委", "双流区第一人民医院", "Hospital"):
        hits = (await gql(Q, {"t": text, "f": 100}))["data"]["search"]
        assert all(0 <= h["score"] <= 1 for h in hits)
        keys = [(-h["score"], len(h["name"]), h["name"], h["id"]) for h in hits]
        assert keys == sorted(keys), text


async def test_latin_text_is_matched_without_case(seeded: Any, tmp_path: Any) -> None:
    from cobuild.graph.cypher import Statement
    from tests.client import serve

    await seeded.run(Statement("MERGE (u:Unit {id: 'unit:t-latin'}) SET u.name = 'Chengdu First Hospital', "
                               "u.aliases = ['CFH']", label="test"), "write")
    async with serve(seeded, tmp_path) as gql:
        hits = (await gql(Q, {"t": "first HOSPITAL", "l": ["Unit"]}))["data"]["search"]
        assert [(h["id"], h["score"]) for h in hits] == [("unit:t-latin", 0.5636)]  # contains: 0.5 + 0.1 × 14/22
        assert (await gql(Q, {"t": "cfh", "l": ["Unit"]}))["data"]["search"][0]["score"] == 0.9
