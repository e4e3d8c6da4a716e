"""The seed network: loads, is idempotent, keeps the articles' facts, and refuses bad rows whole."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from cobuild.errors import ValidationError
from cobuild.graph import model
from cobuild.graph.migrate import applied_version
from cobuild.graph.cypher import Statement
from cobuild.graph.export import snapshot
from cobuild.graph.stats import graph_stats
from cobuild.seeds.load import DATA_DIR, load, read_dataset


def _find(label: str, name: str) -> str:
    ds = read_dataset()
    ids = [r["id"] for r in ds.nodes[label] if r["name"] == name]
    assert len(ids) == 1, f"expected one {label} named {name}, found {ids}"
    return ids[0]


async def test_loading_twice_changes_nothing(seeded) -> None:
    before = await snapshot(seeded)
    report = await load(seeded)
    assert report.changed == 0
    assert await snapshot(seeded) == before


@pytest.mark.read_only
async def test_every_record_is_loaded(seeded) -> None:
    ds = read_dataset()
    counts = (await graph_stats(seeded))["nodes"]
    for label, rows in ds.nodes.items():
        assert counts[label] == len(rows), label


@pytest.mark.read_only
async def test_haixin_has_eleven_co_building_units(seeded) -> None:
    haixin = _find("AdminArea", "海信社区")
    rows = await seeded.run(Statement(
        "MATCH (c:AdminArea {id: $id})-[e:CO_BUILDS_WITH]->(u:Unit) RETURN count(DISTINCT u) AS n", {"id": haixin}))
    assert rows[0]["n"] == 11


@pytest.mark.read_only
async def test_named_pairings_are_co_building_edges(seeded) -> None:
    for community, unit in (("紫东阁社区", "区第一人民医院"), ("三江社区", "四川文化产业学院"), ("机场路社区", "红缨幼儿园")):
        rows = await seeded.run(Statement(
            "MATCH (c:AdminArea {id: $c})-[e:CO_BUILDS_WITH]->(u:Unit {id: $u}) RETURN e.status AS status",
            {"c": _find("AdminArea", community), "u": _find("Unit", unit)}))
        assert rows == [{"status": "ACTIVE"}], (community, unit)


@pytest.mark.read_only
async def test_statistics_keep_source_qualifier_and_quote(seeded) -> None:
    rows = await seeded.run(Statement(
        "MATCH (owner)-[:HAS_STATISTIC]->(s:Statistic) RETURN s.id AS id, s.sourceRefs AS refs, s.quote AS quote, "
        "s.qualifier AS q, s.asOf AS asOf"))
    assert len(rows) >= 80
    for r in rows:
        assert r["refs"] and r["refs"][0] in ("F000", "F001", "F002", "F003", "F004"), r
        assert r["quote"] and r["q"] and r["asOf"], r
    shuangliu = _find("AdminArea", "双流区")
    figures = await seeded.run(Statement(
        "MATCH (a:AdminArea {id: $id})-[:HAS_STATISTIC]->(s:Statistic) RETURN s.value AS v", {"id": shuangliu}))
    values = {r["v"] for r in figures}
    assert {180, 355, 134, 479, 256} <= values


def test_quotes_are_verbatim_from_the_articles() -> None:
    docs = {f"F00{i}": "".join(p.read_text(encoding="utf-8").split())
            for i, p in enumerate(sorted((Path(__file__).parents[3] / "shared" / "seed-docs").glob("*.txt")))}
    if not docs:
        docs = {f"F00{i}": "".join(p.read_text(encoding="utf-8").split())
                for i, p in enumerate(sorted(Path("/work/shared/seed-docs").glob("*.txt")))}
    assert len(docs) == 5
    for row in read_dataset().nodes["Statistic"]:
        quote = "".join((row["quote"] or "").split())
        assert quote in docs[row["sourceRefs"][0]], (row["id"], row["quote"])


def test_persons_are_synthetic() -> None:
    persons = read_dataset().nodes["Person"]
    assert persons and all(p["synthetic"] for p in persons)


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda rec: rec.__setitem__("level", "PLANET"), "level"),
        (lambda rec: rec.__setitem__("populationResident", "many"), "populationResident"),
        (lambda rec: rec.__setitem__("id", "unit:wrong-prefix"), "id"),
        (lambda rec: rec.__setitem__("colour", "red"), "colour"),
    ],
)
async def test_a_bad_row_is_named_and_nothing_is_written(engine, tmp_path: Path, mutate, field) -> None:
    data = _copy_data(tmp_path)
    path = data / "11_f001_shuangliu.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    idx = next(i for i, n in enumerate(doc["nodes"]) if n["label"] == "AdminArea")
    mutate(doc["nodes"][idx])
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        await load(engine, data)
    assert "11_f001_shuangliu.yaml" in str(err.value) and f"row {idx + 1}" in str(err.value)
    assert err.value.extensions["field"] == field
    assert sum((await graph_stats(engine))["nodes"].values()) == 0


async def test_a_dangling_reference_is_refused_before_writing(engine, tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    path = data / "11_f001_shuangliu.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    area = next(n["id"] for n in doc["nodes"] if n["label"] == "AdminArea")
    doc["rels"].append({"type": "PART_OF", "from": area, "to": "area:nowhere", "source": "F001"})
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match="area:nowhere"):
        await load(engine, data)
    assert sum((await graph_stats(engine))["nodes"].values()) == 0


async def test_a_write_failure_midway_leaves_nothing(engine, tmp_path: Path, monkeypatch) -> None:
    """Atomicity at the store: the load is one unit of work, so a failure after some writes undoes them."""
    import cobuild.seeds.load as loader

    real = loader.rederive

    async def broken(*args, **kwargs):
        await real(*args, **kwargs)
        raise RuntimeError("simulated failure after every node and edge was written")

    monkeypatch.setattr(loader, "rederive", broken)
    with pytest.raises(RuntimeError):
        await load(engine)
    assert sum((await graph_stats(engine))["nodes"].values()) == 0
    assert (await applied_version(engine))[0] == model.SCHEMA_VERSION  # the schema is untouched too


def test_region_ids_follow_the_hierarchy() -> None:
    ds = read_dataset()
    shuangliu = _find("AdminArea", "双流区")
    hospital = next(r for r in ds.nodes["Unit"] if r["name"] == "区第一人民医院")
    assert hospital["regionId"] == shuangliu
    for row in ds.nodes["AdminArea"]:
        if row["level"] in ("STREET", "TOWN", "COMMUNITY") and row["regionId"]:
            assert model.label_of_id(row["regionId"]).name == "AdminArea"
