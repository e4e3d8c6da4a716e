"""An :class:`EntityPlan` projected inside the caller's statement: the clauses after the caller's
MATCH/WITH and a Cypher map for the node, its relationship fields nested as ``r_<alias>`` lists and
``r_<alias>#total`` counts (see the package docstring for the map's shape).

This is what keeps one statement per root field: every nested selection becomes ``OPTIONAL MATCH``
… ``WITH … collect(…)`` here, with the read scope's row filters and masking compiled in; sorting
and slicing those lists happen later in Python (:mod:`.pages`).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

from cobuild.errors import CompileError
from cobuild.graph import fields, model
from cobuild.graph.compile.cursors import _after_predicate
from cobuild.graph.compile.filters import compile_where
from cobuild.graph.compile.limits import _GQL_NAME
from cobuild.graph.compile.ordering import check_order
from cobuild.graph.compile.plans import EntityPlan, RelPlan, plan_entity
from cobuild.graph.compile.walks import node_text, walk_conditions, walk_text
from cobuild.graph.cypher import Params, Vars, missing, name, or_null


def rel_key(alias: str, suffix: str = "") -> str:
    """The map key of a relationship field's items (``r_<alias>``) or total (``r_<alias>#total``)."""
    if not _GQL_NAME.match(alias):
        raise CompileError(f"{alias!r} is not a GraphQL name")
    return f"`r_{alias}{suffix}`"


TOTAL = "#total"


def _dedupe(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def project_plan(
    plan: EntityPlan, var: str, params: Params, vars: Vars, carry: Sequence[str], dialect: Any, scope: Any = None
) -> tuple[list[str], str]:
    """``scope`` (:class:`cobuild.auth.access.ReadScope`) filters scoped rows and masks personal
    properties inside the statement; ``None`` reads unrestricted (internal callers only)."""
    clauses: list[str] = []
    entries = [f"{name(p)}: {scope.project(var, plan.label, p, params) if scope is not None else f'{var}.{name(p)}'}"
               for p in plan.props]
    local: list[str] = []
    for key, rp in plan.rels.items():
        per_label: list[tuple[str, str]] = []
        totals: list[str] = []
        for other in rp.nodes:
            check_order(scope, other, rp.order_by)
        # an Actor/Entity list asking only what every label has is matched once, unlabeled
        one = _one_match(rp, scope)
        for other, sub in list(rp.nodes.items())[:1] if one else rp.nodes.items():
            keep = _dedupe([*carry, var, *local])
            if one:
                rel_clauses, coll, total = _project_any(rp, var, keep, params, vars, scope)
            else:
                project = _project_grouped if rp.field.grouped else _project_direct
                rel_clauses, coll, total = project(rp, other, sub, var, keep, params, vars, dialect, scope)
            clauses.extend(rel_clauses)
            local.extend(x for x in (coll, total) if x)
            if coll:
                per_label.append((other, coll))
            if total:
                totals.append(total)
        if per_label:
            entries.append(f"{rel_key(key)}: {{{', '.join(f'{name(o)}: {c}' for o, c in per_label)}}}")
        if totals:
            entries.append(f"{rel_key(key, TOTAL)}: {' + '.join(totals)}")
    return clauses, "{" + ", ".join(entries) + "}"


def _ref_map(var: str, label_name: str | None) -> str:
    """A reference to the node ``var`` (id, name and, for areas, level) for an edge's ``via``."""
    keys = ["id", "name"] + (["level"] if label_name is None or "level" in model.label(label_name).prop_names else [])
    return "{" + ", ".join(f"{k}: {var}.{name(k)}" for k in keys) + "}"


def _project_direct(rp: RelPlan, other: str, sub: EntityPlan, var: str, keep: list[str], params: Params, vars: Vars,
                    dialect: Any, scope: Any) -> tuple[list[str], str | None, str | None]:
    """Clauses projecting a relationship field's items ending at ``other`` (one row per ``keep`` again
    at the end), the name of the collected items and the name of their count."""
    f = rp.field
    w = f.hops_to(other)[0]
    m, e = vars.new("n"), vars.new("e")
    conds = walk_conditions(w, m, e, params) + [
        scope.rows(m, other, params, vars) if scope is not None else None,
        compile_where(rp.where, other, m, params, vars, scope=scope)]
    where = " AND ".join(c for c in conds if c)
    clauses = [f"OPTIONAL MATCH ({var}){walk_text(w, e)}{node_text(m, other)}" + (f" WHERE {where}" if where else "")]
    item = None
    if rp.items:
        sub_clauses, sub_map = project_plan(sub, m, params, vars, [*keep, e, m], dialect, scope)
        clauses.extend(sub_clauses)
        item = "{" + ", ".join([*(f"{name(p)}: {e}.{name(p)}" for p in rp.edge_props), f"`node`: {sub_map}"]) + "}"
    clause, coll, total = _collect(rp, m, item, keep, params, vars, distinct=False)
    return [*clauses, clause], coll, total


_ANY_PROPS = {p.name for p in model.COMMON_PROPS} | {"level"}  # what an Actor/Entity reference may ask of any label


def _one_match(rp: RelPlan, scope: Any) -> bool:
    """A relationship field whose other end spans several labels can be matched once, unlabeled, when
    its selection asks only for properties every label has (plus an area's ``level``), no nested
    relationships, no filter, and no label there is scoped: one OPTIONAL MATCH instead of one per
    label (an Actor list like ``claimants`` spans four labels)."""
    f = rp.field
    return (len(rp.nodes) > 1 and not f.grouped and rp.where is None
            and not any(model.label(o).scoped for o in f.others)
            and all(not sub.rels and set(sub.props) <= _ANY_PROPS for sub in rp.nodes.values()))


def _project_any(rp: RelPlan, var: str, keep: list[str], params: Params, vars: Vars,
                 scope: Any) -> tuple[list[str], str | None, str | None]:
    """:func:`_project_direct` with the other end unlabeled (see :func:`_one_match`); personal
    properties are masked by the node's id prefix (:meth:`ReadScope.project_any`)."""
    f = rp.field
    w = f.hops[0]
    m, e = vars.new("n"), vars.new("e")
    props = list(dict.fromkeys(p for sub in rp.nodes.values() for p in sub.props))
    conds = walk_conditions(w, m, e, params)
    where = " AND ".join(conds)
    clauses = [f"OPTIONAL MATCH ({var}){walk_text(w, e)}({m})" + (f" WHERE {where}" if where else "")]
    node = "{" + ", ".join(f"{name(p)}: " + (scope.project_any(m, f.others, p, params) if scope is not None else f"{m}.{name(p)}")
                           for p in props) + "}"
    item = "{" + ", ".join([*(f"{name(p)}: {e}.{name(p)}" for p in rp.edge_props), f"`node`: {node}"]) + "}" if rp.items else None
    clause, coll, total = _collect(rp, m, item, keep, params, vars, distinct=False)
    return [*clauses, clause], coll, total


def _collect(rp: RelPlan, m: str, item: str | None, keep: list[str], params: Params, vars: Vars,
             distinct: bool) -> tuple[str, str | None, str | None]:
    """The ``WITH`` that ends a relationship field: its items (``item`` per row of ``m``, those before
    the cursor left out) and, for a connection, its count — back to one row per ``keep``."""
    coll = total = None
    outputs: list[str] = []
    if item is not None:
        coll = vars.new("c")
        if rp.after is None:
            outputs.append(f"collect({or_null(m)}{item} END) AS {coll}")
        else:  # `after` keeps what follows the cursor (and its own key: several items may share a node)
            after = _after_predicate(m, rp.order_by, rp.after.values, rp.after.id, params, inclusive=True)
            outputs.append(f"collect(CASE WHEN {missing(m)} THEN NULL WHEN {after} THEN {item} ELSE NULL END) AS {coll}")
    if rp.mode == "connection":
        total = vars.new("t")
        outputs.append(f"count({'DISTINCT ' if distinct else ''}{m}) AS {total}")
    return f"WITH {', '.join(keep)}, {', '.join(outputs)}", coll, total


def _project_grouped(rp: RelPlan, other: str, sub: EntityPlan, var: str, keep: list[str], params: Params, vars: Vars,
                     dialect: Any, scope: Any) -> tuple[list[str], str | None, str | None]:
    """A side or page field: the ``prefix`` walk on its own (``WITH`` per area of the subtree: LadybugDB
    plans a var-length segment followed by hops badly), then the member step and the hops in one
    ``OPTIONAL MATCH``, collected as ``{via, edge, node}`` rows and counted (``count(DISTINCT)``) in
    the statement; Python merges the rows of one node — the members that reach it become its
    ``via``, the first of their links its edge properties."""
    f = rp.field
    clauses: list[str] = []
    prev, prev_label = var, f.owner
    for w in f.prefix:
        x = vars.new("x")
        conds = walk_conditions(w, x, "", params) + ([scope.rows(x, w.label, params, vars)] if w.label and scope else [])
        where = " AND ".join(c for c in conds if c)
        clauses.append(f"OPTIONAL MATCH ({prev}){walk_text(w)}{node_text(x, w.label)}" + (f" WHERE {where}" if where else ""))
        clauses.append(f"WITH {', '.join(_dedupe([*keep, x]))}")
        prev, prev_label = x, w.label
    walks = ((f.member,) if f.member else ()) + f.hops_to(other)
    m = vars.new("n")
    text, conds = f"({prev})", []
    via_var, via_label = (prev, prev_label) if f.via == fields.MEMBER and not f.member else (None, None)
    edge_var = ""
    for i, w in enumerate(walks):
        last = i == len(walks) - 1
        nv = m if last else vars.new("y")
        hop = i - (1 if f.member else 0)
        ev = vars.new("e") if not w.var_length and ((hop >= 0 and hop == f.edge_hop) or w.edge_eq) else ""
        if hop >= 0 and hop == f.edge_hop:
            edge_var = ev
        text += walk_text(w, ev) + node_text(nv, w.label)
        conds += walk_conditions(w, nv, ev, params)
        if w.label and scope is not None:
            conds.append(scope.rows(nv, w.label, params, vars))
        if (f.via == fields.MEMBER and f.member and i == 0) or (isinstance(f.via, int) and hop == f.via):
            via_var, via_label = nv, w.label
    conds.append(compile_where(rp.where, other, m, params, vars, scope=scope))
    where = " AND ".join(c for c in conds if c)
    clauses.append(f"OPTIONAL MATCH {text}" + (f" WHERE {where}" if where else ""))
    live = [x for x in (via_var, edge_var) if x and x not in keep]
    entries = ([f"via: {_ref_map(via_var, via_label)}"] if via_var else []) + (
        [f"edge: {{{', '.join(f'{name(p)}: {edge_var}.{name(p)}' for p in rp.edge_props)}}}"] if edge_var and rp.edge_props else [])
    item = None
    if rp.items:
        # a row per (member, node): nodes reached through several members come several times and are
        # merged in Python (rel_page); one aggregation, not two, is markedly cheaper on LadybugDB
        sub_clauses, sub_map = project_plan(sub, m, params, vars, [*keep, *live], dialect, scope)
        clauses.extend(sub_clauses)
        item = "{" + ", ".join([*entries, f"`node`: {sub_map}"]) + "}"
    clause, coll, total = _collect(rp, m, item, keep, params, vars, distinct=True)
    return [*clauses, clause], coll, total


def project_entity(
    selection: Any, label_name: str, var: str, params: Params, vars: Vars, carry: list[str], dialect: Any,
    scope: Any = None,
) -> tuple[list[str], str]:
    """Clauses after the caller's MATCH/WITH binding ``var``, and the map expression for ``var``.
    The caller filters ``var`` itself (``scope.rows``); nested rows and personal values are handled here."""
    plan = selection if isinstance(selection, EntityPlan) else plan_entity(selection, label_name)
    return project_plan(plan, var, params, vars, carry, dialect, scope)


def entity_columns(plans: Mapping[str, EntityPlan], anchor: Callable[[str, str], str], params: Params, vars: Vars,
                   carry: list[str], dialect: Any, scope: Any) -> tuple[list[str], dict[str, str]]:
    """Records named by the rows of a statement (change events, a batch of ``(label, id)``), one column
    per label: ``OPTIONAL MATCH`` the node ``anchor(label, var)`` names within the principal's scope,
    project the client's selection, carry it on — null when the record is gone or out of scope.
    Returns the clauses and each label's column; ``carry`` grows by the columns."""
    clauses: list[str] = []
    columns: dict[str, str] = {}
    for lab, plan in plans.items():
        n = vars.new("n")
        visible = scope.rows(n, lab, params, vars)
        where = anchor(lab, n) + (f" AND {visible}" if visible else "")
        clauses.append(f"OPTIONAL MATCH ({n}:{name(lab)}) WHERE {where}")
        sub, node_map = project_plan(plan, n, params, vars, list(carry), dialect, scope)
        clauses.extend(sub)
        col = vars.new("entity")
        clauses.append(f"WITH {', '.join(carry)}, {or_null(n)}{node_map} END AS {col}")
        carry.append(col)
        columns[lab] = col
    return clauses, columns
