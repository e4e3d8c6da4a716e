"""Area scope: ``areaPath`` (home area and its ancestors) and the predicates built on it."""

from __future__ import annotations

import datetime as dt

import pytest

from cobuild.auth.access import ReadScope, write_check
from cobuild.auth.principal import Principal, PrincipalError
from cobuild.graph.cypher import Params, Statement, Vars
from cobuild.graph.upsert import upsert_nodes
from cobuild.seeds.regions import fill_area_paths

NOW = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
# city ─ d1 ─ s1 ─ c1 ─ k1 (compound)
#          └ s2 ─ c2
#      └ d2 ─ s3
TREE = {
    "area:d1": ("area:city", "DISTRICT"), "area:d2": ("area:city", "DISTRICT"),
    "area:s1": ("area:d1", "STREET"), "area:s2": ("area:d1", "STREET"), "area:s3": ("area:d2", "STREET"),
    "area:c1": ("area:s1", "COMMUNITY"), "area:c2": ("area:s2", "COMMUNITY"), "area:k1": ("area:c1", "COMPOUND"),
}


def _dataset() -> tuple[dict[str, list[dict]], list[tuple[str, dict]]]:
    nodes = {
        "AdminArea": [{"id": "area:city", "level": "CITY"}] + [{"id": i, "level": lvl} for i, (_p, lvl) in TREE.items()],
        "Unit": [{"id": "unit:hospital"}, {"id": "unit:shop"}],
        "Pairing": [{"id": "pairing:p"}],
        "Evaluation": [{"id": "eval:e"}],
    }
    rels = [("PART_OF", {"from": i, "to": p}) for i, (p, _l) in TREE.items()] + [
        ("LOCATED_IN", {"from": "unit:hospital", "to": "area:d1"}),
        ("LOCATED_IN", {"from": "unit:shop", "to": "area:k1"}),
        ("PARTY_TO", {"from": "unit:hospital", "to": "pairing:p"}),
        ("PARTY_TO", {"from": "area:c2", "to": "pairing:p"}),
        ("ABOUT", {"from": "eval:e", "to": "pairing:p"}),
    ]
    return nodes, rels


def test_area_paths_follow_the_graph_and_prefer_the_deepest_area() -> None:
    nodes, rels = _dataset()
    fill_area_paths(nodes, rels)
    path = {r["id"]: r.get("areaPath") for rows in nodes.values() for r in rows}
    assert path["area:k1"] == ["area:k1", "area:c1", "area:s1", "area:d1", "area:city"]
    assert path["unit:shop"] == path["area:k1"]
    assert path["unit:hospital"] == ["area:d1", "area:city"]
    # hosted by community c2, joined by a district hospital: the pairing lives in the community
    assert path["pairing:p"] == ["area:c2", "area:s2", "area:d1", "area:city"]
    assert path["eval:e"] == path["pairing:p"]


@pytest.fixture
async def evals(engine):
    nodes, rels = _dataset()
    fill_area_paths(nodes, rels)
    rows = [{"id": f"eval:{a}", "year": 2024, "areaPath": p["areaPath"]} for p in nodes["AdminArea"]
            for a in [p["id"].split(":")[1]]]
    await engine.write(lambda tx: tx.run(upsert_nodes(engine.dialect, "Evaluation", rows, NOW, keys=["year", "areaPath"])))
    return engine


@pytest.mark.parametrize(("principal", "expected"), [
    (Principal("street", ("area:s1",)), ["eval:c1", "eval:k1", "eval:s1"]),
    (Principal("community", ("area:c1",)), ["eval:c1", "eval:k1"]),
    (Principal("partner", ("area:s2", "area:s3", "area:nope")), ["eval:c2", "eval:s2", "eval:s3"]),
    (Principal("district", ("area:d2",)), ["eval:d2", "eval:s3"]),
    (Principal("anonymous"), []),
    (Principal("unit", unit_id="unit:u1"), []),
])
async def test_row_filter_inside_one_statement(evals, principal, expected) -> None:
    params = Params()
    pred = ReadScope(principal, evals.dialect).rows("e", "Evaluation", params, Vars())
    before = evals.counter.total
    rows = await evals.run(Statement(f"MATCH (e:`Evaluation`) WHERE {pred} RETURN e.`id` AS id ORDER BY id", params.values))
    assert evals.counter.total - before == 1
    assert [r["id"] for r in rows] == expected


def test_unrestricted_and_public_labels_have_no_filter() -> None:
    from cobuild.graph.dialect import DIALECTS

    d = next(iter(DIALECTS.values()))
    assert ReadScope(Principal("admin"), d).rows("e", "Evaluation", Params()) is None
    assert ReadScope(Principal("analyst"), d).rows("e", "Evaluation", Params()) is None
    assert ReadScope(Principal("anonymous"), d).rows("u", "Unit", Params()) is None  # the network is public


def test_values_are_parameters() -> None:
    evil = "unit:x') DETACH DELETE n //"
    stmt = write_check(Principal("unit", unit_id="unit:u1"), ["area:x' OR 1=1 //"], [evil])
    assert stmt is not None and "DELETE" not in stmt.text and "OR 1=1" not in stmt.text
    assert evil in stmt.params.values()


@pytest.mark.parametrize(("role", "areas", "unit"), [
    ("district", (), None), ("unit", (), None), ("nobody", (), None), ("street", ("unit:x",), None), ("unit", (), "area:x"),
])
def test_invalid_grants(role, areas, unit):
    with pytest.raises(PrincipalError):
        Principal(role, areas, unit)
