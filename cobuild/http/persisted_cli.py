"""``cobuild persisted add | list | remove | extract`` — the operators' allow-list of GraphQL documents.

The file is ``COBUILD_PERSISTED_QUERIES_PATH`` (default ``data/persisted-queries.json``), outside the
graph store, so these commands work while ``cobuild serve`` runs (it re-reads the file when it
changes). Every document is checked against the schema before it is registered. Clients then send
``documentId`` (Relay), ``extensions.persistedQuery.sha256Hash`` (Apollo's APQ) or, with
``COBUILD_PERSISTED_ONLY=true``, the exact registered text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from graphql import DocumentNode, GraphQLError, parse, print_ast, validate
from graphql.language import FragmentDefinitionNode, FragmentSpreadNode, OperationDefinitionNode, Visitor, visit
from rich.console import Console
from rich.table import Table

from cobuild.http.persisted import AllowList

persisted_app = typer.Typer(help="Persisted GraphQL documents (the operators' allow-list): add, list, remove, extract.",
                            no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _allow_list() -> AllowList:
    from cobuild.config import Settings

    try:
        return AllowList(Settings().persisted_queries_path)
    except Exception as exc:  # pydantic names the variable and the problem
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from None


def _problems(text: str, where: str) -> list[str]:
    """Syntax and schema errors of a document, each prefixed with where it came from."""
    from cobuild.schema.root import build_schema

    try:
        document = parse(text)
    except GraphQLError as exc:
        return [f"{where}: {exc.message}"]
    if not any(isinstance(d, OperationDefinitionNode) for d in document.definitions):
        return [f"{where}: no operation (a document needs a query or mutation)"]
    return [f"{where}: {e.message}" for e in validate(build_schema()._schema, document)]


def _operation_names(text: str) -> list[str]:
    try:
        document = parse(text)
    except GraphQLError:
        return []
    return [d.name.value if d.name else "(anonymous)" for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def _refuse(problems: list[str]) -> None:
    for p in problems:
        err.print(f"[red]rejected:[/red] {p}")
    raise typer.Exit(1)


@persisted_app.command("add")
def add(
    files: list[str] = typer.Argument(..., help="Files holding one GraphQL document each (`-` reads standard input)"),
    document_id: str | None = typer.Option(None, "--id", help="Register under this id (e.g. a Relay compiler's) instead "
                                                                  "of the document's sha256; one file only"),
) -> None:
    """Register documents exactly as written (their sha256 is what clients send)."""
    if document_id is not None and len(files) != 1:
        _refuse(["--id names one document: give exactly one file"])
    texts: list[tuple[str, str]] = []
    for f in files:
        try:
            text = sys.stdin.read() if f == "-" else Path(f).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _refuse([f"{f}: cannot read ({exc})"])
        texts.append((f, text))
    problems = [p for f, text in texts for p in _problems(text, f)]
    if problems:
        _refuse(problems)
    try:
        added = _allow_list().add([(text, document_id) for _, text in texts])
    except ValueError as exc:
        _refuse([str(exc)])
    for (f, text), (key, new) in zip(texts, added):
        console.print(f"{'registered' if new else 'already registered'} {', '.join(_operation_names(text))} from {f}")
        typer.echo(key)


@persisted_app.command("list")
def list_documents(as_json: bool = typer.Option(False, "--json", help="Print JSON {id: {operations, document}}")) -> None:
    """Every registered document: id, operations, size."""
    documents = _allow_list().documents()
    if as_json:
        typer.echo(json.dumps({k: {"operations": _operation_names(v or ""), "document": v} for k, v in documents.items()},
                              ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(documents)} persisted documents")
    table.add_column("id")
    table.add_column("operations")
    table.add_column("bytes", justify="right")
    for k, v in documents.items():
        table.add_row(k, ", ".join(_operation_names(v)) if v else "(hash only)", f"{len(v.encode()):,}" if v else "—")
    console.print(table)


@persisted_app.command("remove")
def remove(ids: list[str] = typer.Argument(..., help="Ids to remove (as `list` shows them; `sha256:` prefix allowed)")) -> None:
    """Remove documents; clients sending them get PERSISTED_QUERY_NOT_FOUND from the next request on."""
    removed, unknown = _allow_list().remove(ids)
    for r in removed:
        console.print(f"removed {r}")
    if unknown:
        _refuse([f"no persisted document has id {u!r}" for u in unknown])


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def _spreads(node: object) -> set[str]:
    v = _Spreads()
    visit(node, v)  # type: ignore[arg-type]
    return v.names


def extract_operations(folder: Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    """``[(operation name, document text, file)]`` for every operation in the folder's ``.graphql``/``.gql``
    files, each with the fragments it uses (from any file, transitively), printed canonically; and the
    problems found (anonymous or duplicate operations, unknown or conflicting fragments, syntax)."""
    files = sorted(p for ext in ("*.graphql", "*.gql") for p in folder.rglob(ext))
    fragments: dict[str, tuple[FragmentDefinitionNode, Path]] = {}
    operations: list[tuple[OperationDefinitionNode, Path]] = []
    problems: list[str] = []
    for path in files:
        try:
            document = parse(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read ({exc})")
            continue
        except GraphQLError as exc:
            problems.append(f"{path}: {exc.message}")
            continue
        for d in document.definitions:
            if isinstance(d, FragmentDefinitionNode):
                seen = fragments.get(d.name.value)
                if seen is not None and print_ast(seen[0]) != print_ast(d):
                    problems.append(f"{path}: fragment {d.name.value} differs from the one in {seen[1]}")
                fragments.setdefault(d.name.value, (d, path))
            elif isinstance(d, OperationDefinitionNode):
                if d.name is None:
                    problems.append(f"{path}: an anonymous operation; name it so clients can refer to it")
                    continue
                operations.append((d, path))
    out: list[tuple[str, str, str]] = []
    names: dict[str, Path] = {}
    for op, path in operations:
        name = op.name.value  # type: ignore[union-attr]
        if name in names:
            problems.append(f"{path}: operation {name} is also defined in {names[name]}")
            continue
        names[name] = path
        needed: list[str] = []
        todo = sorted(_spreads(op))
        while todo:
            f = todo.pop(0)
            if f in needed:
                continue
            if f not in fragments:
                problems.append(f"{path}: operation {name} uses fragment {f}, defined in no file")
                continue
            needed.append(f)
            todo.extend(sorted(_spreads(fragments[f][0])))
        document = DocumentNode(definitions=(op, *(fragments[f][0] for f in sorted(needed))))
        out.append((name, print_ast(document), str(path)))
    return out, problems


@persisted_app.command("extract")
def extract(
    folder: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder searched for .graphql/.gql files"),
    manifest: Path | None = typer.Option(None, "--manifest", help="Also write {operationName: id} as JSON here, for the client build"),
) -> None:
    """Register every named operation found in the folder, each with the fragments it uses."""
    operations, problems = extract_operations(folder)
    problems += [p for name, text, f in operations for p in _problems(text, f"{f} ({name})")]
    if problems:
        _refuse(problems)
    if not operations:
        _refuse([f"no named operation in any .graphql or .gql file under {folder}"])
    added = _allow_list().add([(text, None) for _, text, _ in operations])
    table = Table(title=f"{len(operations)} operations from {folder}")
    for col in ("operation", "id", "file", ""):
        table.add_column(col)
    for (name, _, f), (key, new) in zip(operations, added):
        table.add_row(name, key, f, "new" if new else "known")
    console.print(table)
    if manifest is not None:
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps({name: key for (name, _, _), (key, _) in zip(operations, added)}, indent=2) + "\n",
                            encoding="utf-8")
        console.print(f"manifest written to {manifest}")
