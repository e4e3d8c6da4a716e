"""Issue 3 coverage: question paths test_questions.py leaves out — the same-street tier of Q11, a
unit spanning several streets (Q2), terminated pairings (Q1, Q3, Q32), a community's compounds in
Q10 — and the statement count of a request with several root fields (one per root field).

Runs on test_questions.py's small network (question_graph.py), extended here through the ordinary
upsert path.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

import pytest

from cobuild.graph import model, tallies
from cobuild.graph.derive import rederive
from cobuild.graph.upsert import merge_rels, upsert_nodes
from tests.api.test_questions import Client, net, ok  # noqa: F401  (net is a fixture)

NOW = dt.datetime(2024, 7, 1, tzinfo=dt.timezone.utc)


async def extend(net: Client, nodes: dict[str, list[dict[str, Any]]], rels: list[tuple[str, str, str, list[dict[str, Any]]]],
                 pairings: Sequence[str] = ()) -> None:
    d = net.engine.dialect

    async def work(tx: Any) -> None:
        for label, rows in nodes.items():
            lab = model.label(label)
            await tx.run(upsert_nodes(d, label, [{k: r.get(k) for k in lab.prop_names} for r in rows], NOW))
        for rel, a, b, rows in rels:
            res = await tx.run(merge_rels(d, rel, a, b, rows))
            assert int(res[0]["n"]) == len(rows), rel
        if pairings:
            await rederive(tx, d, list(pairings))
        await tallies.rebuild_in(tx, d)  # written behind the service's back: recount the roll-ups' tallies

    await net.engine.write(work)


async def test_match_demands_same_street_tier(net: Client) -> None:
    """A unit in another community of the same street ranks after partners and the community's own
    units and before units elsewhere (Q11: co-building partner > same community > same street > elsewhere)."""
    await extend(net, {"Unit": [{"id": "unit:u6", "name": "邻社区药店", "unitType": "NON_PUBLIC_ENTERPRISE"}],
                       "Resource": [{"id": "resource:r6", "name": "送药上门"}, {"id": "resource:r7", "name": "无关资源"}],
                       "Category": [{"id": "cat:other", "name": "其他"}]},
                 [("LOCATED_IN", "Unit", "AdminArea", [{"from": "unit:u6", "to": "area:c2"}]),
                  ("OFFERS", "Unit", "Resource", [{"from": "unit:u6", "to": "resource:r6"}, {"from": "unit:u6", "to": "resource:r7"}]),
                  ("IN_CATEGORY", "Resource", "Category", [{"from": "resource:r6", "to": "cat:med"}, {"from": "resource:r7", "to": "cat:other"}])])
    q = '{ matchDemands(communityId: "area:c1") { total items { demand { id } resource { id } provider { id } tier tierName } } }'
    d = ok(await net(q), net)["matchDemands"]
    got = [(i["resource"]["id"], i["provider"]["id"], i["tier"], i["tierName"]) for i in d["items"]]
    assert got == [("resource:r1", "unit:u1", 1, "CO_BUILDING_PARTNER"), ("resource:r2", "unit:u4", 2, "SAME_COMMUNITY"),
                   ("resource:r6", "unit:u6", 3, "SAME_STREET"), ("resource:r5", "unit:u5", 4, "ELSEWHERE")]
    assert {i["demand"]["id"] for i in d["items"]} == {"demand:d1"}  # only the published demand with a category
    assert d["total"] == 4


async def test_unit_spanning_two_streets(net: Client) -> None:
    await extend(net, {"Pairing": [{"id": "pairing:p9", "name": "丁社区—第一医院", "pairingType": "CO_BUILDING", "status": "ACTIVE",
                                    "since": dt.date(2023, 1, 1)}]},
                 [("PARTY_TO", "AdminArea", "Pairing", [{"from": "area:c4", "to": "pairing:p9", "side": "HOST"}]),
                  ("PARTY_TO", "Unit", "Pairing", [{"from": "unit:u1", "to": "pairing:p9", "side": "PARTNER"}])], ["pairing:p9"])
    q = '{ unitCommunities(unitId: "unit:u1") { communityCount streetCount communities { community { id } street { id } } streets { id } } }'
    d = ok(await net(q), net)["unitCommunities"]
    assert d["communityCount"] == 3 and d["streetCount"] == 2
    assert sorted(s["id"] for s in d["streets"]) == ["area:s1", "area:s2"]
    assert {c["community"]["id"]: c["street"]["id"] for c in d["communities"]} == {
        "area:c1": "area:s1", "area:c2": "area:s1", "area:c4": "area:s2"}


async def test_terminated_pairings_do_not_count(net: Client) -> None:
    """A community whose only pairing has ended is a coverage gap again, its former partner is no
    co-builder, and the ended pairing is not asked for this year's evaluation."""
    await extend(net, {"Pairing": [{"id": "pairing:p4", "name": "丁社区—远方公司", "pairingType": "CO_BUILDING", "status": "TERMINATED",
                                    "since": dt.date(2021, 1, 1)}]}, [], ["pairing:p4"])
    d = ok(await net('{ communityCoBuilders(communityId: "area:c4") { unitCount items { unit { id } } } }'), net)["communityCoBuilders"]
    assert d == {"unitCount": 0, "items": []}
    d = ok(await net('{ coverageGaps(areaId: "area:d") { gapCount groups { gaps { id } } } }'), net)["coverageGaps"]
    assert {g["id"] for grp in d["groups"] for g in grp["gaps"]} == {"area:c3", "area:c4"} and d["gapCount"] == 2
    d = ok(await net("{ pairingsMissingEvaluation(year: 2024) { items { pairing { id } } } }"), net)["pairingsMissingEvaluation"]
    assert {i["pairing"]["id"] for i in d["items"]} == {"pairing:p1", "pairing:p3"}


async def test_unclaimed_demands_of_a_community_include_its_compounds(net: Client) -> None:
    q = 'query($id: ID!) { unclaimedDemands(areaId: $id, asOf: "2024-07-01") { count items { demand { id } publisher { id } ageDays } } }'
    d = ok(await net(q, {"id": "area:c1"}), net)["unclaimedDemands"]
    assert [(i["demand"]["id"], i["publisher"]["id"], i["ageDays"]) for i in d["items"]] == [
        ("demand:d1", "area:c1", 182), ("demand:d2", "area:k1", 11)]
    d = ok(await net(q, {"id": "area:k1"}), net)["unclaimedDemands"]
    assert [i["demand"]["id"] for i in d["items"]] == ["demand:d2"] and d["count"] == 1


async def test_evaluation_threshold_and_missing_directions(net: Client) -> None:
    q = "query($b: Float) { evaluationScores(year: 2024, below: $b) { count items { evaluation { id score } } } }"
    d = ok(await net(q, {"b": 81}), net)["evaluationScores"]
    assert sorted((i["evaluation"]["id"], i["evaluation"]["score"]) for i in d["items"]) == [("eval:e2", 58.0), ("eval:e3", 80.0)]
    d = ok(await net(q, {"b": None}), net)["evaluationScores"]
    assert d["count"] == 3


async def test_one_statement_per_root_field(net: Client) -> None:
    """Several root fields with nested entity selections: one statement each, no more."""
    q = """{
      a: communityCoBuilders(communityId: "area:c1") { items { unit { name locatedInAreas { nodes { name parent { name } } } } } }
      b: rollup(areaId: "area:d") { agreements comparisons { statistic { metric } } }
      c: allianceMembers(allianceId: "alliance:al") { items { unit { name resources { nodes { name categories { nodes { name } } } } } } }
      d: adminAreas(first: 5, where: {level: {eq: COMMUNITY}}) { nodes { name children { nodes { name } } coBuildingUnits { nodes { name } } } }
      e: node(id: "pairing:p1") { id ... on Pairing { parties { edges { side node { __typename id } } } } }
    }"""
    body = await net(q)
    assert "errors" not in body, body["errors"]
    assert net.last_statements == 5
    assert body["data"]["a"]["items"][0]["unit"]["locatedInAreas"]["nodes"][0]["parent"]["name"] == "一街道"
    assert body["data"]["c"]["items"][0]["unit"]["resources"]["nodes"][0]["categories"]["nodes"][0]["name"] == "就医"


# ------------------------------------------------------------------------------------------------
# docs/questions.md: every question documented with an example that runs on the seed network
# ------------------------------------------------------------------------------------------------
QUESTION_FIELDS = ["communityCoBuilders", "unitCommunities", "coverageGaps", "residentUnitsNotEngaged", "rollup", "shortestConnection",
                   "hubs", "isolatedClusters", "similarCommunities", "unclaimedDemands", "matchDemands", "claimRates",
                   "unitsWithoutProjects", "communityReportingMembers", "communityPartTimeCommitteeMembers", "allianceMembers",
                   "evaluationScores", "pairingsMissingEvaluation"]
DOC_QUESTIONS = ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "Q9", "Q10", "Q11", "Q12", "Q13", "Q17", "Q20", "Q26",
                 "Q31", "Q32", "Q44"]


def _doc_examples() -> list[str]:
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "questions.md").read_text(encoding="utf-8")
    return re.findall(r"```graphql\n(.*?)```", text, flags=re.S)


def test_docs_cover_every_question() -> None:
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "questions.md").read_text(encoding="utf-8")
    headings = " ".join(re.findall(r"^## (.*)$", text, flags=re.M))
    for q in DOC_QUESTIONS:
        assert re.search(rf"\b{q}\b", headings), f"docs/questions.md has no section for {q}"
    examples = "\n".join(_doc_examples())
    for f in QUESTION_FIELDS:
        assert re.search(rf"\b{f}\s*\(", examples), f"docs/questions.md has no example query for {f}"
    assert re.search(r"betweenness", text) and re.search(r"\bcity\b", text)  # how long hubs and clusters take at city scale


@pytest.mark.read_only
async def test_docs_question_examples_run_on_the_seed_network(gql: Any) -> None:
    from graphql import OperationDefinitionNode, parse

    examples = _doc_examples()
    assert len(examples) >= len(QUESTION_FIELDS)
    for ex in examples:
        doc = parse(ex)
        roots = sum(len(d.selection_set.selections) for d in doc.definitions if isinstance(d, OperationDefinitionNode))
        body = await gql(ex)
        assert "errors" not in body, (ex, body.get("errors"))
        assert all(v is not None for v in body["data"].values()), ex
        assert gql.last_statements == roots, (ex, gql.last_statements)
