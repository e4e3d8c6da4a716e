"""Reading Strawberry's selection nodes (``SelectedField`` / ``InlineFragment`` / ``FragmentSpread``,
duck-typed): ``@skip``/``@include``, fragments merged, aliases merged, arguments as plain values.

Kept apart from planning so the rest of the compiler sees plain data: this is the only module that
knows the shape of Strawberry's objects, and the resolvers that need a nested selection
(:func:`selection_of`) or a field's arguments (:func:`field_arguments`) use it directly.
"""

from __future__ import annotations

import enum
from typing import Any, Iterable, Sequence


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
