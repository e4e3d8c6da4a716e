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

from cobuild.graph import model
from cobuild.graph.cypher import Statement, name
from cobuild.graph.engines.base import Tx

# Hosts and partners of the pairings, resolved through party organisations, with the pairing's own
# properties: one read (a UNION ALL block per way a party can stand for an area or a unit).
_PARTIES = Statement(
    "MATCH (p:Pairing) WHERE p.id IN $ids "
    "MATCH (a:AdminArea)-[h:PARTY_TO]->(p) WHERE h.side = 'HOST' "
    "OPTIONAL MATCH (a)-[:HAS_PARTY_ORG]->(o:PartyOrganization) "
    "RETURN 'HOST' AS side, p.id AS pairing, a.id AS actor, o.id AS org, false AS via, "
    "p.since AS since, p.status AS status, p.forms AS forms "
    "UNION ALL "
    "MATCH (p:Pairing) WHERE p.id IN $ids "
    "MATCH (o:PartyOrganization)-[h:PARTY_TO]->(p) WHERE h.side = 'HOST' "
    "OPTIONAL MATCH (a:AdminArea)-[:HAS_PARTY_ORG]->(o) "
    "RETURN 'HOST' AS side, p.id AS pairing, a.id AS actor, o.id AS org, true AS via, "
    "p.since AS since, p.status AS status, p.forms AS forms "
    "UNION ALL "
    "MATCH (p:Pairing) WHERE p.id IN $ids "
    "MATCH (u:Unit)-[h:PARTY_TO]->(p) WHERE h.side = 'PARTNER' "
    "OPTIONAL MATCH (u)-[:HAS_PARTY_ORG]->(o:PartyOrganization) "
    "RETURN 'PARTNER' AS side, p.id AS pairing, u.id AS actor, o.id AS org, false AS via, "
    "p.since AS since, p.status AS status, p.forms AS forms "
    "UNION ALL "
    "MATCH (p:Pairing) WHERE p.id IN $ids "
    "MATCH (o:PartyOrganization)-[h:PARTY_TO]->(p) WHERE h.side = 'PARTNER' "
    "OPTIONAL MATCH (u:Unit)-[:HAS_PARTY_ORG]->(o) "
    "OPTIONAL MATCH (o)-[:COVERS]->(c:Unit) "
    "RETURN 'PARTNER' AS side, p.id AS pairing, coalesce(u.id, c.id) AS actor, o.id AS org, true AS via, "
    "p.since AS since, p.status AS status, p.forms AS forms",
    label="derive: parties",
)
_DROP = (
    "MATCH (:AdminArea)-[e:CO_BUILDS_WITH]->(:Unit) WHERE e.pairingId IN $ids DELETE e WITH count(*) AS dropped1 "
    "MATCH (:PartyOrganization)-[f:PAIRED_WITH]->(:PartyOrganization) WHERE f.pairingId IN $ids DELETE f "
    "WITH count(*) AS dropped2"
)


def _replace(dialect: Any, ids: Sequence[str], co: list[dict[str, Any]], paired: list[dict[str, Any]]) -> Statement:
    """One write: drop the pairings' derived edges, then merge the recomputed ones (an empty list is
    left out of the text: LadybugDB cannot type an empty list parameter)."""
    parts, params = [_DROP], {"ids": list(ids)}
    for key, rows, rel_name, a, b in (("co", co, "CO_BUILDS_WITH", "AdminArea", "Unit"),
                                      ("paired", paired, "PAIRED_WITH", "PartyOrganization", "PartyOrganization")):
        if not rows:
            continue
        rt = model.rel(rel_name)
        keys = ["from", "to", *[p.name for p in rt.props]]
        params[key] = [{k: r.get(k) for k in keys} for r in rows]
        sets = ", ".join(f"e.{name(p.name)} = {dialect.typed(f'r.{name(p.name)}', p.type)}" for p in rt.props)
        parts.append(f"UNWIND ${key} AS r MATCH (a:{name(a)}) WHERE a.`id` = r.`from` MATCH (b:{name(b)}) WHERE b.`id` = r.`to` "
                     f"MERGE (a)-[e:{name(rel_name)} {{`pairingId`: r.`pairingId`}}]->(b) SET {sets} WITH count(e) AS merged_{key}")
    parts.append("RETURN 1 AS done")
    return Statement(" ".join(parts), params, label="derive: replace derived edges")


def _with(stmt: Statement, ids: Sequence[str]) -> Statement:
    return Statement(stmt.text, {"ids": list(ids)}, label=stmt.label)


async def rederive(tx: Tx, dialect: Any, pairing_ids: Sequence[str]) -> dict[str, int]:
    """Replace the derived edges of ``pairing_ids`` inside the caller's write transaction: one read
    of the parties, one write that drops the old edges and merges the new ones."""
    if not pairing_ids:
        return {"CO_BUILDS_WITH": 0, "PAIRED_WITH": 0}
    ids = list(dict.fromkeys(pairing_ids))
    rows = await tx.run(_with(_PARTIES, ids))
    pairings = {r["pairing"]: r for r in rows}
    hosts = [r for r in rows if r["side"] == "HOST"]
    partners = [r for r in rows if r["side"] == "PARTNER"]

    co: dict[tuple[str, str, str], dict[str, Any]] = {}
    paired: dict[tuple[str, str, str], dict[str, Any]] = {}
    for h in hosts:
        for p in partners:
            if h["pairing"] != p["pairing"]:
                continue
            pr = pairings[h["pairing"]]
            base = {"pairingId": pr["pairing"], "since": pr["since"], "status": pr["status"]}
            if h["actor"] and p["actor"]:
                key = (h["actor"], p["actor"], pr["pairing"])
                via = bool(h["via"] or p["via"])
                if key in co:  # reached both directly and through a party org: direct wins
                    via = via and co[key]["viaPartyOrg"]
                co[key] = {"from": h["actor"], "to": p["actor"], **base, "forms": pr["forms"], "viaPartyOrg": via}
            if h["org"] and p["org"] and h["org"] != p["org"]:
                paired[(h["org"], p["org"], pr["pairing"])] = {"from": h["org"], "to": p["org"], **base}
    await tx.run(_replace(dialect, ids, list(co.values()), list(paired.values())))
    return {"CO_BUILDS_WITH": len(co), "PAIRED_WITH": len(paired)}
