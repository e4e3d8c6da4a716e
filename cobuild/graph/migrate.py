"""Versioned, idempotent migrations derived from the model.

Version 1 creates what the model declares: LadybugDB node and relationship tables; Neo4j
uniqueness constraints on ``id`` per label, range indexes on the properties the questions filter
on, and the CJK full-text index on names and aliases. The applied version and the model's
fingerprint are stored in the graph as a ``_SchemaVersion`` node. Running ``migrate`` again changes
nothing; after the model changes (a new label, say) the fingerprint differs and the idempotent
schema statements run again, creating only what is missing.

Version 3 adds the community tallies (:mod:`cobuild.graph.tallies`) and, as its data step, computes
them from the graph the store already holds — so a store migrated from version 2 answers roll-ups
from complete tallies at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from cobuild.errors import EngineError, EngineUnavailableError, StoreLockedError
from cobuild.graph import model
from cobuild.graph.cypher import Statement
from cobuild.graph.dialect import Dialect
from cobuild.graph.engines.base import GraphEngine


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: Callable[[Dialect], list[str]]
    # a data step run once the DDL of every pending migration is in place (idempotent)
    after: Callable[[GraphEngine], Awaitable[Any]] | None = None


async def _rebuild_tallies(engine: GraphEngine) -> Any:
    from cobuild.graph import tallies

    return await tallies.rebuild(engine)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "schema derived from cobuild.graph.model", lambda d: d.schema_statements()),
    Migration(2, "change feed, idempotency keys and import checkpoints (model.INTERNAL_LABELS)",
              lambda d: d.internal_schema_statements()),
    Migration(3, "community tallies kept up to date on write (cobuild.graph.tallies), computed from the graph",
              lambda d: d.internal_schema_statements(), after=_rebuild_tallies),
)
assert MIGRATIONS[-1].version == model.SCHEMA_VERSION

_VERSION_ID = "schema"


@dataclass(frozen=True)
class MigrationReport:
    before: int
    after: int
    statements_run: int
    fingerprint: str

    @property
    def changed(self) -> bool:
        return self.statements_run > 0


async def applied_version(engine: GraphEngine) -> tuple[int, str | None]:
    """(version, fingerprint) recorded in the graph; (0, None) on an empty store."""
    stmt = Statement(
        "MATCH (v:`_SchemaVersion`) WHERE v.id = $id RETURN v.version AS version, v.fingerprint AS fingerprint",
        {"id": _VERSION_ID},
        label="schema version",
    )
    try:
        rows = await engine.run(stmt)
    except (EngineUnavailableError, StoreLockedError):
        raise  # the store is down: not the same as "never migrated"
    except EngineError:
        return 0, None  # LadybugDB: the table does not exist yet
    if not rows:
        return 0, None
    return int(rows[0]["version"]), rows[0]["fingerprint"]


async def migrate(engine: GraphEngine) -> MigrationReport:
    before, fp = await applied_version(engine)
    current_fp = model.fingerprint()
    pending = [m for m in MIGRATIONS if m.version > before]
    if not pending and fp == current_fp:
        return MigrationReport(before, before, 0, current_fp)
    if not pending:  # the model changed within the current version: re-run every idempotent DDL step
        pending = list(MIGRATIONS)
    run = 0
    evolve = engine.dialect.evolve_statements() if fp is not None and fp != current_fp else []
    for m in pending:
        for text in [*m.statements(engine.dialect), *evolve]:
            # One DDL statement per transaction: Neo4j refuses schema and data changes together.
            await engine.write(lambda tx, t=text: tx.run(Statement(t, label="migrate")))
            run += 1
    for m in pending:
        if m.after is not None:
            await m.after(engine)
    now = dt.datetime.now(dt.timezone.utc)
    record = Statement(
        "MERGE (v:`_SchemaVersion` {id: $id}) SET v.version = $version, v.fingerprint = $fp, "
        "v.appliedAt = $at, v.description = $description",
        {"id": _VERSION_ID, "version": pending[-1].version, "fp": current_fp, "at": now, "description": pending[-1].description},
        label="record schema version",
    )
    await engine.run(record, "write")
    return MigrationReport(before, pending[-1].version, run, current_fp)
