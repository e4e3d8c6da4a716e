"""``cobuild cypher``: a read-only Cypher console, one statement or an interactive prompt.

Where a statement runs:

* on the configured store, opened by this command (Neo4j, or the embedded store when no service holds
  it) — as admin: whoever can open the store's files can read them;
* through a running service (``POST /admin/cypher``) with an admin or analyst API key — when ``--url``
  is given, or when the embedded store is locked by ``cobuild serve`` (one process owns it); the URL
  defaults to ``http://COBUILD_HOST:COBUILD_PORT``.

Either way the output is the same: a table (default), CSV or JSON on stdout; the row count, the time
and any error (``error [CODE]: message``) on stderr. Exit status 0, or 1 when the statement failed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer
from rich.console import Console

from cobuild.config import Settings
from cobuild.console.run import ConsoleError, ConsoleResult, run_statement
from cobuild.console.values import FORMATS, as_csv, as_json, as_table
from cobuild.errors import CobuildError, StoreLockedError

out = Console(soft_wrap=False)
err = Console(stderr=True)
HELP = """Statements end with ';' (they may span lines). Commands:
  :format table|csv|json   output format          :param name=value   set a parameter ($name)
  :params                  list parameters        :timeout SECONDS    statement timeout
  :help                    this text              :quit               leave (or Ctrl-D)"""

Runner = Callable[[str, dict[str, Any], float], ConsoleResult]


def cypher(
    statement: Optional[str] = typer.Argument(None, help="The statement; leave it out for the interactive prompt"),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json"),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds before the statement is cancelled "
                                                                     "(default COBUILD_CYPHER_TIMEOUT_S)"),
    param: list[str] = typer.Option([], "--param", "-p", help="name=value, value read as JSON else as text; repeatable"),
    url: Optional[str] = typer.Option(None, "--url", envvar="COBUILD_URL",
                                      help="Send statements to this running service (POST /admin/cypher)"),
    key: Optional[str] = typer.Option(None, "--key", envvar="COBUILD_API_KEY",
                                      help="Admin or analyst API key for the service"),
) -> None:
    """Read-only Cypher console (one statement, or a prompt with history); writes are refused."""
    try:
        settings = Settings()
    except Exception as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from None
    if fmt not in FORMATS:
        err.print(f"[red]rejected:[/red] --format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        raise typer.Exit(2)
    try:
        params = dict(_param(p) for p in param)
    except ValueError as exc:
        err.print(f"[red]rejected:[/red] {exc}")
        raise typer.Exit(2) from None
    seconds = timeout if timeout is not None else settings.cypher_timeout_s
    if seconds <= 0:
        err.print("[red]rejected:[/red] --timeout must be positive")
        raise typer.Exit(2)
    if url:
        _session(_remote(url, key, settings), statement, fmt, params, seconds, settings)
        return
    with asyncio.Runner() as loop:
        from cobuild.graph.engines import make_engine

        engine = make_engine(settings)
        try:
            loop.run(engine.open())
        except StoreLockedError:
            if not key:
                err.print("[red]error:[/red] the embedded store is open in `cobuild serve` (one process owns it). "
                          "Pass --key (an admin or analyst API key, or set COBUILD_API_KEY) to send the statement "
                          "through the running service, or stop the service.")
                raise typer.Exit(1) from None
            host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
            _session(_remote(f"http://{host}:{settings.port}", key, settings), statement, fmt, params, seconds, settings)
            return
        except CobuildError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from None
        try:
            def local(text: str, p: dict[str, Any], t: float) -> ConsoleResult:
                return loop.run(run_statement(engine, text, role="admin", params=p, timeout=t,
                                              max_rows=settings.cypher_max_rows))

            _session(local, statement, fmt, params, seconds, settings)
        finally:
            loop.run(engine.close())


def _param(text: str) -> tuple[str, Any]:
    name, sep, raw = text.partition("=")
    name = name.strip().lstrip("$")
    if not sep or not name.isidentifier():
        raise ValueError(f"a parameter is name=value, not {text!r}")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


def _remote(url: str, key: str | None, settings: Settings) -> Runner:
    import httpx

    if not key:
        err.print("[red]error:[/red] --url needs --key (an admin or analyst API key; or set COBUILD_API_KEY)")
        raise typer.Exit(2)
    endpoint = url.rstrip("/") + "/admin/cypher"

    def remote(text: str, params: dict[str, Any], timeout: float) -> ConsoleResult:
        body = {"statement": text, "parameters": params, "timeout": timeout, "maxRows": settings.cypher_max_rows}
        try:
            resp = httpx.post(endpoint, json=body, headers={"X-API-Key": key}, timeout=timeout + 10)
        except httpx.HTTPError as exc:
            raise ConsoleError("UNREACHABLE", f"cannot reach the service at {url}: {exc}") from None
        try:
            doc = resp.json()
        except ValueError:
            raise ConsoleError("BAD_RESPONSE", f"{endpoint} answered HTTP {resp.status_code} without JSON") from None
        if doc.get("errors"):
            e = doc["errors"][0]
            raise ConsoleError((e.get("extensions") or {}).get("code") or "ERROR", e.get("message") or "")
        return ConsoleResult.from_wire(doc["data"])

    return remote


def _print(result: ConsoleResult, fmt: str) -> None:
    if fmt == "table":
        out.print(as_table(result.columns, result.rows))
    elif fmt == "csv":
        sys.stdout.write(as_csv(result.columns, result.rows))
    else:
        sys.stdout.write(as_json(result.columns, result.rows) + "\n")
    sys.stdout.flush()
    n = len(result.rows)
    more = " — more rows were there (COBUILD_CYPHER_MAX_ROWS); narrow the statement" if result.truncated else ""
    err.print(f"{n} row{'s' if n != 1 else ''} in {result.elapsed_ms:.1f} ms{more}", style="dim")


def _run_one(run: Runner, text: str, fmt: str, params: dict[str, Any], timeout: float) -> bool:
    try:
        result = run(text, params, timeout)
    except ConsoleError as exc:
        err.print(f"[red]error [{exc.code}]:[/red] {exc.message}", highlight=False)
        return False
    _print(result, fmt)
    return True


def _session(run: Runner, statement: str | None, fmt: str, params: dict[str, Any], timeout: float,
             settings: Settings) -> None:
    if statement is not None:
        if not _run_one(run, statement, fmt, params, timeout):
            raise typer.Exit(1)
        return
    _prompt(run, fmt, params, timeout, settings.cypher_history_path)


def _prompt(run: Runner, fmt: str, params: dict[str, Any], timeout: float, history: Path) -> None:
    """The interactive prompt: readline editing and a history file kept between sessions."""
    readline = _readline(history)
    interactive = sys.stdin.isatty()
    if interactive:
        err.print("cobuild cypher — read-only. End statements with ';'. :help for commands, :quit to leave.")
    buffer: list[str] = []
    while True:
        try:
            line = input(("cypher> " if not buffer else "   ...> ") if interactive else "")
        except EOFError:
            break
        except KeyboardInterrupt:
            buffer = []
            err.print()
            continue
        stripped = line.strip()
        if not buffer and stripped.startswith(":"):
            command, _, arg = stripped[1:].partition(" ")
            if command in ("quit", "exit", "q"):
                break
            if command == "help":
                err.print(HELP)
            elif command == "format" and arg.strip() in FORMATS:
                fmt = arg.strip()
            elif command == "param":
                try:
                    k, v = _param(arg)
                    params[k] = v
                except ValueError as exc:
                    err.print(f"[red]{exc}[/red]")
            elif command == "params":
                err.print(json.dumps(params, ensure_ascii=False))
            elif command == "timeout":
                try:
                    timeout = float(arg) if float(arg) > 0 else timeout
                except ValueError:
                    err.print("[red]:timeout takes a number of seconds[/red]")
            else:
                err.print(f"[red]unknown command {stripped!r}[/red]; :help lists them")
            continue
        if not stripped and not buffer:
            continue
        buffer.append(line)
        if stripped.endswith(";"):
            text = "\n".join(buffer)
            buffer = []
            if readline is not None and not interactive:  # a terminal's readline records lines itself
                readline.add_history(text)
            _run_one(run, text, fmt, params, timeout)
    if buffer:  # input ended inside a statement: run what was typed
        _run_one(run, "\n".join(buffer), fmt, params, timeout)
    if readline is not None:
        try:
            readline.write_history_file(str(history))
        except OSError as exc:
            err.print(f"[yellow]history not saved:[/yellow] {exc}")


def _readline(history: Path) -> Any:
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return None
    history.parent.mkdir(parents=True, exist_ok=True)
    if history.exists():
        try:
            readline.read_history_file(str(history))
        except OSError:
            pass
    readline.set_history_length(1000)
    return readline
