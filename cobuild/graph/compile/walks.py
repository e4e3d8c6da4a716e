"""Relationship walks from :mod:`cobuild.graph.fields` written as Cypher patterns: one walk's
relationship, a node, a walk's own conditions (area levels, edge values), a whole path.

Filters (``_some``/``_none``), projections and the area questions (:mod:`cobuild.resolvers.areas`)
all walk the same fields; writing the pattern in one place keeps their Cypher the same.
"""

from __future__ import annotations

from typing import Any, Sequence

from cobuild.graph import fields
from cobuild.graph.cypher import Params, Vars, name


def walk_text(w: fields.Walk, edge_var: str = "") -> str:
    """``-[e:R]->`` / ``<-[:R*0..4]-``: one walk's relationship in Cypher (types from the model)."""
    rng = f"*{w.min}..{w.max}" if w.var_length else ""
    rel = f"[{edge_var}:{name(w.rel)}{rng}]"
    return f"-{rel}->" if w.direction == "out" else f"<-{rel}-"


def node_text(var: str, label_name: str | None) -> str:
    return f"({var}:{name(label_name)})" if label_name else f"({var})"


def walk_conditions(w: fields.Walk, node_var: str, edge_var: str, params: Params | None,
                    levels_param: str | None = None) -> list[str]:
    """The walk's own filters: area levels on the node reached, property values on its relationship.
    ``levels_param``: a parameter the caller already holds with ``w.levels`` (a statement that walks
    the same levels several times passes it once)."""
    if w.levels and levels_param is None:
        assert params is not None, "walk_conditions needs params or levels_param for a walk with levels"
        levels_param = params.add(list(w.levels))
    conds = [f"{node_var}.`level` IN {levels_param}"] if w.levels else []
    if w.edge_eq:
        assert params is not None, "walk_conditions needs params for a walk with edge values"
        conds += [f"{edge_var}.{name(k)} = {params.add(v)}" for k, v in w.edge_eq]
    return conds


def path_pattern(var: str, walks: Sequence[fields.Walk], end_var: str, params: Params, vars: Vars,
                 scope: Any = None, edge_var: str = "") -> tuple[str, list[str]]:
    """One MATCH pattern from ``var`` along ``walks`` to ``end_var`` and its conditions (walk filters,
    scoped intermediate rows). ``edge_var`` names the last walk's relationship."""
    text = f"({var})"
    conds: list[str] = []
    for i, w in enumerate(walks):
        last = i == len(walks) - 1
        nv = end_var if last else vars.new("p")
        ev = edge_var if last and edge_var else (vars.new("r") if w.edge_eq else "")
        text += walk_text(w, ev) + node_text(nv, w.label)
        conds += walk_conditions(w, nv, ev, params)
        if not last and w.label and scope is not None:
            visible = scope.rows(nv, w.label, params, vars)
            if visible:
                conds.append(visible)
    return text, conds
