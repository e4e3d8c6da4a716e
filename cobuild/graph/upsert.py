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
