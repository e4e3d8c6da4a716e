"""Cypher text built from model names and parameters only.

No user value is ever spliced into a statement: values travel in ``Statement.params``; labels,
relationship types and property keys pass :func:`name`, which accepts only identifiers the model
declares (or cobuild's own internal ones) and backtick-quotes them. Builders elsewhere compose text
from these pieces, so a string that did not come from the model cannot reach the query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cobuild.errors import CompileError
from cobuild.graph import model

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INTERNAL_NAMES = {"_SchemaVersion", "version", "fingerprint", "appliedAt", "description"}


def _known_names() -> frozenset[str]:
    names: set[str] = set(_INTERNAL_NAMES)
    for lab in model.LABELS:
        names.add(lab.name)
        names.update(lab.prop_names)
    for rel in model.RELATIONSHIPS:
        names.add(rel.name)
        names.update(p.name for p in rel.props)
    for internal in model.INTERNAL_LABELS:
        names.add(internal.name)
        names.update(internal.prop_names)
    return frozenset(names)


KNOWN_NAMES = _known_names()


def name(identifier: str) -> str:
    """A label, type or key from the model, quoted for Cypher (``FOR`` and ``OF`` are keywords)."""
    if identifier not in KNOWN_NAMES or not _IDENT.match(identifier):
        raise CompileError(f"{identifier!r} is not a name the model declares")
    return f"`{identifier}`"


def missing(var: str, key: str = "id") -> str:
    """``var IS NULL`` for a node an ``OPTIONAL MATCH`` may leave unbound, written as a test of its key.

    Same answer on both stores (a bound node always has its key: the primary key on LadybugDB, a
    required, unique property on Neo4j). Why: LadybugDB 0.22 reads every property of a node to test
    the node itself for null; testing the key instead cut the engine's CPU of the community page (W1)
    by 31 %, the unit page (W2) 41 %, coverage gaps (W3) 46 % and the district roll-up (W6) 36 %
    (city network, the two forms interleaved). ``key`` is the label's key: ``id``, or an internal
    label's own (``CommunityTally`` → ``community``)."""
    return f"{var}.{name(key)} IS NULL"


def or_null(var: str, key: str = "id") -> str:
    """The opening ``CASE WHEN <var unbound> THEN NULL ELSE `` of a value that is null when an OPTIONAL
    MATCH left ``var`` unbound (close it with `` END``), tested by :func:`missing`."""
    return f"CASE WHEN {missing(var, key)} THEN NULL ELSE "


@dataclass(frozen=True)
class Statement:
    """One Cypher statement and its parameters: the unit the engines run and count."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # what it answers, for logs and statement-count tests
    heavy: bool = False  # a heavy question (roll-ups, matching, clusters …): admitted through cobuild.graph.admission

    def __str__(self) -> str:  # pragma: no cover - debug aid
        return f"{self.text}\n// params: {self.params}"


class Params:
    """Collects parameter values and hands back ``$p0``, ``$p1`` … in order of use."""

    def __init__(self, prefix: str = "p") -> None:
        self._prefix = prefix
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        key = f"{self._prefix}{len(self.values)}"
        self.values[key] = value
        return f"${key}"


class Vars:
    """Fresh variable names (``n0``, ``n1`` …) so nested projections never collide."""

    def __init__(self) -> None:
        self._n = 0

    def new(self, stem: str = "n") -> str:
        v = f"{stem}{self._n}"
        self._n += 1
        return v
