"""GraphQL selections → ONE Cypher statement per root field (database-free).

Contract (used by the entity connections and by the network questions):

``plan_entity(selection, label_name) -> EntityPlan``
    What to fetch for one entity: the scalar properties selected (``id`` always) and, per response
    key (alias), each relationship, side or page field (:mod:`cobuild.graph.fields`) as a
    :class:`RelPlan`: its mode (connection, to-one, ``…Link``), its per-label node plans, ``where``,
    ``orderBy`` (else the natural order, :data:`NATURAL_ORDER`), ``first``, ``after``, and whether
    items or only ``totalCount`` were asked for. ``@skip``/``@include`` are applied and fragments
    merged (spec §CollectFields); a fragment applies when its type condition is the label or one of
    its interfaces (``Node``, ``Entity``, ``Actor``). ``selection`` is a list of Strawberry selection
    nodes (``info.selected_fields`` shape), e.g. from :func:`selection_of`. Plans are plain data, kept
    apart from the Strawberry objects, so another executor can run the same plan.

``project_entity(selection, label_name, var, params, vars, carry, dialect) -> (clauses, map_expr)``
    ``var`` is bound (by the caller's MATCH/WITH) to a node of ``label_name``. ``clauses`` are
    appended after that; a relationship field becomes ``OPTIONAL MATCH (var)-[e:R]->(m:L) [WHERE
    <where, scope, after>]`` … ``WITH <carry>, var, …, collect(CASE WHEN m IS NULL THEN NULL ELSE {…}
    END) AS c, count(m) AS t``; a side or page field walks its prefix on its own, then one
    ``OPTIONAL MATCH`` for the member step and the hops, and counts ``DISTINCT`` nodes. Every WITH
    carries the names in ``carry`` (plus ``var``), so the caller keeps its own variables.
    ``map_expr`` is a Cypher map for ``var`` to put in RETURN or ``collect``. Its keys: property
    names; ``r_<alias>`` for relationship fields holding ``{<OtherLabel>: [{<edge props> | via, edge,
    node: {…}}]}`` (in no particular order) and ``r_<alias>#total`` for a connection's count. Sorting
    by ``orderBy``, dropping what precedes the cursor exactly, merging a node's rows and slicing to
    ``first`` happen in Python (:func:`rel_page`, :func:`rel_one`) when the field resolves. Pass the
    map to ``cobuild.resolvers.entities.entity_from_row(label_name, map)`` and nested fields resolve
    from it with no further statements. ``selection`` may also be an :class:`EntityPlan`. An
    empty/None selection projects ``{id}``.

``selection_of(info, path) -> list[Selection] | None``
    The merged sub-selection of a nested field of the current root field, following field names (or
    aliases) through fragments and merging every alias of a field: ``selection_of(info, ["items", "unit"])``.

``compile_connection(selection, label_name, args, dialect) -> ConnectionPlan``
    A root list field: filter, keyset page (``first`` + 1 rows), nested projection, ``totalCount``
    only when selected — one statement returning rows ``{node, total?}``.

LadybugDB trap for callers: ``WITH … ORDER BY … LIMIT`` followed directly by an aggregation with no
grouping key (``WITH collect(x) AS page``) ignores the ORDER BY; keep a grouping key or return rows.

Values only travel as parameters; labels, types and property keys pass :func:`cypher.name`; the
only other keys in the text are ``node``, ``via``, ``edge`` and ``r_<alias>`` /
``r_<alias>#total`` where the alias is a GraphQL name (checked against the GraphQL name grammar, so
it cannot carry a quote).
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Sequence

from cobuild.errors import CompileError, ForbiddenError, ValidationError
from cobuild.graph import model
from cobuild.graph.cypher import Params, Statement, Vars, name
from cobuild.graph.model import PropType
from cobuild.graph import fields, naming

DEFAULT_FIRST = 20
MAX_FIRST = 100
MAX_WHERE_DEPTH = 6
MAX_DEPTH = 8  # nested relationship levels in one selection
_GQL_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")

# ----------------------------------------------------------------------------------------------
# Selections (Strawberry's SelectedField / InlineFragment / FragmentSpread, duck-typed)
# ----------------------------------------------------------------------------------------------


def included(sel: Any) -> bool:
    """``@skip(if:)`` / ``@include(if:)`` with variables already substituted by Strawberry."""
    directives = getattr(sel, "directives", None) or {}
    if "skip" in directives and directives["skip"].get("if") is True:
        return False
    if "include" in directives and directives["include"].get("if") is False:
        return False
    return True


def _is_field(sel: Any) -> bool:
    return hasattr(sel, "arguments") and hasattr(sel, "name")


def response_key(sel: Any) -> str:
    return sel.alias or sel.name


def collect_fields(selections: Iterable[Any] | None, applies: Any = lambda cond: True) -> list[Any]:
    """Flatten fragments (those whose type condition ``applies``) and drop skipped selections."""
    out: list[Any] = []
    for sel in selections or ():
        if not included(sel):
            continue
        if _is_field(sel):
            out.append(sel)
        else:
            cond = getattr(sel, "type_condition", None)
            if cond is None or applies(cond):
                out.extend(collect_fields(sel.selections, applies))
    return out


def sub_selection(selections: Iterable[Any] | None, key: str, applies: Any = lambda cond: True) -> list[Any] | None:
    """Merged sub-selections of every field named ``key`` (else aliased ``key``), under any alias: the
    value behind them is fetched once (``items { pairing {…} b: pairing {…} }`` reads one projected
    ``pairing``), so it must carry what every alias selects. (Matching the response key first dropped the other aliases'
    relationship fields: "not pre-fetched", found by tests/trust/test_fuzz.py.)"""
    fields = collect_fields(selections, applies)
    names = {key} if any(f.name == key for f in fields) else {f.name for f in fields if response_key(f) == key}
    found = [f for f in fields if f.name in names]
    if not found:
        return None
    merged: list[Any] = []
    for f in found:
        merged.extend(f.selections or ())
    return merged


def selection_of(info: Any, path: Sequence[str]) -> list[Any] | None:
    """Sub-selection of the current field at ``path`` (field names, else response names; all aliases merged)."""
    current: list[Any] | None = []
    for f in info.selected_fields:
        current.extend(f.selections or ())
    for key in path:
        current = sub_selection(current, key)
        if current is None:
            return None
    return current


def field_arguments(info: Any) -> dict[str, Any]:
    """The current field's arguments as plain values keyed by GraphQL name (variables resolved)."""
    args: dict[str, Any] = {}
    for f in info.selected_fields:
        args.update(plain(f.arguments))
    return args


def plain(value: Any) -> Any:
    """Strawberry input objects / enums (from variables) → plain dicts / strings."""
    if isinstance(value, enum.Enum):
        return value.value
    definition = getattr(type(value), "__strawberry_definition__", None)
    if definition is not None and hasattr(definition, "fields"):
        out = {}
        for f in definition.fields:
            v = getattr(value, f.python_name, None)
            if v is None or type(v).__name__ == "UnsetType":
                continue
            out[f.graphql_name or f.python_name] = plain(v)
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


# ----------------------------------------------------------------------------------------------
# Plans
# ----------------------------------------------------------------------------------------------

# The order a list takes when the query gives no ``orderBy``: a natural date or name where the label
# has one, always ``id`` last (implicit). Both engines then return the same JSON. Persons have no
# natural order that is not personal data (ordering by it would leak it), so they go by id.
NATURAL_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "AdminArea": (("name", "ASC"),),
    "FunctionalZone": (("name", "ASC"),),
    "PartyOrganization": (("name", "ASC"),),
    "Unit": (("name", "ASC"),),
    "Person": (),
    "Pairing": (("since", "ASC"), ("name", "ASC")),
    "Agreement": (("signedAt", "ASC"), ("name", "ASC")),
    "Category": (("name", "ASC"),),
    "Demand": (("publishedAt", "ASC"), ("name", "ASC")),
    "Resource": (("name", "ASC"),),
    "Project": (("year", "ASC"), ("name", "ASC")),
    "MicroWish": (("publishedAt", "ASC"), ("name", "ASC")),
    "Alliance": (("name", "ASC"),),
    "Venue": (("name", "ASC"),),
    "Evaluation": (("year", "ASC"), ("direction", "ASC")),
    "ServiceRecord": (("date", "ASC"),),
    "Program": (("name", "ASC"),),
    "Statistic": (("metric", "ASC"), ("asOf", "ASC")),
}


def natural_order(label_names: Sequence[str]) -> list[tuple[str, str]]:
    """The default order of a list whose items are of ``label_names`` (see :data:`NATURAL_ORDER`)."""
    orders = {NATURAL_ORDER.get(lab, ()) for lab in label_names}
    if len(orders) == 1:
        return list(orders.pop())
    if all("name" not in model.label(lab).personal for lab in label_names):
        return [("name", "ASC")]
    return []


def order_of(order_by: Any, label_names: Sequence[str]) -> list[tuple[str, str]]:
    """The list's order: ``orderBy`` when given (even ``[]``: by id), else the natural order."""
    if order_by is None:
        return natural_order(label_names)
    return parse_order(order_by, label_names)


@dataclass
class EntityPlan:
    label: str
    props: dict[str, None] = field(default_factory=lambda: {"id": None})
    rels: dict[str, "RelPlan"] = field(default_factory=dict)

    def print(self, indent: int = 0) -> str:  # debug aid
        pad = " " * indent
        lines = [f"{pad}{self.label} {list(self.props)}"]
        for key, rp in self.rels.items():
            lines.append(f"{pad}  {key}: {rp.field.name} ({rp.mode}) first={rp.first} where={rp.where} order={rp.order_by}")
            for sub in rp.nodes.values():
                lines.append(sub.print(indent + 4))
        return "\n".join(lines)


RelMode = Literal["connection", "one", "link"]


@dataclass
class RelPlan:
    """One relationship / page field under an entity, by response key. ``mode``: a connection, a
    to-one field (the node itself) or its ``…Link`` (edge properties + node)."""

    key: str
    field: fields.Field
    mode: RelMode = "connection"
    edge_props: dict[str, None] = field(default_factory=dict)
    nodes: dict[str, EntityPlan] = field(default_factory=dict)
    where: dict[str, Any] | None = None
    order_by: list[tuple[str, str]] = field(default_factory=list)
    first: int = DEFAULT_FIRST
    after: "Cursor | None" = None
    items: bool = True  # False: only totalCount was selected


def check_first(first: Any) -> int:
    if first is None:
        return DEFAULT_FIRST
    if isinstance(first, str) and first.lstrip("-").isdigit():  # an Int literal as Strawberry's nodes keep it
        first = int(first)
    if not isinstance(first, int) or first < 0 or first > MAX_FIRST:
        raise ValidationError(
            f"`first` must be between 0 and {MAX_FIRST} (got {first}); page with `after` for more",
            field="first",
        )
    return first


def parse_order(order_by: Any, label_names: Sequence[str]) -> list[tuple[str, str]]:
    """``[{field, direction}]`` → ``[(prop, 'ASC'|'DESC')]``; fields must be sortable on every label."""
    out: list[tuple[str, str]] = []
    for item in order_by or []:
        if not isinstance(item, dict) or "field" not in item:
            raise ValidationError("each orderBy item needs a `field`", field="orderBy")
        prop = item["field"]
        direction = (item.get("direction") or "ASC").upper()
        if direction not in ("ASC", "DESC"):
            raise ValidationError(f"orderBy direction must be ASC or DESC, not {direction!r}", field="orderBy")
        for lab in label_names:
            if prop not in model.label(lab).prop_names or model.label(lab).prop(prop).is_list:
                raise ValidationError(f"cannot order {lab} by {prop!r}", field="orderBy")
        if prop != "id":
            out.append((prop, direction))
    return out


def _applies(label_name: str) -> Any:
    names = {label_name, *naming.interfaces_of(label_name)}
    return lambda cond: cond in names


def rel_fields_by_name(label_name: str) -> dict[str, tuple[fields.Field, RelMode]]:
    """GraphQL field name → (field, mode) for every relationship, side, page and link field of a label."""
    out: dict[str, tuple[fields.Field, RelMode]] = {}
    for f in fields.fields_of(label_name).values():
        out[f.name] = (f, "one" if f.kind == "one" else "connection")
        if f.link_name:
            out[f.link_name] = (f, "link")
    return out


def plan_entity(selection: Iterable[Any] | None, label_name: str, extra_props: Iterable[str] = (), depth: int = 0) -> EntityPlan:
    """Plan one entity selection (see the module docstring)."""
    if depth > MAX_DEPTH:
        raise ValidationError(f"the selection nests relationships more than {MAX_DEPTH} levels deep; split the query",
                              field="selection")
    lab = model.label(label_name)
    plan = EntityPlan(label_name)
    by_name = rel_fields_by_name(label_name)
    for p in extra_props:
        if p in lab.prop_names:  # callers may ask for a property only some labels have
            plan.props[p] = None
    grouped: dict[str, list[Any]] = {}
    for f in collect_fields(selection, _applies(label_name)):
        if f.name in lab.prop_names:
            plan.props[f.name] = None
        elif f.name in by_name:
            grouped.setdefault(response_key(f), []).append(f)
    for key, sels in grouped.items():
        rf, mode = by_name[sels[0].name]
        plan.rels[key] = _plan_rel(key, rf, mode, sels, depth)
    return plan


def _plan_rel(key: str, rf: fields.Field, mode: RelMode, sels: list[Any], depth: int) -> RelPlan:
    if not _GQL_NAME.match(key):
        raise CompileError(f"{key!r} is not a GraphQL name")
    rp = RelPlan(key, rf, mode)
    node_sels: list[Any] = []
    if mode == "connection":
        args = plain(sels[0].arguments or {})
        rp.first = check_first(args.get("first"))
        rp.where = args.get("where") or None
        rp.order_by = order_of(args.get("orderBy"), rf.others)
        if args.get("after"):
            rp.after = decode_cursor(args["after"], rf.others[0], rp.order_by)
        parts = [p for s in sels for p in collect_fields(s.selections)]
        rp.items = any(p.name in ("edges", "nodes", "pageInfo") for p in parts)
        for p in parts:
            if p.name == "nodes":
                node_sels.extend(p.selections or ())
            elif p.name == "edges":
                for ef in collect_fields(p.selections):
                    if ef.name == "node":
                        node_sels.extend(ef.selections or ())
    elif mode == "one":
        for s in sels:
            node_sels.extend(s.selections or ())
    else:
        for s in sels:
            for ef in collect_fields(s.selections):
                if ef.name == "node":
                    node_sels.extend(ef.selections or ())
    # Every edge property is projected (few and small): an item's cursor and its place among equal
    # nodes depend on them, so they must not change with the selection.
    rp.edge_props = {p.name: None for p in rf.edge_props}
    order_props = [p for p, _ in rp.order_by]
    for other in rf.others:
        rp.nodes[other] = plan_entity(node_sels, other, order_props, depth + 1)
    return rp


# ----------------------------------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------------------------------


def to_value(prop: model.Prop, value: Any, what: str) -> Any:
    """A filter value converted to the property's type (dates from ISO strings …)."""
    t = prop.type
    try:
        if t in (PropType.STRING, PropType.STRING_LIST):
            if not isinstance(value, str):
                raise TypeError
            if prop.enum is not None and value not in prop.enum:
                raise ValidationError(f"{what}: {value!r} is not one of {', '.join(prop.enum)}", field=what)
            return value
        if t is PropType.INT:
            if isinstance(value, bool):
                raise TypeError
            return int(value)
        if t is PropType.FLOAT:
            if isinstance(value, bool):
                raise TypeError
            return float(value)
        if t is PropType.BOOL:
            if not isinstance(value, bool):
                raise TypeError
            return value
        if t is PropType.DATE:
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            return dt.date.fromisoformat(str(value))
        if t is PropType.DATETIME:
            if isinstance(value, dt.datetime):
                v = value
            else:
                v = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            return v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc)
    except (TypeError, ValueError):
        pass
    raise ValidationError(f"{what}: {value!r} is not a valid {t.value.lower()}", field=what)


# ----------------------------------------------------------------------------------------------
# Filters
# ----------------------------------------------------------------------------------------------

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


# ----------------------------------------------------------------------------------------------
# Projection
# ----------------------------------------------------------------------------------------------


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
            outputs.append(f"collect(CASE WHEN {m} IS NULL THEN NULL ELSE {item} END) AS {coll}")
        else:  # `after` keeps what follows the cursor (and its own key: several items may share a node)
            after = _after_predicate(m, rp.order_by, rp.after.values, rp.after.id, params, inclusive=True)
            outputs.append(f"collect(CASE WHEN {m} IS NULL THEN NULL WHEN {after} THEN {item} ELSE NULL END) AS {coll}")
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


def check_order(scope: Any, label_name: str, order_by: Sequence[tuple[str, str]]) -> None:
    """Ordering by personal data would leak it (through the order and the cursor): admin only."""
    if scope is None:
        return
    for prop, _ in order_by:
        if not scope.may_order_by(label_name, prop):
            raise ForbiddenError(f"ordering {label_name} by {prop!r} (personal data) needs an admin credential",
                                 field="orderBy")


# ----------------------------------------------------------------------------------------------
# Ordering in Python (nested lists, page rows): mirrors Cypher's ORDER BY (NULLs last ASC, first DESC)
# ----------------------------------------------------------------------------------------------


@functools.total_ordering
class _Rev:
    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Rev) and self.v == other.v

    def __lt__(self, other: "_Rev") -> bool:
        return other.v < self.v


def sort_key(order_by: Sequence[tuple[str, str]]) -> Any:
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        parts: list[Any] = []
        for prop, direction in order_by:
            v = row.get(prop)
            if direction == "ASC":
                parts.append((1, 0) if v is None else (0, v))
            else:
                parts.append((0, 0) if v is None else (1, _Rev(v)))
        parts.append(row.get("id") or "")
        return tuple(parts)

    return key


def order_rows(rows: list[dict[str, Any]], order_by: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    return sorted(rows, key=sort_key(order_by))


# ----------------------------------------------------------------------------------------------
# Cursors
# ----------------------------------------------------------------------------------------------


def _jsonable(v: Any) -> Any:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


@dataclass(frozen=True)
class Cursor:
    """A position in an ordered list: the order key values, the node id and — in relationship lists,
    where one node can be reached by several relationships — the edge's key and which of several
    items with that same full key it is (1-based)."""

    values: list[Any]
    id: str
    edge: str = ""
    nth: int = 1


def encode_cursor(row: dict[str, Any], order_by: Sequence[tuple[str, str]], edge: str = "", nth: int = 1) -> str:
    doc: dict[str, Any] = {"o": [[p, d] for p, d in order_by], "v": [_jsonable(row.get(p)) for p, _ in order_by], "id": row.get("id")}
    if edge or nth != 1:
        doc["e"], doc["k"] = edge, nth
    return base64.urlsafe_b64encode(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str, label_name: str, order_by: Sequence[tuple[str, str]]) -> Cursor:
    bad = ValidationError("`after` is not a cursor of this list; use an endCursor or edge cursor from the same query", field="after")
    try:
        doc = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        order = [tuple(x) for x in doc["o"]]
        values = list(doc["v"])
        last_id = doc["id"]
        edge, nth = doc.get("e", ""), doc.get("k", 1)
    except Exception:  # noqa: BLE001 - any malformed cursor is the client's mistake
        raise bad from None
    if (order != [tuple(x) for x in order_by] or len(values) != len(order) or not isinstance(last_id, str)
            or not isinstance(edge, str) or not isinstance(nth, int) or isinstance(nth, bool) or nth < 1):
        raise bad
    lab = model.label(label_name)
    typed = [None if v is None else to_value(lab.prop(p), v, "after") for (p, _), v in zip(order_by, values)]
    return Cursor(typed, last_id, edge, nth)


def _after_predicate(var: str, order_by: Sequence[tuple[str, str]], values: list[Any], last_id: str, params: Params,
                     inclusive: bool = False) -> str:
    """Keyset ``(k1, …, id) > cursor`` in the ORDER BY's own sense, NULLs placed as Cypher sorts them
    (``inclusive``: ``>=``, for lists where items after the cursor may share its node)."""
    pred = f"{var}.`id` {'>=' if inclusive else '>'} {params.add(last_id)}"
    for (prop, direction), v in reversed(list(zip(order_by, values))):
        ref = f"{var}.{name(prop)}"
        if v is None:
            after = "false" if direction == "ASC" else f"{ref} IS NOT NULL"
            same = f"{ref} IS NULL"
        else:
            p = params.add(v)
            after = f"({ref} > {p} OR {ref} IS NULL)" if direction == "ASC" else f"{ref} < {p}"
            same = f"{ref} = {p}"
        pred = f"({after} OR ({same} AND {pred}))"
    return pred


# ----------------------------------------------------------------------------------------------
# Pages of relationship lists (pure: the resolvers wrap them into GraphQL objects)
# ----------------------------------------------------------------------------------------------


@dataclass
class Item:
    """One item of a relationship list: the other node's projected map, the relationship's
    properties, the ``via`` references (side and page fields) and its cursor."""

    node: dict[str, Any]
    edge: dict[str, Any]
    via: list[dict[str, Any]]
    cursor: str = ""


@dataclass
class Page:
    items: list[Item]
    has_next: bool
    has_previous: bool
    total: int | None


def _items(row: dict[str, Any], key: str, f: fields.Field) -> list[Item]:
    data = row.get(f"r_{key}")
    if data is None and f"r_{key}{TOTAL}" in row:  # only totalCount was selected
        return []
    if data is None:  # not projected: a bug in the caller that fetched this entity
        raise RuntimeError(f"relationship field {key} was not pre-fetched")
    if f.grouped:
        return _grouped_items(data)
    out: list[Item] = []
    for _label, entries in data.items():
        for e in entries or ():
            if e is not None and e.get("node") is not None:
                out.append(Item(e["node"], {p.name: e.get(p.name) for p in f.edge_props}, []))
    return out


def _grouped_items(data: dict[str, Any]) -> list[Item]:
    """Rows ``{via, edge, node}`` merged into one item per node: ``via`` lists the distinct references
    (by id), ``edge`` is the link of the first of them."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for entries in data.values():
        for e in entries or ():
            if e is not None and e.get("node") is not None and e["node"].get("id") is not None:
                rows.setdefault(e["node"]["id"], []).append(e)
    out = []
    for links in rows.values():
        links.sort(key=lambda x: ((x.get("via") or {}).get("id") or "", json.dumps(x.get("edge") or {}, sort_keys=True, default=str)))
        via = list({r["id"]: r for r in (x.get("via") for x in links) if r and r.get("id")}.values())
        edge = next((x["edge"] for x in links if x.get("edge")), {})
        out.append(Item(links[0]["node"], dict(edge), via))
    return out


def _edge_key(item: Item, f: fields.Field) -> str:
    return "" if f.grouped or not item.edge else json.dumps({k: _jsonable(v) for k, v in sorted(item.edge.items())},
                                                             ensure_ascii=False, sort_keys=True, default=str)


def rel_page(row: dict[str, Any], key: str, f: fields.Field, order_by: Sequence[tuple[str, str]], first: int,
             after: Cursor | None) -> Page:
    """The page of a connection field: its projected items sorted (``order_by``, id, edge), those up to
    ``after`` dropped, cut to ``first``; ``total`` counts the whole filtered list."""
    node_key = sort_key(order_by)
    items = _items(row, key, f)
    keyed = sorted(((node_key(i.node) + (_edge_key(i, f),), i) for i in items), key=lambda ki: ki[0])
    out: list[tuple[tuple[Any, ...], Item, int]] = []
    prev, nth = None, 0
    for k, i in keyed:
        nth = nth + 1 if k == prev else 1
        prev = k
        out.append((k, i, nth))
    if after is not None:
        ck = node_key({**{p: v for (p, _), v in zip(order_by, after.values)}, "id": after.id}) + (after.edge,)
        out = [(k, i, n) for k, i, n in out if k > ck or (k == ck and n > after.nth)]
    page = out[:first]
    for k, i, n in page:
        i.cursor = encode_cursor(i.node, order_by, k[-1], n)
    total = row.get(f"r_{key}{TOTAL}")
    return Page([i for _k, i, _n in page], len(out) > first, after is not None, int(total) if total is not None else len(items))


def rel_one(row: dict[str, Any], key: str, f: fields.Field) -> Item | None:
    """A to-one field's item: the first by id when the data holds several."""
    items = _items(row, key, f)
    return min(items, key=lambda i: (i.node.get("id") or "", _edge_key(i, f))) if items else None


# ----------------------------------------------------------------------------------------------
# Root connections
# ----------------------------------------------------------------------------------------------


@dataclass
class ConnectionPlan:
    statement: Statement
    label: str
    first: int
    order_by: list[tuple[str, str]]
    with_total: bool
    after: str | None


def connection_node_selection(selection: Iterable[Any] | None) -> list[Any]:
    """``edges { node {…} }`` and ``nodes {…}`` of a connection, merged."""
    sels: list[Any] = []
    for f in collect_fields(selection):
        if f.name == "nodes":
            sels.extend(f.selections or ())
        elif f.name == "edges":
            for ef in collect_fields(f.selections):
                if ef.name == "node":
                    sels.extend(ef.selections or ())
    return sels


def wants_total(selection: Iterable[Any] | None) -> bool:
    return any(f.name == "totalCount" for f in collect_fields(selection))


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
