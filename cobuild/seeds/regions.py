"""Fill ``regionId`` (the owning district-level area) for seed records that do not state one.

Row-level scopes and analysts filter by district; the articles never say "this unit is in district
X" directly, but the graph does: an area's district is up its ``PART_OF`` chain, a unit's is where it
is ``LOCATED_IN``, a party organisation's is its owner's, a pairing's is its host's, and so on. The
propagation follows the edges in :data:`LINKS` until nothing changes.
"""

from __future__ import annotations

from typing import Any, Iterable

# (relationship type, which end inherits from the other: "from" takes the region of "to" or vice versa)
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
    """Set ``regionId`` in place where it is empty; return how many records got one."""
    by_id = {row["id"]: row for rows in nodes.values() for row in rows}
    region: dict[str, str] = {}
    for row in nodes.get("AdminArea", []):
        if row.get("level") == "DISTRICT":
            region[row["id"]] = row["id"]
    for row in by_id.values():
        if row.get("regionId"):
            region.setdefault(row["id"], row["regionId"])
    edges = [(t, r["from"], r["to"]) for t, r in rels]
    order = {t: i for i, (t, _) in enumerate(LINKS)}
    heir = dict(LINKS)
    edges.sort(key=lambda e: order.get(e[0], len(order)))
    changed = True
    while changed:
        changed = False
        for t, a, b in edges:
            side = heir.get(t)
            if side is None:
                continue
            child, parent = (a, b) if side == "from" else (b, a)
            if child not in region and parent in region:
                region[child] = region[parent]
                changed = True
    filled = 0
    for node_id, row in by_id.items():
        if not row.get("regionId") and node_id in region:
            row["regionId"] = region[node_id]
            filled += 1
    return filled
