"""Every GraphQL name derived from the model, in one place (graphile's ``inflection``).

Labels keep their model name as type name (``Unit``); root list fields are the camelCase plural
(``units``, ``adminAreas``), single lookups the camelCase singular (``unit``). Relationship fields
are named from the relationship type: outgoing in camelCase (``LOCATED_IN`` → ``locatedIn``),
incoming from :data:`INCOMING` (``PART_OF`` → ``parts``, ``CO_BUILDS_WITH`` → ``coBuilders``).
A new relationship type without an ``INCOMING`` entry gets ``<camel>Inverse``. Name clashes are
refused at import time with a :class:`~cobuild.errors.ModelError`.

This module is database- and Strawberry-free so the compiler can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from cobuild.errors import ModelError
from cobuild.graph import model

NODE_INTERFACE = "Node"
ENTITY_INTERFACE = "Entity"
ACTOR_INTERFACE = "Actor"

# Incoming field names (the relationship seen from its target).
INCOMING: dict[str, str] = {
    "PART_OF": "parts",
    "OVERLAPS": "overlappedBy",
    "LOCATED_IN": "locatedHere",
    "HAS_PARTY_ORG": "owners",
    "SUBORDINATE_TO": "subordinates",
    "COVERS": "coveredBy",
    "MEMBER_OF": "members",
    "EMPLOYED_BY": "employees",
    "HOLDS_POSITION": "positionHolders",
    "REPORTS_TO": "reporters",
    "PARTY_TO": "parties",
    "SIGNED": "signers",
    "FORMALIZES": "formalizedBy",
    "UNDER": "includes",
    "PUBLISHES": "publishers",
    "OFFERS": "offeredBy",
    "IN_CATEGORY": "categorized",
    "SUBCATEGORY_OF": "subcategories",
    "CLAIMED": "claimedBy",
    "ADDRESSES": "addressedBy",
    "USES": "usedBy",
    "BELONGS_TO": "allianceMembers",
    "OPERATES": "operators",
    "GAVE": "givenBy",
    "OF": "evaluationsReceived",
    "ABOUT": "evaluations",
    "PERFORMED": "performedBy",
    "FOR": "serviceRecords",
    "AT": "servicesAt",
    "RUNS": "runBy",
    "PART_OF_PROGRAM": "programParts",
    "HAS_STATISTIC": "statisticOf",
    "CO_BUILDS_WITH": "coBuilders",
    "PAIRED_WITH": "pairedFrom",
}

# Incoming descriptions' lead words, so "parts" reads "下级(隶属…的反向)".
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


def rel_edge_type(label_name: str, field: str) -> str:
    """Edge of a relationship field: ``Unit.locatedIn`` → ``UnitLocatedInEdge``."""
    return f"{label_name}{upper_first(field)}Edge"


def some_key(field: str) -> str:
    return f"{field}_some"


def none_key(field: str) -> str:
    return f"{field}_none"


def interfaces_of(label_name: str) -> tuple[str, ...]:
    lab = model.label(label_name)
    return (NODE_INTERFACE, ENTITY_INTERFACE) + ((ACTOR_INTERFACE,) if lab.actor else ())


Direction = Literal["out", "in"]


@dataclass(frozen=True)
class RelField:
    """A relationship seen from one label: ``Unit.locatedIn`` = LOCATED_IN, out, to AdminArea/FunctionalZone."""

    name: str
    rel: model.RelType
    direction: Direction
    others: tuple[str, ...]

    @property
    def zh(self) -> str:
        return self.rel.zh if self.direction == "out" else f"{self.rel.zh}(反向)"

    @property
    def en(self) -> str:
        return self.rel.en if self.direction == "out" else f"Inverse of: {self.rel.en}"


@lru_cache(maxsize=None)
def rel_fields(label_name: str) -> dict[str, RelField]:
    """Relationship fields of a label, outgoing first, in model order."""
    lab = model.label(label_name)
    out: dict[str, RelField] = {}
    for rel in model.RELATIONSHIPS:
        targets = tuple(dict.fromkeys(b for a, b in rel.endpoints if a == label_name))
        if targets:
            _add(out, lab, RelField(camel(rel.name), rel, "out", targets))
    for rel in model.RELATIONSHIPS:
        sources = tuple(dict.fromkeys(a for a, b in rel.endpoints if b == label_name))
        if sources:
            _add(out, lab, RelField(INCOMING.get(rel.name, camel(rel.name) + "Inverse"), rel, "in", sources))
    return out


def _add(out: dict[str, RelField], lab: model.NodeLabel, f: RelField) -> None:
    if f.name in out or f.name in lab.prop_names:
        raise ModelError(
            f"GraphQL field {lab.name}.{f.name} ({f.rel.name}, {f.direction}) clashes with another field",
            "add or change its entry in cobuild/graph/naming.py INCOMING",
        )
    out[f.name] = f


def other_end_type(others: tuple[str, ...]) -> str:
    """The GraphQL type at the other end: the label, else ``Actor`` if all are actors, else ``Entity``."""
    if len(others) == 1:
        return others[0]
    if all(model.label(o).actor for o in others):
        return ACTOR_INTERFACE
    return ENTITY_INTERFACE


def enum_type_name(values: tuple[str, ...], owner: str, prop: str) -> str:
    """``AREA_LEVELS`` → ``AreaLevel``: the model constant's name, singular, in PascalCase."""
    for const, value in vars(model).items():
        if const.isupper() and value is values:
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


def check_names() -> None:
    for lab in model.LABELS:
        rel_fields(lab.name)


check_names()
