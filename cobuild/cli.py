"""The ``cobuild`` command line. Run ``cobuild`` alone to list every command."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from cobuild.auth.cli import keys_app
from cobuild.cli_engine import settings as _settings
from cobuild.cli_engine import with_engine as _with_engine
from cobuild.console.cli import cypher as cypher_command
from cobuild.http.persisted_cli import persisted_app
from cobuild.maintain_cli import maintain_app
from cobuild.graph.engines import GraphEngine
from cobuild.partners_cli import changes_app, import_command

T = TypeVar("T")
app = typer.Typer(
    name="cobuild",
    help="cobuild — GraphQL service over the co-building knowledge graph (城市基层党建互联互通).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)


@app.command()
def migrate() -> None:
    """Create or update the graph schema (tables, constraints, indexes); idempotent and versioned."""
    from cobuild.graph.migrate import migrate as run_migrate

    report = _with_engine(run_migrate)
    if report.changed:
        console.print(f"schema at version {report.after} (was {report.before}); {report.statements_run} statements run")
    else:
        console.print(f"schema already at version {report.after}; nothing to do")


@app.command()
def seed(data_dir: Path = typer.Option(None, help="Seed folder (default: the bundled dataset)")) -> None:
    """Load the seed network from the five source articles (upserts by id; all or nothing)."""
    from cobuild.seeds.load import DATA_DIR, load

    started = time.perf_counter()
    with console.status("loading seed network …") as status:
        # migrate first: on Neo4j the uniqueness constraints are the indexes every MERGE by id uses
        report = _with_engine(lambda e: _migrated(e, lambda: load(e, data_dir or DATA_DIR, progress=lambda m: status.update(f"loading {m}"))))
    console.print(
        f"seed network: {report.nodes} nodes, {report.rels} relationships "
        f"({report.changed} nodes changed), derived {report.derived} in {time.perf_counter() - started:.1f}s"
    )


@app.command()
def generate(
    scale: str = typer.Option("district", help="district (~34k nodes, ~106k relationships) or city (≥200k nodes, ≥1M relationships)"),
    seed: int = typer.Option(1, help="Random seed; the same seed gives the same network"),
) -> None:
    """Generate a synthetic city network and bulk-load it, with a progress bar and timings."""
    from cobuild.seeds.generate import run_generate_cli

    _with_engine(lambda e: _migrated(e, lambda: run_generate_cli(e, scale, seed, console)))


async def _migrated(engine: GraphEngine, then: Callable[[], Awaitable[T]]) -> T:
    from cobuild.graph.migrate import migrate as run_migrate

    await run_migrate(engine)
    return await then()


@app.command()
def stats(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables")) -> None:
    """Node counts per label and relationship counts per type."""
    from cobuild.graph.stats import graph_stats

    result: dict[str, Any] = _with_engine(graph_stats)
    if as_json:
        console.print_json(json.dumps(result, ensure_ascii=False))
        return
    for section, title in (("nodes", "label"), ("relationships", "type")):
        table = Table(title=section)
        table.add_column(title)
        table.add_column("count", justify="right")
        for k, v in result[section].items():
            table.add_row(k, f"{v:,}")
        console.print(table)


@app.command()
def export(
    fmt: str = typer.Option("neo4j-admin", "--format", help="neo4j-admin (CSV that `neo4j-admin database import full` and `cobuild import` read; `csv` is the same) or jsonl (one graph.jsonl)"),
    out: Path = typer.Option(Path("export"), "--out", help="Output folder (created if missing)"),
) -> None:
    """Write the whole graph as CSV (neo4j-admin import headers) or JSON lines, to load it elsewhere."""
    from cobuild.graph.export import export as run_export

    from cobuild.graph.export import FORMATS, ExportError

    if fmt not in FORMATS:
        err.print(f"[red]rejected:[/red] --format must be neo4j-admin, csv or jsonl, not {fmt!r}")
        raise typer.Exit(2)
    started = time.perf_counter()
    try:
        counts = _with_engine(lambda e: run_export(e, out, fmt))
    except ExportError as exc:
        err.print(f"[red]rejected:[/red] {exc}")
        raise typer.Exit(1) from None
    total = sum(counts.values())
    console.print(f"exported {total:,} nodes and relationships as {fmt} to {out} in {time.perf_counter() - started:.1f}s")
    if fmt != "jsonl":
        console.print("load into Neo4j: neo4j-admin database import full --array-delimiter=';' --multiline-fields=true "
                      f"--nodes={out}/nodes_<Label>.csv … --relationships={out}/rels_<TYPE>.csv …  (or: cobuild import {out})")


@app.command()
def diagram() -> None:
    """Print the model as a Mermaid diagram (the README's diagram is this output)."""
    from cobuild.graph.diagram import mermaid

    typer.echo(mermaid())


@app.command()
def schema() -> None:
    """Print the GraphQL SDL (committed as schema.graphql; a test fails when they drift apart)."""
    from cobuild.schema.root import build_schema

    typer.echo(build_schema().as_str())


@app.command()
def serve(workers: int = typer.Option(None, "--workers", min=1, max=64,
                                      help="Worker processes (Neo4j store only; default COBUILD_WORKERS)")) -> None:
    """Serve the GraphQL API (GraphiQL at http://HOST:PORT/graphql), /healthz, /readyz, /metrics and /admin/cypher."""
    from cobuild.serving import WorkersRefused, serve as run_serve

    try:
        run_serve(_settings(), workers, console.print)
    except WorkersRefused as exc:
        err.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(2) from None


app.add_typer(keys_app, name="keys", help="API keys: create (shown once), list, revoke.")
app.command()(cypher_command)
app.add_typer(persisted_app, name="persisted", help="Persisted GraphQL documents (allow-list): add, list, remove, extract.")
app.command("import")(import_command)
app.add_typer(changes_app, name="changes")
app.add_typer(maintain_app, name="maintain")


if __name__ == "__main__":  # pragma: no cover
    app()
