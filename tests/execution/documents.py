"""The query documents the project itself uses — every GraphQL string constant in tests/ and bench/ and
every ```graphql block of README.md and docs/ that parses and holds only query operations — and
variables for them drawn from the store by the variables' names (a community for ``communityId``, a
unit for ``unitId`` …), so most of them reach their resolvers and answer data."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    Undefined,
    parse,
    type_from_ast,
)

ROOT = Path(__file__).resolve().parents[2]


def _queries_only(text: str) -> list[str | None] | None:
    """Operation names to send (``[None]`` for a single operation) when ``text`` holds only queries."""
    if "{" not in text:
        return None
    try:
        document = parse(text)
    except Exception:  # noqa: BLE001 - not GraphQL
        return None
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if not ops or any(o.operation.value != "query" for o in ops):
        return None
    if len(ops) == 1:
        return [None]
    return [o.name.value for o in ops if o.name is not None]


def project_documents() -> list[tuple[str, str | None, str]]:
    """(document, operation name, where it was found), each document once."""
    found: dict[tuple[str, str | None], str] = {}

    def consider(text: str, where: str) -> None:
        for op in _queries_only(text) or ():
            found.setdefault((text, op), where)

    for path in sorted([*ROOT.glob("tests/**/*.py"), *ROOT.glob("bench/*.py")]):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                consider(node.value, str(path.relative_to(ROOT)))
    for path in [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md"))]:
        for m in re.finditer(r"```graphql\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
            consider(m.group(1), str(path.relative_to(ROOT)))
    return [(text, op, where) for (text, op), where in found.items()]


# variable name fragment → label of the id to send (first match wins)
_ID_LABELS = (("community", "community"), ("street", "street"), ("district", "district"), ("area", "district"),
              ("region", "district"), ("unit", "unit"), ("from", "unit"), ("to", "unit"), ("person", "person"),
              ("member", "person"), ("demand", "demand"), ("item", "demand"), ("project", "project"),
              ("alliance", "alliance"), ("pairing", "pairing"), ("category", "category"), ("org", "party"),
              ("venue", "venue"), ("agreement", "agreement"), ("resource", "resource"))


def _id_for(name: str, ids: dict[str, str]) -> str:
    low = name.lower()
    for part, kind in _ID_LABELS:
        if part in low and kind in ids:
            return ids[kind]
    return ids["community"]


def value_for(type_: Any, name: str, ids: dict[str, str], depth: int = 0) -> Any:
    """A plausible value of ``type_`` for a variable or input field named ``name``."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        return [value_for(type_.of_type, name, ids, depth + 1)]
    if isinstance(type_, GraphQLEnumType):
        return sorted(type_.values)[0]
    if isinstance(type_, GraphQLInputObjectType):
        out: dict[str, Any] = {}
        for fname, f in type_.fields.items():
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined and depth < 4:
                out[fname] = value_for(f.type, fname, ids, depth + 1)
        return out
    if isinstance(type_, GraphQLScalarType):
        return {"Int": 5, "Float": 1.5, "Boolean": True, "Date": "2023-01-01", "DateTime": "2023-01-01T00:00:00+00:00",
                "ID": None}.get(type_.name, "社区") if type_.name != "ID" and not name.lower().endswith(("id", "ids")) \
            else _id_for(name, ids)
    return None


def variables_for(schema: GraphQLSchema, text: str, operation: str | None, ids: dict[str, str]) -> dict[str, Any]:
    """Values for the operation's required variables (optional ones left out: their defaults apply)."""
    document = parse(text)
    op = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode)
              and (operation is None or (d.name is not None and d.name.value == operation)))
    out: dict[str, Any] = {}
    for vd in op.variable_definitions or ():
        t = type_from_ast(schema, vd.type)
        if t is None:
            continue
        if isinstance(t, GraphQLNonNull) and vd.default_value is None:
            out[vd.variable.name.value] = value_for(t, vd.variable.name.value, ids)
    return out
