"""The command line: every command listed, migrate/seed/stats on an empty store (each configured store)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cobuild.cli import app
from cobuild.graph import model
from cobuild.seeds.load import read_dataset

runner = CliRunner()


def test_no_arguments_lists_every_command() -> None:
    result = runner.invoke(app, [])
    for command in ("migrate", "seed", "generate", "stats", "serve", "schema", "keys", "persisted"):
        assert command in result.output


def test_migrate_seed_stats_json(cli_blank) -> None:
    assert f"version {model.SCHEMA_VERSION}" in runner.invoke(app, ["migrate"]).output
    assert "nothing to do" in runner.invoke(app, ["migrate"]).output
    seeded = runner.invoke(app, ["seed"])
    assert seeded.exit_code == 0, seeded.output
    result = runner.invoke(app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    expected = read_dataset()
    assert counts["nodes"]["Unit"] == len(expected.nodes["Unit"])
    assert counts["relationships"]["CO_BUILDS_WITH"] > 0


def test_bad_configuration_is_explained(monkeypatch) -> None:
    monkeypatch.setenv("COBUILD_NEO4J_URI", "http://example.invalid")
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 2
    assert "COBUILD_NEO4J_URI" in result.output
