"""``cobuild maintain …``: the structures kept up to date on write, rebuilt or checked by hand
(registered in :mod:`cobuild.cli`).

Every write keeps them up to date in its own transaction (docs/operators.md, *Maintained answers*);
these commands are for after something wrote the store behind the service's back (a restore from a
copy made by another tool, a hand-edited graph) and for an operator who wants proof: ``check``
recounts everything from the graph and lists each difference, ``rebuild`` replaces the stored
structures by that recount. Both open the store, so (on the embedded store) not while ``cobuild
serve`` runs.
"""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console()
err = Console(stderr=True)
maintain_app = typer.Typer(help="Structures kept up to date on write (the roll-ups' community tallies): rebuild or check against a recount.",
                           no_args_is_help=True)


@maintain_app.command("rebuild")
def rebuild() -> None:
    """Recount the maintained structures from the graph and store the recount."""
    from cobuild.cli_engine import with_engine as _with_engine
    from cobuild.graph import maintain

    started = time.perf_counter()
    with Progress(TextColumn("[bold]{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("recounting from the graph", total=None)

        def progress(done: int, total: int, phase: str) -> None:
            bar.update(task, description=phase, completed=done, total=total or None)

        report = _with_engine(lambda engine: maintain.rebuild(engine, progress))
    console.print(f"rebuilt: {report.describe()} in {time.perf_counter() - started:.1f}s")


@maintain_app.command("check")
def check(limit: int = typer.Option(20, "--limit", min=1, help="Differences to print at most")) -> None:
    """Compare the maintained structures with a recount from the graph; exit 1 when they differ."""
    from cobuild.cli_engine import with_engine as _with_engine
    from cobuild.graph import maintain

    started = time.perf_counter()
    with console.status("recounting from the graph …"):
        report = _with_engine(maintain.check)
    elapsed = time.perf_counter() - started
    if not report.differences:
        console.print(f"equal to a recount: {report.describe()} ({elapsed:.1f}s)")
        return
    err.print(f"[red]{len(report.differences)} difference(s)[/red] from a recount ({report.describe()}):")
    for line in report.differences[:limit]:
        err.print(f"  {line}", highlight=False)
    if len(report.differences) > limit:
        err.print(f"  … and {len(report.differences) - limit} more")
    err.print("run `cobuild maintain rebuild` to store the recount")
    raise typer.Exit(1)
