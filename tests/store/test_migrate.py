"""Migrations derive the store's schema from the model, are versioned, and are idempotent."""

from __future__ import annotations

from pathlib import Path

from cobuild.graph import model
from cobuild.graph.cypher import Statement
from cobuild.graph.dialect import DIALECTS
from cobuild.graph.migrate import applied_version, migrate

LADYBUG_TYPES = {
    model.PropType.STRING: "STRING", model.PropType.INT: "INT64", model.PropType.FLOAT: "DOUBLE",
    model.PropType.BOOL: "BOOL", model.PropType.DATE: "DATE", model.PropType.DATETIME: "TIMESTAMP",
    model.PropType.STRING_LIST: "STRING[]",
}


def test_model_is_consistent() -> None:
    assert model.check_model() == []
    for rel in model.RELATIONSHIPS:
        assert rel.endpoints, rel.name


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


async def test_migrate_twice_changes_nothing_and_records_version(engine) -> None:
    version, fp = await applied_version(engine)
    assert (version, fp) == (model.SCHEMA_VERSION, model.fingerprint())
    again = await migrate(engine)
    assert not again.changed and again.statements_run == 0
    assert await applied_version(engine) == (version, fp)


async def test_a_new_label_is_created_by_the_next_migrate(tmp_path: Path, monkeypatch) -> None:
    """Adding a label is a change in one place: the model. The fingerprint changes, migrate creates it."""
    from cobuild.graph.engines.ladybug import LadybugEngine

    e = LadybugEngine(tmp_path / "m.lbdb")
    await e.open()
    await migrate(e)
    extra = model.NodeLabel("Meeting", "meeting", "会议", "Meeting", (model.Prop("date", model.PropType.DATE, "日期", "Date"),))
    monkeypatch.setattr(model, "LABELS", model.LABELS + (extra,))
    monkeypatch.setattr(model, "LABELS_BY_NAME", {**model.LABELS_BY_NAME, "Meeting": extra})
    import cobuild.graph.cypher as cypher

    monkeypatch.setattr(cypher, "KNOWN_NAMES", cypher.KNOWN_NAMES | {"Meeting", "date"})
    report = await migrate(e)
    assert report.changed
    tables = {r["name"] for r in await e.run(Statement("CALL show_tables() RETURN name"))}
    assert "Meeting" in tables
    assert (await migrate(e)).statements_run == 0
    await e.close()


async def test_a_property_added_to_the_model_becomes_a_column_of_an_existing_table(tmp_path: Path, monkeypatch) -> None:
    """``CREATE … IF NOT EXISTS`` keeps an old table; the next migrate adds the new property's column."""
    from cobuild.graph.engines.ladybug import LadybugEngine

    e = LadybugEngine(tmp_path / "p.lbdb")
    await e.open()
    await migrate(e)
    unit = model.label("Unit")
    extra = model.Prop("motto", model.PropType.STRING, "口号", "Motto")
    grown = model.NodeLabel(unit.name, unit.id_prefix, unit.zh, unit.en, unit.props + (extra,), actor=unit.actor)
    monkeypatch.setattr(model, "LABELS", tuple(grown if lab.name == "Unit" else lab for lab in model.LABELS))
    monkeypatch.setattr(model, "LABELS_BY_NAME", {**model.LABELS_BY_NAME, "Unit": grown})
    import cobuild.graph.cypher as cypher

    monkeypatch.setattr(cypher, "KNOWN_NAMES", cypher.KNOWN_NAMES | {"motto"})
    assert (await migrate(e)).changed
    cols = {r["name"] for r in await e.run(Statement("CALL table_info('Unit') RETURN name"))}
    assert "motto" in cols
    assert (await migrate(e)).statements_run == 0
    await e.close()


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
