"""Walks of the administrative tree that every area question shares, so they all count the same things.

Before this module each roll-up walked the tree its own way: ``claimRates`` went district → street →
community and lost every community hanging directly under a district (in the seed network 11 of the
42 demands of 双流区), while ``coverageGaps`` walked straight down and grouped such communities under
the district. Now Q3 (coverageGaps), Q5 (rollup), Q12 (claimRates), Q13 (unitsWithoutProjects with an
area), Q2 (unitCommunities) and Q8 (similarCommunities) ask these functions, and a community's figures
land in the same row in every answer. The walk to the communities is the one ``AdminArea.communities``
compiles (:data:`cobuild.graph.fields.COMMUNITIES_UNDER`), so the entity field lists what they count.

The clauses are LadybugDB-friendly: each walk stands alone (``OPTIONAL MATCH … WITH``) before the hops
that follow it, because LadybugDB plans a variable-length segment followed by further hops in one
pattern badly (see :func:`below`); Neo4j runs either form.
"""

from __future__ import annotations

from typing import Sequence

from cobuild.graph.compile import node_text, walk_conditions, walk_text
from cobuild.graph.fields import COMMUNITIES_UNDER

# The walk itself is declared once, in cobuild.graph.fields (COMMUNITIES_UNDER): AdminArea.communities
# compiles it, and communities_under() below renders the same walk for the network questions.
COMMUNITY_LEVELS = list(COMMUNITIES_UNDER.levels)
STREET_LEVELS = ["STREET", "TOWN"]
# city → district → street → community is three hops; four leaves room for one more level above.
COMMUNITY_DEPTH = COMMUNITIES_UNDER.max
# community → compound (小区/院落) → grid (网格) / resident group.
SUBAREA_DEPTH = 2


def below(anchor: str, var: str, carry: Sequence[str], hi: int, where: str = "") -> str:
    """``OPTIONAL MATCH (anchor)<-[:PART_OF*0..hi]-(var:AdminArea) [WHERE …] WITH carry, var``: the
    area walk on its own, so the hops that follow start from a bound ``var``. LadybugDB plans a
    var-length segment followed by further hops in one pattern badly (on the city network a
    community's co-builders took 60 ms in one pattern and 1 ms split); Neo4j runs either form. Used
    where it measured faster on the city network (Q1, Q3, Q4, Q5, Q11, Q13); Q10 and Q32 keep the
    one-pattern form, which measured faster there (their filters prune inside the pattern)."""
    keep = ", ".join(dict.fromkeys([*carry, var]))
    return (f"OPTIONAL MATCH ({anchor})<-[:`PART_OF`*0..{hi}]-({var}:`AdminArea`)"
            + (f" WHERE {where}" if where else "") + f" WITH {keep} ")


def communities_under(root: str, c: str, carry: Sequence[str], levels_param: str, where: str = "") -> str:
    """Clauses binding ``c`` to each community under the area ``root`` (one row per community; a
    single row with ``c`` NULL when there is none), ending ``WITH carry, c``.

    **The communities under an area** — the one definition every question uses, and the one
    ``AdminArea.communities`` exposes:

        every AdminArea of level COMMUNITY or VILLAGE reached from the area by 1–4 PART_OF hops
        (child → parent), plus the area itself if it is a community.

    So a community that hangs directly under a district (no street between them) is one of the
    district's communities, exactly like one under a street; a compound placed directly under a street
    (skipping its community) is not a community and counts nowhere. ``levels_param`` is the parameter
    holding :data:`COMMUNITY_LEVELS`; ``where`` adds a filter on ``c`` (e.g. a community type).

    The walk is :data:`cobuild.graph.fields.COMMUNITIES_UNDER`, rendered by the compiler's own
    :func:`~cobuild.graph.compile.walk_text` and :func:`~cobuild.graph.compile.walk_conditions` —
    the walk ``AdminArea.communities`` compiles — standing alone before the hops that follow, as
    :func:`below` explains.
    """
    w = COMMUNITIES_UNDER
    conds = walk_conditions(w, c, "", None, levels_param) + ([where] if where else [])
    keep = ", ".join(dict.fromkeys([*carry, c]))
    return (f"OPTIONAL MATCH ({root}){walk_text(w)}{node_text(c, w.label)} WHERE {' AND '.join(conds)} "
            f"WITH {keep} ")


def community_row(c: str, g: str, carry: Sequence[str]) -> str:
    """Clauses binding ``g`` to the row a community's figures are grouped under, ending ``WITH carry, c, g``.

    **A community's row** is its parent area: the street or town it belongs to, or the district (or
    city) itself when the community hangs directly under it. Every per-street breakdown (Q3
    coverageGaps groups, Q5 rollup groups, Q12 claimRates items, Q2's streets) uses this row, so the
    same community is never in a street's row in one answer and in the district's in another; the
    rows of an answer partition its communities, so additive figures add up to the area's total."""
    keep = ", ".join(dict.fromkeys([*carry, c, g]))
    return f"OPTIONAL MATCH ({c})-[:`PART_OF`]->({g}:`AdminArea`) WITH {keep} "


def community_areas(c: str, k: str, carry: Sequence[str]) -> str:
    """Clauses binding ``k`` to the community ``c`` itself and every area 1–2 PART_OF hops below it
    (its compounds and their grids), ending ``WITH carry, k``.

    **What belongs to a community**: whatever the community or an area under it published, paired,
    signed or hosts — so the pairing of a compound's party branch (花样年·别样城小区党支部 with
    社区卫生服务中心党支部) is its community's, as Q1 communityCoBuilders shows by default. (Q12 and Q4/Q17 write
    the same walk, ``(c)<-[:PART_OF*0..SUBAREA_DEPTH]-(…)``, inside the pattern of the hop that follows,
    which measured faster there.)"""
    return below(c, k, carry, SUBAREA_DEPTH)


def community_of(a: str, out: str, carry: Sequence[str], levels_param: str) -> str:
    """Clauses computing ``out``: the id of the community area ``a`` belongs to — ``a`` itself when it
    is a community, else its nearest community ancestor one or two PART_OF hops up (a compound, a
    grid) — or NULL (a street, a district). The upward reading of :func:`community_areas`: ``k`` is
    one of community ``c``'s areas exactly when ``community_of(k) = c``. Ends ``WITH carry, a, out``.
    Up the tree by single hops: LadybugDB walks PART_OF forwards in var-length form ~10x slower."""
    keep = ", ".join(dict.fromkeys([*carry, a]))
    p1, p2 = f"{a}_up1", f"{a}_up2"
    return (f"OPTIONAL MATCH ({a})-[:`PART_OF`]->({p1}:`AdminArea`) WITH {keep}, {p1} "
            f"OPTIONAL MATCH ({p1})-[:`PART_OF`]->({p2}:`AdminArea`) "
            # (computed in a WITH: LadybugDB mis-evaluates a CASE inside a MATCH's WHERE)
            f"WITH {keep}, CASE WHEN {a}.`level` IN {levels_param} THEN {a}.`id` "
            f"WHEN {p1}.`level` IN {levels_param} THEN {p1}.`id` "
            f"WHEN {p2}.`level` IN {levels_param} THEN {p2}.`id` ELSE NULL END AS {out} ")


def tallies_under(root_param: str, t: str, carry: Sequence[str]) -> str:
    """Clauses binding ``t`` to the :data:`~cobuild.graph.model.COMMUNITY_TALLY` of each community
    under the area whose id is ``root_param`` — the same communities as :func:`communities_under`,
    read from the tallies kept up to date on write (:mod:`cobuild.graph.tallies`: a tally's
    ``ancestors`` are its community and the areas 1–:data:`COMMUNITY_DEPTH` PART_OF hops above it)
    instead of walking the subtree: one scan of a table with one record per community. Ends
    ``WITH carry, t`` (``t`` NULL in the one row of an area without communities).
    ``tests/store/test_tallies.py`` checks both give the same communities for every area."""
    keep = ", ".join(dict.fromkeys([*carry, t]))
    return f"OPTIONAL MATCH ({t}:`CommunityTally`) WHERE {root_param} IN {t}.`ancestors` WITH {keep} "
