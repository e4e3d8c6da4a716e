"""``cobuild keys create | list | revoke`` — manage API keys in ``COBUILD_KEYS_PATH``.

The keys file is separate from the graph store, so these commands work while ``cobuild serve``
runs; the server notices the change on the next request.
"""

from __future__ import annotations

import json
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from cobuild.auth.keys import KeyStore
from cobuild.auth.principal import ROLES, PrincipalError

keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _store() -> KeyStore:
    from cobuild.config import Settings

    try:
        return KeyStore(Settings().keys_path)
    except Exception as exc:  # pydantic names the variable and the problem
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from None


@keys_app.command("create")
def create(
    role: str = typer.Option(..., help=f"One of: {', '.join(r for r in ROLES if r != 'anonymous')}"),
    name: str = typer.Option(..., help="Who holds the key (shown in `keys list` and the logs' keyId lookup)"),
    area: Optional[List[str]] = typer.Option(None, "--area", help="AdminArea id in scope (repeat for several); district/street/community/partner"),
    unit: Optional[str] = typer.Option(None, help="Unit id (role unit)"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (key included) instead of text"),
) -> None:
    """Create a key. The key is printed once; only its hash is stored."""
    try:
        rec, key = _store().create(role=role, name=name, area_ids=area or [], unit_id=unit)
    except PrincipalError as exc:
        err.print(f"[red]rejected:[/red] {exc}")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({**rec.public(), "key": key}, ensure_ascii=False))
        return
    console.print(f"created key [bold]{rec.id}[/bold] ({rec.role}) for {rec.name}")
    console.print("send it as the X-API-Key header; it is shown only now:")
    typer.echo(key)


@keys_app.command("list")
def list_keys(
    all_: bool = typer.Option(False, "--all", help="Include revoked keys"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table"),
) -> None:
    """List keys: id, name, role, scope, created and revoked times (never the secrets)."""
    recs = _store().list(include_revoked=all_)
    if as_json:
        typer.echo(json.dumps([r.public() for r in recs], ensure_ascii=False))
        return
    table = Table(title="API keys")
    for col in ("id", "name", "role", "areas", "unit", "created", "revoked"):
        table.add_column(col)
    for r in recs:
        table.add_row(r.id, r.name, r.role, ", ".join(r.area_ids), r.unit_id or "", r.created_at, r.revoked_at or "")
    console.print(table)


@keys_app.command("revoke")
def revoke(key_id: str = typer.Argument(..., help="The key id from `keys list`")) -> None:
    """Revoke a key; requests with it get 401 UNAUTHENTICATED from the next request on."""
    try:
        rec = _store().revoke(key_id)
    except KeyError:
        err.print(f"[red]no key with id {key_id!r}[/red]; see `cobuild keys list --all`")
        raise typer.Exit(1) from None
    console.print(f"revoked key {rec.id} ({rec.name}) at {rec.revoked_at}")
