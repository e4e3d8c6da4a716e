"""Entity types for every label, generated from the model, and the root fields that read them.

* interfaces ``Node`` (``id``), ``Entity`` (the properties every label has) and ``Actor`` (labels
  that take part in co-building); one object type per label implementing them;
* scalar fields from ``Prop`` (enums from ``Prop.enum``), bilingual descriptions from the model;
* one relationship field per relationship type and direction (names in
  :mod:`cobuild.graph.naming`), returning ``[<Label><Field>Edge!]!`` = the relationship's
  properties plus ``node`` (the other end; ``Entity``/``Actor`` when several labels can be there),
  with ``first`` (default 20, max 100), ``where`` and ``orderBy``;
* root fields per label: a Relay connection (``units(first, after, where, orderBy)``) and a single
  lookup (``unit(id)``), plus ``node(id)``.

Nothing here is written per label: a label added to ``model.LABELS`` appears with all its fields.
Every root field sends exactly one statement (see :mod:`cobuild.graph.compile`).
"""

import datetime as dt
import inspect
from typing import Annotated, Any, Optional

import strawberry

from cobuild.graph import model
from cobuild.graph.compile import DEFAULT_FIRST, MAX_FIRST
from cobuild.resolvers import entities as res
from cobuild.graph import naming
from cobuild.schema.filters import ORDER, WHERE, bi, scalar_type

_MODULE = __name__
_NS = globals()
_P = inspect.Parameter


def _lazy(type_name: str) -> Any:
    return Annotated[type_name, strawberry.lazy(_MODULE)]


def _native(v: Any) -> Any:
    to_native = getattr(v, "to_native", None)  # neo4j.time values
    return to_native() if callable(to_native) else v


def _converter(prop: model.Prop, owner: str) -> Any:
    if prop.enum:
        e = scalar_type(prop, owner)

        def conv_one(v: Any) -> Any:
            try:
                return e(v)
            except ValueError:
                return None

        if prop.is_list:
            return lambda v: None if v is None else [x for x in (conv_one(i) for i in v) if x is not None]
        return lambda v: None if v is None else conv_one(v)
    if prop.type is model.PropType.DATE:
        return lambda v: None if v is None else (_native(v).date() if isinstance(_native(v), dt.datetime) else _native(v))
    if prop.type is model.PropType.DATETIME:
        return lambda v: None if v is None else _native(v)
    return lambda v: v


def _gql_type(prop: model.Prop, owner: str) -> Any:
    if prop.name == "id":
        return strawberry.ID
    item = scalar_type(prop, owner)
    return Optional[list[item]] if prop.is_list else Optional[item]


def _scalar_field(prop: model.Prop, owner: str) -> Any:
    conv = _converter(prop, owner)
    key = prop.name

    def resolve(self: Any) -> Any:
        return conv(self._row.get(key))

    resolve.__name__ = f"resolve_{key}"
    return strawberry.field(resolver=resolve, name=prop.name, description=bi(prop.zh, prop.en), graphql_type=_gql_type(prop, owner))


def _class(type_name: str, bases: tuple[type, ...], fields: dict[str, Any], description: str, kind: Any) -> type:
    ns: dict[str, Any] = {"__module__": _MODULE, "__doc__": description, **{f"f_{k}": v for k, v in fields.items()}}
    cls = kind(type(type_name, bases, ns), name=type_name, description=description)
    _NS[type_name] = cls
    return cls


# ----------------------------------------------------------------------------------------------
# Interfaces
# ----------------------------------------------------------------------------------------------
_ID = model.COMMON_PROPS[0]
Node = _class(naming.NODE_INTERFACE, (), {"id": _scalar_field(_ID, "Node")},
              bi("可按编号获取的对象(Relay Node)", "An object fetchable by id (Relay Node)"), strawberry.interface)
Entity = _class(naming.ENTITY_INTERFACE, (Node,), {p.name: _scalar_field(p, "Entity") for p in model.COMMON_PROPS[1:]},
                bi("知识图谱中的实体(所有标签共有的属性)", "An entity of the knowledge graph (properties every label has)"),
                strawberry.interface)
Actor = _class(naming.ACTOR_INTERFACE, (Entity,), {},
               bi("可参与共建的主体(区域、党组织、单位、人员、联盟)", "A party that can take part in co-building (area, party org, unit, person, alliance)"),
               strawberry.interface)

# ----------------------------------------------------------------------------------------------
# Entity types (relationship fields refer lazily to edge types, made next)
# ----------------------------------------------------------------------------------------------


def _rel_field(owner: str, rf: naming.RelField) -> Any:
    edge_name = naming.rel_edge_type(owner, rf.name)

    def resolve(self: Any, info: strawberry.Info, first: int = DEFAULT_FIRST, where: Any = None, orderBy: Any = None) -> Any:  # noqa: N803
        return [_NS[edge_name](row=e, label=lab) for lab, e in res.resolve_rel(self, info, first, orderBy)]

    resolve.__name__ = f"resolve_{rf.name}"
    where_cls = WHERE[owner_where(rf.others)]
    order_cls = ORDER[owner_where(rf.others)]
    resolve.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        _P("self", _P.POSITIONAL_OR_KEYWORD),
        _P("info", _P.POSITIONAL_OR_KEYWORD, annotation=strawberry.Info),
        _P("first", _P.POSITIONAL_OR_KEYWORD, default=DEFAULT_FIRST, annotation=Annotated[
            int, strawberry.argument(description=bi(f"最多返回条数(默认 {DEFAULT_FIRST},最大 {MAX_FIRST})",
                                                    f"At most this many (default {DEFAULT_FIRST}, max {MAX_FIRST})"))]),
        _P("where", _P.POSITIONAL_OR_KEYWORD, default=None, annotation=Annotated[
            Optional[where_cls], strawberry.argument(description=bi("筛选另一端的对象", "Filter on the node at the other end"))]),
        _P("orderBy", _P.POSITIONAL_OR_KEYWORD, default=None, annotation=Annotated[
            Optional[list[order_cls]], strawberry.argument(description=bi("按另一端对象的字段排序(其后按其编号,再按关系自身的属性)",
                                                                "Sort by fields of the other end (then its id, then the relationship's own properties)"))]),
    ])
    return strawberry.field(resolver=resolve, name=rf.name, description=bi(rf.zh, rf.en), graphql_type=list[_lazy(edge_name)])


def owner_where(others: tuple[str, ...]) -> str:
    return others[0] if len(others) == 1 else naming.ENTITY_INTERFACE


for _lab in model.LABELS:
    _fields: dict[str, Any] = {p.name: _scalar_field(p, _lab.name) for p in _lab.props}
    for _fname, _rf in naming.rel_fields(_lab.name).items():
        _fields[_fname] = _rel_field(_lab.name, _rf)
    res.TYPES[_lab.name] = _class(_lab.name, (Actor if _lab.actor else Entity,), _fields, bi(_lab.zh, _lab.en), strawberry.type)

# ----------------------------------------------------------------------------------------------
# Relationship edge types
# ----------------------------------------------------------------------------------------------


def _node_field(others: tuple[str, ...]) -> Any:
    target = _NS[naming.other_end_type(others)]

    def resolve(self: Any) -> Any:
        return res.entity_from_row(self._label, self._row["node"])

    return strawberry.field(resolver=resolve, name="node", description=bi("另一端的对象", "The node at the other end"), graphql_type=target)


def _edge_init(self: Any, row: dict[str, Any], label: str) -> None:
    self._row = row
    self._label = label


for _lab in model.LABELS:
    for _fname, _rf in naming.rel_fields(_lab.name).items():
        _edge_fields: dict[str, Any] = {p.name: _scalar_field(p, naming.pascal(_rf.rel.name)) for p in _rf.rel.props}
        _edge_fields["node"] = _node_field(_rf.others)
        _edge_cls = _class(naming.rel_edge_type(_lab.name, _fname), (), _edge_fields,
                           bi(f"{_lab.zh}的“{_rf.zh}”关系", f"{_lab.name}.{_fname}: {_rf.en}"), strawberry.type)
        _edge_cls.__init__ = _edge_init

# ----------------------------------------------------------------------------------------------
# Connections
# ----------------------------------------------------------------------------------------------


@strawberry.type(description=bi("分页信息", "Pagination information (Relay)"))
class PageInfo:
    has_next_page: bool = strawberry.field(description=bi("是否还有下一页", "Whether more items follow"))
    has_previous_page: bool = strawberry.field(description=bi("是否由游标续页(after)", "Whether this page continues from a cursor"))
    start_cursor: Optional[str] = strawberry.field(description=bi("本页第一条的游标", "Cursor of the first item"))
    end_cursor: Optional[str] = strawberry.field(description=bi("本页最后一条的游标(传给 after 取下一页)",
                                                                "Cursor of the last item (pass as `after` for the next page)"))


CONNECTIONS: dict[str, tuple[type, type]] = {}

for _lab in model.LABELS:
    _node_cls = res.TYPES[_lab.name]
    _edge = strawberry.type(
        type(naming.connection_edge_type(_lab.name), (), {
            "__module__": _MODULE,
            "__annotations__": {"cursor": str, "node": _node_cls},
            "cursor": strawberry.field(description=bi("不透明游标(排序键+编号)", "Opaque cursor (order key + id)")),
            "node": strawberry.field(description=bi(_lab.zh, _lab.en)),
        }),
        name=naming.connection_edge_type(_lab.name), description=bi(f"{_lab.zh}分页中的一条", f"An item of a page of {_lab.en}"),
    )
    _conn = strawberry.type(
        type(naming.connection_type(_lab.name), (), {
            "__module__": _MODULE,
            "__annotations__": {"edges": list[_edge], "nodes": list[_node_cls], "page_info": PageInfo, "total_count": Optional[int]},
            "edges": strawberry.field(description=bi("本页条目(含游标)", "Items of this page with cursors")),
            "nodes": strawberry.field(description=bi("本页对象", "Objects of this page")),
            "page_info": strawberry.field(description=bi("分页信息", "Pagination information")),
            "total_count": strawberry.field(description=bi("满足条件的总数(仅在选择时计算)", "Total matching items (computed only when selected)")),
        }),
        name=naming.connection_type(_lab.name), description=bi(f"{_lab.zh}分页列表", f"A page of {_lab.en} (Relay connection)"),
    )
    _NS[naming.connection_edge_type(_lab.name)] = _edge
    _NS[naming.connection_type(_lab.name)] = _conn
    CONNECTIONS[_lab.name] = (_conn, _edge)

# ----------------------------------------------------------------------------------------------
# Root fields
# ----------------------------------------------------------------------------------------------


def _list_root(lab: model.NodeLabel) -> Any:
    conn, edge = CONNECTIONS[lab.name]

    async def resolve(self: Any, info: strawberry.Info, **_: Any) -> Any:
        return await res.resolve_connection(info, lab.name, conn, edge, PageInfo)

    resolve.__name__ = f"resolve_{naming.list_field(lab.name)}"
    resolve.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        _P("self", _P.POSITIONAL_OR_KEYWORD),
        _P("info", _P.POSITIONAL_OR_KEYWORD, annotation=strawberry.Info),
        _P("first", _P.KEYWORD_ONLY, default=DEFAULT_FIRST, annotation=Annotated[
            int, strawberry.argument(description=bi(f"每页条数(默认 {DEFAULT_FIRST},最大 {MAX_FIRST})",
                                                    f"Page size (default {DEFAULT_FIRST}, max {MAX_FIRST})"))]),
        _P("after", _P.KEYWORD_ONLY, default=None, annotation=Annotated[
            Optional[str], strawberry.argument(description=bi("从该游标之后开始", "Start after this cursor"))]),
        _P("where", _P.KEYWORD_ONLY, default=None, annotation=Annotated[
            Optional[WHERE[lab.name]], strawberry.argument(description=bi("筛选条件", "Filter"))]),
        _P("orderBy", _P.KEYWORD_ONLY, default=None, annotation=Annotated[
            Optional[list[ORDER[lab.name]]], strawberry.argument(description=bi("排序(最后按编号)", "Sort order (ties broken by id)"))]),
    ])
    return strawberry.field(resolver=resolve, name=naming.list_field(lab.name),
                            description=bi(f"{lab.zh}列表(分页)", f"{lab.en}: a Relay connection"), graphql_type=conn)


def _single_root(lab: model.NodeLabel) -> Any:
    async def resolve(self: Any, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(  # noqa: A002
            description=bi("编号", "Id"))]) -> Any:
        return await res.resolve_lookup(info, id, lab.name)

    resolve.__name__ = f"resolve_{naming.single_field(lab.name)}"
    return strawberry.field(resolver=resolve, name=naming.single_field(lab.name),
                            description=bi(f"按编号获取{lab.zh}", f"One {lab.en} by id"), graphql_type=res.TYPES[lab.name])


async def _resolve_node(self: Any, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(  # noqa: A002
        description=bi("任意对象的编号(前缀表示类型,如 unit:…)", "Any object's id (its prefix names the type, e.g. unit:…)"))]) -> Any:
    return await res.resolve_lookup(info, id)


def _version(self: Any) -> str:
    return "0.1.0"


_root: dict[str, Any] = {
    "node": strawberry.field(resolver=_resolve_node, name="node",
                             description=bi("按编号获取任意对象(Relay)", "Any object by id (Relay)"), graphql_type=Node),
    "version": strawberry.field(resolver=_version, name="version", description=bi("服务版本", "Service version"), graphql_type=str),
}
for _lab in model.LABELS:
    _root[naming.list_field(_lab.name)] = _list_root(_lab)
    _root[naming.single_field(_lab.name)] = _single_root(_lab)

EntityQuery = _class("EntityQuery", (), _root, bi("实体查询", "Entity queries"), strawberry.type)
