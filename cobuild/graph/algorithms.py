"""Graph algorithms computed in Python on a projection read by one statement (Q7 hubs, Q9 clusters).

Neither engine here has a graph-algorithm library at hand (no GDS on Neo4j Community, and
LadybugDB's ``algo`` extension downloads at run time), so the questions read the edges they need
with ONE statement (:func:`cobuild.resolvers.questions.q_projection`) and compute with rustworkx
(Rust, multi-threaded): degree, Brandes betweenness, and weakly connected components on the
undirected projection. Exact betweenness costs about n·m (Brandes); it runs while
n·m ≤ :data:`EXACT_BUDGET` (a few seconds on two cores). Above that, the estimate of Brandes &
Pich (2007) answers — dependencies accumulated by BFS from ``k`` random pivot sources (fixed seed)
and scaled by ``n / k`` — whose cost is linear in ``k``. The result says which method answered;
timings at city scale are in docs/questions.md.
"""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable

import rustworkx as rx

from cobuild.graph import model

# Exact betweenness is O(n·m): 69k nodes × 64k edges (the generated city) took 57 s on two cores,
# so about 13 ns per unit; 2e8 keeps an exact answer under ~3 s.
EXACT_BUDGET = 200_000_000
SAMPLE_SOURCES = 128


@dataclass
class Projection:
    """An undirected multigraph of actors; node payloads are ``{id, label, name}``."""

    graph: rx.PyGraph = field(default_factory=lambda: rx.PyGraph(multigraph=True))
    index: dict[str, int] = field(default_factory=dict)
    edge_types: dict[str, int] = field(default_factory=dict)

    def node(self, node_id: str, node_name: str | None) -> int:
        i = self.index.get(node_id)
        if i is None:
            lab = model.label_of_id(node_id)
            i = self.graph.add_node({"id": node_id, "label": lab.name if lab else None, "name": node_name})
            self.index[node_id] = i
        return i

    @property
    def node_count(self) -> int:
        return self.graph.num_nodes()

    @property
    def edge_count(self) -> int:
        return self.graph.num_edges()


def build_projection(rows: Iterable[dict[str, Any]], scope_type: str = "SCOPE") -> tuple[Projection, set[str] | None]:
    """Rows ``{src, srcName, dst, dstName, type}`` → projection; rows of ``scope_type`` list the
    ids of an area's scope instead (``src``). Returns the projection restricted to edges touching
    the scope (when one is given) and the scope."""
    edges: list[dict[str, Any]] = []
    scope: set[str] | None = None
    for r in rows:
        if r["type"] == scope_type:
            scope = scope or set()
            scope.add(r["src"])
        elif r["src"] and r["dst"]:
            edges.append(r)
    proj = Projection()
    for r in edges:
        if scope is not None and r["src"] not in scope and r["dst"] not in scope:
            continue
        a = proj.node(r["src"], r.get("srcName"))
        b = proj.node(r["dst"], r.get("dstName"))
        if a != b:
            proj.graph.add_edge(a, b, r["type"])
            proj.edge_types[r["type"]] = proj.edge_types.get(r["type"], 0) + 1
    return proj, scope


@dataclass(frozen=True)
class Centrality:
    scores: dict[int, float]
    method: str  # "exact" or "sampled(k)"
    ms: float


def degree(proj: Projection) -> Centrality:
    t0 = time.perf_counter()
    g = proj.graph
    scores = {i: float(g.degree(i)) for i in g.node_indices()}
    return Centrality(scores, "exact", (time.perf_counter() - t0) * 1000)


def betweenness(proj: Projection, *, exact_budget: int = EXACT_BUDGET, sources: int = SAMPLE_SOURCES,
                seed: int = 7) -> Centrality:
    """Normalised betweenness on the undirected projection (parallel edges count once)."""
    t0 = time.perf_counter()
    g = _simple(proj.graph)
    n = g.num_nodes()
    if n * g.num_edges() <= exact_budget:
        res = rx.graph_betweenness_centrality(g, normalized=True)
        scores = {i: float(res[i]) for i in g.node_indices()}
        method = "exact"
    else:
        # pivots are drawn from the nodes in id order, not in the store's row order (node indices)
        by_id = sorted(proj.graph.node_indices(), key=lambda i: proj.graph[i]["id"])
        scores = _sampled_betweenness(g, min(sources, n), seed, by_id)
        method = f"sampled({min(sources, n)} sources)"
    return Centrality(scores, method, (time.perf_counter() - t0) * 1000)


def _simple(g: rx.PyGraph) -> rx.PyGraph:
    """The same graph without parallel edges (betweenness counts distinct shortest paths by nodes)."""
    s = rx.PyGraph(multigraph=False)
    s.add_nodes_from(list(range(g.num_nodes())))
    s.add_edges_from_no_data([(a, b) for a, b in g.edge_list()])
    return s


def _sampled_betweenness(g: rx.PyGraph, k: int, seed: int, nodes: list[int] | None = None) -> dict[int, float]:
    """Brandes–Pich pivot sampling: accumulate dependencies from ``k`` random sources (BFS, the
    graph is unweighted) and scale by n/k; normalised like the exact routine (undirected).
    ``nodes`` fixes the order the pivots are drawn from (the same nodes drawn whatever the indices)."""
    nodes = list(nodes) if nodes is not None else list(g.node_indices())
    n = len(nodes)
    rng = random.Random(seed)
    pivots = rng.sample(nodes, k)
    adj = {v: list(g.neighbors(v)) for v in nodes}
    bc = dict.fromkeys(nodes, 0.0)
    for s in pivots:
        stack: list[int] = []
        preds: dict[int, list[int]] = {s: []}
        sigma = {s: 1.0}
        dist = {s: 0}
        q = deque([s])
        while q:
            v = q.popleft()
            stack.append(v)
            for w in adj[v]:
                if w not in dist:
                    dist[w] = dist[v] + 1
                    sigma[w] = 0.0
                    preds[w] = []
                    q.append(w)
                if dist[w] == dist[v] + 1:
                    sigma[w] += sigma[v]
                    preds[w].append(v)
        delta = dict.fromkeys(stack, 0.0)
        while stack:
            w = stack.pop()
            for v in preds[w]:
                delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w])
            if w != s:
                bc[w] += delta[w]
    # Undirected: each pair counted from both ends in the full sum → halve; then normalise.
    scale = (n / k) / 2.0
    norm = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    return {v: b * scale * norm for v, b in bc.items()}


# Scores are rounded so that the order of floating-point sums (parallel Brandes, node indices that
# follow the store's row order) cannot change a score's digits or reorder ties between stores.
SCORE_DECIMALS = 10


def top(proj: Projection, cent: Centrality, limit: int, labels: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The ``limit`` best nodes: highest score (rounded to :data:`SCORE_DECIMALS` places), then
    highest degree, then name, then id; optionally only of some labels."""
    allowed = set(labels) if labels else None
    g = proj.graph
    ranked = []
    for i, score in cent.scores.items():
        payload = g[i]
        if allowed is not None and payload["label"] not in allowed:
            continue
        ranked.append((round(score, SCORE_DECIMALS), g.degree(i), payload))
    ranked.sort(key=lambda t: (-t[0], -t[1], t[2]["name"] or "", t[2]["id"]))
    return [{"node": p, "score": s, "degree": d} for s, d, p in ranked[:limit]]


@dataclass(frozen=True)
class Clusters:
    components: list[list[int]]
    ms: float


def components(proj: Projection) -> Clusters:
    """Weakly connected components (the projection is undirected), largest first."""
    t0 = time.perf_counter()
    comps = [sorted(c) for c in rx.connected_components(proj.graph)]
    comps.sort(key=lambda c: (-len(c), min(proj.graph[i]["id"] for i in c)))
    return Clusters(comps, (time.perf_counter() - t0) * 1000)
