"""Idempotent writes derived from the model: upsert nodes by id, merge relationships.

Used by the seed loader, the batch ``upsert`` mutation and the derivation of co-building edges.
Upserts keep ``createdAt`` and move ``updatedAt`` only when a property really changed, so loading
the same data twice changes nothing at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

from cobuild.graph import model
from cobuild.graph.cypher import Params, Statement, name
from cobuild.graph.dialect import Dialect


def upsert_nodes(dialect: Dialect, label_name: str, rows: Sequence[dict[str, Any]], now: dt.datetime, *, keys: Sequence[str] | None = None) -> Statement:
    """``UNWIND $rows MERGE (n:Label {id}) SET …`` for full rows (every key present, ladybug rule).

    ``keys`` limits the properties written (a partial update); default: all but the timestamps.
    Returns one row ``{n: rows written, changed: rows whose properties changed}``.
    """
    lab = model.label(label_name)
    props = [p for p in (keys or lab.prop_names) if p not in ("id", "createdAt", "updatedAt")]
    params = Params()
    rows_p = params.add([{k: r.get(k) for k in ["id", *props]} for r in rows])
    now_p = params.add(now)
    value = {p: dialect.typed(f"r.{name(p)}", lab.prop(p).type) for p in props}
    diff = " OR ".join(
        f"(n.{name(p)} IS NULL) <> ({value[p]} IS NULL) OR coalesce(n.{name(p)} <> {value[p]}, false)" for p in props
    ) or "false"
    sets = ", ".join(f"n.{name(p)} = {value[p]}" for p in props)
    text = (
        f"UNWIND {rows_p} AS r MERGE (n:{name(label_name)} {{`id`: r.`id`}}) "
        f"WITH n, r, (n.`createdAt` IS NULL OR {diff}) AS changed "
        f"SET {sets + ', ' if sets else ''}"
        f"n.`updatedAt` = CASE WHEN changed THEN {now_p} ELSE n.`updatedAt` END, "
        f"n.`createdAt` = coalesce(n.`createdAt`, {now_p}) "
        f"RETURN count(n) AS n, sum(CASE WHEN changed THEN 1 ELSE 0 END) AS changed"
    )
    return Statement(text, params.values, label=f"upsert {label_name}")


def merge_rels(
    dialect: Dialect, rel_name: str, from_label: str, to_label: str, rows: Sequence[dict[str, Any]], *, key: str | None = None
) -> Statement:
    """``MERGE (a)-[e:TYPE]->(b) SET e.props`` for rows with ``from``/``to`` ids.

    Returns ``{n}``: the number of rows whose endpoints both exist. LadybugDB creates nothing and
    says nothing when an endpoint is missing (ladybug-notes), so callers compare ``n`` with
    ``len(rows)``. ``key`` names a property that tells parallel edges apart (``pairingId``).
    """
    rt = model.rel(rel_name)
    params = Params()
    keys = ["from", "to", *[p.name for p in rt.props]]
    rows_p = params.add([{k: r.get(k) for k in keys} for r in rows])
    merge_key = f" {{{name(key)}: r.{name(key)}}}" if key else ""
    sets = ", ".join(f"e.{name(p.name)} = {dialect.typed(f'r.{name(p.name)}', p.type)}" for p in rt.props)
    text = (
        f"UNWIND {rows_p} AS r "
        f"MATCH (a:{name(from_label)} {{`id`: r.`from`}}) "
        f"MATCH (b:{name(to_label)} {{`id`: r.`to`}}) "
        f"MERGE (a)-[e:{name(rel_name)}{merge_key}]->(b) "
        + (f"SET {sets} " if sets else "")
        + "RETURN count(e) AS n"
    )
    return Statement(text, params.values, label=f"merge {rel_name}")


# ------------------------------------------------------------------------------------------------
# Batch upserts of partner records (issue 12 part 4): counts computed in the merging statement
# ------------------------------------------------------------------------------------------------
def _diff(ref: str, value: str) -> str:
    """Cypher: the stored value and the new one differ (NULL-aware)."""
    return f"(({ref} IS NULL) <> ({value} IS NULL) OR coalesce({ref} <> {value}, false))"


def merge_nodes_counted(dialect: Dialect, label_name: str, rows: Sequence[dict[str, Any]], props: Sequence[str],
                        now: dt.datetime, *, verbatim: bool = False) -> Statement:
    """``UNWIND $rows MERGE (n:Label {id}) SET …`` answering, per row, whether *this statement*
    created the node and which properties it changed: rows ``{i, created, changed, diffs}``.

    Both are computed inside the statement that merges, after the node's write lock is taken
    (:meth:`Dialect.lock_node`): on Neo4j a concurrent batch with the same id waits at the MERGE
    (uniqueness constraint) or at the lock, then reads what the first one committed — so 20 concurrent
    batches of the same 10 ids report exactly 10 created between them. ``updatedAt`` moves only when a
    property changed; ``createdAt`` is set once. ``verbatim`` (``cobuild import``): the rows' own
    ``createdAt``/``updatedAt`` are written like any other property (a restore keeps them).
    """
    lab = model.label(label_name)
    params = Params()
    props = [p for p in props if p != "id" and (verbatim or p not in ("createdAt", "updatedAt"))]
    rows_p = params.add([{"i": r["i"], **{k: r.get(k) for k in ["id", *props]}} for r in rows])
    now_p = params.add(now)
    value = {p: dialect.typed(f"r.{name(p)}", lab.prop(p).type) for p in props}
    diffs = [_diff(f"n.{name(p)}", value[p]) for p in props]
    listed = ", ".join(f"CASE WHEN {d} THEN {params.add(p)} ELSE NULL END" for p, d in zip(props, diffs))
    lock = dialect.lock_node("n")
    assignments = [f"n.{name(p)} = {value[p]}" for p in props]
    if not verbatim:
        assignments += [f"n.`updatedAt` = CASE WHEN created OR changed THEN {now_p} ELSE n.`updatedAt` END",
                        f"n.`createdAt` = coalesce(n.`createdAt`, {now_p})"]
    text = (
        f"UNWIND {rows_p} AS r MERGE (n:{name(label_name)} {{`id`: r.`id`}}) "
        f"WITH n, r, n.`createdAt` IS NULL AS created "
        + (f"{lock} WITH n, r, created " if lock else "")
        + f"WITH n, r, created, [{listed}] AS diffs, ({' OR '.join(diffs) or 'false'}) AS changed "
        f"SET {', '.join(assignments)} "
        f"RETURN r.`i` AS i, n.`id` AS id, created, changed, diffs"
    )
    return Statement(text, params.values, label=f"upsert {label_name} (counted)")


def read_nodes(label_name: str, ids: Sequence[str], props: Sequence[str]) -> Statement:
    """The stored ``props`` of the nodes among ``ids`` that exist."""
    params = Params()
    cols = ", ".join(f"n.{name(p)} AS {name(p)}" for p in dict.fromkeys(["id", *props]))
    return Statement(f"MATCH (n:{name(label_name)}) WHERE n.`id` IN {params.add(list(ids))} RETURN {cols}",
                     params.values, label=f"upsert: existing {label_name}")


def read_refs(ids_by_label: dict[str, Sequence[str]]) -> Statement | None:
    """One statement (a ``UNION ALL`` block per label): ``{id, areaPath, regionId}`` of the ids that exist."""
    params = Params()
    blocks = [f"UNWIND {params.add(list(ids))} AS i MATCH (n:{name(lab)}) WHERE n.`id` = i "
              "RETURN n.`id` AS id, n.`areaPath` AS areaPath, n.`regionId` AS regionId"
              for lab, ids in ids_by_label.items() if ids]
    if not blocks:
        return None
    return Statement(" UNION ALL ".join(blocks), params.values, label="upsert: referenced records")


def _edge(incoming: bool, n: str, rel_name: str, o: str, e: str, key: str = "") -> str:
    rel = f"[{e}:{name(rel_name)}{key}]"
    return f"({o})-{rel}->({n})" if incoming else f"({n})-{rel}->({o})"


def _key_where(params: Params, e: str, key: dict[str, Any]) -> str:
    return "".join(f" AND {e}.{name(k)} = {params.add(v)}" for k, v in key.items())


def read_edges(label_name: str, ids: Sequence[str], refs: Sequence[tuple[str, str, bool, dict[str, Any]]]) -> Statement | None:
    """The edges the ``refs`` (field, relationship, incoming, key) hold today: rows ``{id, ref, other}``."""
    params = Params()
    ids_p = params.add(list(ids))
    blocks = []
    for field_name, rel_name, incoming, key in refs:
        # the other end is left open: the relationship type and the record's label bound it
        blocks.append(f"MATCH {_edge(incoming, f'n:{name(label_name)}', rel_name, 'o', 'e')} WHERE n.`id` IN {ids_p}"
                      f"{_key_where(params, 'e', key)} RETURN n.`id` AS id, {params.add(field_name)} AS ref, o.`id` AS other")
    if not blocks:
        return None
    return Statement(" UNION ALL ".join(blocks), params.values, label=f"upsert: {label_name} references today")


def drop_stale_edges(dialect: Dialect, label_name: str, rel_name: str, incoming: bool, key: dict[str, Any],
                     rows: Sequence[dict[str, Any]]) -> Statement:
    """Delete the edges of one reference that the items no longer name: rows ``{i, id, keep}`` →
    ``{i, removed}`` per row that lost an edge."""
    params = Params()
    rows_p = params.add([{"i": r["i"], "id": r["id"], "keep": list(r["keep"])} for r in rows])
    keep = dialect.typed("r.`keep`", model.PropType.STRING_LIST)
    text = (f"UNWIND {rows_p} AS r MATCH {_edge(incoming, f'n:{name(label_name)}', rel_name, 'o', 'e')} WHERE n.`id` = r.`id`"
            f"{_key_where(params, 'e', key)} AND NOT o.`id` IN {keep} "
            f"DELETE e RETURN r.`i` AS i, count(*) AS removed")
    return Statement(text, params.values, label=f"upsert: drop stale {rel_name}")


def merge_ref_edges(dialect: Dialect, label_name: str, rel_name: str, other_label: str, incoming: bool,
                    key: dict[str, Any], rows: Sequence[dict[str, Any]]) -> Statement:
    """Merge one reference's edges to ``other_label`` nodes: rows ``{i, id, to, <edge props>}`` →
    per row ``{i, added, matched}`` (``added``: edges that did not exist before; ``matched``: edges
    whose two ends were found — callers compare it with what they sent)."""
    rt = model.rel(rel_name)
    props = [p for p in rt.props if p.name not in key]
    params = Params()
    rows_p = params.add([{"i": r["i"], "id": r["id"], "to": r["to"], **{p.name: r.get(p.name) for p in props}} for r in rows])
    key_map = ("{" + ", ".join(f"{name(k)}: {params.add(v)}" for k, v in key.items()) + "}") if key else ""
    sets = ", ".join(f"e.{name(p.name)} = {dialect.typed(f'r.{name(p.name)}', p.type)}" for p in props)
    text = (
        f"UNWIND {rows_p} AS r MATCH (n:{name(label_name)}) WHERE n.`id` = r.`id` "
        f"MATCH (o:{name(other_label)}) WHERE o.`id` = r.`to` "
        f"OPTIONAL MATCH {_edge(incoming, 'n', rel_name, 'o', 'x')}" + (
            " WHERE " + " AND ".join(f"x.{name(k)} = {params.add(v)}" for k, v in key.items()) if key else "")
        + " WITH n, o, r, count(x) AS had "
        f"MERGE {_edge(incoming, 'n', rel_name, 'o', 'e', (' ' + key_map) if key_map else '')} "
        + (f"SET {sets} " if sets else "")
        + "RETURN r.`i` AS i, sum(CASE WHEN had = 0 THEN 1 ELSE 0 END) AS added, count(*) AS matched"
    )
    return Statement(text, params.values, label=f"upsert: merge {rel_name}")
