"""The compiled path's leaves answer exactly what graphql-core's output coercion answers, including
where they skip it (strings, ids, booleans of the exact type) or remember it (enum values)."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from graphql import GraphQLBoolean, GraphQLError, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLString

from cobuild.execution.project import Fallback, _leaf


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    DARK_BLUE = "dark blue"


@strawberry.type
class Holder:
    colour: Colour


def _enum_type() -> Any:
    schema = strawberry.Schema(query=Holder)
    return schema._schema.get_type("Colour")


@pytest.mark.parametrize("type_, value", [
    (GraphQLString, "社区"), (GraphQLString, 5), (GraphQLString, True), (GraphQLID, "unit:1"), (GraphQLID, 7),
    (GraphQLBoolean, False), (GraphQLBoolean, 1), (GraphQLInt, 3), (GraphQLFloat, 2.5), (GraphQLFloat, 2),
])
def test_scalars_answer_what_graphql_core_coerces(type_: Any, value: Any) -> None:
    assert _leaf(type_)(value, None) == type_.serialize(value)
    assert type(_leaf(type_)(value, None)) is type(type_.serialize(value))
    assert _leaf(type_)(None, None) is None


# either way the request is answered by Strawberry (cobuild.execution.run falls back on any exception)
REFUSED = (Fallback, GraphQLError)


def test_a_value_the_coercion_refuses_falls_back_to_strawberry() -> None:
    with pytest.raises(REFUSED):
        _leaf(GraphQLBoolean)("yes", None)
    with pytest.raises(REFUSED):
        _leaf(GraphQLInt)(2**40, None)


def test_enums_are_remembered_per_value_and_still_refuse_bad_values() -> None:
    type_ = _enum_type()
    leaf = _leaf(type_)
    for _ in range(2):  # the second round answers from the memo
        assert leaf(Colour.DARK_BLUE, None) == type_.serialize(Colour.DARK_BLUE) == "DARK_BLUE"
        assert leaf("red", None) == type_.serialize("red") == "RED"
    for bad in ("purple", ["red"]):
        with pytest.raises(REFUSED):
            leaf(bad, None)
