"""Projectors: closures generated once per plan that turn what a root field's resolver returned into
the JSON value graphql-core would have completed — aliases as keys in CollectFields order,
``__typename`` as constants, enums and scalars through the schema's own output coercion, lists,
abstract types resolved from the object's Strawberry type. Below the root nothing is resolved by
graphql-core: a field is an attribute read, or a call of its resolver when that resolver needs no
more than the object (and, for the entity relationship fields and ``NodeRef.name``, the request's
context and the field's response key, handed over in a two-slot stand-in for ``info``).

A value the spec would turn into an error (a null in a non-null position, a value the output
coercion refuses) raises :class:`Fallback`: the request is answered by Strawberry instead, which
produces the spec's error, path and null propagation exactly.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    is_abstract_type,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values
from graphql.language import FieldNode, FragmentDefinitionNode, VariableNode, Visitor, visit

from cobuild.execution.collect import NotCompilable, collect

Complete = Callable[[Any, "Runtime"], Any]
Getter = Callable[[Any, "Runtime"], Any]

_BACKREF = "strawberry-definition"  # GraphQLCoreConverter.DEFINITION_BACKREF: the StrawberryField of a GraphQLField
# Resolvers that read ``info`` only for ``info.context`` and ``info.path.key`` (checked by tests/execution)
_INFO_MODULES = frozenset({"cobuild.schema.entities", "cobuild.schema.refs"})


class Fallback(Exception):
    """This request must be answered by Strawberry (the reason is counted)."""


class Runtime:
    """What a projector needs of the request: the GraphQL context and the coerced variables."""

    __slots__ = ("context", "variables")

    def __init__(self, context: Any, variables: Any) -> None:
        self.context = context
        self.variables = variables  # graphql-core VariableValues


class _Path:
    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key


class _Info:
    """The two things the whitelisted nested resolvers read of ``info``."""

    __slots__ = ("context", "path")

    def __init__(self, context: Any, key: str) -> None:
        self.context = context
        self.path = _Path(key)


class _HasVariable(Visitor):
    found = False

    def enter_variable(self, *_: Any) -> None:
        self.found = True


def uses_variables(node: Any) -> bool:
    v = _HasVariable()
    for arg in node.arguments or ():
        if isinstance(arg.value, VariableNode):
            return True
        visit(arg.value, v)
    return v.found


class Builder:
    """Generates the projectors of one operation (memoised per type and field nodes)."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.schema = schema
        self.fragments = fragments
        self._objects: dict[tuple[str, tuple[int, ...]], Callable[[Any, Runtime], dict[str, Any]]] = {}

    # --- values -------------------------------------------------------------------------------
    def complete(self, type_: Any, nodes: list[FieldNode]) -> Complete:
        if isinstance(type_, GraphQLNonNull):
            inner = self.complete(type_.of_type, nodes)

            def non_null(v: Any, rt: Runtime) -> Any:
                if v is None:
                    raise Fallback("null in a non-null field")
                return inner(v, rt)

            return non_null
        if isinstance(type_, GraphQLList):
            item = self.complete(type_.of_type, nodes)

            def as_list(v: Any, rt: Runtime) -> Any:
                if v is None:
                    return None
                if isinstance(v, (str, bytes, dict)) or not hasattr(v, "__iter__"):
                    raise Fallback("a list field returned a non-list")
                return [item(x, rt) for x in v]

            return as_list
        if is_leaf_type(type_):
            return _leaf(type_)
        if isinstance(type_, GraphQLObjectType):
            project = self.object(type_, nodes)
            return lambda v, rt: None if v is None else project(v, rt)
        if is_abstract_type(type_):
            return self._abstract(type_, nodes)
        raise NotCompilable(f"output type {type_}")

    def _abstract(self, type_: Any, nodes: list[FieldNode]) -> Complete:
        by_name: dict[str, Callable[[Any, Runtime], dict[str, Any]]] = {}

        def abstract(v: Any, rt: Runtime) -> Any:
            if v is None:
                return None
            definition = getattr(type(v), "__strawberry_definition__", None)
            name = getattr(definition, "name", None)
            project = by_name.get(name) if name else None
            if project is None:
                runtime = self.schema.get_type(name) if name else None
                if not isinstance(runtime, GraphQLObjectType) or not self.schema.is_sub_type(type_, runtime):
                    raise Fallback(f"cannot resolve {type_.name} for {type(v).__name__}")
                try:
                    project = by_name[name] = self.object(runtime, nodes)
                except NotCompilable as exc:
                    raise Fallback(str(exc)) from None
            return project(v, rt)

        return abstract

    # --- objects ------------------------------------------------------------------------------
    def object(self, type_: GraphQLObjectType, nodes: list[FieldNode]) -> Callable[[Any, Runtime], dict[str, Any]]:
        key = (type_.name, tuple(id(n) for n in nodes))
        found = self._objects.get(key)
        if found is not None:
            return found
        grouped = collect(self.schema, self.fragments, type_, [n.selection_set for n in nodes if n.selection_set])
        entries: list[tuple[str, Getter, Complete]] = []
        for rkey, fnodes in grouped.items():
            fname = fnodes[0].name.value
            if fname == "__typename":
                entries.append((rkey, _constant(type_.name), _identity))
                continue
            fdef = type_.fields.get(fname)
            if fdef is None:
                raise NotCompilable(f"{type_.name}.{fname}")
            entries.append((rkey, self.getter(type_, fdef, rkey, fnodes), self.complete(fdef.type, fnodes)))
        frozen = tuple(entries)

        def project(obj: Any, rt: Runtime) -> dict[str, Any]:
            return {rkey: complete(get(obj, rt), rt) for rkey, get, complete in frozen}

        self._objects[key] = project
        return project

    def getter(self, parent: GraphQLObjectType, fdef: GraphQLField, rkey: str, nodes: list[FieldNode]) -> Getter:
        sf = (fdef.extensions or {}).get(_BACKREF)
        if sf is None:
            raise NotCompilable(f"{parent.name}.{nodes[0].name.value} has no Strawberry definition")
        resolver = sf.base_resolver
        if resolver is None:
            attr = sf.python_name
            return lambda obj, rt: getattr(obj, attr)
        where = f"{parent.name}.{nodes[0].name.value}"
        if resolver.is_async:
            raise NotCompilable(f"{where} resolves asynchronously")
        if resolver.root_parameter is not None or resolver.parent_parameter is not None:
            raise NotCompilable(f"{where} reads its root")
        func = resolver.wrapped_func
        module = getattr(func, "__module__", "")
        info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
        if (info_name or resolver.arguments) and module not in _INFO_MODULES:
            raise NotCompilable(f"{where} has a resolver that reads info or arguments")
        has_self = resolver.self_parameter is not None
        args_of = self._arguments(fdef, nodes[0]) if resolver.arguments else None

        def call(obj: Any, rt: Runtime) -> Any:
            kwargs = args_of(rt) if args_of is not None else {}
            if info_name is not None:
                kwargs[info_name] = _Info(rt.context, rkey)
            result = func(obj, **kwargs) if has_self else func(**kwargs)
            if inspect.isawaitable(result):  # pragma: no cover - guarded by is_async
                raise Fallback(f"{where} returned an awaitable")
            return result

        return call

    @staticmethod
    def _arguments(fdef: GraphQLField, node: FieldNode) -> Callable[[Runtime], dict[str, Any]]:
        """The field's arguments as graphql-core coerces them (once per plan when they hold no variable)."""
        if uses_variables(node):
            return lambda rt: get_argument_values(fdef, node, rt.variables)
        fixed = get_argument_values(fdef, node, None)
        return lambda rt: dict(fixed)


# Scalars whose output coercion returns a value of this exact Python type unchanged (graphql-core's
# serialize_string / serialize_id / serialize_boolean): the leaf returns it without the call.
_AS_IS = {"String": str, "ID": str, "Boolean": bool}
_ENUM_MEMO = 1024  # enum values are few; the bound only guards against a store full of bad values


def _leaf(type_: Any) -> Complete:
    """A scalar or enum leaf: the schema's own output coercion, skipped where it is the identity and
    remembered per value for enums (Strawberry's enum coercion looks the member up on every call)."""
    coerce = type_.coerce_output_value

    def coerced(v: Any) -> Any:
        out = coerce(v)
        if out is Undefined or out is None:
            raise Fallback("output coercion refused a value")
        return out

    as_is = _AS_IS.get(type_.name) if not isinstance(type_, GraphQLEnumType) else None
    if as_is is not None:
        def scalar(v: Any, rt: Runtime) -> Any:
            if v is None:
                return None
            return v if type(v) is as_is else coerced(v)

        return scalar
    if isinstance(type_, GraphQLEnumType):
        memo: dict[Any, Any] = {}

        def enum(v: Any, rt: Runtime) -> Any:
            if v is None:
                return None
            try:
                return memo[v]
            except KeyError:
                out = coerced(v)
                if len(memo) < _ENUM_MEMO:
                    memo[v] = out
                return out
            except TypeError:  # unhashable: coerce (and refuse) as graphql-core would
                return coerced(v)

        return enum

    def leaf(v: Any, rt: Runtime) -> Any:
        return None if v is None else coerced(v)

    return leaf


def _constant(value: Any) -> Getter:
    return lambda obj, rt: value


def _identity(v: Any, rt: Runtime) -> Any:
    return v
