"""Every GraphQL name derived from the model, in one place (graphile's ``inflection``).

Labels keep their model name as type name (``Unit``); root list fields are the camelCase plural
(``units``, ``adminAreas``), single lookups the camelCase singular (``unit``). Relationship, side
and page fields are named in one explicit table, :mod:`cobuild.graph.fields` (``PART_OF`` out →
``parent``, in → ``children``); this module names the types around them: a connection field whose
edges carry nothing but a cursor reuses the other end's ``<Label>Connection``, one whose edges carry
relationship properties or ``via`` gets ``<Owner><Field>Connection`` / ``<Owner><Field>Edge``, and
a to-one field's companion ``<field>Link`` returns ``<Owner><Field>Link``.

This module is database- and Strawberry-free so the compiler can use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cobuild.graph import model

if TYPE_CHECKING:
    from cobuild.graph import fields

NODE_INTERFACE = "Node"
ENTITY_INTERFACE = "Entity"
ACTOR_INTERFACE = "Actor"

_IRREGULAR_PLURALS = {"Person": "persons"}


def pascal(snake: str) -> str:
    return "".join(w[:1].upper() + w[1:].lower() for w in snake.split("_") if w)


def camel(snake: str) -> str:
    p = pascal(snake)
    return p[:1].lower() + p[1:]


def lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


def upper_first(s: str) -> str:
    return s[:1].upper() + s[1:]


def plural(word: str) -> str:
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "sh", "ch", "x")):
        return word + "es"
    return word + "s"


def list_field(label_name: str) -> str:
    """Root connection field: ``Unit`` → ``units``, ``AdminArea`` → ``adminAreas``."""
    return lower_first(plural(label_name)) if label_name not in _IRREGULAR_PLURALS else _IRREGULAR_PLURALS[label_name]


def single_field(label_name: str) -> str:
    return lower_first(label_name)


def connection_type(label_name: str) -> str:
    return f"{label_name}Connection"


def connection_edge_type(label_name: str) -> str:
    return f"{label_name}Edge"


def where_type(label_name: str) -> str:
    return f"{label_name}Where"


def order_type(label_name: str) -> str:
    return f"{label_name}Order"


def order_field_enum(label_name: str) -> str:
    return f"{label_name}OrderField"


def rel_connection_type(owner: str, f: "fields.Field") -> str:
    """``AdminArea.children`` → ``AdminAreaChildrenConnection``; a field whose edges carry only a
    cursor and node reuses the other end's root connection (``UnitConnection``)."""
    if not rel_has_edge_data(f):
        return connection_type(other_end_type(f))
    return f"{owner}{upper_first(f.name)}Connection"


def rel_edge_type(owner: str, f: "fields.Field") -> str:
    if not rel_has_edge_data(f):
        return connection_edge_type(other_end_type(f))
    return f"{owner}{upper_first(f.name)}Edge"


def rel_link_type(owner: str, f: "fields.Field") -> str:
    return f"{owner}{upper_first(f.name)}Link"


def rel_has_edge_data(f: "fields.Field") -> bool:
    return bool(f.edge_props) or f.has_via


def some_key(field: str) -> str:
    return f"{field}_some"


def none_key(field: str) -> str:
    return f"{field}_none"


def interfaces_of(label_name: str) -> tuple[str, ...]:
    lab = model.label(label_name)
    return (NODE_INTERFACE, ENTITY_INTERFACE) + ((ACTOR_INTERFACE,) if lab.actor else ())


def other_end_type(f: "fields.Field") -> str:
    """The GraphQL type at the other end: the label, else ``Actor`` when all are actors, else ``Entity``."""
    if len(f.others) == 1:
        return f.others[0]
    if all(model.label(o).actor for o in f.others):
        return ACTOR_INTERFACE
    return ENTITY_INTERFACE


# Enum type names that the constant's name would spell badly or ambiguously.
ENUM_NAMES = {"MICROWISH_STATUS": "MicroWishStatus", "DIRECTIONS": "EvaluationDirection", "FORMS": "CoBuildingForm"}


def enum_constant(values: tuple[str, ...]) -> str | None:
    """The model constant holding ``values`` (the very tuple)."""
    for const, value in vars(model).items():
        if const.isupper() and value is values:
            return const
    return None


def enum_type_name(values: tuple[str, ...], owner: str, prop: str) -> str:
    """``AREA_LEVELS`` → ``AreaLevel``: the model constant's name, singular, in PascalCase
    (:data:`ENUM_NAMES` overrides a few)."""
    for const, value in vars(model).items():
        if const.isupper() and value is values:
            if const in ENUM_NAMES:
                return ENUM_NAMES[const]
            words = const.split("_")
            last = words[-1]
            if last.endswith("IES"):
                last = last[:-3] + "Y"
            elif last.endswith("S") and not last.endswith(("SS", "US")):
                last = last[:-1]
            name = pascal("_".join(words[:-1] + [last]))
            if name in model.LABELS_BY_NAME or name in (NODE_INTERFACE, ENTITY_INTERFACE, ACTOR_INTERFACE):
                name += "Enum"
            return name
    return f"{owner}{upper_first(prop)}"


