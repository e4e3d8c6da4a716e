"""Admission control for heavy questions, through the real app (issue 11 part 4).

* Which root fields are heavy: with the only slot held and no wait allowed, every heavy question answers
  ``DB_BUSY`` with ``retryAfter`` and every page question (lookups, connections, Q1/Q2/Q4/Q17/Q20/Q26,
  search, one pairing's evaluations) still answers — the declaration and its enforcement end to end.
* The wait limit: a heavy question waits for a slot, gets it when one frees within the limit, and is
  refused past it; a page question beside it in the same request still runs, and HTTP stays 200.
* Metrics: slots in use, queue, admitted/refused counts and the wait.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from cobuild.graph.engines.base import GraphEngine
from tests.client import serve
from tests.ops.test_metrics import scrape, value

DISTRICT, STREET, COMMUNITY = "area:shuangliu", "area:sl-dongsheng", "area:sl-zidongge"
UNIT, OTHER_UNIT = "unit:sl-first-hospital", "unit:sl-sccu"
PAIRING, ALLIANCE = "pairing:sl-zidongge-first-hospital", "alliance:sl-pioneer-service"

HEAVY = {
    "coverageGaps": f'{{ coverageGaps(areaId: "{DISTRICT}") {{ gapCount }} }}',
    "rollup": f'{{ rollup(areaId: "{DISTRICT}") {{ coBuildingUnits }} }}',
    "shortestConnection": f'{{ shortestConnection(fromId: "{UNIT}", toId: "{OTHER_UNIT}") {{ found }} }}',
    "hubs": f'{{ hubs(areaId: "{DISTRICT}") {{ nodeCount }} }}',
    "isolatedClusters": "{ isolatedClusters { clusterCount } }",
    "similarCommunities": f'{{ similarCommunities(communityId: "{COMMUNITY}") {{ partnerCount }} }}',
    "unclaimedDemands": f'{{ unclaimedDemands(areaId: "{DISTRICT}") {{ count }} }}',
    "matchDemands": f'{{ matchDemands(communityId: "{COMMUNITY}") {{ total }} }}',
    "claimRates": f'{{ claimRates(areaId: "{DISTRICT}") {{ items {{ street {{ id }} }} }} }}',
    "unitsWithoutProjects": f'{{ unitsWithoutProjects(areaId: "{DISTRICT}") {{ count }} }}',
    "evaluationScores": "{ evaluationScores(year: 2024) { count } }",
    "pairingsMissingEvaluation": "{ pairingsMissingEvaluation(year: 2024) { count } }",
}
PAGES = {
    "node": f'{{ node(id: "{COMMUNITY}") {{ id }} }}',
    "unit": f'{{ unit(id: "{UNIT}") {{ id name }} }}',
    "units": "{ units(first: 5) { nodes { id } } }",
    # a community page's side and page fields (docs/frontend.md) are page reads too
    "adminArea": f'{{ adminArea(id: "{COMMUNITY}") {{ demands(first: 5) {{ totalCount }} projects(first: 5) {{ totalCount }} '
                 f'reportingMembers(first: 5) {{ totalCount }} }} }}',
    "communityCoBuilders": f'{{ communityCoBuilders(communityId: "{COMMUNITY}") {{ unitCount }} }}',
    "unitCommunities": f'{{ unitCommunities(unitId: "{UNIT}") {{ communityCount }} }}',
    "residentUnitsNotEngaged": f'{{ residentUnitsNotEngaged(communityId: "{COMMUNITY}") {{ residentUnitCount }} }}',
    "communityReportingMembers": f'{{ communityReportingMembers(communityId: "{COMMUNITY}") {{ count }} }}',
    "communityPartTimeCommitteeMembers": f'{{ communityPartTimeCommitteeMembers(communityId: "{COMMUNITY}") {{ count }} }}',
    "allianceMembers": f'{{ allianceMembers(allianceId: "{ALLIANCE}") {{ memberCount }} }}',
    "evaluationScores": f'{{ evaluationScores(pairingId: "{PAIRING}") {{ count }} }}',
    "search": '{ search(text: "社区") { id } }',
}


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_heavy_questions_queue_and_page_questions_never_do(seeded: GraphEngine, tmp_path: Path) -> None:
    async with serve(seeded, tmp_path, heavy_slots=1, heavy_wait_s=0) as gql:
        gate = seeded.admission
        assert gate is not None and gate.slots == 1
        for field, doc in HEAVY.items():  # each answers when the slot is free …
            assert "errors" not in await gql(doc), field
        async with gate.slot():  # … and is refused at once while an analyst's statement holds it
            for field, doc in HEAVY.items():
                body = await gql(doc)
                assert codes(body) == ["DB_BUSY"], (field, body)
                err = body["errors"][0]
                assert err["path"] == [field] and body["data"] is None
                assert isinstance(err["extensions"]["retryAfter"], int) and err["extensions"]["retryAfter"] >= 1
                assert "try again in" in err["message"]
            for field, doc in PAGES.items():
                body = await gql(doc)
                assert "errors" not in body, (field, body)


async def test_a_heavy_question_waits_for_a_slot_up_to_the_limit(seeded: GraphEngine, tmp_path: Path) -> None:
    async with serve(seeded, tmp_path, heavy_slots=1, heavy_wait_s=5) as gql:
        gate = seeded.admission
        release = asyncio.Event()

        async def analyst() -> None:
            async with gate.slot():
                await release.wait()

        holder = asyncio.create_task(analyst())
        await asyncio.sleep(0)
        waiting = asyncio.create_task(gql(HEAVY["rollup"]))
        for _ in range(200):
            if gate.waiting == 1:
                break
            await asyncio.sleep(0.01)
        assert gate.waiting == 1  # queued, not refused, not run
        release.set()
        body = await asyncio.wait_for(waiting, 30)
        assert "errors" not in body, body
        await holder
    async with serve(seeded, tmp_path, heavy_slots=1, heavy_wait_s=0.2) as gql:
        gate = seeded.admission
        async with gate.slot():
            both = f'{{ {HEAVY["rollup"][1:-1]} {PAGES["communityCoBuilders"][1:-1]} }}'
            body = await gql(both)
        assert codes(body) == ["DB_BUSY"] and body["errors"][0]["path"] == ["rollup"]
        assert gql.last_statements == 1  # the page question beside it ran; rollup's non-null result nulls `data`


async def test_admission_is_counted_in_the_metrics(seeded: GraphEngine, tmp_path: Path) -> None:
    async with serve(seeded, tmp_path, heavy_slots=1, heavy_wait_s=0) as gql:
        assert "errors" not in await gql(HEAVY["rollup"])
        async with seeded.admission.slot():
            samples = await scrape(gql)
            assert value(samples, "cobuild_heavy_statements_running") == 1
            assert codes(await gql(HEAVY["matchDemands"])) == ["DB_BUSY"]
        samples = await scrape(gql)
    assert value(samples, "cobuild_heavy_statements_total", outcome="admitted") == 2  # the roll-up and the held slot
    assert value(samples, "cobuild_heavy_statements_total", outcome="refused") == 1
    assert value(samples, "cobuild_heavy_statements_running") == 0
    assert value(samples, "cobuild_heavy_statements_waiting") == 0
    assert value(samples, "cobuild_heavy_wait_seconds_count") == 3
