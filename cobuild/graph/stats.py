"""Counts per label and per relationship type, for ``cobuild stats`` and the tests."""

from __future__ import annotations

from cobuild.graph import model
from cobuild.graph.cypher import Statement, name
from cobuild.graph.engines.base import GraphEngine


async def graph_stats(engine: GraphEngine) -> dict[str, dict[str, int]]:
    nodes = {}
    for lab in model.LABELS:
        rows = await engine.run(Statement(f"MATCH (n:{name(lab.name)}) RETURN count(n) AS n", label="stats"))
        nodes[lab.name] = int(rows[0]["n"])
    rels = {}
    for rt in model.RELATIONSHIPS:
        rows = await engine.run(Statement(f"MATCH ()-[r:{name(rt.name)}]->() RETURN count(r) AS n", label="stats"))
        rels[rt.name] = int(rows[0]["n"])
    return {"nodes": nodes, "relationships": rels}
