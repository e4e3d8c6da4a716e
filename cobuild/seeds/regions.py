"""Fill ``regionId`` (the owning district-level area) and ``areaPath`` (home area and its ancestors).

``areaPath`` is what authorization matches a principal's granted areas against (issue #4): a record
is in a street's scope when the street is on its path.

Analysts filter by district; the articles never say "this unit is in district X" directly, but the
graph does: an area's home is itself, a unit's is where it is ``LOCATED_IN``, a party organisation's
is its owner's, a pairing's is its host's, and so on. The propagation follows the edges in
:data:`LINKS` until nothing changes; the region is the district on the resulting path.
"""

from __future__ import annotations

from typing import Any, Iterable

# (relationship type, which end inherits from the other: "from" takes the home area of "to" or vice versa)
LINKS: tuple[tuple[str, str], ...] = (
    ("PART_OF", "from"),
    ("LOCATED_IN", "from"),
    ("OVERLAPS", "from"),
    ("HAS_PARTY_ORG", "to"),
    ("SUBORDINATE_TO", "from"),
    ("COVERS", "to"),
    ("PARTY_TO", "to"),
    ("FORMALIZES", "from"),
    ("SIGNED", "to"),
    ("PUBLISHES", "to"),
    ("OFFERS", "to"),
    ("UNDER", "from"),
    ("ADDRESSES", "from"),
    ("CLAIMED", "to"),
    ("ABOUT", "from"),
    ("AT", "from"),
    ("PERFORMED", "from"),
    ("EMPLOYED_BY", "from"),
    ("MEMBER_OF", "from"),
    ("HAS_STATISTIC", "to"),
    ("OPERATES", "to"),
    ("RUNS", "to"),
    ("BELONGS_TO", "to"),
)


def fill_regions(nodes: dict[str, list[dict[str, Any]]], rels: Iterable[tuple[str, dict[str, Any]]]) -> int:
    """Set ``areaPath`` and ``regionId`` in place where they are empty; return how many got a region.

    The region is read off the path (its DISTRICT-level area), so the two can never disagree."""
    fill_area_paths(nodes, rels)
    district = {row["id"] for row in nodes.get("AdminArea", []) if row.get("level") == "DISTRICT"}
    filled = 0
    for rows in nodes.values():
        for row in rows:
            if row.get("regionId"):
                continue
            region = next((a for a in row.get("areaPath") or () if a in district), None)
            if region is not None:
                row["regionId"] = region
                filled += 1
    return filled


def fill_area_paths(nodes: dict[str, list[dict[str, Any]]], rels: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Each record's home = the most specific area reachable over :data:`LINKS`; ``areaPath`` = that
    area and every area above it. An area is its own home. A record tied to several areas takes the
    deepest (a pairing hosted by a community and joined by a district hospital lives in the
    community). Records with no tie but a ``regionId`` get that district's path."""
    areas = {row["id"]: row for row in nodes.get("AdminArea", [])}
    parent: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    for t, r in rels:
        a, b = r["from"], r["to"]
        if t == "PART_OF" and a in areas and b in areas:
            parent[a] = b
        edges.append((t, a, b))
    chains: dict[str, list[str]] = {}

    def chain(area_id: str) -> list[str]:
        if area_id not in chains:
            out, seen, cur = [], set(), area_id
            while cur is not None and cur not in seen:
                seen.add(cur)
                out.append(cur)
                cur = parent.get(cur)
            chains[area_id] = out
        return chains[area_id]

    home: dict[str, str] = {a: a for a in areas}
    depth: dict[str, int] = {a: len(chain(a)) for a in areas}
    heir = dict(LINKS)
    links = [(a, b) if heir[t] == "from" else (b, a) for t, a, b in edges if t in heir]
    changed = True
    while changed:
        changed = False
        for child, par in links:
            h = home.get(par)
            if h is None or child in areas:
                continue
            cur = home.get(child)
            if cur is None or (cur != h and depth[h] > depth[cur]):
                home[child] = h
                changed = True
    for rows in nodes.values():
        for row in rows:
            if row.get("areaPath"):
                continue
            h = home.get(row["id"]) or (row.get("regionId") if row.get("regionId") in areas else None)
            if h is not None:
                row["areaPath"] = chain(h)
