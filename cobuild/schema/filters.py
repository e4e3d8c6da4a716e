"""Enums, ``where`` filters and ``orderBy`` inputs, generated from the model.

* every ``Prop.enum`` becomes a GraphQL enum named after the model constant (``AREA_LEVELS`` →
  ``AreaLevel``), each value described by its 中文 term and English gloss from
  :mod:`cobuild.graph.vocabulary`;
* every label gets ``<Label>Where``: one operator object per property (``name: {eq, in, contains,
  startsWith, …}``, ``since: {gte, lt, …}``), ``AND``/``OR`` lists, ``NOT``, and per relationship
  field (relationship, to-one, side and page fields of :mod:`cobuild.graph.fields`)
  ``<field>_some`` / ``<field>_none`` taking the other end's ``Where`` (``Entity``/``Actor`` ends
  take ``EntityWhere``: the properties every label has), e.g.
  ``units(where: {locatedInAreas_some: {name: {eq: "海信社区"}}})``;
* every label gets ``<Label>Order {field: <Label>OrderField!, direction: SortDirection = ASC}``.

The compiler reads these inputs as plain dicts keyed by their GraphQL names
(:func:`cobuild.graph.compile.plain`), so the Python classes here only declare the schema.
"""

import datetime as dt
import enum
import keyword
from typing import Any, Optional

import strawberry

from cobuild.graph import fields, model, vocabulary
from cobuild.graph.model import PropType
from cobuild.graph import naming

_MODULE = __name__
_NS = globals()


def bi(zh: str, en: str) -> str:
    return f"{zh} / {en}"


def _py(name: str) -> str:
    return name + "_" if keyword.iskeyword(name) or name in ("AND", "OR", "NOT") else name


def _lazy(type_name: str) -> Any:
    from typing import Annotated

    return Annotated[type_name, strawberry.lazy(_MODULE)]


def make_input(type_name: str, description: str, fields: list[tuple[str, Any, str]]) -> type:
    """A Strawberry input class from ``(graphql name, annotation, description)`` triples."""
    ns: dict[str, Any] = {"__annotations__": {}, "__module__": _MODULE, "__doc__": description}
    for gql_name, annotation, desc in fields:
        py = _py(gql_name)
        ns["__annotations__"][py] = annotation
        ns[py] = strawberry.field(name=gql_name, description=desc, default=strawberry.UNSET)
    cls = strawberry.input(type(type_name, (), ns), name=type_name, description=description)
    _NS[type_name] = cls
    return cls


# ----------------------------------------------------------------------------------------------
# Enums
# ----------------------------------------------------------------------------------------------
ENUMS: dict[str, type[enum.Enum]] = {}


def described_enum(type_name: str, description: str, values: dict[str, tuple[str, str]]) -> type[enum.Enum]:
    """A Strawberry enum whose every value carries ``中文 / English``."""
    e = enum.Enum(type_name, {v: strawberry.enum_value(v, description=bi(zh, en))  # type: ignore[misc]
                              for v, (zh, en) in values.items()})
    e.__module__ = _MODULE
    cls = strawberry.enum(e, name=type_name, description=description)
    _NS[type_name] = cls
    return cls


def enum_for(values: tuple[str, ...], owner: str, prop: model.Prop) -> type[enum.Enum]:
    """The GraphQL enum of a model enumeration; value descriptions from :mod:`cobuild.graph.vocabulary`."""
    type_name = naming.enum_type_name(values, owner, prop.name)
    if type_name not in ENUMS:
        const = naming.enum_constant(values)
        terms = vocabulary.VOCABULARY[const] if const else {v: (v, v) for v in values}
        ENUMS[type_name] = described_enum(type_name, bi(prop.zh, prop.en), {v: terms[v] for v in values})
    return ENUMS[type_name]


SortDirection = described_enum("SortDirection", bi("排序方向", "Sort direction"), {
    "ASC": ("升序(空值在后)", "Ascending (missing values last)"),
    "DESC": ("降序(空值在前)", "Descending (missing values first)"),
})


for _lab in model.LABELS:
    for _p in _lab.all_props:
        if _p.enum:
            enum_for(_p.enum, _lab.name, _p)
for _rel in model.RELATIONSHIPS:
    for _p in _rel.props:
        if _p.enum:
            enum_for(_p.enum, naming.pascal(_rel.name), _p)


def scalar_type(prop: model.Prop, owner: str) -> Any:
    """The GraphQL type of a property's value (without list/null wrapping for STRING_LIST items)."""
    if prop.enum:
        return enum_for(prop.enum, owner, prop)
    return {
        PropType.STRING: str,
        PropType.STRING_LIST: str,
        PropType.INT: int,
        PropType.FLOAT: float,
        PropType.BOOL: bool,
        PropType.DATE: dt.date,
        PropType.DATETIME: dt.datetime,
    }[prop.type]


# ----------------------------------------------------------------------------------------------
# Operator inputs
# ----------------------------------------------------------------------------------------------
_OPS = {
    "eq": ("等于", "Equals"),
    "ne": ("不等于(空值视为不等)", "Not equal (NULL counts as not equal)"),
    "in": ("属于列表之一", "One of the listed values"),
    "contains": ("包含子串", "Contains the substring"),
    "startsWith": ("以此开头", "Starts with"),
    "gt": ("大于", "Greater than"),
    "gte": ("大于等于", "Greater than or equal"),
    "lt": ("小于", "Less than"),
    "lte": ("小于等于", "Less than or equal"),
    "isNull": ("是否为空(true:为空;false:非空)", "true: value is missing; false: value is present"),
    "includes": ("列表包含该值", "The list contains this value"),
    "includesAny": ("列表包含其中任一值", "The list contains any of these values"),
}
_FILTERS: dict[str, type] = {}


def _filter(type_name: str, zh: str, en: str, item: Any, ops: list[str]) -> type:
    if type_name in _FILTERS:
        return _FILTERS[type_name]
    fields = []
    for op in ops:
        if op in ("in", "includesAny"):
            ann = Optional[list[item]]
        elif op == "isNull":
            ann = Optional[bool]
        else:
            ann = Optional[item]
        fields.append((op, ann, bi(*_OPS[op])))
    _FILTERS[type_name] = make_input(type_name, bi(zh, en), fields)
    return _FILTERS[type_name]


def filter_for(prop: model.Prop, owner: str) -> type:
    item = scalar_type(prop, owner)
    if prop.name == "id":
        return _filter("IDFilter", "编号过滤条件", "Filter on an id", strawberry.ID, ["eq", "in", "startsWith"])
    if prop.is_list:
        if prop.enum:
            n = f"{item.__name__}ListFilter"
            return _filter(n, f"{prop.zh}列表过滤条件", f"Filter on a list of {item.__name__}", item, ["includes", "includesAny", "isNull"])
        return _filter("StringListFilter", "字符串列表过滤条件", "Filter on a list of strings", str, ["includes", "includesAny", "isNull"])
    if prop.enum:
        n = f"{item.__name__}Filter"
        return _filter(n, f"{prop.zh}过滤条件", f"Filter on {item.__name__}", item, ["eq", "ne", "in", "isNull"])
    t = prop.type
    if t is PropType.STRING:
        return _filter("StringFilter", "字符串过滤条件", "Filter on a string", str,
                       ["eq", "ne", "in", "contains", "startsWith", "gt", "gte", "lt", "lte", "isNull"])
    if t is PropType.INT:
        return _filter("IntFilter", "整数过滤条件", "Filter on an integer", int, ["eq", "ne", "in", "gt", "gte", "lt", "lte", "isNull"])
    if t is PropType.FLOAT:
        return _filter("FloatFilter", "数值过滤条件", "Filter on a number", float, ["eq", "ne", "in", "gt", "gte", "lt", "lte", "isNull"])
    if t is PropType.BOOL:
        return _filter("BooleanFilter", "布尔过滤条件", "Filter on a boolean", bool, ["eq", "isNull"])
    if t is PropType.DATE:
        return _filter("DateFilter", "日期过滤条件", "Filter on a date", dt.date, ["eq", "in", "gt", "gte", "lt", "lte", "isNull"])
    return _filter("DateTimeFilter", "时间过滤条件", "Filter on a date-time (UTC)", dt.datetime, ["eq", "gt", "gte", "lt", "lte", "isNull"])


# ----------------------------------------------------------------------------------------------
# Where and Order inputs
# ----------------------------------------------------------------------------------------------
WHERE: dict[str, type] = {}
ORDER: dict[str, type] = {}


def where_type_for(others: tuple[str, ...]) -> str:
    return naming.where_type(others[0]) if len(others) == 1 else naming.where_type(naming.ENTITY_INTERFACE)


def order_type_for(others: tuple[str, ...]) -> str:
    return naming.order_type(others[0]) if len(others) == 1 else naming.order_type(naming.ENTITY_INTERFACE)


def _where(type_name: str, owner: str, zh: str, en: str, props: tuple[model.Prop, ...], rel_fields: dict[str, fields.Field]) -> type:
    self_ref = _lazy(type_name)
    inputs: list[tuple[str, Any, str]] = [
        ("AND", Optional[list[self_ref]], bi("全部满足", "All of these conditions hold")),
        ("OR", Optional[list[self_ref]], bi("任一满足", "At least one of these conditions holds")),
        ("NOT", Optional[self_ref], bi("不满足", "This condition does not hold")),
    ]
    for p in props:
        inputs.append((p.name, Optional[filter_for(p, owner)], bi(p.zh, p.en)))
    for fname, rf in rel_fields.items():
        other = _lazy(where_type_for(rf.others))
        inputs.append((naming.some_key(fname), Optional[other], bi(f"至少一个“{fname}”对象满足条件({rf.zh})",
                                                                    f"Some node of {fname} matches ({rf.en})")))
        inputs.append((naming.none_key(fname), Optional[other], bi(f"没有“{fname}”对象满足条件({rf.zh})",
                                                                    f"No node of {fname} matches ({rf.en})")))
    WHERE[owner] = make_input(type_name, bi(f"{zh}筛选条件", f"Filter on {en}"), inputs)
    return WHERE[owner]


def _order(owner: str, zh: str, en: str, props: tuple[model.Prop, ...]) -> type:
    field_enum_name = naming.order_field_enum(owner)
    fe = described_enum(field_enum_name, bi(f"{zh}可排序字段", f"Sortable fields of {en}"),
                        {p.name: (p.zh, p.en) for p in props if not p.is_list})
    ns: dict[str, Any] = {
        "__annotations__": {"field": fe, "direction": Optional[SortDirection]},
        "__module__": _MODULE,
        "field": strawberry.field(description=bi("排序字段", "Field to sort by")),
        "direction": strawberry.field(description=bi("方向(默认升序)", "Direction (default ASC)"), default=SortDirection.ASC),
    }
    type_name = naming.order_type(owner)
    cls = strawberry.input(type(type_name, (), ns), name=type_name,
                           description=bi(f"{zh}排序(最后按编号排序,保证稳定)", f"Sort order of {en} (ties broken by id)"))
    _NS[type_name] = cls
    ORDER[owner] = cls
    return cls


_where(naming.where_type(naming.ENTITY_INTERFACE), naming.ENTITY_INTERFACE, "实体", "any entity", model.COMMON_PROPS, {})
_order(naming.ENTITY_INTERFACE, "实体", "any entity", model.COMMON_PROPS)
for _lab in model.LABELS:
    _where(naming.where_type(_lab.name), _lab.name, _lab.zh, _lab.en, _lab.all_props, fields.fields_of(_lab.name))
    _order(_lab.name, _lab.zh, _lab.en, _lab.all_props)
