"""Network-structure questions: Q6 shortest connection, Q7 hubs, Q9 isolated clusters. Q7 and Q9 read
their projection with one statement and compute in Python (:mod:`cobuild.graph.algorithms`)."""

from typing import Annotated, Any, Iterable, Optional

import strawberry

from cobuild.errors import ValidationError
from cobuild.graph import algorithms as algo
from cobuild.graph import model
from cobuild.graph.cypher import Statement, name
from cobuild.resolvers.questions.common import (MAX_DEPTH, Q, argument, check_id, check_limit, check_range, first_row,
                                                match_anchor, q_for, run)
from cobuild.schema.questions.network import (CONNECTION_TYPES, Cluster, ClustersResult, ConnectionType, Hub, HubMetric,
                                              HubsResult, PathStep, ShortestConnectionResult, StepDirection)
from cobuild.schema.refs import NodeRef, refs

MAX_MEMBERS = 50


# ---------------------------------------------------------------------------------------------
# Q6 shortest connection between two actors
# ---------------------------------------------------------------------------------------------
def q6_shortest_connection(q: Q, from_id: str, to_id: str, rel_types: list[str], max_hops: int) -> Statement:
    la, lb = model.label_of_id(from_id or ""), model.label_of_id(to_id or "")
    if la is None:
        raise ValidationError(f"fromId {from_id!r} is not a cobuild id (ids start with a label prefix such as 'unit:')", field="fromId")
    if lb is None:
        raise ValidationError(f"toId {to_id!r} is not a cobuild id (ids start with a label prefix such as 'unit:')", field="toId")
    path = q.dialect.all_shortest_paths("path", "a", "b", rel_types, max_hops)
    text = (
        f"{match_anchor(q, la.name, 'a', from_id)} "
        f"OPTIONAL MATCH (b:{name(lb.name)}) WHERE b.`id` = {q.add(to_id)} "
        f"OPTIONAL {path} "
        f"RETURN a.`id` AS fromId, b.`id` AS toId, nodes(path) AS pathNodes, {q.dialect.path_rels('path')} AS pathRels"
    )
    return q.statement(text, "Q6 shortestConnection", heavy=True)


def choose_path(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The row of the path :func:`shape_shortest_connection` reports, among the rows of every
    shortest path (Q6 returns them all): the fewest hops; then the smallest sequence of node ids
    read from start to end; then the smallest sequence of steps (relationship type, direction,
    pairing id, role). Paths still tied answer the same JSON, so the choice is the same on both
    stores whatever order they return paths in."""
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        s = shape_shortest_connection(row)
        if not s["found"]:
            return (1, 0, [], [])
        steps = [(st["relationship"] or "", st["direction"], st["pairingId"] or "", st["role"] or "") for st in s["steps"]]
        return (0, s["hops"], [n["id"] or "" for n in s["nodes"]], steps)

    return min(rows, key=key)


def _node_ref(n: dict[str, Any]) -> dict[str, Any]:
    props = n.get("props") or {}
    node_id = props.get("id")
    lab = model.label_of_id(node_id or "")
    return {"id": node_id, "label": lab.name if lab else n.get("label"), "name": props.get("name")}


def shape_shortest_connection(row: dict[str, Any]) -> dict[str, Any]:
    nodes = [n for n in row.get("pathNodes") or [] if n]
    rels = [r for r in row.get("pathRels") or [] if r]
    if not rels or len(nodes) != len(rels) + 1:  # from ≠ to, so a path has at least one step
        return {"found": False, "hops": None, "steps": [], "nodes": []}
    keys = [n.get("_key") for n in nodes]
    steps = []
    for i, r in enumerate(rels):
        a, b = nodes[i], nodes[i + 1]
        if r.get("_src") == keys[i] and r.get("_dst") == keys[i + 1]:
            direction = "OUTGOING"
        elif r.get("_src") == keys[i + 1] and r.get("_dst") == keys[i]:
            direction = "INCOMING"
        else:  # engines always give endpoints; keep the step even if they do not match
            direction = "UNKNOWN"
        steps.append({"from": _node_ref(a), "relationship": r.get("type"), "direction": direction, "to": _node_ref(b),
                      "pairingId": (r.get("props") or {}).get("pairingId"), "role": (r.get("props") or {}).get("role")})
    return {"found": True, "hops": len(rels), "steps": steps, "nodes": [_node_ref(n) for n in nodes]}


# ---------------------------------------------------------------------------------------------
# Q7 / Q9 projections for the graph algorithms
# ---------------------------------------------------------------------------------------------
HUB_TYPES = ("CO_BUILDS_WITH", "PAIRED_WITH", "BELONGS_TO", "HOLDS_POSITION")


# HAS_PARTY_ORG joins a party organisation to its owner, so org-level pairings do not look like
# a separate cluster of the same actors.
CLUSTER_TYPES = ("CO_BUILDS_WITH", "PAIRED_WITH", "BELONGS_TO", "HAS_PARTY_ORG")


def q_projection(q: Q, rel_types: Iterable[str], area_id: str | None) -> Statement:
    """One statement returning the edges (``src``, ``dst``, ``type``) of ``rel_types``, with the
    endpoints' names, as a UNION ALL of one branch per type; with ``area_id`` a last branch lists
    the area's scope (its subtree, the units located there, and their party organisations) as rows
    of type ``SCOPE`` — the caller keeps the edges touching the scope."""
    p = q.params
    branches = []
    for t in rel_types:
        rt = model.rel(t)
        branches.append(
            f"MATCH (x)-[r:{name(t)}]->(y) RETURN x.`id` AS src, x.`name` AS srcName, y.`id` AS dst, "
            f"y.`name` AS dstName, {p.add(rt.name)} AS type"
        )
    if area_id:
        scope = p.add("SCOPE")
        anchor = p.add(area_id)
        branches.append(
            f"MATCH (root:`AdminArea`)<-[:`PART_OF`*0..{MAX_DEPTH}]-(a:`AdminArea`) WHERE root.`id` = {anchor} "
            f"RETURN a.`id` AS src, a.`name` AS srcName, root.`id` AS dst, root.`name` AS dstName, {scope} AS type"
        )
        branches.append(
            f"MATCH (root:`AdminArea`)<-[:`PART_OF`*0..{MAX_DEPTH}]-(:`AdminArea`)<-[:`LOCATED_IN`]-(u:`Unit`) WHERE root.`id` = {anchor} "
            f"RETURN u.`id` AS src, u.`name` AS srcName, root.`id` AS dst, root.`name` AS dstName, {scope} AS type"
        )
        branches.append(
            f"MATCH (root:`AdminArea`)<-[:`PART_OF`*0..{MAX_DEPTH}]-(:`AdminArea`)-[:`HAS_PARTY_ORG`]->(o:`PartyOrganization`) WHERE root.`id` = {anchor} "
            f"RETURN o.`id` AS src, o.`name` AS srcName, root.`id` AS dst, root.`name` AS dstName, {scope} AS type"
        )
    return q.statement(" UNION ALL ".join(branches), "Q7/Q9 projection", heavy=True)


# ---------------------------------------------------------------------------------------------
# Root resolvers (bound to their fields in cobuild.schema.questions.query)
# ---------------------------------------------------------------------------------------------
async def shortest_connection(
    info: strawberry.Info,
    from_id: Annotated[strawberry.ID, argument("起点编号", "Id of the start")],
    to_id: Annotated[strawberry.ID, argument("终点编号", "Id of the end")],
    via: Annotated[Optional[list[ConnectionType]], argument("可经过的关系类型(默认:全部)", "Relationship types allowed (default: all)")] = None,
    max_hops: Annotated[int, argument("最多步数(1–10)", "Maximum hops (1–10)")] = 6,
) -> ShortestConnectionResult:
    check_range(max_hops, 1, 10, "maxHops")
    if via is not None and not via:
        raise ValidationError("via must name at least one relationship type (or be omitted for all)", field="via")
    if from_id == to_id:
        raise ValidationError("fromId and toId are the same node; ask for two different ones", field="toId")
    types = [t.value for t in via] if via else list(CONNECTION_TYPES)
    rows = await run(info, q6_shortest_connection(q_for(info), from_id, to_id, list(dict.fromkeys(types)), max_hops))
    row = first_row(rows, "node", from_id)
    if row.get("toId") is None:
        first_row([], "node", to_id)
    s = shape_shortest_connection(choose_path(rows))
    return ShortestConnectionResult(
        found=s["found"], hops=s["hops"], nodes=refs(s["nodes"]),
        steps=[PathStep(from_=NodeRef.of(st["from"]), relationship=ConnectionType(st["relationship"]), direction=StepDirection(st["direction"]),
                        to=NodeRef.of(st["to"]), pairing_id=st["pairingId"], role=st["role"]) for st in s["steps"]])


async def hubs(
    info: strawberry.Info,
    area_id: Annotated[Optional[strawberry.ID], argument("只看与该区域相关的关系(默认全部)", "Only relationships touching this area's scope (default: all)")] = None,
    metric: Annotated[HubMetric, argument("度量", "Metric")] = HubMetric.DEGREE,
    limit: Annotated[int, argument("返回条数(1–100)", "How many (1–100)")] = 10,
) -> HubsResult:
    check_limit(limit, "limit")
    if area_id is not None:
        check_id(area_id, "AdminArea", "areaId")
    rows = await run(info, q_projection(q_for(info), HUB_TYPES, area_id))
    proj, scope = algo.build_projection(rows)
    if area_id is not None and not scope:
        first_row([], "area", area_id)
    cent = algo.betweenness(proj) if metric is HubMetric.BETWEENNESS else algo.degree(proj)
    return HubsResult(metric=metric, method=cent.method, computed_in_ms=round(cent.ms, 3), node_count=proj.node_count,
                      edge_count=proj.edge_count,
                      items=[Hub(node=NodeRef.of(h["node"]), score=h["score"], degree=h["degree"]) for h in algo.top(proj, cent, limit)])


async def isolated_clusters(
    info: strawberry.Info,
    area_id: Annotated[Optional[strawberry.ID], argument("只看与该区域相关的关系", "Only relationships touching this area's scope")] = None,
    min_size: Annotated[int, argument("最小组团节点数", "Minimum cluster size")] = 1,
    exclude_largest: Annotated[bool, argument("是否排除最大组团", "Leave out the largest (giant) cluster")] = False,
    limit: Annotated[int, argument("返回组团数(1–100)", "How many clusters (1–100)")] = 20,
    max_members: Annotated[int, argument(f"每个组团列出的成员数(1–{MAX_MEMBERS})", f"Members listed per cluster (1–{MAX_MEMBERS})")] = 20,
) -> ClustersResult:
    check_limit(limit, "limit")
    check_limit(max_members, "maxMembers", MAX_MEMBERS)
    check_range(min_size, 1, 1_000_000, "minSize")
    if area_id is not None:
        check_id(area_id, "AdminArea", "areaId")
    rows = await run(info, q_projection(q_for(info), CLUSTER_TYPES, area_id))
    proj, scope = algo.build_projection(rows)
    if area_id is not None and not scope:
        first_row([], "area", area_id)
    cl = algo.components(proj)
    comps = cl.components[1:] if exclude_largest else cl.components
    g = proj.graph
    items = []
    for c in comps:
        if len(c) < min_size:
            continue
        payloads = sorted((g[i] for i in c), key=lambda p: (p["label"] or "", p["name"] or "", p["id"]))
        items.append(Cluster(size=len(c), area_count=sum(1 for p in payloads if p["label"] == "AdminArea"),
                             unit_count=sum(1 for p in payloads if p["label"] == "Unit"),
                             members=refs(payloads[:max_members]), truncated=len(payloads) > max_members))
        if len(items) >= limit:
            break
    return ClustersResult(computed_in_ms=round(cl.ms, 3), node_count=proj.node_count, cluster_count=len(cl.components),
                          largest_size=len(cl.components[0]) if cl.components else 0, items=items)
