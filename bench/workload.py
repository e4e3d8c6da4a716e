"""The workload W1–W8: GraphQL operations a frontend or analyst sends, and the variables drawn from the
generated network (fixed seed) with a few Cypher queries before the service starts.

Each operation names the root field it needs; when the running schema lacks it, the operation is
reported "not available" instead of failing the run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from cobuild.graph.cypher import Statement, name
from cobuild.graph.engines.base import GraphEngine


@dataclass
class Operation:
    key: str  # W1 … W8
    title: str
    root_field: str
    query: str
    kind: str = "query"  # query | mutation
    variants: list[dict[str, Any]] = field(default_factory=list)  # variable sets drawn from the data
    # W7: the follow-up request (next page by cursor) built from the first answer
    follow_up: str | None = None
    earlier: tuple[str, ...] = ()  # the root field's names before a rename (issue 10), newest first


def adapt_to_schema(ops: list[Operation], fields: dict[str, set[str]]) -> None:
    """Send an operation whose root field was renamed under its earlier name to a service that predates
    the rename (``--service-root`` at an older commit), so a before/after pair measures one question."""
    for op in ops:
        have = fields.get(op.kind, set())
        if op.root_field in have:
            continue
        for old in op.earlier:
            if old in have:
                op.query = op.query.replace(f"{op.root_field}(", f"{old}(", 1)
                op.root_field = old
                break


W0 = Operation("W0", "floor: `{ __typename }` — HTTP + auth + GraphQL, no graph statement (reference, no target)",
               "__typename", "query W0Floor { __typename }", variants=[{}])

W1 = Operation("W1", "community page: community + co-builders with types and pairing dates", "communityCoBuilders", earlier=("coBuilders",), query="""
query W1CommunityPage($id: ID!) {
  communityCoBuilders(communityId: $id, includeCompounds: true, status: ACTIVE) {
    area { id name level communityType }
    unitCount
    items { unit { id name unitType sector } via { id name level } since pairingId forms }
  }
}""")

W2 = Operation("W2", "unit page: unit + its communities + their streets", "unitCommunities", """
query W2UnitPage($id: ID!) {
  unitCommunities(unitId: $id) {
    unit { id name unitType isResidentUnit }
    communityCount streetCount
    communities { community { id name communityType } street { id name } since pairingIds via { id name } }
    streets { id name }
    otherAreas { id name level }
  }
}""")

W3 = Operation("W3", "coverage gaps of a district", "coverageGaps", """
query W3CoverageGaps($id: ID!) {
  coverageGaps(areaId: $id) {
    communityCount gapCount
    groups { street { id name } communityType communityCount gapCount gaps { id name } }
  }
}""")

W4 = Operation("W4", "demand–resource matching for a community", "matchDemands", """
query W4MatchDemands($id: ID!) {
  matchDemands(communityId: $id, limit: 20) {
    total
    items { demand { id name status } resource { id name } provider { id name } category { id name } tier tierName }
  }
}""")

W5 = Operation("W5", "shortest connection between two units", "shortestConnection", """
query W5ShortestConnection($from: ID!, $to: ID!) {
  shortestConnection(fromId: $from, toId: $to, via: [CO_BUILDS_WITH, PART_OF, LOCATED_IN, BELONGS_TO], maxHops: 6) {
    found hops
    steps { from { id name label } relationship direction to { id name label } pairingId }
  }
}""")

W6 = Operation("W6", "district roll-up beside the reported figures", "rollup", """
query W6Rollup($id: ID!) {
  rollup(areaId: $id) {
    agenciesInstitutionsCoBuilding twoNewCoBuilding coBuildingUnits activePairings
    communitiesCovered communitiesTotal agreements partTimeCommitteeMembers
    comparisons { metric graphValue reportedValue difference }
  }
}""")

_UNITS_PAGE = """
query {name}($where: UnitWhere, $after: String) {{
  units(first: 20, after: $after, where: $where, orderBy: [{{field: name, direction: ASC}}, {{field: id, direction: ASC}}]) {{
    edges {{ cursor node {{ id name unitType sector isResidentUnit }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

W7 = Operation("W7", "filtered, sorted page of units (first page)", "units", _UNITS_PAGE.format(name="W7UnitsPage"))
W7N = Operation("W7n", "… and the next page by cursor", "units", _UNITS_PAGE.format(name="W7UnitsNextPage"))

W8 = Operation("W8", "claim mutation on a PUBLISHED demand (fresh demand each time)", "claim", """
mutation W8Claim($item: ID!, $claimant: ID!) {
  claim(input: {itemId: $item, claimantId: $claimant, role: LEAD}) { itemId claimantId role status }
}""", kind="mutation")

OPERATIONS = [W0, W1, W2, W3, W4, W5, W6, W7, W7N, W8]


async def _ids(engine: GraphEngine, text: str, **params: Any) -> list[dict[str, Any]]:
    return await engine.run(Statement(text, params, label="bench sample"))


async def draw_variables(engine: GraphEngine, rng: random.Random, n: int) -> dict[str, Any]:
    """Variables for every operation, drawn at random (``rng``) from the store; returns facts for the report."""
    A, U, L, P = name("AdminArea"), name("Unit"), name("level"), name("id")
    cb, pt, li, dm, st = name("CO_BUILDS_WITH"), name("PARTY_TO"), name("LOCATED_IN"), name("Demand"), name("status")
    communities = [r["id"] for r in await _ids(engine, f"MATCH (a:{A}) WHERE a.{L} = $lv RETURN a.{P} AS id", lv="COMMUNITY")]
    co_building = [r["id"] for r in await _ids(
        engine, f"MATCH (a:{A})-[:{cb}]->(:{U}) WHERE a.{L} = $lv RETURN DISTINCT a.{P} AS id", lv="COMMUNITY")]
    districts = [r["id"] for r in await _ids(engine, f"MATCH (a:{A}) WHERE a.{L} = $lv RETURN a.{P} AS id", lv="DISTRICT")]
    paired_units = [r["id"] for r in await _ids(engine, f"MATCH (u:{U})-[:{pt}]->() RETURN DISTINCT u.{P} AS id")]
    units = [r["id"] for r in await _ids(engine, f"MATCH (u:{U}) RETURN u.{P} AS id")]
    unit_district = {r["u"]: r["d"] for r in await _ids(engine, (
        f"MATCH (u:{U})-[:{li}]->(:{A})-[:{name('PART_OF')}*1..4]->(d:{A}) WHERE d.{L} = $lv "
        f"RETURN u.{P} AS u, d.{P} AS d"), lv="DISTRICT")}
    published = [r["id"] for r in await _ids(engine, f"MATCH (d:{dm}) WHERE d.{st} = $s RETURN d.{P} AS id", s="PUBLISHED")]
    for xs in (communities, co_building, districts, paired_units, units, published):
        xs.sort()

    def pick(xs: list[str]) -> str:
        return xs[rng.randrange(len(xs))]

    # Pages are shown for co-building communities and units mostly (that is what people open), with some
    # quiet ones mixed in: 80 % / 20 %.
    W1.variants = [{"id": pick(co_building if rng.random() < 0.8 else communities)} for _ in range(n)]
    W2.variants = [{"id": pick(paired_units if rng.random() < 0.8 else units)} for _ in range(n)]
    W3.variants = [{"id": pick(districts)} for _ in range(n)]
    W4.variants = [{"id": pick(co_building)} for _ in range(n)]
    W6.variants = [{"id": pick(districts)} for _ in range(n)]
    by_district: dict[str, list[str]] = {}
    for u in paired_units:
        if u in unit_district:
            by_district.setdefault(unit_district[u], []).append(u)
    groups = [g for g in by_district.values() if len(g) >= 2]
    W5.variants = []
    for _ in range(n):  # two co-building units of one district: the question an analyst asks
        g = groups[rng.randrange(len(groups))]
        a, b = rng.sample(g, 2)
        W5.variants.append({"from": a, "to": b})
    types = ["GOV_AGENCY", "PUBLIC_INSTITUTION", "SOE", "NON_PUBLIC_ENTERPRISE", "SOCIAL_ORG", "MERCHANT",
             "FINANCIAL_INSTITUTION", "PROPERTY_MGMT"]
    W7.variants = [{"where": {"unitType": {"in": rng.sample(types, 2)}, "isResidentUnit": {"eq": True},
                              "name": {"startsWith": rng.choice("双祥沙永望龙和顺安宁柳东瑞蓉天")}}} for _ in range(n)]
    W7N.variants = []  # filled from W7's answers (endCursor) during capture
    rng.shuffle(published)
    claimants = [pick(units) for _ in range(len(published))]
    W8.variants = [{"item": d, "claimant": c} for d, c in zip(published, claimants)]
    return {
        "communities": len(communities), "co_building_communities": len(co_building), "districts": len(districts),
        "units": len(units), "co_building_units": len(paired_units), "published_demands": len(published),
    }
