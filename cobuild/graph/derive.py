"""The derived co-building edges, recomputed from Pairing nodes (rule A6, domain.md §5.3).

``(AdminArea)-[:CO_BUILDS_WITH]->(Unit)`` and ``(PartyOrganization)-[:PAIRED_WITH]->(PartyOrganization)``
give the questions one hop instead of a walk through ``PARTY_TO`` and ``HAS_PARTY_ORG``. They are
never written by clients; whoever changes a pairing calls :func:`rederive` inside the same write
transaction, so the derived edges can never disagree with the pairings they come from.

Resolution (domain.md R24): a HOST that is a party organisation stands for the area that owns it;
a PARTNER that is a party organisation stands for the unit that owns it, or for each unit it covers
(a joint branch).
"""

from __future__ import annotations

from typing import Any, Sequence

from cobuild.graph.cypher import Statement
from cobuild.graph.engines.base import Tx
from cobuild.graph.upsert import merge_rels

_HOSTS = Statement(
    "MATCH (p:Pairing) WHERE p.id IN $ids "
    "MATCH (a:AdminArea)-[h:PARTY_TO]->(p) WHERE h.side = 'HOST' "
    "OPTIONAL MATCH (a)-[:HAS_PARTY_ORG]->(o:PartyOrganization) "
    "RETURN p.id AS pairing, a.id AS area, o.id AS org, false AS via",
    label="derive: area hosts",
)
_HOST_ORGS = Statement(
    "MATCH (p:Pairing) WHERE p.id IN $ids "
    "MATCH (o:PartyOrganization)-[h:PARTY_TO]->(p) WHERE h.side = 'HOST' "
    "OPTIONAL MATCH (a:AdminArea)-[:HAS_PARTY_ORG]->(o) "
    "RETURN p.id AS pairing, a.id AS area, o.id AS org, true AS via",
    label="derive: org hosts",
)
_PARTNERS = Statement(
    "MATCH (p:Pairing) WHERE p.id IN $ids "
    "MATCH (u:Unit)-[h:PARTY_TO]->(p) WHERE h.side = 'PARTNER' "
    "OPTIONAL MATCH (u)-[:HAS_PARTY_ORG]->(o:PartyOrganization) "
    "RETURN p.id AS pairing, u.id AS unit, o.id AS org, false AS via",
    label="derive: unit partners",
)
_PARTNER_ORGS = Statement(
    "MATCH (p:Pairing) WHERE p.id IN $ids "
    "MATCH (o:PartyOrganization)-[h:PARTY_TO]->(p) WHERE h.side = 'PARTNER' "
    "OPTIONAL MATCH (u:Unit)-[:HAS_PARTY_ORG]->(o) "
    "OPTIONAL MATCH (o)-[:COVERS]->(c:Unit) "
    "RETURN p.id AS pairing, coalesce(u.id, c.id) AS unit, o.id AS org, true AS via",
    label="derive: org partners",
)
_PAIRINGS = Statement(
    "MATCH (p:Pairing) WHERE p.id IN $ids RETURN p.id AS id, p.since AS since, p.status AS status, p.forms AS forms",
    label="derive: pairings",
)
_DROP_CO = Statement(
    "MATCH (:AdminArea)-[e:CO_BUILDS_WITH]->(:Unit) WHERE e.pairingId IN $ids DELETE e", label="derive: drop co-builds"
)
_DROP_PAIRED = Statement(
    "MATCH (:PartyOrganization)-[e:PAIRED_WITH]->(:PartyOrganization) WHERE e.pairingId IN $ids DELETE e",
    label="derive: drop paired",
)


def _with(stmt: Statement, ids: Sequence[str]) -> Statement:
    return Statement(stmt.text, {"ids": list(ids)}, label=stmt.label)


async def rederive(tx: Tx, dialect: Any, pairing_ids: Sequence[str]) -> dict[str, int]:
    """Replace the derived edges of ``pairing_ids`` inside the caller's write transaction."""
    if not pairing_ids:
        return {"CO_BUILDS_WITH": 0, "PAIRED_WITH": 0}
    ids = list(dict.fromkeys(pairing_ids))
    pairings = {r["id"]: r for r in await tx.run(_with(_PAIRINGS, ids))}
    hosts = await tx.run(_with(_HOSTS, ids)) + await tx.run(_with(_HOST_ORGS, ids))
    partners = await tx.run(_with(_PARTNERS, ids)) + await tx.run(_with(_PARTNER_ORGS, ids))
    await tx.run(_with(_DROP_CO, ids))
    await tx.run(_with(_DROP_PAIRED, ids))

    co: dict[tuple[str, str, str], dict[str, Any]] = {}
    paired: dict[tuple[str, str, str], dict[str, Any]] = {}
    for h in hosts:
        for p in partners:
            if h["pairing"] != p["pairing"]:
                continue
            pr = pairings[h["pairing"]]
            base = {"pairingId": pr["id"], "since": pr["since"], "status": pr["status"]}
            if h["area"] and p["unit"]:
                key = (h["area"], p["unit"], pr["id"])
                via = bool(h["via"] or p["via"])
                if key in co:  # reached both directly and through a party org: direct wins
                    via = via and co[key]["viaPartyOrg"]
                co[key] = {"from": h["area"], "to": p["unit"], **base, "forms": pr["forms"], "viaPartyOrg": via}
            if h["org"] and p["org"] and h["org"] != p["org"]:
                paired[(h["org"], p["org"], pr["id"])] = {"from": h["org"], "to": p["org"], **base}
    if co:
        await tx.run(merge_rels(dialect, "CO_BUILDS_WITH", "AdminArea", "Unit", list(co.values()), key="pairingId"))
    if paired:
        await tx.run(merge_rels(dialect, "PAIRED_WITH", "PartyOrganization", "PartyOrganization", list(paired.values()), key="pairingId"))
    return {"CO_BUILDS_WITH": len(co), "PAIRED_WITH": len(paired)}
