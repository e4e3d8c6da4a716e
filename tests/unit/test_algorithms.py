"""Betweenness, degree and components on projections (cobuild.graph.algorithms)."""

from __future__ import annotations

import random

import pytest
import rustworkx as rx

from cobuild.graph import algorithms as A


def rows(edges: list[tuple[str, str]], t: str = "CO_BUILDS_WITH") -> list[dict[str, str]]:
    return [{"src": a, "srcName": a, "dst": b, "dstName": b, "type": t} for a, b in edges]


def test_path_betweenness_and_degree() -> None:
    proj, scope = A.build_projection(rows([("area:a", "unit:b"), ("unit:b", "area:c")]))
    assert scope is None and proj.node_count == 3 and proj.edge_count == 2
    bc = A.betweenness(proj)
    assert bc.method == "exact"
    top = A.top(proj, bc, 1)
    assert top[0]["node"]["id"] == "unit:b" and top[0]["score"] == pytest.approx(1.0) and top[0]["degree"] == 2
    deg = A.top(proj, A.degree(proj), 3)
    assert [t["degree"] for t in deg] == [2, 1, 1]
    assert deg[0]["node"]["label"] == "Unit"


def test_parallel_edges_do_not_change_betweenness() -> None:
    # two pairings between the same pair: a multigraph for degree, a simple graph for betweenness
    proj, _ = A.build_projection(rows([("area:a", "unit:b"), ("area:a", "unit:b"), ("unit:b", "area:c")]))
    assert A.degree(proj).scores[proj.index["area:a"]] == 2
    assert A.betweenness(proj).scores[proj.index["unit:b"]] == pytest.approx(1.0)


def test_scope_keeps_edges_touching_it() -> None:
    r = rows([("area:a", "unit:b"), ("area:x", "unit:y")])
    r.append({"src": "area:a", "srcName": "a", "dst": "area:root", "dstName": "root", "type": "SCOPE"})
    proj, scope = A.build_projection(r)
    assert scope == {"area:a"} and set(proj.index) == {"area:a", "unit:b"}


def test_components_largest_first() -> None:
    proj, _ = A.build_projection(rows([("area:a", "unit:b"), ("area:c", "unit:d"), ("unit:d", "area:e")]))
    comps = A.components(proj).components
    assert [len(c) for c in comps] == [3, 2]
    assert {proj.graph[i]["id"] for i in comps[1]} == {"area:a", "unit:b"}


def test_sampled_betweenness_approximates_exact() -> None:
    rng = random.Random(3)
    g = rx.undirected_gnm_random_graph(400, 1200, seed=5)
    edges = [(f"unit:{a}", f"unit:{b}") for a, b in g.edge_list()]
    proj, _ = A.build_projection(rows(edges))
    exact = A.betweenness(proj)
    approx = A.betweenness(proj, exact_budget=0, sources=200)
    assert approx.method.startswith("sampled")
    top_exact = [t["node"]["id"] for t in A.top(proj, exact, 10)]
    top_approx = {t["node"]["id"] for t in A.top(proj, approx, 20)}
    assert len(set(top_exact) & top_approx) >= 8  # the hubs are the same nodes
    total_e = sum(exact.scores.values())
    total_a = sum(approx.scores.values())
    assert total_a == pytest.approx(total_e, rel=0.15)  # an unbiased estimate of the total
    assert rng  # deterministic seeds throughout


def test_sampled_with_all_sources_is_exact() -> None:
    g = rx.undirected_gnm_random_graph(60, 150, seed=11)
    proj, _ = A.build_projection(rows([(f"unit:{a}", f"unit:{b}") for a, b in g.edge_list()]))
    n = proj.node_count
    exact = A.betweenness(proj)
    full = A.betweenness(proj, exact_budget=0, sources=n)
    for k, v in exact.scores.items():
        assert full.scores[k] == pytest.approx(v, abs=1e-9)
