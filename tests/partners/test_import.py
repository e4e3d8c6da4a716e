"""``cobuild import`` reads what ``cobuild export`` writes (issue 12 part 5): the district network
round-trips with identical stats and identical GraphQL answers; an interrupted import — an injected
failure after N batches, a process killed mid-way — finishes when run again and duplicates nothing;
bad rows are refused by file, line and field with nothing of their batch written."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cobuild.cli import app
from cobuild.errors import ValidationError
from cobuild.graph.cypher import Statement
from cobuild.graph.engines.ladybug import LadybugEngine
from cobuild.graph.export import snapshot
from cobuild.graph.importer import run_import
from cobuild.graph.stats import graph_stats
from tests.client import serve
from tests.graphs import copy_store

runner = CliRunner()
QUESTIONS = [
    "{ adminAreas(first: 5) { totalCount nodes { id name level } } }",
    "{ units(first: 5) { totalCount nodes { id name unitType } } }",
    "{ persons(first: 3) { totalCount nodes { id synthetic } } }",
    "{ pairings(first: 5) { totalCount nodes { id status since } } }",
    "{ evaluations(first: 3) { totalCount nodes { id year score } } }",
    "{ serviceRecords(first: 3) { totalCount nodes { id date hours } } }",
    "{ demands(first: 5) { totalCount nodes { id name status } } }",
    '{ search(text: "社区", first: 5) { id label name } }',
]


def cli(args: list[str], db: Path, **env: str) -> Any:
    result = runner.invoke(app, args, env={"COBUILD_DB_PATH": str(db), "COBUILD_NEO4J_URI": "", **env})
    assert result.exit_code == 0, result.output
    return result


def stats(db: Path) -> dict[str, Any]:
    return json.loads(cli(["stats", "--json"], db).output)


async def answers(db: Path, tmp: Path) -> list[dict[str, Any]]:
    engine = LadybugEngine(db)
    await engine.open()
    try:
        async with serve(engine, tmp) as gql:
            return [await gql(q) for q in QUESTIONS]
    finally:
        await engine.close()


async def _import(db: Path, source: Path, **kw: Any) -> Any:
    engine = LadybugEngine(db)
    await engine.open()
    try:
        return await run_import(engine, source, **kw)
    finally:
        await engine.close()


@pytest.mark.store_only("ladybug", "two stores in one test (the generated source and the import target, compared answer "
                                   "for answer); the Neo4j half has one database")
def test_the_district_network_round_trips_through_export_and_an_interrupted_import(tmp_path: Path) -> None:
    source, target, out = tmp_path / "source.lbdb", tmp_path / "target.lbdb", tmp_path / "export"
    cli(["generate", "--scale", "district", "--seed", "3"], source)
    cli(["export", "--format", "neo4j-admin", "--out", str(out)], source)
    # interrupted after 5 committed batches …
    with pytest.raises(RuntimeError, match="interrupted after 5 batches"):
        asyncio.run(_import(target, out, batch_size=2000, fail_after=5))
    partial = stats(target)
    assert 0 < sum(partial["nodes"].values()) < sum(stats(source)["nodes"].values())
    # … and run again: it resumes after the committed batches and finishes
    result = cli(["import", str(out)], target)
    assert "resumed after an interruption (4 file(s) and 0 records" in " ".join(result.output.split())
    assert stats(target) == stats(source)
    assert "nothing to do" in cli(["import", str(out)], target).output
    got = asyncio.run(answers(target, tmp_path / "t"))
    assert all(not a.get("errors") for a in got), got
    assert got == asyncio.run(answers(source, tmp_path / "s"))


@pytest.mark.store_only("ladybug", "two stores in one test (the seed source and the import target, snapshots compared) "
                                   "and a SIGKILLed importer process holding the embedded store; the Neo4j half has one database")
def test_the_seed_network_round_trips_exactly_through_jsonl_after_a_killed_import(seeded_template: Path, tmp_path: Path) -> None:
    """A real process killed (SIGKILL) after a few committed batches, then run again to the end:
    every node and relationship, every property, equal to the source."""
    source = copy_store(seeded_template, tmp_path / "seed.lbdb")
    out, target = tmp_path / "jsonl", tmp_path / "target.lbdb"
    cli(["export", "--format", "jsonl", "--out", str(out)], source)
    env = {**os.environ, "COBUILD_DB_PATH": str(target), "COBUILD_NEO4J_URI": ""}
    proc = subprocess.Popen([sys.executable, "-m", "cobuild.cli", "import", str(out), "--batch-size", "150"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("batch 3 committed"):
            proc.kill()
            break
    proc.wait(timeout=60)
    assert proc.returncode == -9, "".join(lines)

    async def checkpoint() -> list[dict[str, Any]]:
        engine = LadybugEngine(target)
        await engine.open()
        try:
            return await engine.run(Statement("MATCH (c:ImportCheckpoint) RETURN c.rowsDone AS rows, c.done AS done"))
        finally:
            await engine.close()

    [state] = asyncio.run(checkpoint())
    assert state["done"] is False and state["rows"] >= 450  # killed mid-way, with batches committed
    result = cli(["import", str(out), "--batch-size", "150"], target)
    assert "resumed after an interruption (0 file(s)" in " ".join(result.output.split())

    async def snaps() -> tuple[Any, Any]:
        out_ = []
        for db in (source, target):
            engine = LadybugEngine(db)
            await engine.open()
            try:
                out_.append(await snapshot(engine))
            finally:
                await engine.close()
        return out_[0], out_[1]

    a, b = asyncio.run(snaps())
    assert a == b


def _corrupt(path: Path, line_no: int, column: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    index = next(i for i, h in enumerate(header) if h.split(":")[0] == column)
    cells = lines[line_no - 1].split(",")
    cells[index] = value
    lines[line_no - 1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")


async def _counts(db: Path) -> dict[str, Any]:
    engine = LadybugEngine(db)
    await engine.open()
    try:
        return await graph_stats(engine)
    finally:
        await engine.close()


@pytest.mark.store_only("ladybug", "two databases in one test (the seed source exported, a fresh target imported into), "
                                   "both opened as LadybugDB files; the target could become the engine fixture (not done yet)")
def test_bad_rows_are_refused_by_file_line_and_field_and_their_batch_is_not_written(seeded_template: Path, tmp_path: Path) -> None:
    source = copy_store(seeded_template, tmp_path / "seed.lbdb")
    out = tmp_path / "csv"
    cli(["export", "--out", str(out)], source)
    units = out / "nodes_Unit.csv"
    _corrupt(units, 4, "unitType", "SPACESHIP")
    target = tmp_path / "target.lbdb"
    with pytest.raises(ValidationError) as refused:
        asyncio.run(_import(target, out, batch_size=5000))
    err = refused.value
    assert str(err).startswith("nodes_Unit.csv line 4: unitType must be one of") and err.extensions["field"] == "unitType"
    counts = asyncio.run(_counts(target))
    assert counts["nodes"]["AdminArea"] > 0 and counts["nodes"]["Unit"] == 0  # the files before it, nothing of its batch
    result = runner.invoke(app, ["import", str(out)], env={"COBUILD_DB_PATH": str(target), "COBUILD_NEO4J_URI": ""})
    assert result.exit_code == 1 and "nodes_Unit.csv line 4" in result.output
    # a relationship whose end is missing names its line and end
    shutil.copy(out / "nodes_Unit.csv", tmp_path / "bad.csv")
    units.write_text((tmp_path / "bad.csv").read_text(encoding="utf-8").replace("SPACESHIP", "SOE"), encoding="utf-8")
    located = out / "rels_LOCATED_IN.csv"
    _corrupt(located, 2, "", "unit:does-not-exist")
    with pytest.raises(ValidationError) as missing:
        asyncio.run(_import(target, out, batch_size=5000))
    assert str(missing.value).startswith("rels_LOCATED_IN.csv line 2: LOCATED_IN from 'unit:does-not-exist' does not exist")
