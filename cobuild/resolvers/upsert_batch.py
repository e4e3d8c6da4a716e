"""The batch of a partner upsert as it moves through the steps (:mod:`cobuild.resolvers.upserts`):
its items, what was read for them, and the error of a refused row, located at its index."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cobuild.errors import ClientSafeError
from cobuild.graph import changes
from cobuild.graph.partner_records import Spec


@dataclass
class Item:
    """One row of the batch as it moves through the steps."""

    index: int
    external_id: Any
    id: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, list[str]] = field(default_factory=dict)  # field → other ids, input order
    edge_props: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # field → other id → props
    existing: dict[str, Any] | None = None
    today: dict[str, set[str]] | None = None  # dry run: each reference's other ends today
    error: ClientSafeError | None = None
    would: str | None = None  # what the dry run expects: CREATED / UPDATED / UNCHANGED

    def refuse(self, exc: ClientSafeError) -> None:
        if self.error is None:
            self.error = exc

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Batch:
    spec: Spec
    items: list[Item]
    dialect: Any
    now: dt.datetime
    refs: dict[str, dict[str, Any]] = field(default_factory=dict)  # referenced id → {areaPath, regionId}
    extra_changes: list[changes.Change] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.spec.label

    def live(self) -> list[Item]:
        return [it for it in self.items if it.ok]


def located(exc: ClientSafeError, index: int) -> ClientSafeError:
    """The error with the item named: ``items[3]: …`` and ``extensions.index``."""
    where = f"items[{index}]"
    message = str(exc) if str(exc).startswith(where) else f"{where}: {exc}"
    located = type(exc)(message, **{**exc.extensions, "index": index})
    located.code = exc.code
    return located
