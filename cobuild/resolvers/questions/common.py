"""What every question shares: the statement being built (:class:`Q`), the argument checks, the
small Cypher pieces (anchors, references, ``collect`` of maps) and the helpers that sort and wrap
answers. A question's own statement, shaping and root resolver live in its family module
(:mod:`cobuild.resolvers.questions`).

Every builder returns ONE :class:`Statement` in the subset both engines run. Questions anchored on
an id start with ``MATCH (anchor:Label) WHERE anchor.id = $p`` and aggregate everything else into
the anchor's single row (``collect(CASE WHEN x.`id` IS NULL THEN NULL ELSE {…} END)``), so "no row"
means the id names nothing (NOT_FOUND) and the answer never needs a second round trip. Ordering,
grouping, ranking, ages and rates are done in Python by the ``shape_*`` functions, which keeps the
Cypher free of date arithmetic, list indexing and ``WITH … ORDER BY``.

Entities inside a result are projected in the same statement — with the client's nested selection
when there is a GraphQL request (:meth:`Q.entity`), else as maps of their scalar properties
(:func:`entity_map`) — never fetched one by one afterwards. Labels, types and keys are written
quoted (`` `PART_OF` ``); :meth:`Q.statement` passes every quoted name through
:func:`cobuild.graph.cypher.name`, so a name the model does not declare cannot reach an engine.
"""

import datetime as dt
import re
from typing import Any, Sequence

import strawberry

from cobuild.auth.access import ReadScope
from cobuild.errors import NotFoundError, ValidationError
from cobuild.graph import model
from cobuild.graph.cypher import Params, Statement, Vars, name, or_null
from cobuild.resolvers.areas import COMMUNITY_LEVELS
from cobuild.resolvers.entities import run_read
from cobuild.schema.entities import entity_from_row
from cobuild.schema.filters import bi

ACTIVE = "ACTIVE"
_QUOTED = re.compile(r"`([^`]*)`")
# Personal data never leaves through a question result.
_PRIVATE = {"phone"}
# Area subtrees are walked with a bounded PART_OF (city → district → street → community → compound).
MAX_DEPTH = 4


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------
def entity_props(label_name: str) -> list[str]:
    return [p.name for p in model.label(label_name).all_props if p.name not in _PRIVATE]


def entity_map(label_name: str, var: str) -> str:
    """``{id: v.id, name: v.name, …}``: every scalar property of the label (no relationships)."""
    return "{" + ", ".join(f"{name(p)}: {var}.{name(p)}" for p in entity_props(label_name)) + "}"


def collect_map(var: str, body: str, distinct: bool = False, key: str = "id") -> str:
    """``collect(CASE WHEN <var unbound> THEN NULL ELSE body END)`` (LadybugDB's OPTIONAL MATCH trap);
    ``key`` is the label's key (``CommunityTally``: ``community``)."""
    return f"collect({'DISTINCT ' if distinct else ''}{or_null(var, key)}{body} END)"


class Q:
    """One question statement being built: its parameters, fresh variables, and the projection of
    entity-typed result fields. With a GraphQL ``info`` the entity fields compile the client's
    nested selection into this same statement (:func:`cobuild.graph.compile.project_entity`);
    without one (unit tests, scripts) they project every scalar property."""

    def __init__(self, info: Any = None, dialect: Any = None) -> None:
        self.params = Params()
        self.vars = Vars()
        self.info = info
        self.dialect = dialect
        # The principal's read rules (masking, scoped rows); None without a request (scripts, unit tests).
        self.scope = ReadScope.of(info.context) if info is not None and hasattr(info, "context") else None

    def visible(self, var: str, label_name: str) -> str:
        """`` AND <row filter>`` for a scoped label's variable, or ``""``."""
        pred = self.scope.rows(var, label_name, self.params, self.vars) if self.scope is not None else None
        return f" AND {pred}" if pred else ""

    def masks_people(self) -> bool:
        """Names in refs shaped in Python (paths, hubs, clusters) are shown unmasked to admins only."""
        return self.scope is not None and self.scope.principal.role != "admin"

    def add(self, value: Any) -> str:
        return self.params.add(value)

    def entity(self, label_name: str, var: str, paths: Sequence[Sequence[str]], carry: Sequence[str],
               extra: Sequence[str] = ()) -> tuple[str, str]:
        """(clauses, expression) for entity ``var``: clauses go right after ``var`` is bound and
        keep ``carry`` (and ``var``) in scope; the expression is the entity's map, to use in a
        ``collect``/``RETURN``. With nested relationships the map is materialised as a variable so
        later clauses need carry only that name."""
        if self.info is None:
            return "", entity_map(label_name, var)
        from cobuild.graph import compile as gc

        selection: list[Any] = []
        for path in paths:
            selection.extend(gc.selection_of(self.info, list(path)) or [])
        plan = gc.plan_entity(selection, label_name, extra_props=("name", *extra))
        clauses, expr = gc.project_entity(plan, label_name, var, self.params, self.vars, list(carry), self.dialect,
                                          self.scope)
        if not clauses:
            return "", expr
        mv = self.vars.new("m")
        keep = list(dict.fromkeys([*carry, var]))
        return " ".join(clauses) + f" WITH {', '.join(keep)}, {expr} AS {mv} ", mv

    def finish(self, label_name: str, var: str, path: Sequence[str], carry: Sequence[str], extra: Sequence[str] = ()) -> tuple[str, str]:
        """Projection of the anchor after the aggregation (``carry`` = the aggregated names)."""
        return self.entity(label_name, var, [path], carry, extra)

    def statement(self, text: str, label: str, heavy: bool = False) -> Statement:
        """The statement, after checking that every quoted name in it is one the model declares
        (through :func:`cobuild.graph.cypher.name`) or one of the compiler's own map keys. ``heavy``:
        the question walks a district or more and runs through admission control (cobuild.graph.admission)."""
        text = " ".join(text.split())
        for ident in set(_QUOTED.findall(text)):
            if ident != "node" and not ident.startswith("r_"):
                name(ident)  # raises CompileError for a name the model does not declare
        return Statement(text, self.params.values, label=label, heavy=heavy)


def check_id(value: str, label_name: str, arg: str) -> str:
    """The id, or VALIDATION when its prefix names another label (``unit:…`` passed as a community)."""
    lab = model.label_of_id(value or "")
    want = model.label(label_name)
    if lab is None or lab.name != label_name:
        raise ValidationError(
            f"{arg} must be the id of a {want.en} ({want.zh}), starting with '{want.id_prefix}:'; got {value!r}",
            field=arg,
        )
    return value


def check_range(value: int | float | None, lo: int | float, hi: int | float, arg: str) -> None:
    if value is not None and not (lo <= value <= hi):
        raise ValidationError(f"{arg} must be between {lo} and {hi}; got {value}", field=arg)


def first_row(rows: list[dict[str, Any]], what: str, node_id: str) -> dict[str, Any]:
    if not rows:
        raise NotFoundError(f"no {what} with id {node_id!r}", id=node_id)
    return rows[0]


def require_level(row: dict[str, Any], levels: Sequence[str], arg: str, node_id: str) -> None:
    if row.get("level") not in levels:
        raise ValidationError(
            f"{arg} must name an area of level {' or '.join(levels)}; {node_id!r} is {row.get('level')}", field=arg
        )


def match_anchor(q: Q, label_name: str, var: str, node_id: str) -> str:
    return f"MATCH ({var}:{name(label_name)}) WHERE {var}.`id` = {q.add(node_id)}"


AREA_REF = "{`id`: %(v)s.`id`, `name`: %(v)s.`name`, `level`: %(v)s.`level`, `communityType`: %(v)s.`communityType`}"


def area_ref(var: str) -> str:
    return AREA_REF % {"v": var}


def ref(var: str) -> str:
    return "{`id`: %(v)s.`id`, `name`: %(v)s.`name`}" % {"v": var}


def as_date(v: Any) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def sort_key_name(d: dict[str, Any] | None) -> str:
    return (d or {}).get("name") or (d or {}).get("id") or ""


# Ordering (issue 9 part 7): every list a question returns is sorted here by a documented key that
# ends in ids, so both stores give the same JSON for the same data whatever order their rows came
# in; rows that are grouped "first one wins" are put in a canonical order first. The field
# descriptions in cobuild/schema/questions/ state each list's order.
def name_id(d: dict[str, Any] | None) -> tuple[str, str]:
    """Name (or id when unnamed), then id: names tie (and masked names are all ``***``)."""
    return sort_key_name(d), (d or {}).get("id") or ""


def id_of(d: dict[str, Any] | None) -> str:
    return (d or {}).get("id") or ""


def sortable(v: Any) -> str:
    """A sortable form of a scalar that may be missing (dates as ISO text, None as "")."""
    return "" if v is None else v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else str(v)


LEVEL_DEPTH = {level: i for i, level in enumerate(model.AREA_LEVELS)}  # CITY 0 … GRID (most specific)


# ---------------------------------------------------------------------------------------------
# Root resolvers: run the statement, wrap the answer
# ---------------------------------------------------------------------------------------------
def q_for(info: strawberry.Info) -> Q:
    """The statement builder of a request (its selection, dialect and read scope)."""
    return Q(info, info.context.dialect)


async def run(info: strawberry.Info, stmt: Any) -> list[dict[str, Any]]:
    return await run_read(info, stmt)


def argument(zh: str, en: str) -> Any:
    return strawberry.argument(description=bi(zh, en))


def entity(label_name: str, data: dict[str, Any] | None) -> Any:
    """The entity type of a projected map, or None."""
    return entity_from_row(label_name, data) if data else None


def enum_or_none(cls: Any, value: Any) -> Any:
    """A stored string as the GraphQL enum (None when missing or not one of its values)."""
    if value is None:
        return None
    try:
        return cls(value)
    except ValueError:
        return None


def require_community(row: dict[str, Any], arg: str, node_id: str) -> None:
    require_level(row, COMMUNITY_LEVELS, arg, node_id)


def check_limit(value: int, arg: str, hi: int = 100) -> int:
    check_range(value, 1, hi, arg)
    return value
