"""Migrations derive the store's schema from the model, are versioned, and are idempotent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cobuild.errors import ConstraintViolationError
from cobuild.graph import model
from cobuild.graph.cypher import Statement, name
from cobuild.graph.dialect import DIALECTS, FULLTEXT_INDEX
from cobuild.graph.migrate import applied_version, migrate
from cobuild.graph.upsert import upsert_nodes
from cobuild.graph.validate import node_row

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

LADYBUG_TYPES = {
    model.PropType.STRING: "STRING", model.PropType.INT: "INT64", model.PropType.FLOAT: "DOUBLE",
    model.PropType.BOOL: "BOOL", model.PropType.DATE: "DATE", model.PropType.DATETIME: "TIMESTAMP",
    model.PropType.STRING_LIST: "STRING[]",
}


def test_model_is_consistent() -> None:
    assert model.check_model() == []
    for rel in model.RELATIONSHIPS:
        assert rel.endpoints, rel.name


@pytest.mark.store_only("ladybug", "reads LadybugDB's catalog (show_tables, table_info): column types exist there only")
async def test_tables_match_the_model(engine) -> None:
    """Model ↔ schema: every label's table has exactly the model's columns and types."""
    tables = {r["name"]: r["type"] for r in await engine.run(Statement("CALL show_tables() RETURN name, type"))}
    for lab in model.LABELS:
        assert tables.get(lab.name) == "NODE", lab.name
        cols = await engine.run(Statement(f"CALL table_info('{lab.name}') RETURN name, type"))
        assert {c["name"]: c["type"] for c in cols} == {p.name: LADYBUG_TYPES[p.type] for p in lab.all_props}
    for rel in model.RELATIONSHIPS:
        assert tables.get(rel.name) == "REL", rel.name
        cols = await engine.run(Statement(f"CALL table_info('{rel.name}') RETURN name, type"))
        assert {c["name"]: c["type"] for c in cols} == {p.name: LADYBUG_TYPES[p.type] for p in rel.props}


@pytest.mark.store_only("neo4j", "reads Neo4j's catalog (SHOW CONSTRAINTS, SHOW INDEXES): LadybugDB has tables instead")
async def test_constraints_and_indexes_match_the_model(engine) -> None:
    """Model ↔ schema on Neo4j: a uniqueness constraint on ``id`` per label, the range indexes the
    model asks for, and the CJK full-text index over names and aliases, all online."""
    constraints = await engine.run(Statement(
        "SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties RETURN type, labelsOrTypes, properties"), "write")
    unique = {(c["labelsOrTypes"][0], tuple(c["properties"])) for c in constraints if "UNIQUE" in c["type"]}
    for lab in model.LABELS:
        assert (lab.name, ("id",)) in unique, lab.name
    indexes = await engine.run(Statement(
        "SHOW INDEXES YIELD name, type, labelsOrTypes, properties, state, options "
        "RETURN name, type, labelsOrTypes, properties, state, options"), "write")
    assert all(i["state"] == "ONLINE" for i in indexes), [i for i in indexes if i["state"] != "ONLINE"]
    ranged = {(i["labelsOrTypes"][0], tuple(i["properties"])) for i in indexes if i["type"] == "RANGE" and i["labelsOrTypes"]}
    for lab in model.LABELS:
        for p in lab.all_props:
            if p.indexed:
                assert (lab.name, (p.name,)) in ranged, (lab.name, p.name)
    fulltext = [i for i in indexes if i["name"] == FULLTEXT_INDEX]
    assert len(fulltext) == 1 and fulltext[0]["type"] == "FULLTEXT", fulltext
    assert set(fulltext[0]["properties"]) == {"name", "aliases"}
    assert {lab.name for lab in model.LABELS} <= set(fulltext[0]["labelsOrTypes"])
    assert fulltext[0]["options"]["indexConfig"]["fulltext.analyzer"] == "cjk"


async def test_every_label_refuses_a_second_node_with_the_same_id(engine) -> None:
    """The schema's one hard rule on both stores: ``id`` is unique per label (LadybugDB: the primary
    key; Neo4j: the uniqueness constraint)."""
    for lab in model.LABELS:
        node_id = f"{lab.id_prefix}:dup"
        await engine.run(Statement(f"CREATE (n:{name(lab.name)} {{`id`: $id}})", {"id": node_id}), "write")
        with pytest.raises(ConstraintViolationError):
            await engine.run(Statement(f"CREATE (n:{name(lab.name)} {{`id`: $id}})", {"id": node_id}), "write")
        rows = await engine.run(Statement(f"MATCH (n:{name(lab.name)}) RETURN count(n) AS n"))
        assert rows == [{"n": 1}], lab.name


async def test_migrate_twice_changes_nothing_and_records_version(engine) -> None:
    version, fp = await applied_version(engine)
    assert (version, fp) == (model.SCHEMA_VERSION, model.fingerprint())
    again = await migrate(engine)
    assert not again.changed and again.statements_run == 0
    assert await applied_version(engine) == (version, fp)


async def test_a_new_label_is_created_by_the_next_migrate(engine, monkeypatch) -> None:
    """Adding a label is a change in one place: the model. The fingerprint changes, migrate creates
    what the new label needs (a LadybugDB table; a Neo4j uniqueness constraint), once."""
    extra = model.NodeLabel("Meeting", "meeting", "会议", "Meeting", (model.Prop("date", model.PropType.DATE, "日期", "Date"),))
    monkeypatch.setattr(model, "LABELS", model.LABELS + (extra,))
    monkeypatch.setattr(model, "LABELS_BY_NAME", {**model.LABELS_BY_NAME, "Meeting": extra})
    import cobuild.graph.cypher as cypher

    monkeypatch.setattr(cypher, "KNOWN_NAMES", cypher.KNOWN_NAMES | {"Meeting", "date"})
    report = await migrate(engine)
    assert report.changed
    create = Statement("CREATE (m:`Meeting` {`id`: $id, `date`: $d})", {"id": "meeting:1", "d": dt.date(2024, 1, 2)})
    await engine.run(create, "write")
    with pytest.raises(ConstraintViolationError):
        await engine.run(create, "write")
    assert await engine.run(Statement("MATCH (m:`Meeting`) RETURN m.`id` AS id, m.`date` AS d")) == [
        {"id": "meeting:1", "d": dt.date(2024, 1, 2)}]
    assert (await migrate(engine)).statements_run == 0


async def test_a_property_added_to_the_model_can_be_written_after_the_next_migrate(engine, monkeypatch) -> None:
    """``CREATE … IF NOT EXISTS`` keeps an old LadybugDB table; the next migrate adds the new
    property's column (Neo4j needs none), so the property can be written and read back."""
    unit = model.label("Unit")
    extra = model.Prop("motto", model.PropType.STRING, "口号", "Motto")
    grown = model.NodeLabel(unit.name, unit.id_prefix, unit.zh, unit.en, unit.props + (extra,), actor=unit.actor)
    monkeypatch.setattr(model, "LABELS", tuple(grown if lab.name == "Unit" else lab for lab in model.LABELS))
    monkeypatch.setattr(model, "LABELS_BY_NAME", {**model.LABELS_BY_NAME, "Unit": grown})
    import cobuild.graph.cypher as cypher

    monkeypatch.setattr(cypher, "KNOWN_NAMES", cypher.KNOWN_NAMES | {"motto"})
    assert (await migrate(engine)).changed
    row = node_row(grown, {"id": "unit:m1", "name": "口号单位", "unitType": "SOE", "motto": "共建共享"}, "test")
    await engine.run(upsert_nodes(engine.dialect, "Unit", [row], NOW), "write")
    assert await engine.run(Statement("MATCH (u:`Unit`) WHERE u.`id` = $id RETURN u.`motto` AS motto", {"id": "unit:m1"})) == [
        {"motto": "共建共享"}]
    assert (await migrate(engine)).statements_run == 0


def test_neo4j_migration_has_constraints_indexes_and_cjk_fulltext() -> None:
    stmts = DIALECTS["neo4j"].schema_statements()
    for lab in model.LABELS:
        assert any(f"FOR (n:`{lab.name}`) REQUIRE n.`id` IS UNIQUE" in s for s in stmts), lab.name
    assert any("FULLTEXT INDEX" in s and "'cjk'" in s and "n.`aliases`" in s for s in stmts)
    assert all("IF NOT EXISTS" in s for s in stmts)


def test_readme_diagram_is_generated_from_the_model() -> None:
    from cobuild.graph.diagram import mermaid

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert mermaid() in readme, "README's model diagram drifted: paste `cobuild diagram` output into README.md"
