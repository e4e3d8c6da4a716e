"""Helpers for the fuzz and injection tests: the schema as a client sees it (introspection through the
app), GraphQL literals, selections and argument paths built from it — never a hand-written list."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Iterator

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    build_client_schema,
    get_introspection_query,
    get_named_type,
)


async def fetch_schema(post: Any) -> GraphQLSchema:
    """``post(query) -> response`` through the app; the schema from its introspection answer."""
    resp = await post(get_introspection_query(descriptions=False))
    body = resp.json()
    assert resp.status_code == 200 and not body.get("errors"), body
    return build_client_schema(body["data"])


class Enum(str):
    """A value written bare in a GraphQL document (enum value name)."""


def literal(value: Any) -> str:
    """A Python value as a GraphQL input literal (strings JSON-escaped; ``Enum`` bare)."""
    if value is None:
        return "null"
    if isinstance(value, Enum):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "1e400"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def plain(value: Any) -> Any:
    """The JSON (variables) form of a value: ``Enum`` becomes its string."""
    if isinstance(value, Enum):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def unwrap(t: Any) -> tuple[Any, bool]:
    """(inner type, required) of a NonNull wrapper."""
    if isinstance(t, GraphQLNonNull):
        return t.of_type, True
    return t, False


def minimal_selection(t: Any, depth: int = 0) -> str:
    """A small valid selection for an output type: ``id`` and a scalar, or one level into a connection."""
    named = get_named_type(t)
    if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
        return ""
    if isinstance(named, GraphQLUnionType):
        return "{ __typename }"
    fields = named.fields
    picks = [f for f in ("id", "totalCount") if f in fields]
    if not picks:
        picks = [n for n, f in fields.items() if not f.args and isinstance(get_named_type(f.type), (GraphQLScalarType, GraphQLEnumType))][:2]
    parts = list(picks)
    if depth < 2:
        for n in ("edges", "nodes", "node"):
            if n in fields and not fields[n].args:
                parts.append(n + " " + minimal_selection(fields[n].type, depth + 1))
                break
    return "{ " + (" ".join(parts) or "__typename") + " }"


@dataclass
class StringPath:
    """Where a String or ID value goes in a root field's arguments: ``("where", "name", "contains")``;
    ``list_at`` marks steps that are lists (the value is wrapped in a one-element list there)."""

    field: str
    steps: tuple[str, ...]
    leaf: str  # "String" | "ID"


def string_paths(schema: GraphQLSchema, root: GraphQLObjectType, *, max_input_depth: int = 3) -> Iterator[StringPath]:
    """Every path from a root field's arguments to a String/ID input, through input objects and lists
    (an input type is not entered twice on one path; at most ``max_input_depth`` input objects deep)."""

    def walk(t: GraphQLInputType, steps: tuple[str, ...], seen: tuple[str, ...], field: str) -> Iterator[StringPath]:
        inner, _ = unwrap(t)
        if isinstance(inner, GraphQLList):
            yield from walk(inner.of_type, steps, seen, field)
            return
        if isinstance(inner, GraphQLScalarType) and inner.name in ("String", "ID"):
            yield StringPath(field, steps, inner.name)
        elif isinstance(inner, GraphQLInputObjectType):
            if inner.name in seen or len(seen) >= max_input_depth:
                return
            for fname, f in inner.fields.items():
                yield from walk(f.type, steps + (fname,), seen + (inner.name,), field)

    for fname, f in root.fields.items():
        for aname, a in f.args.items():
            yield from walk(a.type, (aname,), (), fname)


def fill(t: GraphQLInputType, plausible: dict[str, Any], depth: int = 0, name: str = "") -> Any:
    """A well-typed value for an input type: required fields only, from ``plausible`` by
    ``"<scalar>:<field name>"`` or else by scalar name."""
    inner, _ = unwrap(t)
    if isinstance(inner, GraphQLList):
        return [fill(inner.of_type, plausible, depth + 1, name)]
    if isinstance(inner, GraphQLEnumType):
        return Enum(next(iter(inner.values)))
    if isinstance(inner, GraphQLScalarType):
        return plausible.get(f"{inner.name}:{name}", plausible.get(inner.name, "x"))
    if isinstance(inner, GraphQLInputObjectType):
        return {fname: fill(f.type, plausible, depth + 1, fname) for fname, f in inner.fields.items()
                if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined}
    raise TypeError(inner)


def args_with(field: GraphQLField, path: StringPath, value: Any, plausible: dict[str, Any]) -> dict[str, Any]:
    """Arguments for ``field``: every required argument filled plausibly, and ``value`` at ``path``."""
    args: dict[str, Any] = {}
    for aname, a in field.args.items():
        if isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined:
            args[aname] = fill(a.type, plausible, name=aname)

    def place(container: dict[str, Any], t: GraphQLInputType, steps: tuple[str, ...]) -> None:
        key, rest = steps[0], steps[1:]
        owner = unwrap(t)[0]
        ftype = owner.fields[key].type if isinstance(owner, GraphQLInputObjectType) else t
        inner = unwrap(ftype)[0]
        listed = isinstance(inner, GraphQLList)
        if listed:
            inner = unwrap(inner.of_type)[0]
        if not rest:
            container[key] = [value] if listed else value
            return
        current = container.get(key)
        obj = (current[0] if listed and current else current) if current else None
        if not isinstance(obj, dict):
            obj = fill(inner, plausible)
        place(obj, inner, rest)
        container[key] = [obj] if listed else obj

    root_arg = field.args[path.steps[0]]
    if len(path.steps) == 1:
        inner = unwrap(root_arg.type)[0]
        args[path.steps[0]] = [value] if isinstance(inner, GraphQLList) else value
    else:
        inner = unwrap(root_arg.type)[0]
        listed = isinstance(inner, GraphQLList)
        if listed:
            inner = unwrap(inner.of_type)[0]
        current = args.get(path.steps[0])
        obj = current[0] if listed and current else current
        if not isinstance(obj, dict):
            obj = fill(inner, plausible)
        place(obj, inner, path.steps[1:])
        args[path.steps[0]] = [obj] if listed else obj
    return args


def document(kind: str, field: str, args: dict[str, Any], selection: str, *, as_variables: bool,
             arg_types: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """``query|mutation { field(args) selection }``; arguments inline or as ``$variables``."""
    if as_variables and args:
        decl = ", ".join(f"${a}: {arg_types[a]}" for a in args)
        call = ", ".join(f"{a}: ${a}" for a in args)
        return f"{kind}({decl}) {{ {field}({call}) {selection} }}", {a: plain(v) for a, v in args.items()}
    call = ", ".join(f"{a}: {literal(v)}" for a, v in args.items())
    return f"{kind} {{ {field}{'(' + call + ')' if call else ''} {selection} }}", {}


__all__ = ["Enum", "GraphQLInterfaceType", "StringPath", "args_with", "document", "fetch_schema", "fill", "literal",
           "minimal_selection", "plain", "string_paths", "unwrap"]
