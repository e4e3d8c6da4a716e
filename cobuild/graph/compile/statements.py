"""Whole statements for the entity root fields: a connection (filter, keyset page, nested
projection, ``totalCount`` only when selected) and a lookup by id.

These are the entry points the entity resolvers call; they put together the parts the other
modules compile, so the shape of each root statement — and its LadybugDB traps — is read in one
place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from cobuild.graph.compile.cursors import _after_predicate, decode_cursor
from cobuild.graph.compile.filters import compile_where
from cobuild.graph.compile.limits import check_first
from cobuild.graph.compile.ordering import check_order, order_of
from cobuild.graph.compile.plans import plan_entity
from cobuild.graph.compile.projection import project_entity, project_plan
from cobuild.graph.compile.selection import connection_node_selection, wants_total
from cobuild.graph.cypher import Params, Statement, Vars, name


@dataclass
class ConnectionPlan:
    statement: Statement
    label: str
    first: int
    order_by: list[tuple[str, str]]
    with_total: bool
    after: str | None


def compile_connection(selection: Iterable[Any] | None, label_name: str, args: dict[str, Any], dialect: Any,
                       scope: Any = None) -> ConnectionPlan:
    """One statement for a root connection field: rows ``{node, total?}`` (at most ``first`` + 1 nodes;
    with ``total`` a single row with a null node when the page is empty)."""
    first = check_first(args.get("first"))
    order_by = order_of(args.get("orderBy"), [label_name])
    params, vars = Params(), Vars()
    n = vars.new("n")
    check_order(scope, label_name, order_by)
    conds = []
    visible = scope.rows(n, label_name, params, vars) if scope is not None else None
    where = compile_where(args.get("where"), label_name, n, params, vars, scope=scope)
    conds += [c for c in (visible, where) if c]
    after = args.get("after")
    if after:
        cursor = decode_cursor(after, label_name, order_by)
        conds.append(_after_predicate(n, order_by, cursor.values, cursor.id, params))
    order_sql = ", ".join([f"{n}.{name(p)} {d}" for p, d in order_by] + [f"{n}.`id` ASC"])
    with_total = wants_total(selection)
    clauses: list[str] = []
    carry: list[str] = []
    if with_total:
        # Counted first, then an OPTIONAL MATCH keeps the row (and the total) when the page is empty.
        m = vars.new("m")
        count_where = " AND ".join(c for c in (
            scope.rows(m, label_name, params, vars) if scope is not None else None,
            compile_where(args.get("where"), label_name, m, params, vars, scope=scope)) if c)
        clauses.append(f"MATCH ({m}:{name(label_name)})" + (f" WHERE {count_where}" if count_where else "") + " WITH count(" + m + ") AS total")
        carry = ["total"]
    match = "OPTIONAL MATCH" if with_total else "MATCH"
    clauses.append(f"{match} ({n}:{name(label_name)})" + (f" WHERE {' AND '.join(conds)}" if conds else ""))
    # LadybugDB trap: a global aggregation (collect without grouping keys) right after
    # WITH … ORDER BY … LIMIT ignores the ORDER BY, so the page is returned as rows, never collected.
    clauses.append(f"WITH {', '.join([*carry, n])} ORDER BY {order_sql} LIMIT {params.add(first + 1)}")
    plan = plan_entity(connection_node_selection(selection), label_name, [p for p, _ in order_by])
    sub, node_map = project_plan(plan, n, params, vars, carry, dialect, scope)
    clauses.extend(sub)
    clauses.append(f"RETURN {node_map} AS node" + (", total AS total" if with_total else ""))
    stmt = Statement(" ".join(clauses), params.values, label=f"connection {label_name}")
    return ConnectionPlan(stmt, label_name, first, order_by, with_total, after)


def compile_lookup(selection: Iterable[Any] | None, label_name: str, node_id: str, dialect: Any,
                   scope: Any = None) -> Statement:
    """One node by id (``node(id)``, ``unit(id)``) with its nested selection; 0 or 1 row ``{node}``
    (0 also when the row is outside the principal's read scope: out of scope reads as not found)."""
    params, vars = Params(), Vars()
    n = vars.new("n")
    visible = scope.rows(n, label_name, params, vars) if scope is not None else None
    clauses = [f"MATCH ({n}:{name(label_name)}) WHERE {n}.`id` = {params.add(node_id)}" + (f" AND {visible}" if visible else "")]
    sub, node_map = project_entity(selection, label_name, n, params, vars, [], dialect, scope)
    clauses.extend(sub)
    clauses.append(f"RETURN {node_map} AS node")
    return Statement(" ".join(clauses), params.values, label=f"lookup {label_name}")
