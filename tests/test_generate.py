"""The synthetic city generator and the engines' bulk load (LadybugDB: COPY; Neo4j: UNWIND batches)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections import Counter, defaultdict
from typing import Any

import pytest

from cobuild.errors import EngineError
from cobuild.graph import model
from cobuild.graph.cypher import Statement, name
from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.validate import node_row, rel_row
from cobuild.seeds.generate import SCALES, generate, load_generated, run_generate_cli


def _digest(scale: str, seed: int) -> str:
    nodes, rels = generate(scale, seed)
    h = hashlib.sha256()
    for group in (nodes, rels):
        for key, rows in group.items():
            h.update(key.encode())
            for row in rows:
                h.update(json.dumps(row, ensure_ascii=False, default=str).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def tiny() -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    nodes, rels = generate("tiny", 11)
    return {k: list(v) for k, v in nodes.items()}, {k: list(v) for k, v in rels.items()}


# ---- determinism -------------------------------------------------------------------------------
def test_same_seed_same_rows_different_seed_different_rows() -> None:
    assert _digest("tiny", 3) == _digest("tiny", 3)
    assert _digest("tiny", 3) != _digest("tiny", 4)
    a, b = generate("district", 1), generate("district", 1)
    assert all(a[0][k].records == b[0][k].records for k in a[0]) and list(a[0]) == list(b[0])
    assert all(a[1][k].records == b[1][k].records for k in a[1]) and list(a[1]) == list(b[1])


def test_rows_are_reiterable_and_sized() -> None:
    nodes, rels = generate("tiny", 1)
    for rows in list(nodes.values()) + list(rels.values()):
        first = list(rows)
        assert len(first) == len(rows) and first == list(rows)


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scale"):
        generate("galaxy", 1)


# ---- shape -------------------------------------------------------------------------------------
def test_rows_fit_the_model(tiny: Any) -> None:
    nodes, rels = tiny
    ids: dict[str, str] = {}
    for label_name, rows in nodes.items():
        lab = model.label(label_name)
        for row in rows:
            assert set(row) == set(lab.prop_names), label_name
            assert row["id"].startswith(f"{lab.id_prefix}:g-")
            assert row["synthetic"] is True and row["sourceRefs"] == ["GENERATED"]
            assert row["createdAt"] == row["updatedAt"] == dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
            node_row(lab, row, f"{label_name} {row['id']}")  # types, enums, required properties
            assert row["id"] not in ids
            ids[row["id"]] = label_name
    districts = {r["id"] for r in nodes["AdminArea"] if r["level"] == "DISTRICT"}
    city = next(r["id"] for r in nodes["AdminArea"] if r["level"] == "CITY")
    city_wide = {city} | {r["to"] for r in rels["HAS_PARTY_ORG"] if r["from"] == city}
    for label_name, rows in nodes.items():
        for row in rows:
            if label_name != "Category" and row["id"] not in city_wide:
                assert row["regionId"] in districts, row["id"]
    for type_name, rows in rels.items():
        rt = model.rel(type_name)
        keys = {"from", "to", "fromLabel", "toLabel", *(p.name for p in rt.props)}
        for row in rows:
            assert set(row) == keys, type_name
            assert (row["fromLabel"], row["toLabel"]) in rt.endpoints, (type_name, row)
            assert ids[row["from"]] == row["fromLabel"] and ids[row["to"]] == row["toLabel"]
            rel_row(rt, {k: v for k, v in row.items() if k not in ("fromLabel", "toLabel")}, type_name)


def test_network_has_the_seed_shape(tiny: Any) -> None:
    nodes, rels = tiny
    levels = Counter(r["level"] for r in nodes["AdminArea"])
    assert levels["CITY"] == 1 and levels["DISTRICT"] == SCALES["tiny"].districts
    assert levels["COMPOUND"] > 0 and levels["GRID"] > 0
    expected_types = {
        "PART_OF", "LOCATED_IN", "HAS_PARTY_ORG", "SUBORDINATE_TO", "PARTY_TO", "CO_BUILDS_WITH", "PAIRED_WITH",
        "SIGNED", "FORMALIZES", "PUBLISHES", "IN_CATEGORY", "CLAIMED", "OFFERS", "ADDRESSES", "UNDER", "EMPLOYED_BY",
        "MEMBER_OF", "REPORTS_TO", "HOLDS_POSITION", "PERFORMED", "AT", "GAVE", "OF", "ABOUT", "BELONGS_TO", "OPERATES",
    }
    assert expected_types <= set(rels)
    part_time = [r for r in rels["HOLDS_POSITION"] if r["role"] == "PART_TIME_COMMITTEE_MEMBER"]
    assert part_time and all(r["representsUnitId"].startswith("unit:") for r in part_time)
    employer = {r["from"]: r["to"] for r in rels["EMPLOYED_BY"]}
    assert all(employer[r["from"]] == r["representsUnitId"] for r in part_time)
    assert {r["side"] for r in rels["PARTY_TO"]} == {"HOST", "PARTNER"}
    assert all("PARTY_MEMBER" in r["roles"] and r["memberCategory"] for r in nodes["Person"])
    # every AdminArea except the city has exactly one parent
    parents = Counter(r["from"] for r in rels["PART_OF"])
    assert all(parents[r["id"]] == 1 for r in nodes["AdminArea"] if r["level"] != "CITY")


def test_derived_edges_agree_with_pairings(tiny: Any) -> None:
    """CO_BUILDS_WITH / PAIRED_WITH recomputed by domain.md R24 (cobuild.graph.derive) from PARTY_TO."""
    nodes, rels = tiny
    owner = {r["to"]: r["from"] for r in rels["HAS_PARTY_ORG"]}
    org_of = {r["from"]: r["to"] for r in rels["HAS_PARTY_ORG"]}
    covers: dict[str, list[str]] = defaultdict(list)
    for r in rels.get("COVERS", []):
        covers[r["from"]].append(r["to"])
    pairing = {r["id"]: r for r in nodes["Pairing"]}
    hosts: dict[str, list[tuple[str | None, str | None, bool]]] = defaultdict(list)
    partners: dict[str, list[tuple[str | None, str | None, bool]]] = defaultdict(list)
    for r in rels["PARTY_TO"]:
        side = hosts if r["side"] == "HOST" else partners
        if r["fromLabel"] == "AdminArea":
            side[r["to"]].append((r["from"], org_of.get(r["from"]), False))
        elif r["fromLabel"] == "Unit":
            side[r["to"]].append((r["from"], org_of.get(r["from"]), False))
        elif r["side"] == "HOST":
            side[r["to"]].append((owner.get(r["from"]), r["from"], True))
        else:
            for u in [owner.get(r["from"])] + covers[r["from"]]:
                side[r["to"]].append((u, r["from"], True))
    want_co, want_paired = set(), set()
    for pid, p in pairing.items():
        assert hosts[pid] and partners[pid], pid
        for area, horg, hvia in hosts[pid]:
            for unit, porg, pvia in partners[pid]:
                if area and unit:
                    want_co.add((area, unit, pid, p["since"], p["status"], tuple(p["forms"]), hvia or pvia))
                if horg and porg and horg != porg:
                    want_paired.add((horg, porg, pid, p["since"], p["status"]))
    got_co = {(r["from"], r["to"], r["pairingId"], r["since"], r["status"], tuple(r["forms"]), r["viaPartyOrg"])
              for r in rels["CO_BUILDS_WITH"]}
    got_paired = {(r["from"], r["to"], r["pairingId"], r["since"], r["status"]) for r in rels["PAIRED_WITH"]}
    assert got_co == want_co and len(got_co) == len(rels["CO_BUILDS_WITH"])
    assert got_paired == want_paired and len(got_paired) == len(rels["PAIRED_WITH"])


def test_some_communities_have_no_pairing(tiny: Any) -> None:
    nodes, rels = tiny
    communities = {r["id"] for r in nodes["AdminArea"] if r["level"] in ("COMMUNITY", "VILLAGE")}
    paired = {r["from"] for r in rels["CO_BUILDS_WITH"]}
    parent = {r["from"]: r["to"] for r in rels["PART_OF"]}
    paired |= {parent[a] for a in paired if parent.get(a) in communities}  # compound-level pairings
    gaps = communities - paired
    assert 0 < len(gaps) < len(communities)


def test_district_is_about_a_tenth_of_a_city() -> None:
    d, c = SCALES["district"], SCALES["city"]
    assert d.streets * d.communities == c.streets * c.communities and c.districts == 10 * d.districts
    nodes, rels = generate("district", 2)
    n, r = sum(map(len, nodes.values())), sum(map(len, rels.values()))
    assert 20_000 <= n and 100_000 <= r  # ×10 gives the city's ≥200k nodes and ≥1M relationships


# ---- loading into the store ---------------------------------------------------------------------
async def test_load_tiny(engine: GraphEngine) -> None:
    seen: dict[str, int] = {}
    result = await load_generated(engine, "tiny", 5, progress=lambda what, n: seen.__setitem__(what, n))
    nodes, rels = generate("tiny", 5)
    for label_name, rows in nodes.items():
        got = await engine.run(Statement(f"MATCH (n:{name(label_name)}) RETURN count(n) AS n"))
        assert got[0]["n"] == len(rows) == result["counts"][label_name] == seen[label_name], label_name
    for type_name, rows in rels.items():
        got = await engine.run(Statement(f"MATCH ()-[r:{name(type_name)}]->() RETURN count(r) AS n"))
        assert got[0]["n"] == len(rows) == result["counts"][type_name], type_name
    assert result["nodes"] == sum(map(len, nodes.values()))
    assert result["relationships"] == sum(map(len, rels.values()))
    # values survive the CSV round trip: Chinese text with commas and quotes, lists, dates, booleans
    demand = next(iter(nodes["Demand"]))
    got = await engine.run(Statement(
        "MATCH (c:AdminArea)-[:PUBLISHES]->(d:Demand) WHERE d.id = $id "
        "RETURN d.description AS description, d.publishedAt AS publishedAt, d.sourceRefs AS refs, "
        "d.synthetic AS synthetic, d.createdAt AS createdAt",
        {"id": demand["id"]},
    ))
    assert got == [{"description": demand["description"], "publishedAt": demand["publishedAt"],
                    "refs": ["GENERATED"], "synthetic": True, "createdAt": demand["createdAt"]}]
    assert "," in demand["description"] and '"' in demand["description"]
    cb = next(iter(rels["CO_BUILDS_WITH"]))
    got = await engine.run(Statement(
        "MATCH (a:AdminArea)-[e:CO_BUILDS_WITH]->(u:Unit) WHERE e.pairingId = $pid "
        "RETURN a.id AS area, u.id AS unit, e.since AS since, e.forms AS forms, e.viaPartyOrg AS via, e.status AS status",
        {"pid": cb["pairingId"]},
    ))
    assert got == [{"area": cb["from"], "unit": cb["to"], "since": cb["since"], "forms": cb["forms"],
                    "via": cb["viaPartyOrg"], "status": cb["status"]}]


def _node(label_name: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(model.label(label_name).prop_names)
    row.update(values)
    return row


def _rel(type_name: str, a: str, b: str, al: str, bl: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"from": a, "to": b, "fromLabel": al, "toLabel": bl}
    row.update({p.name: None for p in model.rel(type_name).props})
    row.update(values)
    return row


async def test_bulk_load_carries_awkward_values(engine: GraphEngine) -> None:
    """Commas, quotes, backslashes, line breaks, empty vs null, list items CSV cannot carry,
    time zones, and a relationship table with several endpoint pairs."""
    at = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    areas = [
        _node("AdminArea", id="area:a1", name='社区,"引号"\\反斜杠', level="COMMUNITY", aliases=["别名", "a b"],
              createdAt=at, updatedAt=at, areaKm2=1.25, populationResident=12000, synthetic=True,
              validFrom=dt.date(2020, 1, 2)),
        _node("AdminArea", id="area:a2", name="多行\n文本", level="STREET", aliases=None, createdAt=at, updatedAt=at),
        _node("AdminArea", id="area:a3", name="", level="CITY", aliases=[], createdAt=at, updatedAt=at),
        _node("AdminArea", id="area:a4", name="列表", level="GRID", aliases=["有,逗号", " 空格", '"q"', "", "[x]"],
              createdAt=at, updatedAt=at),
    ]
    units = [_node("Unit", id="unit:u1", name="医院", unitType="PUBLIC_INSTITUTION", isResidentUnit=False,
                   createdAt=at, updatedAt=at)]
    rels = {
        "PART_OF": [_rel("PART_OF", "area:a1", "area:a2", "AdminArea", "AdminArea", confidence="STATED")],
        "LOCATED_IN": [_rel("LOCATED_IN", "unit:u1", "area:a1", "Unit", "AdminArea", primary=True)],
        "CO_BUILDS_WITH": [
            _rel("CO_BUILDS_WITH", "area:a1", "unit:u1", "AdminArea", "Unit", pairingId="pairing:p1",
                 since=dt.date(2021, 3, 4), status="ACTIVE", forms=["ORG_JOINT_BUILDING", "RESOURCE_SHARING"],
                 viaPartyOrg=True),
            _rel("CO_BUILDS_WITH", "area:a2", "unit:u1", "AdminArea", "Unit", pairingId="pairing:p2",
                 forms=["a,b"], viaPartyOrg=False),
        ],
    }
    counts = await engine.bulk_load({"AdminArea": areas, "Unit": units}, rels)
    assert counts == {"AdminArea": 4, "Unit": 1, "PART_OF": 1, "LOCATED_IN": 1, "CO_BUILDS_WITH": 2}
    got = await engine.run(Statement(
        "MATCH (a:AdminArea) RETURN a.id AS id, a.name AS name, a.aliases AS aliases, a.createdAt AS at, "
        "a.areaKm2 AS km2, a.populationResident AS pop, a.synthetic AS synthetic, a.validFrom AS since ORDER BY id"))
    utc = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.timezone.utc)
    assert got == [
        {"id": "area:a1", "name": '社区,"引号"\\反斜杠', "aliases": ["别名", "a b"], "at": utc, "km2": 1.25,
         "pop": 12000, "synthetic": True, "since": dt.date(2020, 1, 2)},
        {"id": "area:a2", "name": "多行\n文本", "aliases": None, "at": utc, "km2": None, "pop": None,
         "synthetic": None, "since": None},
        {"id": "area:a3", "name": "", "aliases": [], "at": utc, "km2": None, "pop": None, "synthetic": None,
         "since": None},
        {"id": "area:a4", "name": "列表", "aliases": ["有,逗号", " 空格", '"q"', "", "[x]"], "at": utc,
         "km2": None, "pop": None, "synthetic": None, "since": None},
    ]
    got = await engine.run(Statement(
        "MATCH (a:AdminArea)-[e:CO_BUILDS_WITH]->(u:Unit) RETURN a.id AS area, e.forms AS forms, "
        "e.since AS since, e.viaPartyOrg AS via ORDER BY area"))
    assert got == [
        {"area": "area:a1", "forms": ["ORG_JOINT_BUILDING", "RESOURCE_SHARING"], "since": dt.date(2021, 3, 4),
         "via": True},
        {"area": "area:a2", "forms": ["a,b"], "since": None, "via": False},
    ]
    got = await engine.run(Statement(
        "MATCH (u:Unit)-[e:LOCATED_IN]->(a:AdminArea) RETURN u.isResidentUnit AS resident, e.`primary` AS p"))
    assert got == [{"resident": False, "p": True}]

    # a relationship to a missing node, or between labels the type does not connect, fails loudly
    with pytest.raises(EngineError):
        await engine.bulk_load({}, {"PART_OF": [_rel("PART_OF", "area:a1", "area:nope", "AdminArea", "AdminArea")]})
    with pytest.raises(EngineError, match="does not connect"):
        await engine.bulk_load({}, {"PART_OF": [_rel("PART_OF", "unit:u1", "area:a1", "Unit", "AdminArea")]})
    got = await engine.run(Statement("MATCH ()-[e:PART_OF]->() RETURN count(e) AS n"))
    assert got == [{"n": 1}]


async def test_run_generate_cli_shows_progress_and_rates(engine: GraphEngine) -> None:
    from rich.console import Console

    out = io.StringIO()
    result = await run_generate_cli(engine, "tiny", 2, Console(file=out, width=120))
    text = out.getvalue()
    assert result["nodes"] > 0 and result["relationships"] > result["nodes"]
    assert "nodes/s" in text and "relationships/s" in text
