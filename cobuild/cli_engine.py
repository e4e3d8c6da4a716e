"""Settings and an opened store for one command: shared by :mod:`cobuild.cli` and the command modules
it registers (``maintain_cli``, ``partners_cli``), which therefore never import the CLI back."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, TypeVar

import typer
from rich.console import Console

from cobuild.config import Settings
from cobuild.errors import CobuildError, ValidationError
from cobuild.graph.engines import GraphEngine
from cobuild.store import opened

T = TypeVar("T")
err = Console(stderr=True)


def settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic's message names the variable and the problem
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from None


def with_engine(fn: Callable[[GraphEngine], Awaitable[T]]) -> T:
    settings_ = settings()

    async def main() -> T:
        async with opened(settings_) as engine:
            return await fn(engine)

    try:
        return asyncio.run(main())
    except ValidationError as exc:
        err.print(f"[red]rejected:[/red] {exc}")
        raise typer.Exit(1) from None
    except CobuildError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
