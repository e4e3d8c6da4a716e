"""The committed SDL (schema.graphql at the repository root) is what the code serves: clients and
reviewers read the file, so a schema change must show up in it."""

from __future__ import annotations

import difflib
from pathlib import Path

from cobuild.schema.root import build_schema

SDL_FILE = Path(__file__).parents[2] / "schema.graphql"
REGENERATE = ".venv/bin/cobuild schema > schema.graphql"


def test_committed_sdl_matches_the_code() -> None:
    assert SDL_FILE.is_file(), f"schema.graphql is missing; generate it with `{REGENERATE}` and commit it"
    code = build_schema().as_str().strip() + "\n"
    committed = SDL_FILE.read_text(encoding="utf-8").strip() + "\n"
    if code != committed:
        diff = "".join(list(difflib.unified_diff(committed.splitlines(keepends=True), code.splitlines(keepends=True),
                                                 "schema.graphql (committed)", "cobuild schema (code)", n=1))[:60])
        raise AssertionError(f"schema.graphql drifted from the code's SDL; regenerate it with `{REGENERATE}` "
                             f"and commit it. First differences:\n{diff}")


def test_cli_prints_the_sdl() -> None:
    from typer.testing import CliRunner

    from cobuild.cli import app

    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == build_schema().as_str().strip()
