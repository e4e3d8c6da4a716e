"""What each community adds to the area roll-ups, kept up to date on write (issue 11 part 3).

Why
===
``rollup``, ``coverageGaps`` and ``claimRates`` of a district used to walk the district's subtree
(~1,600 areas on the city network) and hop from every area to its co-builders, agreements, party
organisations, part-time committee members, demands and projects — on every request, although the
answer changes only when one of those records does. On LadybugDB that cost 370 ms (roll-up) and
55 ms (coverage) of CPU per answer, most of it spent building hash tables over whole node tables,
whatever the district. Now every community has one :data:`~cobuild.graph.model.COMMUNITY_TALLY`
record holding exactly the facts those questions count, and a question reads the tallies of the
communities under its area — a scan of one small table (one record per community), no walk.

What a tally holds
==================
For community ``c`` (an AdminArea of level COMMUNITY or VILLAGE) and its *areas* — ``c`` and every
area one or two PART_OF hops below it (:func:`cobuild.resolvers.areas.community_areas`):

* ``ancestors`` — ``c`` and every area 1–4 PART_OF hops above it, so "``c`` is one of the
  communities under ``x``" (:func:`cobuild.resolvers.areas.communities_under`) reads
  ``x IN t.ancestors``; ``parentId`` — ``c``'s row (:func:`~cobuild.resolvers.areas.community_row`);
* ``units``/``unitTypes`` and ``pairings`` — the units and pairing ids of the ACTIVE
  ``CO_BUILDS_WITH`` edges of its areas;
* ``agreements``/``agreementTypes`` — signed by its areas or their party organisations, or
  formalising a pairing of any ``CO_BUILDS_WITH`` edge of its areas;
* ``partTime`` — persons holding a PART_TIME_COMMITTEE_MEMBER seat in a party organisation of its areas;
* ``demands`` — published by its areas; ``projects`` — under a pairing of any ``CO_BUILDS_WITH`` edge
  of its areas (their statuses, which change often, are read at question time);
* ``dependsOn`` — the id of every record the computation read (areas, party organisations, units,
  pairings, agreements, persons, demands, projects, ancestors).

These are the lists the from-scratch statements collected per community before (see
:func:`compute_statement`); the questions add them up exactly as before (distinct ids per row and
for the area).

How it stays equal to a recount
===============================
* **In the same transaction as the write.** Every mutation and batch upsert ends in
  :func:`cobuild.resolvers.mutations._write`, which calls :func:`refresh` with the changes the unit
  of work reports (the change-feed records) before it records them: the tallies commit or roll back
  with the write.
* **Which tallies a write touches.** For each relevant changed record ``x`` (:data:`RELEVANT`: created,
  or one of the properties and relationship types a tally reads changed): every tally whose
  ``dependsOn`` lists ``x`` (what ``x`` fed *before* the write), and the communities among the
  areas ``x`` hangs on after the write and the two areas above each (what it feeds *after*:
  :func:`fed_now_statement`, read from the graph in the write's transaction, so records written
  without an ``areaPath`` are followed too). Those are recomputed from the graph with the statement
  the rebuild uses (:func:`compute_statement`), restricted to them: three or four more statements,
  paid only by writes that change what a roll-up counts (claims, project steps, evaluations,
  reports and service records pay nothing).
* **Bulk paths rebuild.** ``cobuild seed``, ``cobuild generate``, ``cobuild import`` and the
  migration that creates the table end with :func:`rebuild`; ``cobuild maintain rebuild`` does it
  by hand and ``cobuild maintain check`` compares every stored tally with a fresh recount.
* **Tested.** ``tests/store/test_tallies.py``: on the seed network the stored tallies equal a
  recount and list, for every area, exactly the communities the subtree walk reaches; a series of
  mutations and upserts of every kind that can change a tally (pairings created by a community, a
  compound and a party organisation, terminated, put under rectification, moved to another host;
  agreements signed, re-typed and moved to another pairing; areas created, moved and re-levelled;
  party organisations, demands and projects moved; a unit's type changed) is checked against a
  recount after each write, and the roll-ups answer the same before and after a rebuild; a refused
  write leaves the tallies untouched; an import ends equal to a recount; and hypothesis drives
  random sequences of upserts, checking after every write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from cobuild.graph import model
from cobuild.graph.cypher import Params, Statement, name
from cobuild.graph.fields import COMMUNITIES_UNDER

TALLY = model.COMMUNITY_TALLY
LIST_KEYS = ("ancestors", "dependsOn", "units", "unitTypes", "pairings", "agreements", "agreementTypes", "partTime",
             "demands", "projects")
ACTIVE = "ACTIVE"
PART_TIME = "PART_TIME_COMMITTEE_MEMBER"
# The walk of "the communities under an area" (cobuild.graph.fields.COMMUNITIES_UNDER, which
# AdminArea.communities and every roll-up use): a tally lists the areas that walk reaches it from.
COMMUNITY_LEVELS = tuple(COMMUNITIES_UNDER.levels)
ANCESTOR_DEPTH = COMMUNITIES_UNDER.max
# cobuild.resolvers.areas.SUBAREA_DEPTH (not imported: graph/ does not depend on resolvers/).
SUBAREA_DEPTH = 2  # areas.SUBAREA_DEPTH: a community's compounds and grids

# A changed record feeds tallies only through these facts: creating it, or changing one of these
# properties or relationship types (as the change feed names them). Anything else — a demand
# claimed, a project started, a name edited — leaves every tally as it was.
RELEVANT: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # label: (properties, relationship types)
    "AdminArea": (frozenset({"level"}), frozenset({"PART_OF", "CO_BUILDS_WITH", "SIGNED", "HAS_PARTY_ORG", "PUBLISHES"})),
    "PartyOrganization": (frozenset(), frozenset({"HAS_PARTY_ORG", "SIGNED"})),
    "Pairing": (frozenset({"status"}), frozenset({"PARTY_TO", "CO_BUILDS_WITH"})),
    "Agreement": (frozenset({"agreementType"}), frozenset({"SIGNED", "FORMALIZES"})),
    "Unit": (frozenset({"unitType"}), frozenset()),
    "Person": (frozenset(), frozenset({"HOLDS_POSITION"})),
    "Demand": (frozenset(), frozenset({"PUBLISHES"})),
    "Project": (frozenset(), frozenset({"UNDER"})),
}


# Records that feed a tally only through a relationship another write creates: a new unit has no
# co-building edge yet (those are derived from pairings), a new person holds no committee seat
# unless the write gave one. Creating one changes no tally; the write that links it does.
FED_THROUGH_OTHERS = frozenset({"Unit", "Person"})


def is_relevant(change: Any) -> bool:
    """Whether a changed record (:class:`cobuild.graph.changes.Change`) can change a tally."""
    rule = RELEVANT.get(change.label or "")
    if rule is None or not change.entity_id:
        return False
    props, rels = rule
    if change.kind == "CREATED" and change.label in FED_THROUGH_OTHERS:
        return bool(rels & set(change.relationships))
    return change.kind != "UPDATED" or bool(props & set(change.fields) or rels & set(change.relationships))


# ------------------------------------------------------------------------------------------------
# Computing tallies from the graph
# ------------------------------------------------------------------------------------------------
def compute_statement(community_ids: Sequence[str] | None) -> Statement:
    """The facts of each community in ``community_ids`` (None: every community), as flat rows
    ``{c, kind, a, b, t, s, p, g, h, j}`` — one UNION ALL branch per walk, each starting from the
    community (their columns are read by :func:`tallies_from_rows`). Ids that are not (or no longer)
    communities give no row; a column a branch does not fill is ``''`` (LadybugDB types the columns
    of a UNION from its first branch). This is the recount: the facts the roll-ups counted per
    community when they walked the tree on every request.

    Each branch is the walk to the community's areas and the hops from them *in one pattern*, or
    single hops up the tree: on LadybugDB that measured 2–4× cheaper than the walk standing alone
    followed by a separate hop (the opposite of the questions' page statements, see
    :func:`cobuild.resolvers.areas.below`), and a var-length walk *up* the tree ~5× dearer than four
    single hops (city network, one community: 12 ms for all five branches)."""
    p = Params()
    levels = p.add(list(COMMUNITY_LEVELS))
    if community_ids is None:
        anchor = f"MATCH (c:`AdminArea`) WHERE c.`level` IN {levels} "
    else:
        anchor = f"UNWIND {p.add(sorted(set(community_ids)))} AS cid MATCH (c:`AdminArea`) WHERE c.`id` = cid AND c.`level` IN {levels} "
    areas = f"MATCH (c)<-[:`PART_OF`*0..{SUBAREA_DEPTH}]-(k:`AdminArea`)"
    ups = " ".join(f"OPTIONAL MATCH ({'c' if i == 1 else f'x{i - 1}'})-[:`PART_OF`]->(x{i}:`AdminArea`)"
                   for i in range(1, ANCESTOR_DEPTH + 1))
    ids = ", ".join(["c.`id`", *[f"x{i}.`id`" for i in range(1, ANCESTOR_DEPTH + 1)]])

    def ret(kind: str, **cols: str) -> str:
        return f"RETURN c.`id` AS c, '{kind}' AS kind, " + ", ".join(f"{cols.get(k, chr(39) * 2)} AS {k}" for k in _COLS)

    branches = [
        # the areas it counts under (itself and 1–4 hops up) and its row (its parent)
        f"{ups} UNWIND [{ids}] AS up " + ret("up", a="up", b="x1.`id`"),
        # its areas, their co-building edges (any status), and the agreements formalising and the
        # projects under each edge's pairing
        f"{areas} OPTIONAL MATCH (k)-[cb:`CO_BUILDS_WITH`]->(u:`Unit`) "
        f"OPTIONAL MATCH (pw:`Pairing`) WHERE pw.`id` = cb.`pairingId` "
        f"OPTIONAL MATCH (g3:`Agreement`)-[:`FORMALIZES`]->(pw) OPTIONAL MATCH (pj:`Project`)-[:`UNDER`]->(pw) "
        + ret("cb", a="k.`id`", b="u.`id`", t="u.`unitType`", s="cb.`status`", p="cb.`pairingId`", g="g3.`id`",
              h="g3.`agreementType`", j="pj.`id`"),
        f"{areas}-[:`SIGNED`]->(g1:`Agreement`) " + ret("agreement", g="g1.`id`", h="g1.`agreementType`"),
        # their party organisations, what those signed, and their part-time committee members
        f"{areas}-[:`HAS_PARTY_ORG`]->(o:`PartyOrganization`) OPTIONAL MATCH (o)-[:`SIGNED`]->(g2:`Agreement`) "
        f"OPTIONAL MATCH (o)<-[hp:`HOLDS_POSITION`]-(pp:`Person`) WHERE hp.`role` = {p.add(PART_TIME)} "
        + ret("org", a="o.`id`", b="pp.`id`", g="g2.`id`", h="g2.`agreementType`"),
        f"{areas}-[:`PUBLISHES`]->(d:`Demand`) " + ret("demand", a="d.`id`"),
    ]
    text = " UNION ALL ".join(anchor + b for b in branches)
    return Statement(text, p.values, label="tallies: compute")


_COLS = ("a", "b", "t", "s", "p", "g", "h", "j")


@dataclass
class Tally:
    community: str
    parentId: str | None = None  # noqa: N815 - the stored property's name
    ancestors: set[str] | None = None
    depends: set[str] | None = None
    units: dict[str, str | None] | None = None
    pairings: set[str] | None = None
    agreements: dict[str, str | None] | None = None
    partTime: set[str] | None = None  # noqa: N815
    demands: set[str] | None = None
    projects: set[str] | None = None

    def __post_init__(self) -> None:
        for f in ("ancestors", "depends", "pairings", "partTime", "demands", "projects"):
            if getattr(self, f) is None:
                setattr(self, f, set())
        if self.units is None:
            self.units = {}
        if self.agreements is None:
            self.agreements = {}

    def row(self) -> dict[str, Any]:
        """The stored form: sorted lists (types in the order of their ids)."""
        units = sorted(self.units.items())  # type: ignore[union-attr]
        agreements = sorted(self.agreements.items())  # type: ignore[union-attr]
        depends = set(self.depends) | set(self.ancestors) | set(self.units) | set(self.pairings) | set(self.agreements) \
            | set(self.partTime) | set(self.demands) | set(self.projects) | {self.community}  # type: ignore[arg-type]
        if self.parentId:
            depends.add(self.parentId)
        return {
            "community": self.community, "parentId": self.parentId,
            "ancestors": sorted(self.ancestors), "dependsOn": sorted(depends),  # type: ignore[arg-type]
            "units": [u for u, _ in units], "unitTypes": [t or "" for _, t in units],
            "pairings": sorted(self.pairings),  # type: ignore[arg-type]
            "agreements": [a for a, _ in agreements], "agreementTypes": [t or "" for _, t in agreements],
            "partTime": sorted(self.partTime), "demands": sorted(self.demands),  # type: ignore[arg-type]
            "projects": sorted(self.projects),  # type: ignore[arg-type]
        }


def tallies_from_rows(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The stored rows (:meth:`Tally.row`) of the communities in ``rows`` of :func:`compute_statement`."""
    acc: dict[str, Tally] = {}
    for raw in rows:
        r = {k: (v if v != "" else None) for k, v in raw.items()}
        t = acc.get(r["c"])
        if t is None:
            t = acc[r["c"]] = Tally(r["c"])
        kind, a, b = r["kind"], r.get("a"), r.get("b")
        dep, units, agreements = t.depends, t.units, t.agreements
        assert dep is not None and units is not None and agreements is not None
        if r.get("g") is not None:  # an agreement, whichever way it belongs to the community
            agreements[r["g"]] = r.get("h")
        if kind == "up":
            if a is not None:
                t.ancestors.add(a)  # type: ignore[union-attr]
            if b is not None and (t.parentId is None or b < t.parentId):  # a tree has one parent; else the smallest id
                t.parentId = b
        elif kind == "cb":
            dep.add(a)
            if r.get("p") is not None:
                dep.add(r["p"])
            if b is not None and r.get("s") == ACTIVE:
                units[b] = r.get("t")
                if r.get("p") is not None:
                    t.pairings.add(r["p"])  # type: ignore[union-attr]
            if r.get("j") is not None:
                t.projects.add(r["j"])  # type: ignore[union-attr]
        elif kind == "org":
            dep.add(a)
            if b is not None:
                t.partTime.add(b)  # type: ignore[union-attr]
        elif kind == "demand":
            t.demands.add(a)  # type: ignore[union-attr]
    return {c: t.row() for c, t in acc.items()}


def write_statement(dialect: Any, rows: Sequence[dict[str, Any]], gone: Sequence[str], now: dt.datetime) -> Statement:
    """Store ``rows`` (MERGE by community) and delete the tallies of ``gone`` (no longer communities)."""
    p = Params()
    parts = []
    if gone:
        parts.append(f"OPTIONAL MATCH (old:`CommunityTally`) WHERE old.`community` IN {p.add(sorted(gone))} "
                     f"DELETE old WITH count(*) AS dropped")
    if rows:
        typed = {k: dialect.typed(f"r.{name(k)}", TALLY.prop(k).type) for k in ("parentId", *LIST_KEYS)}
        sets = ", ".join(f"t.{name(k)} = {expr}" for k, expr in typed.items())
        parts.append(f"UNWIND {p.add([dict(r) for r in rows])} AS r MERGE (t:`CommunityTally` {{`community`: r.`community`}}) "
                     f"SET {sets}, t.`updatedAt` = {p.add(now)} WITH count(t) AS written")
    parts.append("RETURN 1 AS done")
    return Statement(" ".join(parts), p.values, label="tallies: write")


def listing_statement(dialect: Any, ids: Sequence[str]) -> Statement:
    """The communities whose tally lists one of ``ids``: what those records fed before the write."""
    p = Params()
    return Statement(f"MATCH (t:`CommunityTally`) WHERE {dialect.list_overlaps('t.`dependsOn`', p.add(sorted(set(ids))))} "
                     "RETURN t.`community` AS c", p.values, label="tallies: listing")


# How a record of each label reaches the areas it feeds (the hops of compute_statement, read
# backwards from the record, whose id is ``x``): each ends with the area ``k`` bound.
_FEEDS: dict[str, tuple[str, ...]] = {
    "AdminArea": ("MATCH (k:`AdminArea`) WHERE k.`id` IN {ids}",),
    "Pairing": ("MATCH (k:`AdminArea`)-[cb:`CO_BUILDS_WITH`]->(:`Unit`) WHERE cb.`pairingId` IN {ids}",),
    "Unit": ("MATCH (k:`AdminArea`)-[:`CO_BUILDS_WITH`]->(x:`Unit`) WHERE x.`id` IN {ids}",),
    "Agreement": (
        "MATCH (k:`AdminArea`)-[:`SIGNED`]->(x:`Agreement`) WHERE x.`id` IN {ids}",
        "MATCH (k:`AdminArea`)-[:`HAS_PARTY_ORG`]->(:`PartyOrganization`)-[:`SIGNED`]->(x:`Agreement`) WHERE x.`id` IN {ids}",
        "MATCH (x:`Agreement`)-[:`FORMALIZES`]->(pw:`Pairing`) WHERE x.`id` IN {ids} "
        "MATCH (k:`AdminArea`)-[cb:`CO_BUILDS_WITH`]->(:`Unit`) WHERE cb.`pairingId` = pw.`id`",
    ),
    "PartyOrganization": ("MATCH (k:`AdminArea`)-[:`HAS_PARTY_ORG`]->(x:`PartyOrganization`) WHERE x.`id` IN {ids}",),
    "Person": ("MATCH (k:`AdminArea`)-[:`HAS_PARTY_ORG`]->(:`PartyOrganization`)<-[:`HOLDS_POSITION`]-(x:`Person`) "
               "WHERE x.`id` IN {ids}",),
    "Demand": ("MATCH (k:`AdminArea`)-[:`PUBLISHES`]->(x:`Demand`) WHERE x.`id` IN {ids}",),
    "Project": ("MATCH (x:`Project`)-[:`UNDER`]->(pw:`Pairing`) WHERE x.`id` IN {ids} "
                "MATCH (k:`AdminArea`)-[cb:`CO_BUILDS_WITH`]->(:`Unit`) WHERE cb.`pairingId` = pw.`id`",),
}


def fed_now_statement(ids_by_label: dict[str, Sequence[str]]) -> Statement | None:
    """The areas the changed records feed *after* the write, read from the graph inside the write's
    transaction: each area ``k`` a record hangs on (a pairing's co-building edges, an agreement's
    signers and its pairing's edges, a demand's publisher, a party organisation's owner, …) and
    the two areas above ``k`` — community ``c`` counts ``k`` when ``c`` is ``k`` or one or two
    PART_OF hops above it (the inverse of :func:`cobuild.resolvers.areas.community_areas`). Ids
    that are not communities are dropped by :func:`compute_statement`. (Read from the graph rather
    than from the records' ``areaPath``: data written by a partner or an import may not carry one.)"""
    p = Params()
    branches = []
    for label, ids in sorted(ids_by_label.items()):
        if not ids or label not in _FEEDS:
            continue
        ref = p.add(sorted(set(ids)))
        for head in _FEEDS[label]:
            branches.append(head.format(ids=ref) + " OPTIONAL MATCH (k)-[:`PART_OF`]->(k1:`AdminArea`) "
                            "OPTIONAL MATCH (k1)-[:`PART_OF`]->(k2:`AdminArea`) "
                            "RETURN k.`id` AS a, k1.`id` AS b, k2.`id` AS c")
    if not branches:
        return None
    return Statement(" UNION ALL ".join(branches), p.values, label="tallies: fed now")


# ------------------------------------------------------------------------------------------------
# Keeping them up to date
# ------------------------------------------------------------------------------------------------
def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


async def recompute(tx: Any, dialect: Any, community_ids: Sequence[str]) -> int:
    """Recompute the tallies of ``community_ids`` inside the caller's transaction; returns how many
    were written (ids that are no longer communities lose their tally)."""
    if not community_ids:
        return 0
    if dialect.lock_node("t"):  # a store with concurrent writers (Neo4j)
        # Neo4j (read committed, concurrent writers): take the tallies' write locks before the
        # recount reads the graph, so a concurrent write recounting the same community waits for
        # this one to commit and then reads what it wrote — else the later commit could store a
        # recount that misses the earlier write. (A tally MERGEd here for an id that is no
        # community is deleted again below. LadybugDB runs one writer at a time: no lock needed.)
        p = Params()
        await tx.run(Statement(f"UNWIND {p.add(sorted(set(community_ids)))} AS cid "
                               "MERGE (t:`CommunityTally` {`community`: cid}) SET t.`community` = t.`community` RETURN count(t) AS n",
                               p.values, label="tallies: lock"))
    rows = tallies_from_rows(await tx.run(compute_statement(community_ids)))
    gone = sorted(set(community_ids) - set(rows))
    await tx.run(write_statement(dialect, list(rows.values()), gone, _now()))
    return len(rows)


async def refresh(tx: Any, dialect: Any, changes: Iterable[Any]) -> int:
    """Bring the tallies a unit of work's ``changes`` can affect up to date, in its transaction:
    recompute the communities whose tally lists a changed record (what it fed before the write) and
    those the changed records hang on now (:func:`fed_now_statement`): with the recount and the
    write, four statements (five on Neo4j: the tallies' locks)."""
    relevant = [c for c in changes if is_relevant(c)]
    if not relevant:
        return 0
    by_label: dict[str, set[str]] = {}
    for c in relevant:
        by_label.setdefault(c.label, set()).add(c.entity_id)
    # two statements, not one UNION ALL: LadybugDB 0.22 mis-maps the columns of a UNION ALL branch
    # after a first branch that returns one expression under several names
    communities = {r["c"] for r in await tx.run(listing_statement(dialect, sorted({c.entity_id for c in relevant})))
                   if r.get("c")}
    now = fed_now_statement({k: sorted(v) for k, v in by_label.items()})
    if now is not None:
        communities |= {x for r in await tx.run(now) for x in (r.get("a"), r.get("b"), r.get("c")) if x}
    return await recompute(tx, dialect, sorted(communities))


async def compute_all(engine: Any) -> dict[str, dict[str, Any]]:
    """Every community's tally, recounted from the graph (nothing written)."""
    return tallies_from_rows(await engine.run(compute_statement(None)))


# (done, total, phase): how far a rebuild is, for a progress bar (``cobuild maintain rebuild``)
RebuildProgress = Callable[[int, int, str], None]
WRITE_BATCH = 500  # tallies per write statement of a rebuild


async def rebuild_in(tx: Any, dialect: Any, progress: RebuildProgress | None = None) -> int:
    """Recompute every tally from the graph inside the caller's transaction (a bulk load's): one
    recount, then the tallies written in batches of :data:`WRITE_BATCH` (the same transaction, so a
    failure leaves the old tallies whole)."""
    report = progress or (lambda done, total, phase: None)
    report(0, 0, "recounting from the graph")
    fresh = tallies_from_rows(await tx.run(compute_statement(None)))
    have = await tx.run(Statement("MATCH (t:`CommunityTally`) RETURN t.`community` AS c", label="tallies: stored ids"))
    gone = sorted({r["c"] for r in have} - set(fresh))
    rows, now = list(fresh.values()), _now()
    report(0, len(rows), "storing the tallies")
    if gone or not rows:
        await tx.run(write_statement(dialect, [], gone, now))
    for i in range(0, len(rows), WRITE_BATCH):
        await tx.run(write_statement(dialect, rows[i:i + WRITE_BATCH], [], now))
        report(min(i + WRITE_BATCH, len(rows)), len(rows), "storing the tallies")
    return len(fresh)


async def rebuild(engine: Any, progress: RebuildProgress | None = None) -> int:
    """Recompute every tally from the graph in one write (``cobuild maintain rebuild``, migrations,
    imports, generated networks); returns how many communities have one."""
    return int(await engine.write(lambda tx: rebuild_in(tx, engine.dialect, progress)))


async def stored(engine: Any) -> dict[str, dict[str, Any]]:
    """Every stored tally, in the form of :meth:`Tally.row`."""
    cols = ", ".join(f"t.{name(k)} AS {name(k)}" for k in ("community", "parentId", *LIST_KEYS))
    rows = await engine.run(Statement(f"MATCH (t:`CommunityTally`) RETURN {cols}", label="tallies: stored"))
    return {r["community"]: {k: (list(r[k]) if k in LIST_KEYS else r[k]) for k in ("community", "parentId", *LIST_KEYS)}
            for r in rows}


async def check(engine: Any) -> list[str]:
    """Differences between the stored tallies and a full recount (empty: they are equal)."""
    fresh, have = await compute_all(engine), await stored(engine)
    out = [f"{c}: missing" for c in sorted(set(fresh) - set(have))]
    out += [f"{c}: not a community any more" for c in sorted(set(have) - set(fresh))]
    for c in sorted(set(fresh) & set(have)):
        for k in ("parentId", *LIST_KEYS):
            want, got = fresh[c][k], have[c][k]
            if (want or None) != (got or None):
                out.append(f"{c}: {k} is {got!r}, a recount gives {want!r}")
    return out
