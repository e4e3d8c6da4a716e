"""Commands for integration partners: ``cobuild import`` and ``cobuild changes …`` (registered in
:mod:`cobuild.cli`)."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

console = Console()
err = Console(stderr=True)
changes_app = typer.Typer(help="The change feed: prune it (retention) or show where it stands.", no_args_is_help=True)


def import_command(
    source: Path = typer.Argument(..., help="Folder `cobuild export` wrote (neo4j-admin CSV files or graph.jsonl)"),
    batch_size: int = typer.Option(2000, "--batch-size", min=1, help="Records per transaction (one checkpoint each)"),
) -> None:
    """Import what `cobuild export` wrote into this store, in batches; re-run to resume after an interruption."""
    from cobuild.cli_engine import with_engine as _with_engine
    from cobuild.errors import ValidationError
    from cobuild.graph.importer import discover, run_import

    try:
        files = discover(source)
    except ValidationError as exc:
        err.print(f"[red]rejected:[/red] {exc}")
        raise typer.Exit(1) from None
    total = sum(f.stat().st_size for f in files)
    sizes = {f.name: f.stat().st_size for f in files}
    started = time.perf_counter()
    done_before: dict[str, int] = {}
    interactive = console.is_terminal
    with Progress(TextColumn("[bold]{task.fields[file]:<26}"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[records]:>9} records"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console, disable=not interactive) as bar:
        task = bar.add_task("import", total=total, file="", records="0")

        def progress(file: str, read: int, committed: int, batches: int) -> None:
            offset = sum(sizes[f.name] for f in files[: [f.name for f in files].index(file)])
            done_before[file] = committed
            bar.update(task, completed=offset + read, file=file, records=f"{sum(done_before.values()):,}")
            if not interactive:  # a log line per committed batch (CI, pipes)
                console.print(f"batch {batches} committed: {file} {committed:,} records", highlight=False)

        report = _with_engine(lambda e: run_import(e, source, batch_size=batch_size, progress=progress))
    if report.already_done:
        console.print(f"{source} was imported completely before (job {report.job}); nothing to do")
        return
    resumed = (f"; resumed after an interruption ({report.files_skipped} file(s) and {report.skipped:,} records of the next "
               "were already committed)") if report.resumed else ""
    console.print(f"imported {report.nodes:,} nodes and {report.relationships:,} relationships from {len(files)} file(s) "
                  f"in {report.batches} batches and {time.perf_counter() - started:.1f}s ({report.created:,} nodes created, "
                  f"{report.changed:,} changed){resumed}")


@changes_app.command("prune")
def prune(days: float = typer.Option(None, "--days", help="Keep this many days (default: COBUILD_CHANGE_RETENTION_DAYS)")) -> None:
    """Delete change-feed events older than the retention, and expired idempotency keys."""
    from cobuild.cli_engine import settings as _settings
    from cobuild.cli_engine import with_engine as _with_engine
    from cobuild.graph.changes import prune as run_prune

    keep = days if days is not None else _settings().change_retention_days
    report = _with_engine(lambda e: run_prune(e, keep))
    console.print(f"pruned {report.events:,} change events (the feed now starts after #{report.pruned_through}) "
                  f"and {report.idempotency_keys:,} expired idempotency keys")


@changes_app.command("head")
def head() -> None:
    """The newest change's number and the oldest still kept."""
    from cobuild.cli_engine import with_engine as _with_engine
    from cobuild.graph.cypher import Statement

    rows = _with_engine(lambda e: e.run(Statement(
        "MATCH (s:`ChangeSequence`) RETURN s.`last` AS last, s.`prunedThrough` AS pruned", label="changes: head")))
    if not rows:
        console.print("no change recorded yet")
        return
    console.print(f"last change #{rows[0]['last']}; changes up to #{rows[0]['pruned']} were pruned")
