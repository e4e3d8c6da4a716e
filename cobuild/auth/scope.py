"""The AdminArea ids a principal's scope covers: its ``area_ids`` and everything below them.

``PART_OF`` points from a child area to its parent and the area tree is at most seven levels deep
below a city (district → street → community → compound → resident group → grid), so the subtree is
one bounded statement, ``(d)-[:PART_OF*0..6]->(a)`` — on a strict tree there is exactly one path
per descendant, so the bounded walk stays linear in the subtree's size.

The authorization compiler embeds :func:`area_scope_predicate` into the query's own statement
(a filter, never a post-filter); :func:`areas_in_scope` runs the same pattern on its own for checks
before a write and for tests.
"""

from __future__ import annotations

from typing import Iterable

from cobuild.auth.principal import Principal
from cobuild.graph.cypher import Params, Statement, Vars, name
from cobuild.graph.engines.base import GraphEngine

MAX_AREA_DEPTH = 6


def area_subtree_statement(area_ids: Iterable[str]) -> Statement:
    """One statement: the ids of the given areas and of all areas below them (``id`` column)."""
    params = Params()
    ids_p = params.add(sorted(set(area_ids)))
    area, part_of = name("AdminArea"), name("PART_OF")
    text = (
        f"MATCH (d:{area})-[:{part_of}*0..{MAX_AREA_DEPTH}]->(a:{area}) "
        f"WHERE a.`id` IN {ids_p} "
        f"RETURN DISTINCT d.`id` AS id"
    )
    return Statement(text, params.values, label="auth area scope")


async def areas_in_scope(engine: GraphEngine, principal: Principal, *, timeout: float | None = None) -> frozenset[str] | None:
    """The AdminArea ids in ``principal``'s scope; ``None`` = unrestricted (admin, analyst).

    Ids in ``area_ids`` that do not exist in the graph contribute nothing, so a key granted a
    deleted or mistyped area sees nothing rather than everything.
    """
    if principal.reads_everything:
        return None
    if not principal.area_ids:
        return frozenset()
    rows = await engine.run(area_subtree_statement(principal.area_ids), "read", timeout=timeout)
    return frozenset(r["id"] for r in rows)


def area_scope_predicate(area_var: str, params: Params, principal: Principal, vars: Vars | None = None) -> str | None:
    """A WHERE predicate: the AdminArea bound to ``area_var`` lies in the principal's subtree.

    ``None`` when the principal is unrestricted (emit no filter). ``area_var`` must be a variable
    the compiler created (never user text). Uses ``EXISTS { MATCH … }``, which both engines run.
    """
    if principal.reads_everything:
        return None
    if not principal.area_ids:
        return "false"
    ids_p = params.add(sorted(set(principal.area_ids)))
    area, part_of = name("AdminArea"), name("PART_OF")
    root = vars.new("scope") if vars is not None else "scope_root"
    return (
        f"EXISTS {{ MATCH ({area_var})-[:{part_of}*0..{MAX_AREA_DEPTH}]->({root}:{area}) "
        f"WHERE {root}.`id` IN {ids_p} }}"
    )
