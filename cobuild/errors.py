"""cobuild's exceptions.

::

    CobuildError
    ├── ModelError                  a bad declaration found at start-up (message + suggestion)
    ├── CompileError                a query plan that cannot become Cypher
    │   └── UnsupportedByDialectError
    ├── EngineError                 the store failed (engine, original kept for the log)
    │   ├── ConstraintViolationError
    │   ├── EngineUnavailableError  → DB_UNAVAILABLE
    │   ├── StoreLockedError        another process holds the embedded store
    │   ├── ReadOnlyViolationError  a write in a read-only transaction (the Cypher console) → READ_ONLY
    │   ├── QueryTimeoutError       → TIMEOUT
    │   │   └── WriteTimeoutError   a unit of work past its timeout, rolled back whole → TIMEOUT
    │   └── StoreBusyError          → DB_BUSY (HeavyQueueFull: no heavy-question slot in time, with retryAfter)
    └── ClientSafeError             the only kind whose message reaches clients verbatim
        ├── NotFoundError           → NOT_FOUND
        ├── ValidationError         → VALIDATION (seed rows, arguments)
        └── RuleViolationError      → a business-rule code (ALREADY_CLAIMED, …)

``ClientSafeError.code`` is the stable ``extensions.code`` of a GraphQL error. Everything that is
not a ``ClientSafeError`` is masked as ``INTERNAL`` with a request id; engine errors are mapped in
the engine layer by class, never by message text shown to users.
"""

from __future__ import annotations

from typing import Any


class CobuildError(Exception):
    """Root of every error cobuild raises on purpose."""


class ModelError(CobuildError):
    def __init__(self, message: str, suggestion: str = "") -> None:
        super().__init__(f"{message}" + (f" — {suggestion}" if suggestion else ""))
        self.suggestion = suggestion


class CompileError(CobuildError):
    pass


class UnsupportedByDialectError(CompileError):
    pass


class EngineError(CobuildError):
    def __init__(self, message: str, *, engine: str = "", original: BaseException | None = None) -> None:
        super().__init__(message)
        self.engine = engine
        self.original = original


class ConstraintViolationError(EngineError):
    pass


class EngineUnavailableError(EngineError):
    pass


class StoreLockedError(EngineError):
    pass


class QueryTimeoutError(EngineError):
    pass


class WriteTimeoutError(QueryTimeoutError):
    """A unit of work ran past its timeout: its statement was interrupted and everything rolled back."""


class ReadOnlyViolationError(EngineError):
    """The store refused a write inside a read-only transaction (the Cypher console)."""


class StoreBusyError(EngineError):
    """The store had no memory left for this statement (others were using it): retry shortly."""


class ClientSafeError(CobuildError):
    """An error whose message is written for the person who sent the request."""

    code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, **extensions: Any) -> None:
        super().__init__(message)
        if code:
            self.code = code
        self.extensions = {k: v for k, v in extensions.items() if v is not None}


class NotFoundError(ClientSafeError):
    code = "NOT_FOUND"


class ValidationError(ClientSafeError):
    code = "VALIDATION"


class RuleViolationError(ClientSafeError):
    """A business rule of domain.md §5 refused the change; ``code`` names the rule's error."""

    code = "RULE_VIOLATION"


class ForbiddenError(ClientSafeError):
    code = "FORBIDDEN"
