"""CollectFields (GraphQL spec §6.3.2) for plans: fragments merged, literal ``@skip``/``@include``
applied. A directive whose condition is a variable, or any other directive, makes the operation
non-compilable (decided once, at plan time): its selection would differ per request."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, is_abstract_type
from graphql.language import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


class NotCompilable(Exception):
    """The operation (or a type reached at run time) cannot run on a plan; the reason is recorded."""


def _included(node: Any) -> bool:
    for d in node.directives or ():
        name = d.name.value
        if name not in ("skip", "include"):
            raise NotCompilable(f"directive @{name}")
        arg = next((a for a in d.arguments or () if a.name.value == "if"), None)
        if arg is None or not isinstance(arg.value, BooleanValueNode):
            raise NotCompilable(f"@{name} with a variable condition")
        if (name == "skip") == arg.value.value:
            return False
    return True


def _applies(schema: GraphQLSchema, type_condition: Any, runtime: GraphQLObjectType) -> bool:
    if type_condition is None:
        return True
    cond = schema.get_type(type_condition.name.value)
    if cond is None:
        return False
    if cond is runtime:
        return True
    return is_abstract_type(cond) and schema.is_sub_type(cond, runtime)


def collect(schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], runtime: GraphQLObjectType,
            selection_sets: list[SelectionSetNode]) -> dict[str, list[FieldNode]]:
    """Response key → the field nodes merged under it, in the order the spec's CollectFields gives."""
    grouped: dict[str, list[FieldNode]] = {}
    visited: set[str] = set()

    def visit(sel_set: SelectionSetNode) -> None:
        for sel in sel_set.selections:
            if not _included(sel):
                continue
            if isinstance(sel, FieldNode):
                grouped.setdefault((sel.alias or sel.name).value, []).append(sel)
            elif isinstance(sel, InlineFragmentNode):
                if _applies(schema, sel.type_condition, runtime):
                    visit(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                if name in visited:
                    continue
                visited.add(name)
                frag = fragments.get(name)
                if frag is not None and _applies(schema, frag.type_condition, runtime):
                    visit(frag.selection_set)

    for s in selection_sets:
        visit(s)
    return grouped
