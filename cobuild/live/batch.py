"""The one statement that fetches the records of an event batch.

A batch is what a subscription delivers together (at most :data:`MAX_BATCH` events). Its records
are read by ONE statement, whatever their number and labels: the distinct ``(label, id)`` pairs
travel as a list parameter, and per label present in the batch an ``OPTIONAL MATCH`` binds the
record and projects the client's selection into a column — the change feed's page
(:mod:`cobuild.resolvers.feed`) does the same through the same :func:`cobuild.graph.compile.entity_columns`,
with the principal's read scope and masking compiled in (:class:`cobuild.auth.access.ReadScope`).
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from cobuild.graph import compile as gc
from cobuild.graph.cypher import Params, Statement, Vars

MAX_BATCH = 100
LABEL = "live: batch"


# --- the compiler, called here only --------------------------------------------------------------
def plan(selection: Any, label_name: str, extra_props: Iterable[str] = ()) -> gc.EntityPlan:
    """What to fetch of a ``label_name`` record for the client's ``entity { … }`` selection."""
    return gc.plan_entity(selection, label_name, list(extra_props))


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
    chosen = {lab: plans[lab] for lab in sorted({lab for lab, _ in refs}) if lab in plans}
    sub, columns = gc.entity_columns(
        chosen, lambda lab, n: f"r.`label` = {params.add(lab)} AND {n}.`id` = r.`id`", params, vars, carry, dialect, scope)
    clauses.extend(sub)
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
