"""Plans: what a repeated query needs, worked out once.

A plan is cached per (sha256 of the document, operation name, the principal's scope shape) and holds
the parsed document with the chosen operation, the verdicts of validation and of the limits (cost,
depth, aliases, tokens — re-measured per request only when a page size comes from a variable), and
per root field its definition and projector. An operation that cannot run on a plan (a mutation or
subscription, introspection, a directive with a variable condition, a field whose resolver needs
more than its object) gets a negative entry naming the reason, so the decision is made once.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from graphql import GraphQLError, GraphQLField, GraphQLSchema, specified_rules
from graphql.language import DocumentNode, FieldNode, FragmentDefinitionNode, OperationDefinitionNode, OperationType
from strawberry.schema.schema import validate_document

from cobuild.execution.collect import NotCompilable, collect
from cobuild.execution.project import Builder, Complete, uses_variables
from cobuild.limits import Limits, _parse_cached, check_document, lexical_stats_cached

PLAN_CACHE_ENTRIES = 1000


@dataclass(frozen=True)
class RootField:
    key: str
    name: str
    nodes: list[FieldNode]
    definition: GraphQLField | None  # None: ``__typename``
    complete: Complete
    fixed_args: dict[str, Any] | None  # coerced once when the arguments hold no variable


@dataclass
class Plan:
    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    roots: list[RootField]
    operation_label: dict[str, Any]  # what QueryLimits leaves in request.state for the access log and metrics
    limits_per_request: bool  # a page size comes from a variable: measure the cost per request
    stats: dict[str, int] = field(default_factory=lambda: {"runs": 0, "fallbacks": 0})


@dataclass(frozen=True)
class NoPlan:
    reason: str


def document_hash(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


def scope_shape(principal: Any) -> tuple[Any, ...]:
    """What of the principal a plan may depend on: its role and which kinds of grant it holds."""
    if principal is None:
        return ("anonymous", False, False)
    return (getattr(principal, "role", None), bool(getattr(principal, "area_ids", ())), getattr(principal, "unit_id", None) is not None)


class PlanCache:
    """LRU of plans and negative entries; one per view (so per settings and schema)."""

    def __init__(self, entries: int = PLAN_CACHE_ENTRIES) -> None:
        self.entries = entries
        self._plans: OrderedDict[tuple[Any, ...], Plan | NoPlan] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> Plan | NoPlan | None:
        found = self._plans.get(key)
        if found is not None:
            self._plans.move_to_end(key)
        return found

    def put(self, key: tuple[Any, ...], value: Plan | NoPlan) -> None:
        self._plans[key] = value
        self._plans.move_to_end(key)
        while len(self._plans) > self.entries:
            self._plans.popitem(last=False)

    def __len__(self) -> int:
        return len(self._plans)

    def clear(self) -> None:
        self._plans.clear()


def _operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return ops[0] if len(ops) == 1 else None
    return next((o for o in ops if o.name is not None and o.name.value == operation_name), None)


def _page_from_variable(document: DocumentNode) -> bool:
    """Whether any ``first``/``last`` argument is a variable (the cost then depends on the request)."""
    stack: list[Any] = [getattr(d, "selection_set", None) for d in document.definitions]
    while stack:
        sel = stack.pop()
        if sel is None:
            continue
        for s in sel.selections:
            if isinstance(s, FieldNode):
                if any(a.name.value in ("first", "last") and uses_variables_value(a.value) for a in s.arguments or ()):
                    return True
            stack.append(getattr(s, "selection_set", None))
    return False


def uses_variables_value(value: Any) -> bool:
    return value.kind == "variable"


def build(schema: Any, query: str, operation_name: str | None, limits: Limits,
          measure: Callable[[DocumentNode, dict[str, Any] | None], GraphQLError | None]) -> Plan | NoPlan:
    """Parse, validate, measure and generate the projectors of one operation (see the module docstring)."""
    gql: GraphQLSchema = schema._schema
    tokens, nesting = lexical_stats_cached(query, limits.max_tokens)
    if tokens > limits.max_tokens or nesting > limits.max_nesting:
        return NoPlan("over the lexical limits")
    try:
        document = _parse_cached(query, limits.max_tokens)
    except GraphQLError:
        return NoPlan("syntax error")
    operation = _operation(document, operation_name)
    if operation is None:
        return NoPlan("no single operation")
    if operation.operation != OperationType.QUERY:
        return NoPlan(operation.operation.value)
    if validate_document(gql, document, tuple(specified_rules)):
        return NoPlan("invalid document")
    per_request = _page_from_variable(document)
    if not per_request and measure(document, None) is not None:
        return NoPlan("refused by the limits")
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    query_type = gql.query_type
    builder = Builder(gql, fragments)
    roots: list[RootField] = []
    try:
        for key, nodes in collect(gql, fragments, query_type, [operation.selection_set]).items():
            name = nodes[0].name.value
            if name == "__typename":
                typename = query_type.name
                roots.append(RootField(key, name, nodes, None, lambda v, rt: typename, None))
                continue
            fdef = query_type.fields.get(name)
            if fdef is None or fdef.resolve is None:
                raise NotCompilable(f"root field {name}")
            fixed = None if uses_variables(nodes[0]) else _fixed_args(fdef, nodes[0])
            roots.append(RootField(key, name, nodes, fdef, builder.complete(fdef.type, nodes), fixed))
    except NotCompilable as exc:
        return NoPlan(str(exc))
    label_name = operation_name or (operation.name.value if operation.name else None)
    label = {"name": (label_name or "")[:100] or None, "type": "query", "definition": operation, "document": document}
    return Plan(document, operation, fragments, roots, label, per_request)


def _fixed_args(fdef: GraphQLField, node: FieldNode) -> dict[str, Any]:
    from graphql.execution.values import get_argument_values

    return get_argument_values(fdef, node, None)


def measure_with(schema: Any, limits: Limits, operation_name: str | None) -> Callable[[DocumentNode, dict[str, Any] | None], GraphQLError | None]:
    """The limits' verdict on a document (``QueryLimits``' structural analysis)."""

    def measure(document: DocumentNode, variables: dict[str, Any] | None) -> GraphQLError | None:
        _m, error = check_document(document, schema._schema, variables, operation_name, limits)
        return error

    return measure
