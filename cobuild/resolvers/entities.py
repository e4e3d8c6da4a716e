"""Thin resolvers for entities: plan the selection → compile → run once → shape.

``entity`` (:func:`cobuild.schema.entities.entity_from_row`, handed in by the types that call these)
turns a map projected by :func:`cobuild.graph.compile.project_entity` into the Strawberry object of
its label; every nested field then resolves from that map, so a root field costs exactly one
statement however deep the selection goes. Nothing here imports the schema: the types import this.
"""

from __future__ import annotations

from typing import Any, Callable

from cobuild.auth.access import ReadScope
from cobuild.errors import NotFoundError, ValidationError
from cobuild.graph import compile as gc
from cobuild.graph import fields, model

# (label name, projected map) → the Strawberry object of that label
Entity = Callable[[str, dict[str, Any]], Any]


async def run_read(info: Any, stmt: Any) -> list[dict[str, Any]]:
    """The root field's one read statement, bounded by the configured per-request graph timeout."""
    ctx = info.context
    return await ctx.engine.run(stmt, "read", timeout=ctx.settings.query_timeout_s)


def label_for_id(node_id: str) -> model.NodeLabel:
    prefix, sep, rest = (node_id or "").partition(":")
    if not sep or not prefix or not rest:
        raise ValidationError(f"{node_id!r} is not a cobuild id; ids look like 'unit:…' (prefix, colon, key)", field="id")
    lab = model.label_of_id(node_id)
    if lab is None:
        raise NotFoundError(f"no entity has id {node_id!r} (unknown prefix {prefix!r})", id=node_id)
    return lab


async def resolve_lookup(info: Any, node_id: str, label_name: str | None, entity: Entity) -> Any:
    lab = label_for_id(node_id)
    if label_name is not None and lab.name != label_name:
        raise NotFoundError(f"{node_id!r} is not a {label_name} id", id=node_id)
    stmt = gc.compile_lookup(gc.selection_of(info, []), lab.name, node_id, info.context.dialect, ReadScope.of(info.context))
    rows = await run_read(info, stmt)
    if not rows:
        raise NotFoundError(f"no {lab.name} has id {node_id!r}", id=node_id)
    return entity(lab.name, rows[0]["node"])


async def resolve_connection(info: Any, label_name: str, connection_cls: type, edge_cls: type, page_info_cls: type,
                             entity: Entity) -> Any:
    args = gc.field_arguments(info)
    selection = gc.selection_of(info, [])
    plan = gc.compile_connection(selection, label_name, args, info.context.dialect, ReadScope.of(info.context))
    rows = await run_read(info, plan.statement)
    page = gc.order_rows([r["node"] for r in rows if r["node"] and r["node"].get("id") is not None], plan.order_by)
    total = rows[0].get("total") if rows else 0
    has_next = len(page) > plan.first
    page = page[: plan.first]
    edges = [edge_cls(row={}, node_row=r, label=label_name, cursor=gc.encode_cursor(r, plan.order_by)) for r in page]
    return connection_cls(
        edges=edges,
        nodes=[entity(label_name, r) for r in page],
        page_info=page_info_cls(
            has_next_page=has_next,
            has_previous_page=bool(plan.after),
            start_cursor=edges[0]._cursor if edges else None,
            end_cursor=edges[-1]._cursor if edges else None,
        ),
        total_count=total if plan.with_total else None,
    )


def resolve_rel_connection(obj: Any, info: Any, f: fields.Field, args: dict[str, Any], connection_cls: type, edge_cls: type,
                           page_info_cls: type, entity: Entity) -> Any:
    """A relationship connection from what the root field's statement projected: sorted, after the
    cursor, cut to ``first`` (see :func:`cobuild.graph.compile.rel_page`)."""
    order = gc.order_of(gc.plain(args.get("orderBy")), f.others)
    after = args.get("after")
    cursor = gc.decode_cursor(after, f.others[0], order) if after else None
    page = gc.rel_page(obj._row, info.path.key, f, order, gc.check_first(args.get("first")), cursor)
    other = f.others[0]
    edges = [edge_cls(row=i.edge, node_row=i.node, label=other, cursor=i.cursor, via=i.via) for i in page.items]
    return connection_cls(
        edges=edges,
        nodes=[entity(other, i.node) for i in page.items],
        page_info=page_info_cls(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.items[0].cursor if page.items else None,
            end_cursor=page.items[-1].cursor if page.items else None,
        ),
        total_count=page.total,
    )


def rel_one(obj: Any, info: Any, f: fields.Field) -> gc.Item | None:
    """The item of a to-one field (or its ``…Link``) from what the root field's statement projected."""
    return gc.rel_one(obj._row, info.path.key, f)
