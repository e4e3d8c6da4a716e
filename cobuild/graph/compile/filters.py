"""``where`` inputs (plain dicts, declared in :mod:`cobuild.schema.filters`) compiled to one Cypher
predicate: property operators, ``AND``/``OR``/``NOT``, and ``<relField>_some``/``_none`` as
``EXISTS { MATCH … }``.

Root connections, relationship fields and the questions all filter through this one function, so a
new operator or a scope rule on filtering (``scope.filter_ref``) is added once; values always go
in as parameters, typed by :mod:`.values`.
"""

from __future__ import annotations

from typing import Any

from cobuild.errors import ValidationError
from cobuild.graph import fields, model
from cobuild.graph.compile.limits import MAX_FIRST, MAX_WHERE_DEPTH
from cobuild.graph.compile.values import to_value
from cobuild.graph.compile.walks import path_pattern
from cobuild.graph.cypher import Params, Vars, name
from cobuild.graph.model import PropType

_RANGE_OPS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def compile_where(
    where: dict[str, Any] | None, label_name: str, var: str, params: Params, vars: Vars, depth: int = 0,
    scope: Any = None,
) -> str | None:
    """A ``where`` input (plain dict) → a Cypher predicate on ``var``, or None when empty.

    Keys: a property name → ``{eq, ne, in, contains, startsWith, gt, gte, lt, lte, includes,
    includesAny, isNull}``; ``AND`` / ``OR`` (lists) and ``NOT`` (one); ``<relField>_some`` /
    ``<relField>_none`` → the other end's ``where`` (an ``EXISTS { MATCH … }``).
    """
    if not where:
        return None
    if depth > MAX_WHERE_DEPTH:
        raise ValidationError(f"`where` is nested too deeply (max {MAX_WHERE_DEPTH} levels)", field="where")
    lab = model.label(label_name)
    rel_fields = fields.fields_of(label_name)
    parts: list[str] = []
    for key, value in where.items():
        if value is None:
            continue
        if key in ("AND", "OR"):
            items = value if isinstance(value, list) else [value]
            subs = [compile_where(w, label_name, var, params, vars, depth + 1, scope) for w in items]
            subs = [s for s in subs if s]
            if subs:
                parts.append("(" + f" {key} ".join(subs) + ")")
            elif key == "OR" and items:
                parts.append("true")
        elif key == "NOT":
            items = value if isinstance(value, list) else [value]
            for w in items:
                sub = compile_where(w, label_name, var, params, vars, depth + 1, scope)
                if sub:
                    parts.append(f"NOT ({sub})")
        elif key in lab.prop_names:
            ops = _prop_ops(lab.prop(key), f"{var}.{name(key)}", value, params, f"where.{key}")
            guard = scope.filter_ref(var, label_name, key, params) if scope is not None and ops else None
            parts.extend([guard, *ops] if guard else ops)
        elif key.endswith(("_some", "_none")) and key.rsplit("_", 1)[0] in rel_fields:
            fname, kind = key.rsplit("_", 1)
            rf = rel_fields[fname]
            alts = []
            for other in rf.others:
                m = vars.new("w")
                pattern, conds = path_pattern(var, rf.path(other), m, params, vars, scope)
                sub = compile_where(value, other, m, params, vars, depth + 1, scope)
                visible = scope.rows(m, other, params, vars) if scope is not None else None
                conds = " AND ".join(c for c in (*conds, visible, sub) if c)
                alts.append(f"EXISTS {{ MATCH {pattern}" + (f" WHERE {conds}" if conds else "") + " }")
            expr = "(" + " OR ".join(alts) + ")"
            parts.append(expr if kind == "some" else f"NOT {expr}")
        else:
            raise ValidationError(f"{label_name} cannot be filtered by {key!r}", field="where")
    return " AND ".join(parts) if parts else None


def _prop_ops(prop: model.Prop, ref: str, ops: Any, params: Params, what: str) -> list[str]:
    if not isinstance(ops, dict):
        raise ValidationError(f"{what} takes an operator object such as {{eq: …}}", field=what)
    out: list[str] = []
    for op, v in ops.items():
        if v is None:
            continue
        w = f"{what}.{op}"
        if op == "isNull":
            out.append(f"{ref} IS NULL" if v else f"{ref} IS NOT NULL")
        elif prop.is_list:
            if op == "includes":
                out.append(f"{params.add(to_value(prop, v, w))} IN {ref}")
            elif op == "includesAny":
                # One `$v IN list` per value: LadybugDB cannot bind a parameter inside any(… WHERE …).
                if len(v) > MAX_FIRST:
                    raise ValidationError(f"{w}: at most {MAX_FIRST} values", field=what)
                alts = [f"{params.add(to_value(prop, x, w))} IN {ref}" for x in v]
                out.append("(" + " OR ".join(alts) + ")" if alts else "false")
            else:
                raise ValidationError(f"{what}: a list supports includes / includesAny / isNull, not {op}", field=what)
        elif op == "eq":
            out.append(f"{ref} = {params.add(to_value(prop, v, w))}")
        elif op == "ne":
            out.append(f"({ref} IS NULL OR {ref} <> {params.add(to_value(prop, v, w))})")
        elif op == "in":
            if not v:  # nothing is in an empty list (and an empty list parameter has no type)
                out.append("false")
                continue
            out.append(f"{ref} IN {params.add([to_value(prop, x, w) for x in v])}")
        elif op in ("contains", "startsWith") and prop.type is PropType.STRING:
            kw = "CONTAINS" if op == "contains" else "STARTS WITH"
            out.append(f"{ref} {kw} {params.add(to_value(prop, v, w))}")
        elif op in _RANGE_OPS and prop.type is not PropType.BOOL:
            out.append(f"{ref} {_RANGE_OPS[op]} {params.add(to_value(prop, v, w))}")
        else:
            raise ValidationError(f"{what}: operator {op!r} does not apply to a {prop.type.value.lower()}", field=what)
    return out
