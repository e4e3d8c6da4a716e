"""Deterministic answers (issue 9 part 7): every list has a defined order ending in ids, so both
stores give the same JSON for the same data, whatever order their rows arrive in.

Two halves. The shaping functions get the same rows in every order (hypothesis permutations, rows
built with ties: equal dates, equal names, parallel pairings, a unit in two areas) and must answer
the same thing every time. Then a small graph full of ties goes through the real app on each
configured store, and the answers follow the orders the schema's descriptions state.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobuild.graph import algorithms as algo
from cobuild.graph import compile as gc
from cobuild.graph.engines.base import GraphEngine
from cobuild.resolvers import questions as R
from tests.client import GQL, serve
from tests.graphs import write_graph

D = dt.date
SHUFFLES = settings(max_examples=40, deadline=None, database=None)


def area(i: str, name: str, level: str = "COMMUNITY") -> dict[str, Any]:
    return {"id": f"area:{i}", "name": name, "level": level, "communityType": "URBAN"}


def unit(i: str, name: str) -> dict[str, Any]:
    return {"id": f"unit:{i}", "name": name}


def same_answer(shape: Callable[[list[dict[str, Any]]], Any], rows: list[dict[str, Any]]) -> Any:
    """The answer for ``rows`` as given; the property tests compare it with every permutation."""
    return shape(list(rows))


# ------------------------------------------------------------------------------------------------
# Shaping is independent of row order
# ------------------------------------------------------------------------------------------------
CO_BUILDERS = [
    {"unit": unit("u3", "三号"), "via": area("ca", "甲社区"), "since": D(2021, 1, 1), "pairingId": "pairing:pb"},
    {"unit": unit("u3", "三号"), "via": area("ca", "甲社区"), "since": D(2021, 1, 1), "pairingId": "pairing:pa"},
    {"unit": unit("u2", "同名"), "via": area("ca", "甲社区"), "since": D(2020, 1, 1), "pairingId": "pairing:p2"},
    {"unit": unit("u1", "同名"), "via": area("k1", "小区", "COMPOUND"), "since": D(2020, 1, 1), "pairingId": "pairing:p1"},
    {"unit": unit("u1", "同名"), "via": area("ca", "甲社区"), "since": D(2020, 1, 1), "pairingId": "pairing:p1"},
    {"unit": unit("u9", "无日期"), "via": area("ca", "甲社区"), "since": None, "pairingId": "pairing:p9"},
]


def _co_builders(rows: list[dict[str, Any]]) -> Any:
    return R.shape_co_builders({"area": {}, "items": rows})


@given(st.permutations(CO_BUILDERS))
@SHUFFLES
def test_co_builders_order_is_since_unit_pairing_via(rows: list[dict[str, Any]]) -> None:
    got = _co_builders(rows)
    assert got == same_answer(_co_builders, CO_BUILDERS)
    assert [(i["unit"]["id"], i["pairingId"], i["via"]["id"]) for i in got["items"]] == [
        ("unit:u1", "pairing:p1", "area:ca"), ("unit:u1", "pairing:p1", "area:k1"), ("unit:u2", "pairing:p2", "area:ca"),
        ("unit:u3", "pairing:pa", "area:ca"), ("unit:u3", "pairing:pb", "area:ca"), ("unit:u9", "pairing:p9", "area:ca")]


UNIT_COMMUNITIES = [
    {"area": area("k1", "小区", "COMPOUND"), "community": area("ca", "甲社区"), "street": area("s", "街道", "STREET"),
     "since": D(2021, 1, 1), "pairingId": "pairing:pb"},
    {"area": area("ca", "甲社区"), "community": area("ca", "甲社区"), "street": area("s", "街道", "STREET"),
     "since": D(2020, 1, 1), "pairingId": "pairing:pa"},
    {"area": area("k2", "小区", "COMPOUND"), "community": area("ca", "甲社区"), "street": area("s", "街道", "STREET"),
     "since": D(2022, 1, 1), "pairingId": "pairing:pc"},
    {"area": area("cb", "同名社区"), "community": area("cb", "同名社区"), "street": area("s", "街道", "STREET"),
     "since": None, "pairingId": "pairing:pd"},
    {"area": area("cc", "同名社区"), "community": area("cc", "同名社区"), "street": None, "since": None, "pairingId": "pairing:pe"},
    {"area": area("s2", "二街道", "STREET"), "community": None, "street": None, "since": None, "pairingId": "pairing:pf"},
    {"area": area("s1", "二街道", "STREET"), "community": None, "street": None, "since": None, "pairingId": "pairing:pg"},
]


def _unit_communities(rows: list[dict[str, Any]]) -> Any:
    return R.shape_unit_communities({"unit": {}, "items": rows})


@given(st.permutations(UNIT_COMMUNITIES))
@SHUFFLES
def test_unit_communities_lists_are_sorted(rows: list[dict[str, Any]]) -> None:
    got = _unit_communities(rows)
    assert got == same_answer(_unit_communities, UNIT_COMMUNITIES)
    assert [c["community"]["id"] for c in got["communities"]] == ["area:cb", "area:cc", "area:ca"]  # 同 < 甲, then id
    ca = got["communities"][2]
    assert ca["pairingIds"] == ["pairing:pa", "pairing:pb", "pairing:pc"]
    assert [v["id"] for v in ca["via"]] == ["area:k1", "area:k2"] and ca["since"] == D(2020, 1, 1)
    assert [a["id"] for a in got["otherAreas"]] == ["area:s1", "area:s2"]


COVERAGE = [
    {"community": {**area("c2", "同名"), "communityType": "URBAN"}, "street": area("s2", "二街道", "STREET"), "covered": False},
    {"community": {**area("c2", "同名"), "communityType": "URBAN"}, "street": area("s1", "一街道", "STREET"), "covered": False},
    {"community": {**area("c1", "同名"), "communityType": "URBAN"}, "street": area("s1", "一街道", "STREET"), "covered": False},
    {"community": {**area("c3", "甲"), "communityType": "RURAL"}, "street": area("s1", "一街道", "STREET"), "covered": True},
]


def _coverage(rows: list[dict[str, Any]]) -> Any:
    return R.shape_coverage_gaps({"area": {}, "communities": rows})


@given(st.permutations(COVERAGE))
@SHUFFLES
def test_coverage_groups_and_gaps_are_sorted_and_a_community_counts_once(rows: list[dict[str, Any]]) -> None:
    got = _coverage(rows)
    assert got == same_answer(_coverage, COVERAGE)
    assert got["communityCount"] == 3  # c2 under two parents counts once, under s1 (the smaller id)
    assert [(g["street"]["id"], g["communityType"], [c["id"] for c in g["gaps"]]) for g in got["groups"]] == [
        ("area:s1", "RURAL", []), ("area:s1", "URBAN", ["area:c1", "area:c2"])]


RESIDENT = [
    {"unit": unit("u4", "网格单位"), "locatedIn": area("ca", "甲社区"), "coBuilds": False, "reports": False},
    {"unit": unit("u4", "网格单位"), "locatedIn": area("g1", "一网格", "GRID"), "coBuilds": False, "reports": False},
    {"unit": unit("u4", "网格单位"), "locatedIn": area("k1", "小区", "COMPOUND"), "coBuilds": False, "reports": False},
    {"unit": unit("u5", "网格单位"), "locatedIn": area("g2", "二网格", "GRID"), "coBuilds": False, "reports": False},
    {"unit": unit("u5", "网格单位"), "locatedIn": area("g0", "零网格", "GRID"), "coBuilds": False, "reports": False},
    {"unit": unit("u6", "已结对"), "locatedIn": area("ca", "甲社区"), "coBuilds": True, "reports": False},
]


def _resident(rows: list[dict[str, Any]]) -> Any:
    return R.shape_resident_units({"area": {}, "units": rows})


@given(st.permutations(RESIDENT))
@SHUFFLES
def test_resident_units_are_located_in_their_most_specific_area(rows: list[dict[str, Any]]) -> None:
    got = _resident(rows)
    assert got == same_answer(_resident, RESIDENT)
    assert [(i["unit"]["id"], i["locatedIn"]["id"]) for i in got["items"]] == [("unit:u4", "area:g1"), ("unit:u5", "area:g0")]
    assert (got["residentUnitCount"], got["engagedCount"]) == (3, 1)


SIMILAR = [
    {"community": area("c2", "同名"), "shared": [unit("u2", "乙"), unit("u1", "乙")], "theirs": 2},
    {"community": area("c1", "同名"), "shared": [unit("u1", "乙"), unit("u2", "乙")], "theirs": 2},
    {"community": area("c3", "丙"), "shared": [unit("u1", "乙")], "theirs": 1},
]


def _similar(rows: list[dict[str, Any]]) -> Any:
    return R.shape_similar({"area": {}, "mine": ["unit:u1", "unit:u2"], "others": rows}, 10)


@given(st.permutations(SIMILAR))
@SHUFFLES
def test_similar_communities_ties_by_name_then_id(rows: list[dict[str, Any]]) -> None:
    got = _similar(rows)
    assert got == same_answer(_similar, SIMILAR)
    assert [i["community"]["id"] for i in got["items"]] == ["area:c1", "area:c2", "area:c3"]
    assert [u["id"] for u in got["items"][0]["sharedPartners"]] == ["unit:u1", "unit:u2"]


UNCLAIMED = [
    {"demand": {"id": "demand:d2", "name": "同", "publishedAt": D(2024, 1, 1)}, "publisher": area("cb", "乙"),
     "categories": [{"id": "cat:b", "name": "类"}, {"id": "cat:a", "name": "类"}]},
    {"demand": {"id": "demand:d2", "name": "同", "publishedAt": D(2024, 1, 1)}, "publisher": area("ca", "甲"),
     "categories": [{"id": "cat:a", "name": "类"}, {"id": "cat:b", "name": "类"}]},
    {"demand": {"id": "demand:d1", "name": "同", "publishedAt": D(2024, 1, 1)}, "publisher": area("ca", "甲"), "categories": []},
    {"demand": {"id": "demand:d0", "name": "无日期", "publishedAt": None}, "publisher": area("ca", "甲"), "categories": []},
]


def _unclaimed(rows: list[dict[str, Any]]) -> Any:
    return R.shape_unclaimed({"area": {}, "demands": rows}, D(2024, 7, 1))


@given(st.permutations(UNCLAIMED))
@SHUFFLES
def test_unclaimed_demands_oldest_first_then_name_then_id(rows: list[dict[str, Any]]) -> None:
    got = _unclaimed(rows)
    assert got == same_answer(_unclaimed, UNCLAIMED)
    assert [(i["demand"]["id"], i["publisher"]["id"]) for i in got["items"]] == [
        ("demand:d1", "area:ca"), ("demand:d2", "area:ca"), ("demand:d0", "area:ca")]
    assert [c["id"] for c in got["items"][1]["categories"]] == ["cat:a", "cat:b"]


MATCHES = [
    {"demand": {"id": "demand:d1", "publishedAt": D(2024, 1, 1)}, "resource": {"id": "resource:r1"},
     "provider": unit("u1", "同名"), "category": {"id": "cat:b", "name": "乙"}, "partner": False, "sameCommunity": True,
     "sameStreet": True},
    {"demand": {"id": "demand:d1", "publishedAt": D(2024, 1, 1)}, "resource": {"id": "resource:r1"},
     "provider": unit("u1", "同名"), "category": {"id": "cat:a", "name": "甲"}, "partner": False, "sameCommunity": True,
     "sameStreet": True},
    {"demand": {"id": "demand:d1", "publishedAt": D(2024, 1, 1)}, "resource": {"id": "resource:r2"},
     "provider": unit("u0", "同名"), "category": {"id": "cat:c", "name": "丙"}, "partner": False, "sameCommunity": True,
     "sameStreet": False},
]


def _matches(rows: list[dict[str, Any]]) -> Any:
    return R.shape_matches({"area": {}, "matches": rows}, 10)


@given(st.permutations(MATCHES))
@SHUFFLES
def test_matches_take_the_smallest_category_at_the_best_tier(rows: list[dict[str, Any]]) -> None:
    got = _matches(rows)
    assert got == same_answer(_matches, MATCHES)
    assert [(i["provider"]["id"], i["resource"]["id"], i["category"]["id"]) for i in got["items"]] == [
        ("unit:u0", "resource:r2", "cat:c"), ("unit:u1", "resource:r1", "cat:a")]


WITHOUT_PROJECTS = [
    {"unit": unit("u1", "同名"), "area": area("cb", "乙"), "pairingId": "pairing:p3", "since": None},
    {"unit": unit("u1", "同名"), "area": area("ca", "甲"), "pairingId": "pairing:p1", "since": None},
    {"unit": unit("u0", "同名"), "area": area("ca", "甲"), "pairingId": "pairing:p0", "since": None},
]


def _without(rows: list[dict[str, Any]]) -> Any:
    return R.shape_units_without_projects({"area": None, "coBuildingUnits": 2, "items": rows})


@given(st.permutations(WITHOUT_PROJECTS))
@SHUFFLES
def test_units_without_projects_inner_lists_are_sorted(rows: list[dict[str, Any]]) -> None:
    got = _without(rows)
    assert got == same_answer(_without, WITHOUT_PROJECTS)
    assert [i["unit"]["id"] for i in got["items"]] == ["unit:u0", "unit:u1"]
    assert [a["id"] for a in got["items"][1]["areas"]] == ["area:cb", "area:ca"]  # 乙 < 甲 by code point
    assert got["items"][1]["pairingIds"] == ["pairing:p1", "pairing:p3"]


PEOPLE = [
    {"person": {"id": "person:b", "name": "***"}, "partyOrganization": {"id": "org:2"}, "reportedAt": D(2024, 1, 5),
     "hours": 1, "records": 1, "since": None, "until": None, "representsUnitId": None, "sourceUnit": None},
    {"person": {"id": "person:a", "name": "***"}, "partyOrganization": {"id": "org:2"}, "reportedAt": D(2024, 1, 5),
     "hours": 1, "records": 1, "since": None, "until": None, "representsUnitId": None, "sourceUnit": None},
    {"person": {"id": "person:a", "name": "***"}, "partyOrganization": {"id": "org:1"}, "reportedAt": D(2024, 1, 5),
     "hours": 1, "records": 1, "since": None, "until": None, "representsUnitId": None, "sourceUnit": None},
]


@given(st.permutations(PEOPLE))
@SHUFFLES
def test_members_with_masked_names_are_ordered_by_id(rows: list[dict[str, Any]]) -> None:
    want = [("person:a", "org:1"), ("person:a", "org:2"), ("person:b", "org:2")]
    reported = R.shape_reported({"area": {}, "members": list(rows)})
    assert [(m["person"]["id"], m["partyOrganization"]["id"]) for m in reported["items"]] == want
    part_time = R.shape_part_time({"area": {}, "members": list(rows)})
    assert [(m["person"]["id"], m["partyOrganization"]["id"]) for m in part_time["items"]] == want


ALLIANCE_UNITS = [
    {"unit": unit("u2", "同名"), "role": "MEMBER", "joinedAt": None, "areas": [area("cb", "乙"), area("ca", "乙")]},
    {"unit": unit("u1", "同名"), "role": "MEMBER", "joinedAt": None, "areas": [area("ca", "乙")]},
    {"unit": unit("u1", "同名"), "role": "LEAD", "joinedAt": None, "areas": [area("ca", "乙")]},
    {"unit": unit("u3", "不结对"), "role": "MEMBER", "joinedAt": None, "areas": []},
]


@given(st.permutations(ALLIANCE_UNITS))
@SHUFFLES
def test_alliance_members_co_builders_first_then_name_id_role(rows: list[dict[str, Any]]) -> None:
    got = R.shape_alliance({"alliance": {}, "units": list(rows), "orgs": []})
    assert [(i["unit"]["id"], i["role"]) for i in got["items"]] == [
        ("unit:u1", "LEAD"), ("unit:u1", "MEMBER"), ("unit:u2", "MEMBER"), ("unit:u3", "MEMBER")]
    assert [a["id"] for a in got["items"][2]["coBuildsWith"]] == ["area:ca", "area:cb"]


EVALUATIONS = [
    {"evaluation": {"id": "eval:e2", "year": 2024, "direction": "AREA_TO_UNIT", "score": 80.0}, "pairing": {"id": "pairing:p1"},
     "giver": {"id": "area:cb"}, "target": None},
    {"evaluation": {"id": "eval:e2", "year": 2024, "direction": "AREA_TO_UNIT", "score": 80.0}, "pairing": {"id": "pairing:p1"},
     "giver": {"id": "area:ca"}, "target": None},
    {"evaluation": {"id": "eval:e1", "year": 2024, "direction": "AREA_TO_UNIT", "score": 70.0}, "pairing": {"id": "pairing:p1"},
     "giver": None, "target": None},
    {"evaluation": {"id": "eval:e0", "year": 2023, "direction": "AREA_TO_UNIT", "score": 60.0}, "pairing": {"id": "pairing:p1"},
     "giver": None, "target": None},
]


@given(st.permutations(EVALUATIONS))
@SHUFFLES
def test_evaluations_dedupe_to_the_smallest_ids_and_sort_by_year(rows: list[dict[str, Any]]) -> None:
    got = R.shape_evaluations({"pairing": None, "items": list(rows)})
    assert [(i["evaluation"]["id"], (i["giver"] or {}).get("id")) for i in got["items"]] == [
        ("eval:e1", None), ("eval:e2", "area:ca"), ("eval:e0", None)]


def _path(ids: list[str], steps: list[tuple[str, str | None]]) -> dict[str, Any]:
    """A path row as the engines give it: nodes with keys, relationships with endpoints and props."""
    nodes = [{"label": "", "props": {"id": i, "name": i}, "_key": f"k-{i}"} for i in ids]
    rels = [{"type": t, "props": {"pairingId": p}, "_src": f"k-{ids[n]}", "_dst": f"k-{ids[n + 1]}"} for n, (t, p) in enumerate(steps)]
    return {"fromId": ids[0], "toId": ids[-1], "pathNodes": nodes, "pathRels": rels}


PATHS = [
    _path(["unit:u1", "area:cb", "unit:u2"], [("CO_BUILDS_WITH", "pairing:p3"), ("CO_BUILDS_WITH", "pairing:p4")]),
    _path(["unit:u1", "area:ca", "unit:u2"], [("CO_BUILDS_WITH", "pairing:p2"), ("CO_BUILDS_WITH", "pairing:p9")]),
    _path(["unit:u1", "area:ca", "unit:u2"], [("CO_BUILDS_WITH", "pairing:p1"), ("CO_BUILDS_WITH", "pairing:p9")]),
    _path(["unit:u1", "area:ca", "unit:u2"], [("LOCATED_IN", None), ("CO_BUILDS_WITH", "pairing:p9")]),
]


@given(st.permutations(PATHS))
@SHUFFLES
def test_the_chosen_shortest_path_is_the_smallest_node_sequence_then_steps(rows: list[dict[str, Any]]) -> None:
    got = R.shape_shortest_connection(R.choose_path(list(rows)))
    assert [n["id"] for n in got["nodes"]] == ["unit:u1", "area:ca", "unit:u2"]
    assert [(s["relationship"], s["pairingId"]) for s in got["steps"]] == [
        ("CO_BUILDS_WITH", "pairing:p1"), ("CO_BUILDS_WITH", "pairing:p9")]


EDGES = [
    {"src": "area:c1", "srcName": "甲", "dst": "unit:u2", "dstName": "同名", "type": "CO_BUILDS_WITH"},
    {"src": "area:c1", "srcName": "甲", "dst": "unit:u1", "dstName": "同名", "type": "CO_BUILDS_WITH"},
    {"src": "area:c2", "srcName": "乙", "dst": "unit:u1", "dstName": "同名", "type": "CO_BUILDS_WITH"},
    {"src": "area:c2", "srcName": "乙", "dst": "unit:u2", "dstName": "同名", "type": "CO_BUILDS_WITH"},
    {"src": "area:c3", "srcName": "丙", "dst": "unit:u3", "dstName": "三", "type": "CO_BUILDS_WITH"},
    {"src": "unit:u3", "srcName": "三", "dst": "alliance:a", "dstName": "联盟", "type": "BELONGS_TO"},
]


@given(st.permutations(EDGES))
@SHUFFLES
def test_hubs_and_clusters_do_not_depend_on_row_order(rows: list[dict[str, Any]]) -> None:
    proj, _ = algo.build_projection(list(rows))
    ref, _ = algo.build_projection(list(EDGES))
    sampled = lambda p: algo.betweenness(p, exact_budget=0, sources=3)  # noqa: E731  (pivots drawn by id)
    for metric in (algo.degree, algo.betweenness, sampled):
        def hubs(p: algo.Projection) -> list[tuple[Any, ...]]:
            return [(h["node"]["id"], h["score"], h["degree"]) for h in algo.top(p, metric(p), 10)]

        assert hubs(proj) == hubs(ref)
    degree = [h["node"]["id"] for h in algo.top(proj, algo.degree(proj), 10)]
    # degree 2 each, then by name in code-point order (三 U+4E09 < 乙 U+4E59 < 同 U+540C < 甲 U+7532), then id
    assert degree[:5] == ["unit:u3", "area:c2", "unit:u1", "unit:u2", "area:c1"]
    clusters = [[proj.graph[i]["id"] for i in c] for c in algo.components(proj).components]
    assert [sorted(c) for c in clusters] == [["area:c1", "area:c2", "unit:u1", "unit:u2"], ["alliance:a", "area:c3", "unit:u3"]]


PARALLEL = [
    {"pairingId": "pairing:pb", "since": D(2021, 1, 1), "node": {"id": "area:ca", "name": "甲"}},
    {"pairingId": "pairing:pa", "since": D(2021, 1, 1), "node": {"id": "area:ca", "name": "甲"}},
    {"pairingId": None, "since": None, "node": {"id": "area:ca", "name": "甲"}},
    {"pairingId": "pairing:pz", "since": D(2020, 1, 1), "node": {"id": "area:c0", "name": "甲"}},
]


@given(st.permutations(PARALLEL))
@SHUFFLES
def test_parallel_edges_to_one_node_are_ordered_by_their_properties(rows: list[dict[str, Any]]) -> None:
    f, _mode = gc.rel_fields_by_name("Unit")["coBuildingAreas"]
    projected = {"r_coBuildingAreas": {"AdminArea": list(rows)}}
    page = gc.rel_page(projected, "coBuildingAreas", f, [("name", "ASC")], 10, None)
    expected = [("area:c0", "pairing:pz"), ("area:ca", "pairing:pa"), ("area:ca", "pairing:pb"), ("area:ca", None)]
    assert [(i.node["id"], i.edge["pairingId"]) for i in page.items] == expected
    walked, after = [], None  # one at a time through the cursors: the same order, nothing twice
    while True:
        cursor = gc.decode_cursor(after, "AdminArea", [("name", "ASC")]) if after else None
        one = gc.rel_page(projected, "coBuildingAreas", f, [("name", "ASC")], 1, cursor)
        walked += [(i.node["id"], i.edge["pairingId"]) for i in one.items]
        if not one.has_next:
            break
        after = one.items[-1].cursor
    assert walked == expected


SIDE_LINKS = [  # AdminArea.pairings (a side field): the area, a compound under it and its party org hold links
    {"via": {"id": "area:k2", "name": "小区"}, "edge": {"side": "HOST", "joinedAt": D(2022, 1, 1)}, "node": {"id": "pairing:p1", "name": "p"}},
    {"via": {"id": "area:ca", "name": "甲"}, "edge": {"side": "HOST", "joinedAt": D(2021, 1, 1)}, "node": {"id": "pairing:p1", "name": "p"}},
    {"via": {"id": "org:o1", "name": "党委"}, "edge": {"side": "HOST", "joinedAt": None}, "node": {"id": "pairing:p1", "name": "p"}},
    {"via": {"id": "area:ca", "name": "甲"}, "edge": {"side": "HOST", "joinedAt": None}, "node": {"id": "pairing:p0", "name": "p"}},
    {"via": {"id": "area:ca", "name": "甲"}, "edge": {"side": "GUEST", "joinedAt": None}, "node": {"id": "pairing:p0", "name": "p"}},
]


@given(st.permutations(SIDE_LINKS))
@SHUFFLES
def test_side_field_items_merge_their_links_in_one_order(rows: list[dict[str, Any]]) -> None:
    f, _mode = gc.rel_fields_by_name("AdminArea")["pairings"]
    assert f.grouped
    page = gc.rel_page({"r_pairings": {"Pairing": list(rows)}}, "pairings", f, [("name", "ASC")], 10, None)
    got = [(i.node["id"], [v["id"] for v in i.via], i.edge) for i in page.items]
    assert got == [  # one item per node (name tie: by id); via by id; the edge of the first link (via id, then edge)
        ("pairing:p0", ["area:ca"], {"side": "GUEST", "joinedAt": None}),
        ("pairing:p1", ["area:ca", "area:k2", "org:o1"], {"side": "HOST", "joinedAt": D(2021, 1, 1)}),
    ]


# ------------------------------------------------------------------------------------------------
# Through the app, on each configured store
# ------------------------------------------------------------------------------------------------
NOW = dt.datetime(2024, 7, 1, tzinfo=dt.timezone.utc)


def _pairing(pid: str, since: dt.date) -> dict[str, Any]:
    return {"id": f"pairing:{pid}", "name": pid, "pairingType": "CO_BUILDING", "status": "ACTIVE", "since": since}


# Written in an order that would favour the wrong answer if the stores' row order leaked through.
TIES_NODES: dict[str, list[dict[str, Any]]] = {
    "AdminArea": [
        {"id": "area:s", "name": "街道", "level": "STREET"},
        {"id": "area:cb", "name": "乙社区", "level": "COMMUNITY", "communityType": "URBAN"},
        {"id": "area:ca", "name": "甲社区", "level": "COMMUNITY", "communityType": "URBAN"},
        {"id": "area:g1", "name": "一网格", "level": "GRID"},
    ],
    "Unit": [
        {"id": "unit:u4", "name": "网格单位", "unitType": "SOE"},
        {"id": "unit:u3", "name": "第三单位", "unitType": "SOE"},
        {"id": "unit:u2", "name": "同名单位", "unitType": "SOE"},
        {"id": "unit:u1", "name": "同名单位", "unitType": "SOE"},
    ],
    "Pairing": [_pairing("pb", D(2021, 1, 1)), _pairing("pa", D(2021, 1, 1)), _pairing("p4", D(2020, 1, 1)),
                _pairing("p3", D(2020, 1, 1)), _pairing("p2", D(2020, 1, 1)), _pairing("p1", D(2020, 1, 1))],
}
HOSTS = {"pb": "area:ca", "pa": "area:ca", "p4": "area:cb", "p3": "area:cb", "p2": "area:ca", "p1": "area:ca"}
PARTNERS = {"pb": "unit:u3", "pa": "unit:u3", "p4": "unit:u2", "p3": "unit:u1", "p2": "unit:u2", "p1": "unit:u1"}
TIES_RELS = [
    ("PART_OF", "AdminArea", "AdminArea", [{"from": "area:cb", "to": "area:s"}, {"from": "area:ca", "to": "area:s"},
                                           {"from": "area:g1", "to": "area:ca"}]),
    ("PARTY_TO", "AdminArea", "Pairing", [{"from": a, "to": f"pairing:{p}", "side": "HOST"} for p, a in HOSTS.items()]),
    ("PARTY_TO", "Unit", "Pairing", [{"from": u, "to": f"pairing:{p}", "side": "PARTNER"} for p, u in PARTNERS.items()]),
    ("LOCATED_IN", "Unit", "AdminArea", [{"from": "unit:u4", "to": "area:ca"}, {"from": "unit:u4", "to": "area:g1"}]),
]


@pytest.fixture
async def ties(engine: GraphEngine, tmp_path: Path) -> AsyncIterator[GQL]:
    await write_graph(engine, TIES_NODES, TIES_RELS, NOW)
    async with serve(engine, tmp_path) as client:
        yield client


async def _ok(client: GQL, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = await client(query, variables)
    assert "errors" not in body, body["errors"]
    return body["data"]


async def test_parallel_pairings_under_a_unit_are_ordered_by_the_edge(ties: GQL) -> None:
    q = '{ unit(id: "unit:u3") { coBuildingAreas(first: 3) { edges { pairingId since node { id } } } } }'
    edges = (await _ok(ties, q))["unit"]["coBuildingAreas"]["edges"]
    assert [(e["node"]["id"], e["pairingId"]) for e in edges] == [("area:ca", "pairing:pa"), ("area:ca", "pairing:pb")]
    q = '{ unit(id: "unit:u3") { coBuildingAreas(first: 1) { edges { pairingId } } } }'
    assert (await _ok(ties, q))["unit"]["coBuildingAreas"]["edges"] == [{"pairingId": "pairing:pa"}]


async def test_co_builders_ties_by_unit_name_then_id_then_pairing(ties: GQL) -> None:
    q = '{ communityCoBuilders(communityId: "area:ca") { items { unit { id } pairingId since } } }'
    items = (await _ok(ties, q))["communityCoBuilders"]["items"]
    assert [(i["unit"]["id"], i["pairingId"]) for i in items] == [
        ("unit:u1", "pairing:p1"), ("unit:u2", "pairing:p2"), ("unit:u3", "pairing:pa"), ("unit:u3", "pairing:pb")]


async def test_a_unit_in_a_community_and_a_grid_under_it_is_located_in_the_grid(ties: GQL) -> None:
    q = '{ residentUnitsNotEngaged(communityId: "area:ca") { residentUnitCount items { unit { id } locatedIn { id level } } } }'
    d = (await _ok(ties, q))["residentUnitsNotEngaged"]
    assert d["residentUnitCount"] == 1
    assert d["items"] == [{"unit": {"id": "unit:u4"}, "locatedIn": {"id": "area:g1", "level": "GRID"}}]


async def test_units_without_projects_list_areas_and_pairings_in_order(ties: GQL) -> None:
    q = '{ unitsWithoutProjects(areaId: "area:s") { items { unit { id } areas { id } pairingIds } } }'
    items = (await _ok(ties, q))["unitsWithoutProjects"]["items"]
    assert items == [
        {"unit": {"id": "unit:u1"}, "areas": [{"id": "area:cb"}, {"id": "area:ca"}], "pairingIds": ["pairing:p1", "pairing:p3"]},
        {"unit": {"id": "unit:u2"}, "areas": [{"id": "area:cb"}, {"id": "area:ca"}], "pairingIds": ["pairing:p2", "pairing:p4"]},
        {"unit": {"id": "unit:u3"}, "areas": [{"id": "area:ca"}], "pairingIds": ["pairing:pa", "pairing:pb"]},
    ]


async def test_equally_short_connections_choose_the_smallest_node_ids_then_steps(ties: GQL) -> None:
    q = """query($a: ID!, $b: ID!) { shortestConnection(fromId: $a, toId: $b, via: [CO_BUILDS_WITH]) {
             hops nodes { id } steps { relationship direction pairingId } } }"""
    d = (await _ok(ties, q, {"a": "unit:u1", "b": "unit:u2"}))["shortestConnection"]
    assert d["hops"] == 2 and [n["id"] for n in d["nodes"]] == ["unit:u1", "area:ca", "unit:u2"]  # not via area:cb
    d = (await _ok(ties, q, {"a": "unit:u3", "b": "area:ca"}))["shortestConnection"]
    assert d["steps"] == [{"relationship": "CO_BUILDS_WITH", "direction": "INCOMING", "pairingId": "pairing:pa"}]


async def test_hubs_follow_score_degree_name_id(ties: GQL) -> None:
    for metric in ("DEGREE", "BETWEENNESS"):
        q = "query($m: HubMetric!) { hubs(metric: $m, limit: 20) { items { node { id name } score degree } } }"
        items = (await _ok(ties, q, {"m": metric}))["hubs"]["items"]
        keys = [(-i["score"], -i["degree"], i["node"]["name"] or "", i["node"]["id"]) for i in items]
        assert keys == sorted(keys), metric
    ids = [i["node"]["id"] for i in items]
    assert ids.index("unit:u1") < ids.index("unit:u2")  # same name, same degree, same score
