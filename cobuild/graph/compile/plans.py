"""A GraphQL selection of one entity read into an :class:`EntityPlan`: the properties to fetch and,
per response key, each relationship, side or page field as a :class:`RelPlan` (mode, ``where``,
order, ``first``, ``after``, nested plans).

Plans are plain data, apart from Strawberry's objects and from Cypher, so the projection
(:mod:`.projection`), the live feeds and another executor can all run the same plan; nesting depth
is bounded here, once, before any text is built. What a plan holds, field by field, is the first
entry of the package's contract (:mod:`cobuild.graph.compile`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

from cobuild.errors import CompileError, ValidationError
from cobuild.graph import fields, model, naming
from cobuild.graph.compile.cursors import Cursor, decode_cursor
from cobuild.graph.compile.limits import _GQL_NAME, DEFAULT_FIRST, MAX_DEPTH, check_first
from cobuild.graph.compile.ordering import order_of
from cobuild.graph.compile.selection import collect_fields, plain, response_key


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
