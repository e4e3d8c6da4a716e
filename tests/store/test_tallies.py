"""The community tallies (cobuild.graph.tallies) equal a full recount after every kind of write.

The roll-ups (``rollup``, ``coverageGaps``, ``claimRates``) read what each community contributes from
its tally instead of walking the area subtree on every request, so they answer what they answered
before exactly when every stored tally equals a recount from the graph (``tallies.check``: the
recount is the statement the roll-ups ran per community before). Checked here on the seed network,
after each kind of mutation and upsert that can change a tally, after an import, after a rebuild, and
for random sequences of upserts (hypothesis).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cobuild.graph import tallies
from cobuild.graph.cypher import Params, Statement
from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.engines.ladybug import LadybugEngine
from cobuild.resolvers.areas import COMMUNITY_LEVELS, communities_under, tallies_under
from tests.api.test_questions import Client, net  # noqa: F401  (net is a fixture)
from tests.graphs import copy_store
from tests.partners.test_import import _import, cli


def ok(body: dict[str, Any]) -> dict[str, Any]:
    assert not body.get("errors"), body["errors"]
    return body["data"]


async def equal_to_recount(engine: GraphEngine, after: str = "") -> None:
    diffs = await tallies.check(engine)
    assert diffs == [], f"after {after}: {diffs[:10]}"


async def same_communities_under_every_area(engine: GraphEngine) -> None:
    """``tallies_under`` (the tallies' ancestors) lists exactly the communities ``communities_under`` walks to."""
    def stmt(clauses: str) -> Statement:
        p = Params()
        p.add(COMMUNITY_LEVELS)
        return Statement(f"MATCH (root:`AdminArea`) {clauses}RETURN root.`id` AS a, collect(DISTINCT c) AS cs", p.values)

    p = Params()
    levels = p.add(COMMUNITY_LEVELS)
    walked = await engine.run(Statement(
        f"MATCH (root:`AdminArea`) {communities_under('root', 'x', ['root'], levels)}"
        "RETURN root.`id` AS a, collect(DISTINCT x.`id`) AS cs", p.values))
    read = await engine.run(Statement(
        "MATCH (root:`AdminArea`) WITH root, root.`id` AS rid "
        f"{tallies_under('rid', 't', ['root'])}RETURN root.`id` AS a, collect(DISTINCT t.`community`) AS cs"))
    assert walked and {r["a"]: sorted(r["cs"]) for r in walked} == {r["a"]: sorted(r["cs"]) for r in read}


async def test_the_seed_network_has_a_tally_per_community_equal_to_a_recount(seeded: GraphEngine) -> None:
    stored = await tallies.stored(seeded)
    communities = await seeded.run(Statement("MATCH (c:`AdminArea`) WHERE c.`level` IN $l RETURN count(c) AS n",
                                             {"l": list(COMMUNITY_LEVELS)}))
    assert len(stored) == communities[0]["n"] > 10
    assert any(t["units"] for t in stored.values()) and any(t["agreements"] for t in stored.values())
    await equal_to_recount(seeded, "the seed load")
    await same_communities_under_every_area(seeded)


async def test_rebuild_restores_a_damaged_tally_and_check_names_it(seeded: GraphEngine) -> None:
    before = await tallies.stored(seeded)
    victim = sorted(c for c, t in before.items() if t["units"])[0]
    await seeded.write(lambda tx: tx.run(Statement(
        "MATCH (t:`CommunityTally`) WHERE t.`community` = $c SET t.`units` = $wrong", {"c": victim, "wrong": ["unit:gone"]})))
    diffs = await tallies.check(seeded)
    assert diffs and all(d.startswith(f"{victim}: ") for d in diffs) and any("units" in d for d in diffs)
    assert await tallies.rebuild(seeded) == len(before)
    assert await tallies.check(seeded) == []
    assert await tallies.stored(seeded) == before


CREATE = "mutation($i: CreatePairingInput!) { createPairing(input: $i) { pairingId } }"
SIGN = "mutation($i: SignAgreementInput!) { signAgreement(input: $i) { agreementId } }"
TERMINATE = "mutation($id: ID!) { terminatePairing(pairingId: $id, reason: \"迁出\") { status } }"
PUBLISH = "mutation($i: PublishDemandInput!) { publishDemand(input: $i) { demandId } }"
CLAIM = "mutation($i: ClaimInput!) { claim(input: $i) { status } }"


def upsert(field: str, kind: str) -> str:
    return f"mutation($items: [{kind}UpsertInput!]!) {{ {field}(partner: \"gov\", items: $items) {{ ids }} }}"


ROLLUPS = """query($a: ID!) {
  rollup(areaId: $a) { agenciesInstitutionsCoBuilding twoNewCoBuilding coBuildingUnits activePairings communitiesCovered
    communitiesTotal agreements agreementsByKind { agreementType count } partTimeCommitteeMembers
    groups { area { id } communitiesTotal communitiesCovered coBuildingUnits activePairings agreements partTimeCommitteeMembers } }
  coverageGaps(areaId: $a) { communityCount gapCount groups { communityType communityCount gapCount gaps { id } } }
  claimRates(areaId: $a) { communityCount demandsTotal demandsClaimed demandsCompleted claimRate projectsTotal projectsCompleted } }"""


async def test_every_kind_of_write_keeps_the_tallies_equal_to_a_recount(net: Client) -> None:
    """Mutations and upserts of every kind a tally reads, each checked against a full recount; and the
    roll-up read from the tallies equals the one read after the tallies are rebuilt from scratch."""
    e = net.engine
    await equal_to_recount(e, "the fixture")
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("createPairing (a compound hosts)", CREATE, {"i": {"hostId": "area:k1", "partnerId": "unit:u4"}}),
        ("createPairing (a party org hosts)", CREATE, {"i": {"hostId": "org:c1", "partnerId": "unit:u3"}}),
        ("signAgreement", SIGN, {"i": {"pairingId": "pairing:p3", "agreementType": "CO_RESIDENCE_CO_BUILDING",
                                       "scope": ["RESOURCE_SHARING"], "signerIds": ["area:c2", "unit:u1"],
                                       "signedAt": "2024-03-01"}}),
        ("terminatePairing", TERMINATE, {"id": "pairing:p4"}),
        ("publishDemand (a compound)", PUBLISH, {"i": {"publisherId": "area:k1", "name": "助浴", "categoryIds": ["cat:med"]}}),
        ("claim (no tally changes)", CLAIM, {"i": {"itemId": "demand:d1", "claimantId": "unit:u1"}}),
        ("upsertAdminAreas: a new community under a street",
         upsert("upsertAdminAreas", "AdminArea"), {"items": [{"externalId": "c5", "name": "戊社区", "level": "COMMUNITY",
                                                              "parentId": "area:s2"}]}),
        ("upsertAdminAreas: a new compound under it",
         upsert("upsertAdminAreas", "AdminArea"), {"items": [{"externalId": "k5", "name": "戊一小区", "level": "COMPOUND"}]}),
        ("upsertUnits: a unit type changes", upsert("upsertUnits", "Unit"),
         {"items": [{"externalId": "u9", "name": "新单位", "unitType": "SOE", "locatedInId": "area:c4"}]}),
    ]
    full: dict[str, dict[str, Any]] = {}  # an upsert writes whole records: a later item repeats what it had

    async def send(doc: str, variables: dict[str, Any]) -> None:
        if "items" in variables:
            for item in variables["items"]:
                full.setdefault(item["externalId"], {}).update(item)
            variables = {"items": [dict(full[i["externalId"]]) for i in variables["items"]]}
        ok(await net(doc, variables))

    for what, doc, variables in steps:
        await send(doc, variables)
        await equal_to_recount(e, what)
    ids = {r["x"]: r["id"] for r in await e.run(Statement(
        "MATCH (a:`AdminArea`) WHERE a.`name` IN ['戊社区', '戊一小区'] RETURN a.`name` AS x, a.`id` AS id"))}
    unit = (await e.run(Statement("MATCH (u:`Unit`) WHERE u.`name` = '新单位' RETURN u.`id` AS id")))[0]["id"]
    more: list[tuple[str, str, dict[str, Any]]] = [
        ("the compound moves under the new community", upsert("upsertAdminAreas", "AdminArea"),
         {"items": [{"externalId": "k5", "parentId": ids["戊社区"]}]}),
        ("a pairing hosted by the compound", CREATE, {"i": {"hostId": ids["戊一小区"], "partnerId": unit}}),
        ("the unit's type changes", upsert("upsertUnits", "Unit"), {"items": [{"externalId": "u9", "unitType": "MERCHANT"}]}),
        ("the compound moves to another community", upsert("upsertAdminAreas", "AdminArea"),
         {"items": [{"externalId": "k5", "parentId": "area:c3"}]}),
        ("the new community moves under the other street", upsert("upsertAdminAreas", "AdminArea"),
         {"items": [{"externalId": "c5", "parentId": "area:s1"}]}),
        ("the new community becomes a street", upsert("upsertAdminAreas", "AdminArea"),
         {"items": [{"externalId": "c5", "level": "STREET"}]}),
        ("and a community again", upsert("upsertAdminAreas", "AdminArea"), {"items": [{"externalId": "c5", "level": "COMMUNITY"}]}),
        ("upsertPairings: a pairing with its host", upsert("upsertPairings", "Pairing"),
         {"items": [{"externalId": "p9", "name": "新结对", "pairingType": "CO_BUILDING", "status": "ACTIVE",
                     "hostId": "area:c3", "partnerId": "unit:u4"}]}),
        ("upsertPairings: the pairing moves to another host", upsert("upsertPairings", "Pairing"),
         {"items": [{"externalId": "p9", "hostId": ids["戊社区"]}]}),
        ("upsertPairings: the pairing is put under rectification", upsert("upsertPairings", "Pairing"),
         {"items": [{"externalId": "p9", "status": "UNDER_RECTIFICATION"}]}),
        ("upsertAgreements: an agreement formalising it", upsert("upsertAgreements", "Agreement"),
         {"items": [{"externalId": "g9", "name": "新协议", "agreementType": "JOINT_BUILDING", "status": "IN_FORCE",
                     "pairingId": "pairing:p3", "signerIds": ["area:c2", "unit:u1"]}]}),
        ("upsertAgreements: its type changes", upsert("upsertAgreements", "Agreement"),
         {"items": [{"externalId": "g9", "agreementType": "CO_RESIDENCE_CO_BUILDING"}]}),
        ("upsertAgreements: it formalises another community's pairing", upsert("upsertAgreements", "Agreement"),
         {"items": [{"externalId": "g9", "pairingId": "pairing:p1", "signerIds": ["area:c1", "unit:u1"]}]}),
        ("upsertDemands: a demand of the new community", upsert("upsertDemands", "Demand"),
         {"items": [{"externalId": "d9", "name": "新需求", "status": "PUBLISHED", "publisherId": ids["戊社区"],
                     "categoryIds": ["cat:med"]}]}),
        ("upsertDemands: it moves to another publisher", upsert("upsertDemands", "Demand"),
         {"items": [{"externalId": "d9", "publisherId": "area:c4"}]}),
        ("upsertProjects: a project under a pairing", upsert("upsertProjects", "Project"),
         {"items": [{"externalId": "j9", "name": "新项目", "status": "CLAIMED", "underId": "pairing:p3"}]}),
        ("upsertProjects: it moves to another pairing", upsert("upsertProjects", "Project"),
         {"items": [{"externalId": "j9", "underId": "pairing:p1"}]}),
        ("upsertPartyOrganizations: an org of a community", upsert("upsertPartyOrganizations", "PartyOrganization"),
         {"items": [{"externalId": "o9", "name": "新党支部", "orgType": "BRANCH", "ownerId": "area:c2"}]}),
        ("upsertPartyOrganizations: it moves to another community", upsert("upsertPartyOrganizations", "PartyOrganization"),
         {"items": [{"externalId": "o9", "ownerId": "area:c3"}]}),
    ]
    for what, doc, variables in more:
        await send(doc, variables)
        await equal_to_recount(e, what)
    answers = [ok(await net(ROLLUPS, {"a": a})) for a in ("area:d", "area:s1", "area:s2", "area:c1")]
    await tallies.rebuild(e)
    assert [ok(await net(ROLLUPS, {"a": a})) for a in ("area:d", "area:s1", "area:s2", "area:c1")] == answers
    await same_communities_under_every_area(e)


async def test_a_refused_write_leaves_the_tallies_as_they_were(net: Client) -> None:
    before = await tallies.stored(net.engine)
    body = await net(CREATE, {"i": {"hostId": "area:c1", "partnerId": "unit:u1"}})  # p1 is ACTIVE between them
    assert body["errors"][0]["extensions"]["code"] == "PAIRING_DUPLICATE"
    assert await tallies.stored(net.engine) == before


@pytest.mark.store_only("ladybug", "two databases in one test (the seed source exported, a fresh target imported "
                         "into), as in tests/partners/test_import.py")
def test_an_import_ends_with_tallies_equal_to_a_recount(seeded_template: Path, tmp_path: Path) -> None:
    source = copy_store(seeded_template, tmp_path / "seed.lbdb")
    out, target = tmp_path / "export", tmp_path / "target.lbdb"
    cli(["export", "--format", "jsonl", "--out", str(out)], source)
    asyncio.run(_import(target, out))

    async def verify() -> tuple[list[str], int]:
        engine = LadybugEngine(target)
        await engine.open()
        try:
            return await tallies.check(engine), len(await tallies.stored(engine))
        finally:
            await engine.close()

    diffs, n = asyncio.run(verify())
    assert diffs == [] and n > 10
    assert "equal to a recount" in cli(["maintain", "check"], target).output
    assert "rebuilt:" in cli(["maintain", "rebuild"], target).output


# --- random write sequences ---------------------------------------------------------------------
AREAS = ["area:d", "area:s1", "area:s2", "area:c1", "area:c2", "area:c3", "area:c4", "area:k1"]
LEVELS = ["STREET", "COMMUNITY", "VILLAGE", "COMPOUND", "GRID"]
UNITS = ["unit:u1", "unit:u2", "unit:u3", "unit:u4", "unit:u5"]
NEW = ["n1", "n2", "n3"]


def _write() -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    area = st.sampled_from(AREAS)
    return st.one_of(
        st.tuples(st.just(upsert("upsertAdminAreas", "AdminArea")), st.builds(
            lambda x, lvl, parent: {"items": [{"externalId": x, "name": x, "level": lvl, "parentId": parent}]},
            st.sampled_from(NEW), st.sampled_from(LEVELS), area)),
        st.tuples(st.just(upsert("upsertPairings", "Pairing")), st.builds(
            lambda x, host, unit, status: {"items": [{"externalId": x, "name": x, "pairingType": "CO_BUILDING",
                                                      "status": status, "hostId": host, "partnerId": unit}]},
            st.sampled_from(["p1", "p2"]), area, st.sampled_from(UNITS), st.sampled_from(["ACTIVE", "TERMINATED"]))),
        st.tuples(st.just(upsert("upsertDemands", "Demand")), st.builds(
            lambda x, pub: {"items": [{"externalId": x, "name": x, "status": "PUBLISHED", "publisherId": pub,
                                       "categoryIds": ["cat:med"]}]}, st.sampled_from(["d1", "d2"]), area)),
        st.tuples(st.just(upsert("upsertUnits", "Unit")), st.builds(
            lambda t: {"items": [{"externalId": "u1", "name": "u1", "unitType": t}]},
            st.sampled_from(["SOE", "MERCHANT", "SOCIAL_ORG"]))),
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=st.lists(_write(), min_size=1, max_size=5))
async def test_random_write_sequences_keep_the_tallies_equal_to_a_recount(net: Client, writes: list[Any]) -> None:
    """Upserts that create, move and re-level areas (new ones under any area), move pairings between
    hosts and statuses, move demands and change a unit's type, in random order; the graph carries over
    from one example to the next, so later examples start from earlier ones' trees. A write refused
    by a rule (e.g. a pairing hosted by a district) must change nothing."""
    for doc, variables in writes:
        body = await net(doc, variables)
        what = f"{doc.split('(')[1].split('{')[1].strip()} {variables}"
        await equal_to_recount(net.engine, what + (f" (refused: {body['errors'][0]['message']})" if body.get("errors") else ""))
