"""GraphQL selections → ONE Cypher statement per root field (database-free).

Contract (used by the entity connections and by the network questions):

``plan_entity(selection, label_name) -> EntityPlan``
    What to fetch for one entity: the scalar properties selected (``id`` always) and, per response
    key (alias), each relationship field with its edge properties, its per-label node plans, its
    ``where`` and ``orderBy`` and ``first``. ``@skip``/``@include`` are applied and fragments merged
    (spec §CollectFields); a fragment applies when its type condition is the label or one of its
    interfaces (``Node``, ``Entity``, ``Actor``). ``selection`` is a list of Strawberry selection
    nodes (``info.selected_fields`` shape), e.g. from :func:`selection_of`.

``project_entity(selection, label_name, var, params, vars, carry, dialect) -> (clauses, map_expr)``
    ``var`` is bound (by the caller's MATCH/WITH) to a node of ``label_name``. ``clauses`` are
    appended after that; each nested relationship becomes
    ``OPTIONAL MATCH (var)-[e:R]->(m:L) [WHERE …]`` … ``WITH <carry>, var, …, collect(CASE WHEN m IS
    NULL THEN NULL ELSE {…} END) AS c`` — every WITH carries the names in ``carry`` (plus ``var``),
    so the caller keeps its own variables. ``map_expr`` is a Cypher map for ``var`` to put in RETURN
    or ``collect``. The map's keys: property names; ``r_<alias>`` for relationship fields holding
    ``{<OtherLabel>: [{<edge props>, node: {…}}]}`` (one list per label at the other end, in no
    particular order; sorting by ``orderBy`` and slicing to ``first`` happen in Python when the
    field resolves). Pass the map to ``cobuild.resolvers.entities.entity_from_row(label_name, map)``
    and nested fields resolve from it with no further statements. ``selection`` may also be an
    :class:`EntityPlan`. An empty/None selection projects ``{id}``.

``selection_of(info, path) -> list[Selection] | None``
    The merged sub-selection of a nested field of the current root field, following field names (or
    aliases) through fragments and merging every alias of a field: ``selection_of(info, ["items", "unit"])``.

``compile_connection(selection, label_name, args, dialect) -> ConnectionPlan``
    A root list field: filter, keyset page (``first`` + 1 rows), nested projection, ``totalCount``
    only when selected — one statement returning rows ``{node, total?}``.

LadybugDB trap for callers: ``WITH … ORDER BY … LIMIT`` followed directly by an aggregation with no
grouping key (``WITH collect(x) AS page``) ignores the ORDER BY; keep a grouping key or return rows.

Values only travel as parameters; labels, types and property keys pass :func:`cypher.name`; the
only other keys in the text are ``node`` and ``r_<alias>`` where the alias is a GraphQL name
(checked against the GraphQL name grammar, so it cannot carry a quote).
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from cobuild.errors import CompileError, ForbiddenError, ValidationError
from cobuild.graph import model
from cobuild.graph.cypher import Params, Statement, Vars, name
from cobuild.graph.model import PropType
from cobuild.graph import naming

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


@dataclass
class EntityPlan:
    label: str
    props: dict[str, None] = field(default_factory=lambda: {"id": None})
    rels: dict[str, "RelPlan"] = field(default_factory=dict)

    def print(self, indent: int = 0) -> str:  # debug aid
        pad = " " * indent
        lines = [f"{pad}{self.label} {list(self.props)}"]
        for key, rp in self.rels.items():
            lines.append(f"{pad}  {key}: {rp.field.name} first={rp.first} where={rp.where} order={rp.order_by}")
            for sub in rp.nodes.values():
                lines.append(sub.print(indent + 4))
        return "\n".join(lines)


@dataclass
class RelPlan:
    key: str
    field: naming.RelField
    edge_props: dict[str, None] = field(default_factory=dict)
    nodes: dict[str, EntityPlan] = field(default_factory=dict)
    where: dict[str, Any] | None = None
    order_by: list[tuple[str, str]] = field(default_factory=list)
    first: int = DEFAULT_FIRST


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


def plan_entity(selection: Iterable[Any] | None, label_name: str, extra_props: Iterable[str] = (), depth: int = 0) -> EntityPlan:
    """Plan one entity selection (see the module docstring)."""
    if depth > MAX_DEPTH:
        raise ValidationError(f"the selection nests relationships more than {MAX_DEPTH} levels deep; split the query",
                              field="selection")
    lab = model.label(label_name)
    plan = EntityPlan(label_name)
    rel_fields = naming.rel_fields(label_name)
    for p in extra_props:
        if p in lab.prop_names:  # callers may ask for a property only some labels have
            plan.props[p] = None
    grouped: dict[str, list[Any]] = {}
    for f in collect_fields(selection, _applies(label_name)):
        if f.name in lab.prop_names:
            plan.props[f.name] = None
        elif f.name in rel_fields:
            grouped.setdefault(response_key(f), []).append(f)
    for key, fields in grouped.items():
        plan.rels[key] = _plan_rel(key, rel_fields[fields[0].name], fields, depth)
    return plan


def _plan_rel(key: str, rf: naming.RelField, fields: list[Any], depth: int) -> RelPlan:
    if not _GQL_NAME.match(key):
        raise CompileError(f"{key!r} is not a GraphQL name")
    args = plain(fields[0].arguments or {})
    rp = RelPlan(key, rf, first=check_first(args.get("first")), where=args.get("where") or None)
    rp.order_by = parse_order(args.get("orderBy"), rf.others)
    node_sels: list[Any] = []
    edge_type = naming.rel_edge_type("", rf.name)
    for f in fields:
        for ef in collect_fields(f.selections, lambda cond: cond.endswith(edge_type)):
            if ef.name == "node":
                node_sels.extend(ef.selections or ())
            elif any(p.name == ef.name for p in rf.rel.props):
                rp.edge_props[ef.name] = None
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
    rel_fields = naming.rel_fields(label_name)
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
                pattern = _pattern(var, rf, "", m, other)
                sub = compile_where(value, other, m, params, vars, depth + 1, scope)
                visible = scope.rows(m, other, params, vars) if scope is not None else None
                conds = " AND ".join(c for c in (visible, sub) if c)
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


def _pattern(var: str, rf: naming.RelField, edge_var: str, other_var: str, other: str) -> str:
    rel = f"[{edge_var}:{name(rf.rel.name)}]"
    if rf.direction == "out":
        return f"({var})-{rel}->({other_var}:{name(other)})"
    return f"({var})<-{rel}-({other_var}:{name(other)})"


# ----------------------------------------------------------------------------------------------
# Projection
# ----------------------------------------------------------------------------------------------


def rel_key(alias: str) -> str:
    if not _GQL_NAME.match(alias):
        raise CompileError(f"{alias!r} is not a GraphQL name")
    return f"`r_{alias}`"


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
        for other, sub in rp.nodes.items():
            e, m = vars.new("e"), vars.new("n")
            check_order(scope, other, rp.order_by)
            where = " AND ".join(c for c in (
                scope.rows(m, other, params, vars) if scope is not None else None,
                compile_where(rp.where, other, m, params, vars, scope=scope)) if c)
            clauses.append(f"OPTIONAL MATCH {_pattern(var, rp.field, e, m, other)}" + (f" WHERE {where}" if where else ""))
            keep = _dedupe([*carry, var, *local])
            sub_clauses, sub_map = project_plan(sub, m, params, vars, [*keep, e, m], dialect, scope)
            clauses.extend(sub_clauses)
            edge_entries = [f"{name(p)}: {e}.{name(p)}" for p in rp.edge_props] + [f"`node`: {sub_map}"]
            c = vars.new("c")
            clauses.append(
                f"WITH {', '.join(keep)}, collect(CASE WHEN {m} IS NULL THEN NULL ELSE {{{', '.join(edge_entries)}}} END) AS {c}"
            )
            local.append(c)
            per_label.append((other, c))
        entries.append(f"{rel_key(key)}: {{{', '.join(f'{name(o)}: {c}' for o, c in per_label)}}}")
    return clauses, "{" + ", ".join(entries) + "}"


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


def _edge_value(v: Any) -> tuple[Any, ...]:
    return (1,) if v is None else (0, tuple(v) if isinstance(v, list) else v)


def edge_sort_key(order_by: Sequence[tuple[str, str]]) -> Any:
    """Order of a relationship list: ``orderBy`` on the other end, its id, then the edge's own
    projected properties by name — so parallel edges to one node (two pairings with one unit) come
    in the same order on both stores. Edges still tied carry the same values, so look the same."""
    node_key = sort_key(order_by)

    def key(edge: dict[str, Any]) -> tuple[Any, ...]:
        props = tuple((k, _edge_value(v)) for k, v in sorted(edge.items()) if k != "node")
        return node_key(edge.get("node") or {}), props

    return key


# ----------------------------------------------------------------------------------------------
# Cursors
# ----------------------------------------------------------------------------------------------


def _jsonable(v: Any) -> Any:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def encode_cursor(row: dict[str, Any], order_by: Sequence[tuple[str, str]]) -> str:
    doc = {"o": [[p, d] for p, d in order_by], "v": [_jsonable(row.get(p)) for p, _ in order_by], "id": row.get("id")}
    return base64.urlsafe_b64encode(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str, label_name: str, order_by: Sequence[tuple[str, str]]) -> tuple[list[Any], str]:
    bad = ValidationError("`after` is not a cursor of this list; use an endCursor or edge cursor from the same query", field="after")
    try:
        doc = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        order = [tuple(x) for x in doc["o"]]
        values = list(doc["v"])
        last_id = doc["id"]
    except Exception:  # noqa: BLE001 - any malformed cursor is the client's mistake
        raise bad from None
    if order != [tuple(x) for x in order_by] or len(values) != len(order) or not isinstance(last_id, str):
        raise bad
    lab = model.label(label_name)
    typed = [None if v is None else to_value(lab.prop(p), v, "after") for (p, _), v in zip(order_by, values)]
    return typed, last_id


def _after_predicate(var: str, order_by: Sequence[tuple[str, str]], values: list[Any], last_id: str, params: Params) -> str:
    """Keyset ``(k1, …, id) > cursor`` in the ORDER BY's own sense, NULLs placed as Cypher sorts them."""
    pred = f"{var}.`id` > {params.add(last_id)}"
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
    order_by = parse_order(args.get("orderBy"), [label_name])
    params, vars = Params(), Vars()
    n = vars.new("n")
    check_order(scope, label_name, order_by)
    conds = []
    visible = scope.rows(n, label_name, params, vars) if scope is not None else None
    where = compile_where(args.get("where"), label_name, n, params, vars, scope=scope)
    conds += [c for c in (visible, where) if c]
    after = args.get("after")
    if after:
        values, last_id = decode_cursor(after, label_name, order_by)
        conds.append(_after_predicate(n, order_by, values, last_id, params))
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
