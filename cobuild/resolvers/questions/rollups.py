"""Roll-ups of an area: Q5/Q44 the roll-up beside the reported figures, Q12 claim and completion rates
per street. Both read the communities' tallies (kept up to date on write) instead of walking the subtree."""

from typing import Annotated, Any, Iterable

import strawberry

from cobuild.graph import model
from cobuild.graph.cypher import Statement
from cobuild.resolvers.areas import tallies_under
from cobuild.resolvers.figures import FIGURES, agreement_measure
from cobuild.resolvers.questions.common import (Q, area_ref, argument, check_id, collect_map, or_null, entity, first_row, q_for, run,
                                                sort_key_name)
from cobuild.schema.questions.rollups import (AgreementKindCount, AgreementType, ClaimRatesResult, RollupComparison, RollupGroup,
                                              RollupResult, StreetRates)
from cobuild.schema.refs import NodeRef

# Demand states that mean "someone took it on" (domain.md §5.1) and "done".
DEMAND_CLAIMED = ("CLAIMED", "IN_PROGRESS", "COMPLETED", "EVALUATED")
DEMAND_DONE = ("COMPLETED", "EVALUATED")
DEMAND_COUNTED = tuple(s for s in model.DEMAND_STATUS if s not in ("DRAFT", "CANCELLED"))
PROJECT_DONE = ("COMPLETED", "EVALUATED", "ARCHIVED")
PROJECT_COUNTED = tuple(s for s in model.PROJECT_STATUS if s not in ("PROPOSED", "CANCELLED"))


# ---------------------------------------------------------------------------------------------
# Q5 / Q44 roll-up of an area beside the reported Statistic figures
# ---------------------------------------------------------------------------------------------
def q5_rollup(q: Q, area_id: str) -> Statement:
    """One row per community under the area, read from its tally (kept up to date on write,
    :mod:`cobuild.graph.tallies`; :func:`~cobuild.resolvers.areas.tallies_under`), with its row
    (:func:`~cobuild.resolvers.areas.community_row`: the tally's parent) and what belongs to it —
    its active partners (with their unit types), pairings, agreements of every kind (with their
    types) and part-time committee members, each gathered from the community and its compounds and
    grids; :func:`shape_rollup` adds them up per row and for the area. One read of the tallies
    feeds every measure: no walk of the subtree (on the city network a district's roll-up took
    370 ms of statement CPU walking it once per measure, ~5 ms reading the tallies)."""
    root = q.add(area_id)
    sc, sm = q.entity("Statistic", "st", [["statistics"], ["comparisons", "statistic"]], ["root", "communities"],
                      extra=("metric", "value", "asOf"))
    ac, am = q.finish("AdminArea", "root", ["area"], ["communities", "statistics"])
    text = (
        f"MATCH (root:`AdminArea`) WHERE root.`id` = {root} "
        f"{tallies_under(root, 't', ['root'])}"
        f"OPTIONAL MATCH (c:`AdminArea`) WHERE c.`id` = t.`community` "
        f"OPTIONAL MATCH (g:`AdminArea`) WHERE g.`id` = t.`parentId` "
        f"WITH root, " + collect_map("c", "{community: " + area_ref("c") + ", row: " + or_null("g")
                                     + area_ref("g") + " END, units: t.`units`, unitTypes: t.`unitTypes`, "
                                     "pairings: t.`pairings`, agreements: t.`agreements`, "
                                     "agreementTypes: t.`agreementTypes`, partTime: t.`partTime`}") + " AS communities "
        f"OPTIONAL MATCH (root)-[:`HAS_STATISTIC`]->(st:`Statistic`) "
        f"{sc} WITH root, communities, {collect_map('st', sm)} AS statistics {ac} "
        f"RETURN {am} AS area, root.`level` AS level, communities, statistics"
    )
    return q.statement(text, "Q5 rollup", heavy=True)


class _Tally:
    """What a set of communities adds up to: counts of distinct things, so a unit co-building with two
    communities of the same row counts once in that row (and once in the area's total)."""

    def __init__(self, area: dict[str, Any] | None = None) -> None:
        self.area = area
        self.communities: set[str] = set()
        self.covered: set[str] = set()
        self.units: dict[str, str | None] = {}
        self.pairings: set[str] = set()
        self.agreements: dict[str, str | None] = {}
        self.part_time: set[str] = set()

    def add(self, cm: dict[str, Any]) -> None:
        """Add one community's tally (ids with their types in parallel lists, cobuild.graph.tallies)."""
        cid = cm["community"]["id"]
        self.communities.add(cid)
        units = [(u, t or None) for u, t in zip(cm["units"] or [], cm["unitTypes"] or []) if u]
        if units:
            self.covered.add(cid)
        self.units.update(units)
        self.pairings.update(p for p in cm["pairings"] or [] if p)
        self.agreements.update((a, t or None) for a, t in zip(cm["agreements"] or [], cm["agreementTypes"] or []) if a)
        self.part_time.update(p for p in cm["partTime"] or [] if p)

    def figures(self) -> dict[str, Any]:
        kinds = list(self.agreements.values())
        by_kind = [{"agreementType": k, "count": kinds.count(k)} for k in model.AGREEMENT_TYPES]
        out = {
            "agenciesInstitutionsCoBuilding": sum(1 for t in self.units.values() if t in model.AGENCY_INSTITUTION_TYPES),
            "twoNewCoBuilding": sum(1 for t in self.units.values() if t in model.TWO_NEW_TYPES),
            "coBuildingUnits": len(self.units),
            "activePairings": len(self.pairings),
            "communitiesCovered": len(self.covered),
            "communitiesTotal": len(self.communities),
            "agreements": len(self.agreements),
            "agreementsByKind": by_kind,
            "partTimeCommitteeMembers": len(self.part_time),
        }
        out.update({agreement_measure(k["agreementType"]): k["count"] for k in by_kind})
        return out


def shape_rollup(row: dict[str, Any]) -> dict[str, Any]:
    total = _Tally()
    rows: dict[str, _Tally] = {}
    seen: set[str] = set()
    for cm in row["communities"]:
        if cm["community"]["id"] in seen:
            continue
        seen.add(cm["community"]["id"])
        g = cm.get("row")
        rows.setdefault((g or {}).get("id") or "", _Tally(g)).add(cm)
        total.add(cm)
    graph = total.figures()
    stats = sorted(row["statistics"], key=lambda s: (s.get("metric") or "", str(s.get("asOf") or ""), s.get("id") or ""))
    comparisons = []
    for fig in FIGURES:
        st = next((s for m in fig.metrics for s in stats if s.get("metric") == m), None)
        reported = st.get("value") if st else None
        comparisons.append({
            "metric": fig.measure,
            "agreementType": fig.agreement_type,
            "definition": fig.definition,
            "graphValue": graph[fig.measure],
            "statistic": st,
            "reportedValue": reported,
            "difference": (graph[fig.measure] - reported) if reported is not None else None,
        })
    groups = [{"area": t.area, **t.figures()} for t in rows.values()]
    groups.sort(key=lambda grp: (sort_key_name(grp["area"]), (grp["area"] or {}).get("id") or ""))
    return {"area": row["area"], **graph, "groups": groups, "comparisons": comparisons, "statistics": stats}


# ---------------------------------------------------------------------------------------------
# Q12 claim and completion rates per street
# ---------------------------------------------------------------------------------------------
def q12_claim_rates(q: Q, area_id: str) -> Statement:
    """The demands and projects of each community under the area (published or run by the community
    or one of its compounds and grids), grouped under the community's row — its street or town, or the
    district itself for a community directly under it — so the rows add up to the area's totals.
    Which demands and projects belong to a community is read from its tally (kept up to date on
    write, :mod:`cobuild.graph.tallies`), their statuses — which change with every claim — from the
    records themselves: no walk of the subtree."""
    root = q.add(area_id)
    sc, sm = q.entity("AdminArea", "g", [["items", "street"]], ["root", "comms"])
    ac, am = q.finish("AdminArea", "root", ["area"], ["streets"])
    text = (
        f"MATCH (root:`AdminArea`) WHERE root.`id` = {root} "
        f"{tallies_under(root, 't', ['root'])}"
        f"OPTIONAL MATCH (g:`AdminArea`) WHERE g.`id` = t.`parentId` "
        f"OPTIONAL MATCH (d:`Demand`) WHERE d.`id` IN t.`demands` "
        f"WITH root, g, t, collect({or_null('d')}{{`id`: d.`id`, `status`: d.`status`}} END) AS demands "
        f"OPTIONAL MATCH (pj:`Project`) WHERE pj.`id` IN t.`projects` "
        f"WITH root, g, t, demands, collect({or_null('pj')}{{`id`: pj.`id`, `status`: pj.`status`}} END) AS projects "
        f"WITH root, g, {collect_map('t', '{community: t.`community`, demands: demands, projects: projects}', key='community')} AS comms "
        f"{sc} WITH root, {collect_map('g', '{street: ' + sm + ', communities: comms}')} AS streets {ac} "
        f"RETURN {am} AS area, root.`level` AS level, streets"
    )
    return q.statement(text, "Q12 claimRates", heavy=True)


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _rates(communities: Iterable[dict[str, Any]]) -> dict[str, Any]:
    comm_ids: set[str] = set()
    demands: dict[str, str] = {}
    projects: dict[str, str] = {}
    for cm in communities:
        comm_ids.add(cm["community"])
        demands.update((d["id"], d["status"]) for d in cm["demands"] or [] if d and d.get("id"))
        projects.update((x["id"], x["status"]) for x in cm["projects"] or [] if x and x.get("id"))
    ds = [s for s in demands.values() if s in DEMAND_COUNTED]
    ps = [s for s in projects.values() if s in PROJECT_COUNTED]
    dc = sum(1 for s in ds if s in DEMAND_CLAIMED)
    dd = sum(1 for s in ds if s in DEMAND_DONE)
    pd = sum(1 for s in ps if s in PROJECT_DONE)
    return {"communityCount": len(comm_ids), "demandsTotal": len(ds), "demandsClaimed": dc, "demandsCompleted": dd,
            "claimRate": _rate(dc, len(ds)), "demandCompletionRate": _rate(dd, len(ds)),
            "projectsTotal": len(ps), "projectsCompleted": pd, "projectCompletionRate": _rate(pd, len(ps))}


def shape_claim_rates(row: dict[str, Any]) -> dict[str, Any]:
    items = []
    seen: set[str] = set()
    every: list[dict[str, Any]] = []
    for s in row["streets"]:
        if s["street"]["id"] in seen:
            continue
        seen.add(s["street"]["id"])
        items.append({"street": s["street"], **_rates(s["communities"])})
        every.extend(s["communities"])
    items.sort(key=lambda i: (sort_key_name(i["street"]), i["street"]["id"]))
    return {"area": row["area"], "items": items, **_rates(every)}


# ---------------------------------------------------------------------------------------------
# Root resolvers (bound to their fields in cobuild.schema.questions.query)
# ---------------------------------------------------------------------------------------------
# (field of the result type, key of the shaped answer)
_ROLLUP_COUNTS = (("agencies_institutions_co_building", "agenciesInstitutionsCoBuilding"), ("two_new_co_building", "twoNewCoBuilding"),
                  ("co_building_units", "coBuildingUnits"), ("active_pairings", "activePairings"),
                  ("communities_covered", "communitiesCovered"), ("communities_total", "communitiesTotal"),
                  ("agreements", "agreements"), ("part_time_committee_members", "partTimeCommitteeMembers"))
_RATES = (("community_count", "communityCount"), ("demands_total", "demandsTotal"), ("demands_claimed", "demandsClaimed"),
          ("demands_completed", "demandsCompleted"), ("claim_rate", "claimRate"), ("demand_completion_rate", "demandCompletionRate"),
          ("projects_total", "projectsTotal"), ("projects_completed", "projectsCompleted"),
          ("project_completion_rate", "projectCompletionRate"))


def _rollup_counts(d: dict[str, Any]) -> dict[str, Any]:
    return {**{k: d[c] for k, c in _ROLLUP_COUNTS},
            "agreements_by_kind": [AgreementKindCount(agreement_type=AgreementType(a["agreementType"]), count=a["count"])
                                   for a in d["agreementsByKind"]]}


def _rate_fields(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d[c] for k, c in _RATES}


async def rollup(info: strawberry.Info,
                 area_id: Annotated[strawberry.ID, argument("区域编号", "Area id")]) -> RollupResult:
    check_id(area_id, "AdminArea", "areaId")
    rows = await run(info, q5_rollup(q_for(info), area_id))
    s = shape_rollup(first_row(rows, "area", area_id))
    return RollupResult(
        area=entity("AdminArea", s["area"]), **_rollup_counts(s),
        groups=[RollupGroup(area=NodeRef.of(g["area"]), **_rollup_counts(g)) for g in s["groups"]],
        comparisons=[RollupComparison(metric=c["metric"], graph_value=c["graphValue"], reported_value=c["reportedValue"],
                                      agreement_type=AgreementType(c["agreementType"]) if c["agreementType"] else None,
                                      definition=c["definition"], difference=c["difference"],
                                      statistic=entity("Statistic", c["statistic"])) for c in s["comparisons"]],
        statistics=[entity("Statistic", st) for st in s["statistics"]])


async def claim_rates(info: strawberry.Info,
                      area_id: Annotated[strawberry.ID, argument("区域编号", "Area id")]) -> ClaimRatesResult:
    check_id(area_id, "AdminArea", "areaId")
    rows = await run(info, q12_claim_rates(q_for(info), area_id))
    s = shape_claim_rates(first_row(rows, "area", area_id))
    return ClaimRatesResult(area=entity("AdminArea", s["area"]), **_rate_fields(s), items=[
        StreetRates(street=entity("AdminArea", i["street"]), **_rate_fields(i)) for i in s["items"]])
