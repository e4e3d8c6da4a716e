"""The seed audit (issue 13 part 1): every placement in the administrative tree rests on a sentence
of the article it names, every compound sits under a community and every community under a street or
town unless the article names none — and the audit table in docs/analysts.md is the data's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from cobuild.graph.cypher import Statement
from cobuild.seeds.audit import TABLE_END, TABLE_START, Placement, markdown_table, placements
from cobuild.seeds.load import Dataset, drop_other_parents, read_dataset
from tests.seed_docs import seed_docs, squeeze

DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"
# Communities the articles name without a street or town: they hang directly under their district
# (and every roll-up shows them in the district's own row). Each must say so in its basis.
DIRECT_UNDER_DISTRICT = {"草坪社区", "长兴社区", "兴隆湖社区", "海信社区", "花样年·别样城所在社区(未载明·合成)"}


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return read_dataset()


@pytest.fixture(scope="module")
def rows(ds: Dataset) -> list[Placement]:
    return placements(ds)


@pytest.fixture(scope="module")
def areas(ds: Dataset) -> dict[str, dict]:
    return {r["id"]: r for r in ds.nodes["AdminArea"]}


def _names(area: dict) -> list[str]:
    """How a quote may name an area: its name, an alias, or the name without its level suffix (成都市 → 成都)."""
    name = area["name"]
    out = [name, *(area.get("aliases") or [])]
    for suffix in ("市", "区", "县"):
        if name.endswith(suffix) and len(name) > 2:
            out.append(name[: -len(suffix)])
    return out


def test_every_placement_quotes_its_article(rows: list[Placement]) -> None:
    docs = seed_docs()
    assert len(rows) >= 40
    for p in rows:
        assert p.confidence in ("STATED", "INFERRED"), p
        assert p.source in docs, p
        assert p.quote and squeeze(p.quote) in docs[p.source], (p.child_name, p.source, p.quote)
        assert p.basis, (p.child_name, "every placement says how its quote supports it")


def test_stated_placements_name_both_ends_and_synthetic_ones_are_inferred(rows: list[Placement], areas: dict) -> None:
    for p in rows:
        if p.confidence == "STATED":
            q = squeeze(p.quote)
            assert any(n in q for n in _names(areas[p.child])), (p.child_name, p.quote)
            assert any(n in q for n in _names(areas[p.parent])), (p.child_name, "STATED needs the parent named", p.quote)
        if p.synthetic:
            assert p.confidence == "INFERRED", (p.child_name, "a synthetic stand-in's placement is never STATED")


def test_compounds_under_communities_and_communities_under_streets(rows: list[Placement], areas: dict) -> None:
    by_child = {p.child: p for p in rows}
    direct = set()
    for aid, a in areas.items():
        if a["level"] == "COMPOUND":
            assert by_child[aid].parent_level in ("COMMUNITY", "VILLAGE"), (a["name"], by_child[aid].parent_name)
        if a["level"] in ("COMMUNITY", "VILLAGE"):
            p = by_child[aid]
            if p.parent_level not in ("STREET", "TOWN"):
                direct.add(a["name"])
                assert p.parent_level == "DISTRICT" and p.confidence == "INFERRED", p
                assert "directly under the district" in p.basis, p
    assert direct == DIRECT_UNDER_DISTRICT


def test_huayangnian_sits_under_a_flagged_stand_in_community(rows: list[Placement], areas: dict) -> None:
    p = next(p for p in rows if p.child_name == "花样年·别样城")
    stand_in = areas[p.parent]
    assert stand_in["level"] == "COMMUNITY" and stand_in["synthetic"] is True and "合成" in stand_in["name"]
    assert p.confidence == "INFERRED" and p.source == "F001"
    assert "区委—镇街—社区—小区" in p.basis


def test_the_audit_table_in_the_docs_is_generated_from_the_data(ds: Dataset) -> None:
    page = DOCS_PAGE.read_text(encoding="utf-8")
    start, end = page.index(TABLE_START), page.index(TABLE_END) + len(TABLE_END)
    assert page[start:end] == markdown_table(ds), "re-run `python -m cobuild.seeds.audit` and paste the table into docs/analysts.md"


async def test_the_loaded_tree_keeps_the_quotes_and_one_parent_per_area(seeded, rows: list[Placement]) -> None:
    loaded = await seeded.run(Statement(
        "MATCH (a:AdminArea)-[e:PART_OF]->(b:AdminArea) RETURN a.id AS child, b.id AS parent, e.confidence AS confidence, "
        "e.sourceRefs AS refs, e.quote AS quote, e.basis AS basis"))
    by_child = {p.child: p for p in rows}
    assert len(loaded) == len(by_child) == len({r["child"] for r in loaded})
    for r in loaded:
        p = by_child[r["child"]]
        assert (r["parent"], r["confidence"], r["refs"], r["quote"], r["basis"]) == (p.parent, p.confidence, [p.source], p.quote, p.basis)


async def test_loading_drops_a_parent_the_data_no_longer_gives(seeded, ds: Dataset) -> None:
    # a store loaded before the audit had 花样年·别样城 directly under 双流区; the loader's clean-up step
    # (run by every load, after the relationships are merged) removes that edge and keeps the others
    await seeded.run(Statement(
        "MATCH (a:AdminArea {id: 'area:sl-huayangnian'}), (b:AdminArea {id: 'area:shuangliu'}) "
        "CREATE (a)-[:PART_OF {confidence: 'INFERRED'}]->(b)"), "write")
    count = Statement("MATCH (:AdminArea)-[e:PART_OF]->(:AdminArea) RETURN count(e) AS n")
    before = (await seeded.run(count))[0]["n"]
    await seeded.write(lambda tx: tx.run(drop_other_parents(ds.rels[("PART_OF", "AdminArea", "AdminArea")])))
    rows = await seeded.run(Statement(
        "MATCH (a:AdminArea {id: 'area:sl-huayangnian'})-[:PART_OF]->(b:AdminArea) RETURN b.id AS parent"))
    assert rows == [{"parent": "area:sl-huayangnian-community"}]
    assert (await seeded.run(count))[0]["n"] == before - 1
