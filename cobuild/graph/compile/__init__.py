"""GraphQL selections → ONE Cypher statement per root field (database-free).

Contract (used by the entity connections and by the network questions):

``plan_entity(selection, label_name) -> EntityPlan``
    What to fetch for one entity: the scalar properties selected (``id`` always) and, per response
    key (alias), each relationship, side or page field (:mod:`cobuild.graph.fields`) as a
    :class:`RelPlan`: its mode (connection, to-one, ``…Link``), its per-label node plans, ``where``,
    ``orderBy`` (else the natural order, :data:`NATURAL_ORDER`), ``first``, ``after``, and whether
    items or only ``totalCount`` were asked for. ``@skip``/``@include`` are applied and fragments
    merged (spec §CollectFields); a fragment applies when its type condition is the label or one of
    its interfaces (``Node``, ``Entity``, ``Actor``). ``selection`` is a list of Strawberry selection
    nodes (``info.selected_fields`` shape), e.g. from :func:`selection_of`. Plans are plain data, kept
    apart from the Strawberry objects, so another executor can run the same plan.

``project_entity(selection, label_name, var, params, vars, carry, dialect) -> (clauses, map_expr)``
    ``var`` is bound (by the caller's MATCH/WITH) to a node of ``label_name``. ``clauses`` are
    appended after that; a relationship field becomes ``OPTIONAL MATCH (var)-[e:R]->(m:L) [WHERE
    <where, scope, after>]`` … ``WITH <carry>, var, …, collect(CASE WHEN m.`id` IS NULL THEN NULL ELSE {…}
    END) AS c, count(m) AS t``; a side or page field walks its prefix on its own, then one
    ``OPTIONAL MATCH`` for the member step and the hops, and counts ``DISTINCT`` nodes. Every WITH
    carries the names in ``carry`` (plus ``var``), so the caller keeps its own variables.
    ``map_expr`` is a Cypher map for ``var`` to put in RETURN or ``collect``. Its keys: property
    names; ``r_<alias>`` for relationship fields holding ``{<OtherLabel>: [{<edge props> | via, edge,
    node: {…}}]}`` (in no particular order) and ``r_<alias>#total`` for a connection's count. Sorting
    by ``orderBy``, dropping what precedes the cursor exactly, merging a node's rows and slicing to
    ``first`` happen in Python (:func:`rel_page`, :func:`rel_one`) when the field resolves. Pass the
    map to ``cobuild.schema.entities.entity_from_row(label_name, map)`` and nested fields resolve
    from it with no further statements. ``selection`` may also be an :class:`EntityPlan`. An
    empty/None selection projects ``{id}``.

``selection_of(info, path) -> list[Selection] | None``
    The merged sub-selection of a nested field of the current root field, following field names (or
    aliases) through fragments and merging every alias of a field: ``selection_of(info, ["items", "unit"])``.

``compile_connection(selection, label_name, args, dialect) -> ConnectionPlan``
    A root list field: filter, keyset page (``first`` + 1 rows), nested projection, ``totalCount``
    only when selected — one statement returning rows ``{node, total?}``.

LadybugDB trap for callers: ``WITH … ORDER BY … LIMIT`` followed directly by an aggregation with no
grouping key (``WITH collect(x) AS page``) ignores the ORDER BY; keep a grouping key or return rows.

Values only travel as parameters; labels, types and property keys pass :func:`cypher.name`; the
only other keys in the text are ``node``, ``via``, ``edge`` and ``r_<alias>`` /
``r_<alias>#total`` where the alias is a GraphQL name (checked against the GraphQL name grammar, so
it cannot carry a quote).

Where each part lives (one job per module):

- :mod:`.selection` — Strawberry's selection nodes read as plain data (fragments, aliases, directives, arguments)
- :mod:`.plans` — a selection planned into :class:`EntityPlan` / :class:`RelPlan`
- :mod:`.ordering` — natural order, ``orderBy``, who may order by what, the same order in Python
- :mod:`.cursors` — cursors encoded, decoded and turned into keyset predicates
- :mod:`.values` — client values typed as the model's properties
- :mod:`.filters` — ``where`` → one Cypher predicate
- :mod:`.walks` — relationship walks of :mod:`cobuild.graph.fields` as Cypher patterns
- :mod:`.projection` — a plan projected inside the caller's statement (``project_plan``, ``project_entity``)
- :mod:`.pages` — pages of relationship lists cut in Python (``rel_page``, ``rel_one``)
- :mod:`.statements` — the root statements: ``compile_connection``, ``compile_lookup``
- :mod:`.limits` — page sizes, depths and the alias grammar

Every public name is re-exported here, so ``from cobuild.graph import compile as gc; gc.plan_entity``
works as it did when this was one module.
"""

from __future__ import annotations

from cobuild.graph.compile.cursors import Cursor, decode_cursor, encode_cursor
from cobuild.graph.compile.filters import compile_where
from cobuild.graph.compile.limits import DEFAULT_FIRST, MAX_DEPTH, MAX_FIRST, MAX_WHERE_DEPTH, check_first
from cobuild.graph.compile.ordering import (
    NATURAL_ORDER,
    check_order,
    natural_order,
    order_of,
    order_rows,
    parse_order,
    sort_key,
)
from cobuild.graph.compile.pages import Item, Page, rel_one, rel_page
from cobuild.graph.compile.plans import EntityPlan, RelMode, RelPlan, plan_entity, rel_fields_by_name
from cobuild.graph.compile.projection import TOTAL, entity_columns, project_entity, project_plan, rel_key
from cobuild.graph.compile.selection import (
    collect_fields,
    connection_node_selection,
    field_arguments,
    included,
    plain,
    response_key,
    selection_of,
    sub_selection,
    wants_total,
)
from cobuild.graph.compile.statements import ConnectionPlan, compile_connection, compile_lookup
from cobuild.graph.compile.values import to_value
from cobuild.graph.compile.walks import node_text, path_pattern, walk_conditions, walk_text

__all__ = [
    "ConnectionPlan",
    "Cursor",
    "DEFAULT_FIRST",
    "EntityPlan",
    "Item",
    "MAX_DEPTH",
    "MAX_FIRST",
    "MAX_WHERE_DEPTH",
    "NATURAL_ORDER",
    "Page",
    "RelMode",
    "RelPlan",
    "TOTAL",
    "check_first",
    "check_order",
    "collect_fields",
    "compile_connection",
    "compile_lookup",
    "compile_where",
    "connection_node_selection",
    "decode_cursor",
    "encode_cursor",
    "field_arguments",
    "included",
    "natural_order",
    "node_text",
    "order_of",
    "order_rows",
    "parse_order",
    "path_pattern",
    "plain",
    "plan_entity",
    "project_entity",
    "project_plan",
    "entity_columns",
    "rel_fields_by_name",
    "rel_key",
    "rel_one",
    "rel_page",
    "response_key",
    "selection_of",
    "sort_key",
    "sub_selection",
    "to_value",
    "walk_conditions",
    "walk_text",
    "wants_total",
]
