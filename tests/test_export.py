"""``cobuild export``: the seeded store as neo4j-admin import CSV and as JSON lines, counts equal to
``graph_stats``."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cobuild.cli import app
from cobuild.graph import model

runner = CliRunner()


@pytest.fixture
def store(cli_seeded) -> dict[str, dict[str, int]]:
    """The CLI pointed at a private seeded store (each configured store); returns its graph_stats."""
    return cli_seeded.stats


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_export_csv_has_neo4j_admin_headers_and_every_row(store, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    result = runner.invoke(app, ["export", "--format", "neo4j-admin", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert store["nodes"]["Unit"] > 0 and store["relationships"]["CO_BUILDS_WITH"] > 0

    for lab in model.LABELS:
        header, rows = _read(out / f"nodes_{lab.name}.csv")
        assert header[0] == "id:ID" and header[-1] == ":LABEL"
        assert all(":" in h for h in header), header  # every column typed
        assert len(rows) == store["nodes"][lab.name], lab.name
        assert all(r[-1] == lab.name and r[0].startswith(lab.id_prefix + ":") for r in rows)

    pairing_header, _ = _read(out / "nodes_Pairing.csv")
    assert "since:date" in pairing_header
    # the layout `neo4j-admin database import full` reads (and `cobuild import` reads back)
    evaluation_header, _ = _read(out / "nodes_Evaluation.csv")
    assert {"id:ID", "year:long", "score:double", "updatedAt:datetime", "aliases:string[]", "synthetic:boolean"} <= set(evaluation_header)
    for rt in model.RELATIONSHIPS:
        header, rows = _read(out / f"rels_{rt.name}.csv")
        assert header[:2] == [":START_ID", ":END_ID"] and header[-1] == ":TYPE"
        assert header[2:-1] == [f"{p.name}:{_admin(p)}" for p in rt.props]
        assert len(rows) == store["relationships"][rt.name], rt.name
        assert all(r[-1] == rt.name for r in rows)
    member_header, _ = _read(out / "rels_MEMBER_OF.csv")
    assert "since:date" in member_header


def _admin(p: model.Prop) -> str:
    from cobuild.graph.export import ADMIN_TYPES

    return ADMIN_TYPES[p.type]


def test_export_jsonl_has_every_node_and_relationship(store, tmp_path: Path) -> None:
    out = tmp_path / "jsonl"
    result = runner.invoke(app, ["export", "--format", "jsonl", "--out", str(out)])
    assert result.exit_code == 0, result.output
    nodes: Counter[str] = Counter()
    rels: Counter[str] = Counter()
    with (out / "graph.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            if item["kind"] == "node":
                nodes[item["label"]] += 1
                assert item["props"]["id"]
            else:
                rels[item["type"]] += 1
                assert item["from"] and item["to"]
    assert {k: v for k, v in store["nodes"].items() if v} == dict(nodes)
    assert {k: v for k, v in store["relationships"].items() if v} == dict(rels)


def test_export_refuses_an_unknown_format(store, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "--format", "xml", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "neo4j-admin, csv or jsonl" in result.output
