"""Run one console statement: check it, send it read-only, turn the answer into JSON, name every failure.

Used by ``cobuild cypher`` on a store it opened itself (as admin: whoever can open the store's files
can read them) and by ``POST /admin/cypher`` (admin or analyst credentials).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from cobuild.console.policy import ConsoleRefusal, check, mask_personal
from cobuild.console.values import to_json
from cobuild.errors import (
    EngineError,
    EngineUnavailableError,
    QueryTimeoutError,
    ReadOnlyViolationError,
    StoreBusyError,
    StoreLockedError,
)
from cobuild.graph.cypher import Statement
from cobuild.graph.engines.base import GraphEngine

CONSOLE_LABEL = "cypher console"  # the statement label in logs, metrics and traces (never the text)
ROLES = ("admin", "analyst")


@dataclass
class ConsoleResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False
    elapsed_ms: float = 0.0

    def to_wire(self) -> dict[str, Any]:
        return {"columns": self.columns, "rows": self.rows, "truncated": self.truncated, "rowCount": len(self.rows),
                "elapsedMs": round(self.elapsed_ms, 2)}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "ConsoleResult":
        return cls(list(data["columns"]), [list(r) for r in data["rows"]], bool(data.get("truncated")),
                   float(data.get("elapsedMs") or 0.0))


@dataclass
class ConsoleError(Exception):
    """A statement that did not answer: ``code`` is stable (``READ_ONLY``, ``FORBIDDEN``, ``TIMEOUT`` …)."""

    code: str
    message: str
    extensions: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


def _store_message(exc: EngineError) -> str:
    """What the store said about a statement the user wrote (syntax, unknown names): theirs to read."""
    original = exc.original
    text = getattr(original, "message", None) or (str(original) if original is not None else str(exc))
    return text.strip()[:1000]


async def run_statement(engine: GraphEngine, text: str, *, role: str, params: dict[str, Any] | None = None,
                        timeout: float, max_rows: int) -> ConsoleResult:
    """Check ``text`` for ``role`` (admin or analyst), run it read-only, return JSON-ready rows.

    Raises :class:`ConsoleError`, and :class:`StoreLockedError` untouched (the CLI then goes through
    the running service)."""
    if role not in ROLES:
        raise ConsoleError("FORBIDDEN", f"the Cypher console is for admin and analyst credentials (this one is {role})")
    try:
        checked = check(text, role)
    except ConsoleRefusal as refusal:
        raise ConsoleError(refusal.code, str(refusal)) from None
    stmt = Statement(checked.text, dict(params or {}), label=CONSOLE_LABEL)
    started = time.perf_counter()
    try:
        result = await engine.run_read_only(stmt, timeout=timeout, max_rows=max_rows)
    except StoreLockedError:
        raise
    except ReadOnlyViolationError:
        raise ConsoleError("READ_ONLY", "the console is read-only: the store refused a write (CREATE, MERGE, SET, "
                                        "DELETE, REMOVE and schema changes are not allowed here)") from None
    except QueryTimeoutError:
        raise ConsoleError("TIMEOUT", f"the statement ran longer than {timeout:g} s and was cancelled; narrow it "
                                      "(a more selective MATCH, LIMIT) or allow more time", {"timeout": timeout}) from None
    except StoreBusyError:
        raise ConsoleError("DB_BUSY", "the store's query memory is in use by other statements; try again shortly") from None
    except EngineUnavailableError:
        raise ConsoleError("DB_UNAVAILABLE", "the graph store is unavailable right now; try again shortly") from None
    except EngineError as exc:
        raise ConsoleError("CYPHER_ERROR", f"the store rejected the statement: {_store_message(exc)}") from None
    rows = [[to_json(v) for v in r] for r in result.rows]
    if role != "admin":
        rows = mask_personal(rows)
    return ConsoleResult(list(result.columns), rows, result.truncated, (time.perf_counter() - started) * 1000)
