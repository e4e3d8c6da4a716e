"""Area scope: a principal's areas and their subtree, in one statement (PART_OF *0..6)."""

from __future__ import annotations

import datetime as dt

import pytest

from cobuild.auth.principal import Principal, PrincipalError
from cobuild.auth.scope import area_scope_predicate, area_subtree_statement, areas_in_scope
from cobuild.graph.cypher import Params, Statement
from cobuild.graph.upsert import merge_rels, upsert_nodes

NOW = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
# city ─ d1 ─ s1 ─ c1 ─ k1 (compound)
#          └ s2 ─ c2
#      └ d2 ─ s3
TREE = {
    "area:d1": ("area:city", "DISTRICT"), "area:d2": ("area:city", "DISTRICT"),
    "area:s1": ("area:d1", "STREET"), "area:s2": ("area:d1", "STREET"), "area:s3": ("area:d2", "STREET"),
    "area:c1": ("area:s1", "COMMUNITY"), "area:c2": ("area:s2", "COMMUNITY"), "area:k1": ("area:c1", "COMPOUND"),
}


@pytest.fixture
async def tree(engine):
    rows = [{"id": "area:city", "name": "市", "level": "CITY"}] + [
        {"id": i, "name": i, "level": lvl} for i, (_p, lvl) in TREE.items()
    ]
    await engine.write(lambda tx: tx.run(upsert_nodes(engine.dialect, "AdminArea", rows, NOW, keys=["name", "level"])))
    rels = [{"from": i, "to": p} for i, (p, _l) in TREE.items()]
    res = await engine.write(lambda tx: tx.run(merge_rels(engine.dialect, "PART_OF", "AdminArea", "AdminArea", rels)))
    assert res[0]["n"] == len(rels)
    return engine


async def test_district_subtree(tree):
    before = tree.counter.total
    got = await areas_in_scope(tree, Principal("district", ("area:d1",)))
    assert tree.counter.total - before == 1
    assert got == {"area:d1", "area:s1", "area:s2", "area:c1", "area:c2", "area:k1"}


async def test_community_covers_its_compounds_only(tree):
    assert await areas_in_scope(tree, Principal("community", ("area:c1",))) == {"area:c1", "area:k1"}


async def test_several_roots_and_unknown_area(tree):
    got = await areas_in_scope(tree, Principal("partner", ("area:s2", "area:s3", "area:nope")))
    assert got == {"area:s2", "area:c2", "area:s3"}


async def test_unrestricted_and_arealess(tree):
    assert await areas_in_scope(tree, Principal("admin")) is None
    assert await areas_in_scope(tree, Principal("analyst")) is None
    assert await areas_in_scope(tree, Principal("anonymous")) == frozenset()
    assert await areas_in_scope(tree, Principal("unit", unit_id="unit:u1")) == frozenset()


async def test_predicate_filters_inside_one_statement(tree):
    params = Params()
    pred = area_scope_predicate("a", params, Principal("street", ("area:s1",)))
    stmt = Statement(f"MATCH (a:`AdminArea`) WHERE {pred} RETURN a.`id` AS id ORDER BY id", params.values)
    rows = await tree.run(stmt)
    assert [r["id"] for r in rows] == ["area:c1", "area:k1", "area:s1"]
    assert area_scope_predicate("a", Params(), Principal("admin")) is None


def test_values_are_parameters():
    stmt = area_subtree_statement(["area:x') DETACH DELETE n //"])
    assert "DELETE" not in stmt.text and list(stmt.params.values()) == [["area:x') DETACH DELETE n //"]]


@pytest.mark.parametrize(("role", "areas", "unit"), [
    ("district", (), None), ("unit", (), None), ("nobody", (), None), ("street", ("unit:x",), None), ("unit", (), "area:x"),
])
def test_invalid_grants(role, areas, unit):
    with pytest.raises(PrincipalError):
        Principal(role, areas, unit)
