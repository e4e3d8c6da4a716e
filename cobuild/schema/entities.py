"""Entity types for every label, generated from the model, and the root fields that read them.

* interfaces ``Node`` (``id``), ``Entity`` (the properties every label has) and ``Actor`` (labels
  that take part in co-building; adds ``actorType`` and ``level`` so a reference to any actor needs
  no inline fragment); one object type per label implementing them;
* scalar fields from ``Prop`` (enums from ``Prop.enum``), bilingual descriptions from the model;
* relationship, side and page fields from :mod:`cobuild.graph.fields`: a to-one field returns the
  node (``parent: AdminArea``, plus ``parentLink { confidence node }`` when the relationship has
  properties); every other field is a connection ``{ edges { cursor <props> via node } nodes
  pageInfo totalCount }`` with ``first`` (default 20, max 100), ``after``, ``where`` and ``orderBy``;
* root fields per label: a Relay connection (``units(first, after, where, orderBy)``) and a single
  lookup (``unit(id)``), plus ``node(id)``.

Nothing here is written per label: a label added to ``model.LABELS`` appears with all its fields.
Every root field sends exactly one statement (see :mod:`cobuild.graph.compile`); nested fields read
what that statement projected (:mod:`cobuild.resolvers.entities`). :data:`TYPES` and
:func:`entity_from_row` turn a projected map into the type of its label, for every module that
answers with entities (the resolvers are handed ``entity_from_row`` and never import this module).
"""

import datetime as dt
import inspect
from typing import Annotated, Any, Optional

import strawberry

from cobuild.errors import ModelError
from cobuild.graph import fields as gf
from cobuild.graph import model, naming
from cobuild.graph.compile import DEFAULT_FIRST, MAX_FIRST, NATURAL_ORDER
from cobuild.resolvers import entities as res
from cobuild.schema.filters import ENUMS, ORDER, WHERE, bi, described_enum, scalar_type
from cobuild.schema.refs import NodeRef

_MODULE = __name__
_NS = globals()
_P = inspect.Parameter

# label name → Strawberry class, filled below as the entity types are made
TYPES: dict[str, type] = {}


def entity_from_row(label_name: str, data: dict[str, Any]) -> Any:
    """The Strawberry object for a projected map (its label read from the id prefix if it has one)."""
    lab = model.label_of_id(data.get("id") or "") if isinstance(data.get("id"), str) else None
    cls = TYPES[lab.name if lab else label_name]
    obj = cls()
    obj._row = data
    return obj


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
# What kind of actor a node is (Actor.actorType), one value per actor label of the model.
ACTOR_TYPES: dict[str, tuple[str, str, str]] = {
    "AdminArea": ("AREA", "行政区域(市、区、街道、社区、小区…)", "Administrative area (city … compound)"),
    "PartyOrganization": ("PARTY_ORGANIZATION", "党组织", "Party organisation"),
    "Unit": ("UNIT", "驻区单位及其他组织", "Resident unit or other organisation"),
    "Person": ("PERSON", "人员", "Person"),
    "Alliance": ("ALLIANCE", "党建联盟", "Party-building alliance"),
}
if set(ACTOR_TYPES) != set(model.ACTOR_LABELS):
    raise ModelError(f"ACTOR_TYPES names {sorted(ACTOR_TYPES)} but the actor labels are {sorted(model.ACTOR_LABELS)}",
                     "add the new actor label to ACTOR_TYPES in cobuild/schema/entities.py")
ActorType = described_enum("ActorType", bi("主体类型", "Kind of actor"), {v: (zh, en) for v, zh, en in ACTOR_TYPES.values()})
AreaLevel = ENUMS["AreaLevel"]

_ID = model.COMMON_PROPS[0]
Node = _class(naming.NODE_INTERFACE, (), {"id": _scalar_field(_ID, "Node")},
              bi("可按编号获取的对象(Relay Node)", "An object fetchable by id (Relay Node)"), strawberry.interface)
Entity = _class(naming.ENTITY_INTERFACE, (Node,), {p.name: _scalar_field(p, "Entity") for p in model.COMMON_PROPS[1:]},
                bi("知识图谱中的实体(所有标签共有的属性)", "An entity of the knowledge graph (properties every label has)"),
                strawberry.interface)


def _actor_type(self: Any) -> Any:
    return ActorType(ACTOR_TYPES[type(self)._label_name][0])


def _actor_level(self: Any) -> Any:
    v = self._row.get("level")
    try:
        return None if v is None else AreaLevel(v)
    except ValueError:
        return None


_LEVEL_DESCRIPTION = bi("行政区域的层级(其他主体为空)", "Level of an administrative area (null for other actors)")
Actor = _class(naming.ACTOR_INTERFACE, (Entity,), {
    "actorType": strawberry.field(resolver=_actor_type, name="actorType", graphql_type=ActorType,
                                  description=bi("主体类型(无需片段即可区分)", "Kind of actor (tells actors apart without a fragment)")),
    "level": strawberry.field(resolver=_actor_level, name="level", graphql_type=Optional[AreaLevel], description=_LEVEL_DESCRIPTION),
}, bi("可参与共建的主体(区域、党组织、单位、人员、联盟)", "A party that can take part in co-building (area, party org, unit, person, alliance)"),
   strawberry.interface)


@strawberry.type(description=bi("分页信息", "Pagination information (Relay)"))
class PageInfo:
    has_next_page: bool = strawberry.field(description=bi("是否还有下一页", "Whether more items follow"))
    has_previous_page: bool = strawberry.field(description=bi("是否由游标续页(after)", "Whether this page continues from a cursor"))
    start_cursor: Optional[str] = strawberry.field(description=bi("本页第一条的游标", "Cursor of the first item"))
    end_cursor: Optional[str] = strawberry.field(description=bi("本页最后一条的游标(传给 after 取下一页)",
                                                                "Cursor of the last item (pass as `after` for the next page)"))


def _order_doc(label_names: tuple[str, ...]) -> tuple[str, str]:
    from cobuild.graph.compile import natural_order

    order = natural_order(label_names)
    zh = "、".join(f"{p}{'降序' if d == 'DESC' else ''}" for p, d in order)
    en = ", ".join(f"{p}{' descending' if d == 'DESC' else ''}" for p, d in order)
    return (f"默认按 {zh}、再按编号排序" if order else "默认按编号排序"), (f"default order: {en}, then id" if order else "default order: id")


def _connection_args(others: tuple[str, ...], what_zh: str, what_en: str) -> list[inspect.Parameter]:
    """``first``, ``after``, ``where``, ``orderBy`` for a connection over ``others``."""
    owner = others[0] if len(others) == 1 else naming.ENTITY_INTERFACE
    order_zh, order_en = _order_doc(others)
    return [
        _P("first", _P.KEYWORD_ONLY, default=DEFAULT_FIRST, annotation=Annotated[
            int, strawberry.argument(description=bi(f"每页条数(默认 {DEFAULT_FIRST},最大 {MAX_FIRST})",
                                                    f"Page size (default {DEFAULT_FIRST}, max {MAX_FIRST})"))]),
        _P("after", _P.KEYWORD_ONLY, default=None, annotation=Annotated[
            Optional[str], strawberry.argument(description=bi("从该游标之后开始(上一页的 pageInfo.endCursor)",
                                                              "Start after this cursor (the previous page's pageInfo.endCursor)"))]),
        _P("where", _P.KEYWORD_ONLY, default=None, annotation=Annotated[
            Optional[WHERE[owner]], strawberry.argument(description=bi(f"筛选{what_zh}", f"Filter on the {what_en}"))]),
        _P("orderBy", _P.KEYWORD_ONLY, default=None, annotation=Annotated[
            Optional[list[ORDER[owner]]], strawberry.argument(description=bi(
                f"排序(最后按编号;{order_zh})", f"Sort order (ties broken by id; {order_en})"))]),
    ]


# ----------------------------------------------------------------------------------------------
# Entity types (relationship fields refer lazily to connection / edge / link types, made next)
# ----------------------------------------------------------------------------------------------
def _connection_field(owner: str, f: gf.Field) -> Any:
    conn_name = naming.rel_connection_type(owner, f)

    def resolve(self: Any, info: strawberry.Info, **args: Any) -> Any:
        return res.resolve_rel_connection(self, info, f, args, _NS[conn_name], _NS[naming.rel_edge_type(owner, f)], PageInfo,
                                          entity_from_row)

    resolve.__name__ = f"resolve_{f.name}"
    resolve.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        _P("self", _P.POSITIONAL_OR_KEYWORD), _P("info", _P.POSITIONAL_OR_KEYWORD, annotation=strawberry.Info),
        *_connection_args(f.others, "另一端的对象", "nodes at the other end")])
    return strawberry.field(resolver=resolve, name=f.name, description=bi(f.zh, f.en), graphql_type=_lazy(conn_name))


def _one_field(owner: str, f: gf.Field) -> Any:
    def resolve(self: Any, info: strawberry.Info) -> Any:
        item = res.rel_one(self, info, f)
        return None if item is None else entity_from_row(f.others[0], item.node)

    resolve.__name__ = f"resolve_{f.name}"
    return strawberry.field(resolver=resolve, name=f.name, graphql_type=Optional[_lazy(naming.other_end_type(f))],
                            description=bi(f"{f.zh}(至多一个;数据中有多个时取编号最小者)",
                                           f"{f.en} (at most one; the smallest id when the data holds several)"))


def _link_field(owner: str, f: gf.Field) -> Any:
    link_name = naming.rel_link_type(owner, f)

    def resolve(self: Any, info: strawberry.Info) -> Any:
        item = res.rel_one(self, info, f)
        return None if item is None else _NS[link_name](row=item.edge, node_row=item.node, label=f.others[0])

    resolve.__name__ = f"resolve_{f.link_name}"
    return strawberry.field(resolver=resolve, name=f.link_name, graphql_type=Optional[_lazy(link_name)],
                            description=bi(f"{f.zh}及关系属性", f"{f.en}, with the relationship's properties"))


for _lab in model.LABELS:
    _fields: dict[str, Any] = {p.name: _scalar_field(p, _lab.name) for p in _lab.props}
    for _f in gf.fields_of(_lab.name).values():
        if _f.kind == "one":
            _fields[_f.name] = _one_field(_lab.name, _f)
            if _f.link_name:
                _fields[_f.link_name] = _link_field(_lab.name, _f)
        else:
            _fields[_f.name] = _connection_field(_lab.name, _f)
    _cls = _class(_lab.name, (Actor if _lab.actor else Entity,), _fields, bi(_lab.zh, _lab.en), strawberry.type)
    _cls._label_name = _lab.name
    TYPES[_lab.name] = _cls


# ----------------------------------------------------------------------------------------------
# Connections: one per label (root lists and relationship lists whose edges carry only a cursor),
# one per relationship field whose edges carry properties or `via`
# ----------------------------------------------------------------------------------------------
def _node_field(other_type: str, zh: str, en: str) -> Any:
    def resolve(self: Any) -> Any:
        return entity_from_row(self._label, self._node_row)

    return strawberry.field(resolver=resolve, name="node", description=bi(zh, en), graphql_type=_lazy(other_type))


def _via_field() -> Any:
    def resolve(self: Any) -> list[NodeRef]:
        return [r for r in (NodeRef.of(v) for v in self._via) if r is not None]

    return strawberry.field(resolver=resolve, name="via", graphql_type=list[NodeRef], description=bi(
        "经由:一方中持有该关系的成员(本身、下级区域或党组织)", "Through whom: the members of the side that hold the link "
        "(the owner itself, an area below it or a party organisation)"))


def _cursor_field() -> Any:
    def resolve(self: Any) -> str:
        return self._cursor

    return strawberry.field(resolver=resolve, name="cursor", graphql_type=str,
                            description=bi("不透明游标(排序键+编号)", "Opaque cursor (order key + id)"))


def _edge_init(self: Any, row: dict[str, Any], node_row: dict[str, Any], label: str, cursor: str = "",
               via: list[dict[str, Any]] | None = None) -> None:
    self._row = row
    self._node_row = node_row
    self._label = label
    self._cursor = cursor
    self._via = via or []


def _connection_type(type_name: str, edge_name: str, node_type: str, zh: str, en: str) -> type:
    conn = strawberry.type(
        type(type_name, (), {
            "__module__": _MODULE,
            "__annotations__": {"edges": list[_lazy(edge_name)], "nodes": list[_lazy(node_type)], "page_info": PageInfo,
                                "total_count": int},
            "edges": strawberry.field(description=bi("本页条目(含游标)", "Items of this page, with cursors")),
            "nodes": strawberry.field(description=bi("本页对象", "Objects of this page")),
            "page_info": strawberry.field(description=bi("分页信息", "Pagination information")),
            "total_count": strawberry.field(description=bi("满足筛选条件的总数(不受 first/after 影响)",
                                                           "How many items match the filter (whatever first/after say)")),
        }),
        name=type_name, description=bi(f"{zh}(分页列表)", f"{en} (a Relay connection)"),
    )
    _NS[type_name] = conn
    return conn


def _edge_type(type_name: str, node_type: str, props: tuple[model.Prop, ...], rel_owner: str, via: bool, zh: str, en: str,
               cursor: bool = True) -> type:
    entries: dict[str, Any] = {"cursor": _cursor_field()} if cursor else {}
    entries.update({p.name: _scalar_field(p, rel_owner) for p in props})
    if via:
        entries["via"] = _via_field()
    entries["node"] = _node_field(node_type, "另一端的对象", "The node at the other end")
    cls = _class(type_name, (), entries, bi(zh, en), strawberry.type)
    cls.__init__ = _edge_init
    return cls


CONNECTIONS: dict[str, tuple[type, type]] = {}
for _name in [lab.name for lab in model.LABELS] + [naming.ACTOR_INTERFACE, naming.ENTITY_INTERFACE]:
    _zh, _en = (model.label(_name).zh, model.label(_name).en) if _name in model.LABELS_BY_NAME else (
        ("主体", "actors") if _name == naming.ACTOR_INTERFACE else ("实体", "entities"))
    _edge = _edge_type(naming.connection_edge_type(_name), _name, (), "", False, f"{_zh}分页中的一条", f"An item of a page of {_en}")
    _conn = _connection_type(naming.connection_type(_name), naming.connection_edge_type(_name), _name, _zh, _en)
    CONNECTIONS[_name] = (_conn, _edge)

for _lab in model.LABELS:
    for _f in gf.fields_of(_lab.name).values():
        _other = naming.other_end_type(_f)
        _rel_owner = naming.pascal(_f.rel.name) if _f.rel is not None else _lab.name
        if _f.kind == "one":
            if _f.link_name:
                _edge_type(naming.rel_link_type(_lab.name, _f), _other, _f.edge_props, _rel_owner, False,
                           f"{_lab.zh}的“{_f.zh}”及关系属性", f"{_lab.name}.{_f.name} with the properties of its relationship",
                           cursor=False)
        elif naming.rel_has_edge_data(_f):
            _edge_type(naming.rel_edge_type(_lab.name, _f), _other, _f.edge_props, _rel_owner, _f.has_via,
                       f"{_lab.zh}的“{_f.zh}”中的一条", f"An item of {_lab.name}.{_f.name}: {_f.en}")
            _connection_type(naming.rel_connection_type(_lab.name, _f), naming.rel_edge_type(_lab.name, _f), _other,
                             f"{_lab.zh}的“{_f.zh}”", f"{_lab.name}.{_f.name}: {_f.en}")


# ----------------------------------------------------------------------------------------------
# Root fields
# ----------------------------------------------------------------------------------------------
def _list_root(lab: model.NodeLabel) -> Any:
    conn, edge = CONNECTIONS[lab.name]

    async def resolve(self: Any, info: strawberry.Info, **_: Any) -> Any:
        return await res.resolve_connection(info, lab.name, conn, edge, PageInfo, entity_from_row)

    resolve.__name__ = f"resolve_{naming.list_field(lab.name)}"
    resolve.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        _P("self", _P.POSITIONAL_OR_KEYWORD), _P("info", _P.POSITIONAL_OR_KEYWORD, annotation=strawberry.Info),
        *_connection_args((lab.name,), lab.zh, lab.en)])
    return strawberry.field(resolver=resolve, name=naming.list_field(lab.name),
                            description=bi(f"{lab.zh}列表(分页)", f"{lab.en}: a Relay connection"), graphql_type=conn)


def _single_root(lab: model.NodeLabel) -> Any:
    async def resolve(self: Any, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(  # noqa: A002
            description=bi(f"编号(以 {lab.id_prefix}: 开头)", f"Id (starts with {lab.id_prefix}:)"))]) -> Any:
        return await res.resolve_lookup(info, id, lab.name, entity_from_row)

    resolve.__name__ = f"resolve_{naming.single_field(lab.name)}"
    return strawberry.field(resolver=resolve, name=naming.single_field(lab.name),
                            description=bi(f"按编号获取{lab.zh}(不存在时报 NOT_FOUND)", f"One {lab.en} by id (NOT_FOUND when there is none)"),
                            graphql_type=TYPES[lab.name])


async def _resolve_node(self: Any, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(  # noqa: A002
        description=bi("任意对象的编号(前缀表示类型,如 unit:…)", "Any object's id (its prefix names the type, e.g. unit:…)"))]) -> Any:
    return await res.resolve_lookup(info, id, None, entity_from_row)


def _version(self: Any) -> str:
    return "0.1.0"


_root: dict[str, Any] = {
    "node": strawberry.field(resolver=_resolve_node, name="node", description=bi("按编号获取任意对象(Relay)", "Any object by id (Relay)"),
                             graphql_type=Node),
    "version": strawberry.field(resolver=_version, name="version", description=bi("服务版本", "Service version"), graphql_type=str),
}
for _lab in model.LABELS:
    _root[naming.list_field(_lab.name)] = _list_root(_lab)
    _root[naming.single_field(_lab.name)] = _single_root(_lab)

EntityQuery = _class("EntityQuery", (), _root, bi("实体查询", "Entity queries"), strawberry.type)

__all__ = ["ACTOR_TYPES", "Actor", "ActorType", "CONNECTIONS", "Entity", "EntityQuery", "NATURAL_ORDER", "Node", "PageInfo"]
