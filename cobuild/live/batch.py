"""The one statement that fetches the records of an event batch.

A batch is what a subscription delivers together (at most :data:`MAX_BATCH` events). Its records
are read by ONE statement, whatever their number and labels: the distinct ``(label, id)`` pairs
travel as a list parameter, and per label present in the batch an ``OPTIONAL MATCH`` binds the
record and projects the client's selection into a column — the pattern of the change feed's page
(:mod:`cobuild.resolvers.feed`), with the principal's read scope and masking compiled in
(:class:`cobuild.auth.access.ReadScope`).

The entity compiler (:mod:`cobuild.graph.compile`) is called from :func:`plan` and :func:`project`
only, so following a change of its interface touches these two functions.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from cobuild.graph import compile as gc
from cobuild.graph.cypher import Params, Statement, Vars, missing, name

MAX_BATCH = 100
LABEL = "live: batch"


# --- the compiler, called here only --------------------------------------------------------------
def plan(selection: Any, label_name: str, extra_props: Iterable[str] = ()) -> gc.EntityPlan:
    """What to fetch of a ``label_name`` record for the client's ``entity { … }`` selection."""
    return gc.plan_entity(selection, label_name, list(extra_props))


def project(entity_plan: gc.EntityPlan, var: str, params: Params, vars: Vars, carry: Sequence[str], dialect: Any,
            scope: Any) -> tuple[list[str], str]:
    """Clauses after ``var`` is bound, and the map expression of the record (see the compiler)."""
    return gc.project_plan(entity_plan, var, params, vars, list(carry), dialect, scope)


def entity_selection(info: Any) -> list[Any] | None:
    """The merged ``entity { … }`` selection of the subscription field (all aliases), or None."""
    return gc.selection_of(info, ["entity"])


# --- the statement ------------------------------------------------------------------------------
def compile_batch(plans: dict[str, gc.EntityPlan], refs: Sequence[tuple[str, str]], scope: Any,
                  dialect: Any) -> tuple[Statement, dict[str, str]]:
    """One statement returning one row ``{label, id, <column per label>}`` per ``(label, id)`` in
    ``refs``; the column holds the projected record, or null when it is gone or out of scope.
    Returns the statement and each label's column."""
    params, vars = Params(), Vars()
    rows = params.add([{"label": lab, "id": node_id} for lab, node_id in dict.fromkeys(refs)])
    clauses = [f"UNWIND {rows} AS r"]
    carry = ["r"]
    columns: dict[str, str] = {}
    for lab in sorted({lab for lab, _ in refs}):
        if lab not in plans:
            continue
        n = vars.new("n")
        visible = scope.rows(n, lab, params, vars)
        where = f"r.`label` = {params.add(lab)} AND {n}.`id` = r.`id`" + (f" AND {visible}" if visible else "")
        clauses.append(f"OPTIONAL MATCH ({n}:{name(lab)}) WHERE {where}")
        sub, node_map = project(plans[lab], n, params, vars, carry, dialect, scope)
        clauses.extend(sub)
        col = vars.new("entity")
        clauses.append(f"WITH {', '.join(carry)}, CASE WHEN {missing(n)} THEN NULL ELSE {node_map} END AS {col}")
        carry.append(col)
        columns[lab] = col
    clauses.append("RETURN r.`label` AS label, r.`id` AS id" + "".join(f", {c} AS {c}" for c in columns.values()))
    return Statement(" ".join(clauses), params.values, label=LABEL), columns


def entities_of(rows: list[dict[str, Any]], columns: dict[str, str]) -> dict[tuple[str, str], dict[str, Any]]:
    """``(label, id)`` → the projected record, for the records that are there and in scope."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        col = columns.get(r.get("label") or "")
        if col is not None and r.get(col) is not None:
            out[(r["label"], r["id"])] = r[col]
    return out
