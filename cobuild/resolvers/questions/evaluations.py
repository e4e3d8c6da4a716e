"""Two-way evaluation questions: Q31 scores of pairings, Q32 active pairings missing an evaluation."""

from typing import Annotated, Any, Optional

import strawberry

from cobuild.graph.cypher import Statement
from cobuild.resolvers.questions.common import (ACTIVE, MAX_DEPTH, Q, argument, check_id, check_range, collect_map, or_null, entity,
                                                first_row, id_of, match_anchor, name_id, q_for, ref, run)
from cobuild.schema.questions.evaluations import (EvaluationDirection, EvaluationScore, EvaluationScoresResult, MissingEvaluation,
                                                  MissingEvaluationsResult)
from cobuild.schema.refs import NodeRef, refs


# ---------------------------------------------------------------------------------------------
# Q31 / Q32 evaluations
# ---------------------------------------------------------------------------------------------
def q31_evaluation_scores(q: Q, pairing_id: str | None, year: int | None, below: float | None) -> Statement:
    filters = []
    if year is not None:
        filters.append(f"ev.`year` = {q.add(year)}")
    if below is not None:
        filters.append(f"ev.`score` < {q.add(float(below))}")
    visible = q.visible("ev", "Evaluation")
    if visible:
        filters.append(visible[len(" AND "):])
    where = (" WHERE " + " AND ".join(filters)) if filters else ""
    giver = "OPTIONAL MATCH (g)-[:`GAVE`]->(ev) OPTIONAL MATCH (ev)-[:`OF`]->(t) "
    anchor = ["prA"] if pairing_id else []
    ec, em = q.entity("Evaluation", "ev", [["items", "evaluation"]], [*anchor, "pr", "g", "t"], extra=("year", "direction", "score"))
    pc, pm = q.entity("Pairing", "pr", [["items", "pairing"]], [*anchor, "ev", "g", "t", *([em] if ec else [])])
    item = collect_map("ev", "{evaluation: " + em + ", pairing: " + pm
                       + ", giver: " + or_null("g") + ref("g") + " END"
                       + ", target: " + or_null("t") + ref("t") + " END}")
    if pairing_id:
        ac, am = q.finish("Pairing", "prA", ["pairing"], ["items"])
        text = (
            f"{match_anchor(q, 'Pairing', 'prA', pairing_id)} "
            f"OPTIONAL MATCH (ev:`Evaluation`)-[:`ABOUT`]->(pr:`Pairing`) WHERE pr.`id` = prA.`id`{where.replace(' WHERE ', ' AND ')} {giver}"
            f"{ec} {pc} WITH prA, {item} AS items {ac} "
            f"RETURN {am} AS pairing, items"
        )
    else:
        text = (
            f"OPTIONAL MATCH (ev:`Evaluation`)-[:`ABOUT`]->(pr:`Pairing`){where} {giver}"
            f"{ec} {pc} RETURN NULL AS pairing, {item} AS items"
        )
    return q.statement(text, "Q31 evaluationScores", heavy=not pairing_id)  # one pairing's: a page


def shape_evaluations(row: dict[str, Any]) -> dict[str, Any]:
    seen: set[str] = set()
    items = []
    # an evaluation matched more than once (two givers, say) keeps the row with the smallest ids
    for it in sorted(row["items"], key=lambda i: (id_of(i["evaluation"]), id_of(i["pairing"]), id_of(i["giver"]), id_of(i["target"]))):
        if it["evaluation"]["id"] in seen:
            continue
        seen.add(it["evaluation"]["id"])
        items.append(it)
    items.sort(key=lambda i: (i["pairing"]["id"], -(i["evaluation"].get("year") or 0), i["evaluation"].get("direction") or "",
                              i["evaluation"]["id"]))
    scores = [i["evaluation"]["score"] for i in items if i["evaluation"].get("score") is not None]
    return {"pairing": row.get("pairing"), "count": len(items),
            "averageScore": round(sum(scores) / len(scores), 4) if scores else None, "items": items}


def q32_missing_evaluations(q: Q, year: int, area_id: str | None) -> Statement:
    a2u, u2a = q.add("AREA_TO_UNIT"), q.add("UNIT_TO_AREA")
    y = q.add(year)
    head = scope = ""
    carry = ["root"] if area_id else []
    if area_id:
        head = f"{match_anchor(q, 'AdminArea', 'root', area_id)} "
        scope = (f"AND EXISTS {{ MATCH (root)<-[:`PART_OF`*0..{MAX_DEPTH}]-(:`AdminArea`)-[sc:`CO_BUILDS_WITH`]->(:`Unit`) "
                 f"WHERE sc.`pairingId` = pr.`id` }} ")
    pc, pm = q.entity("Pairing", "pr", [["items", "pairing"]], [*carry, "hasA", "hasU", "parties"])
    item = collect_map("pr", "{pairing: " + pm + ", hasAreaToUnit: hasA, hasUnitToArea: hasU, parties: parties}")
    cw = ", ".join([*carry, "pr"])
    if area_id:
        ac, am = q.finish("AdminArea", "root", ["area"], ["items"])
        tail = f"WITH root, {item} AS items {ac} RETURN {am} AS area, root.`level` AS level, items"
    else:
        tail = f"RETURN NULL AS area, NULL AS level, {item} AS items"
    text = (
        f"{head}"
        f"OPTIONAL MATCH (pr:`Pairing`) WHERE pr.`status` = {q.add(ACTIVE)} {scope}"
        f"AND (NOT EXISTS {{ MATCH (ea:`Evaluation`)-[:`ABOUT`]->(pr) WHERE ea.`year` = {y} AND ea.`direction` = {a2u} }} "
        f"OR NOT EXISTS {{ MATCH (eb:`Evaluation`)-[:`ABOUT`]->(pr) WHERE eb.`year` = {y} AND eb.`direction` = {u2a} }}) "
        f"WITH {cw}, "
        f"EXISTS {{ MATCH (ec:`Evaluation`)-[:`ABOUT`]->(pr) WHERE ec.`year` = {y} AND ec.`direction` = {a2u} }} AS hasA, "
        f"EXISTS {{ MATCH (ed:`Evaluation`)-[:`ABOUT`]->(pr) WHERE ed.`year` = {y} AND ed.`direction` = {u2a} }} AS hasU "
        f"OPTIONAL MATCH (party)-[pt:`PARTY_TO`]->(pr) "
        f"WITH {cw}, hasA, hasU, collect(DISTINCT {or_null('party')}"
        f"{{`id`: party.`id`, `name`: party.`name`, side: pt.`side`}} END) AS parties "
        f"{pc} {tail}"
    )
    return q.statement(text, "Q32 pairingsMissingEvaluation", heavy=True)


def shape_missing(row: dict[str, Any], year: int) -> dict[str, Any]:
    items = []
    for it in row["items"]:
        missing = [d for d, has in (("AREA_TO_UNIT", it["hasAreaToUnit"]), ("UNIT_TO_AREA", it["hasUnitToArea"])) if not has]
        parties = sorted(it["parties"], key=lambda x: (x.get("side") or "", name_id(x)))
        items.append({"pairing": it["pairing"], "missingDirections": missing, "parties": parties})
    items.sort(key=lambda i: i["pairing"]["id"])
    return {"area": row.get("area"), "year": year, "count": len(items), "items": items}


# ---------------------------------------------------------------------------------------------
# Root resolvers (bound to their fields in cobuild.schema.questions.query)
# ---------------------------------------------------------------------------------------------
async def evaluation_scores(
    info: strawberry.Info,
    pairing_id: Annotated[Optional[strawberry.ID], argument("结对编号(默认全部)", "Pairing id (default: all)")] = None,
    year: Annotated[Optional[int], argument("年度", "Year")] = None,
    below: Annotated[Optional[float], argument("只看低于该分数的", "Only scores below this")] = None,
) -> EvaluationScoresResult:
    if pairing_id is not None:
        check_id(pairing_id, "Pairing", "pairingId")
    check_range(year, 1900, 2100, "year")
    check_range(below, 0, 100, "below")
    rows = await run(info, q31_evaluation_scores(q_for(info), pairing_id, year, below))
    s = shape_evaluations(first_row(rows, "pairing", pairing_id or ""))
    return EvaluationScoresResult(pairing=entity("Pairing", s["pairing"]), count=s["count"], average_score=s["averageScore"], items=[
        EvaluationScore(evaluation=entity("Evaluation", i["evaluation"]), pairing=entity("Pairing", i["pairing"]),
                        giver=NodeRef.of(i["giver"]), target=NodeRef.of(i["target"])) for i in s["items"]])


async def pairings_missing_evaluation(
    info: strawberry.Info,
    year: Annotated[int, argument("年度", "Year")],
    area_id: Annotated[Optional[strawberry.ID], argument("只看该区域的结对", "Only pairings of this area")] = None,
) -> MissingEvaluationsResult:
    check_range(year, 1900, 2100, "year")
    if area_id is not None:
        check_id(area_id, "AdminArea", "areaId")
    rows = await run(info, q32_missing_evaluations(q_for(info), year, area_id))
    s = shape_missing(first_row(rows, "area", area_id or ""), year)
    return MissingEvaluationsResult(area=entity("AdminArea", s["area"]), year=year, count=s["count"], items=[
        MissingEvaluation(pairing=entity("Pairing", i["pairing"]), missing_directions=[EvaluationDirection(d) for d in i["missingDirections"]],
                          parties=refs(i["parties"])) for i in s["items"]])
