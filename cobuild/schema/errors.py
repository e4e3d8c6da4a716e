"""Every GraphQL error leaves with a stable ``extensions.code`` and nothing internal.

``ClientSafeError`` keeps its message and code; store outages become ``DB_UNAVAILABLE``, timeouts
``TIMEOUT`` (of a mutation: rolled back, nothing written), a heavy question refused by admission
control ``DB_BUSY`` with ``retryAfter`` (seconds); GraphQL syntax/validation errors
``GRAPHQL_VALIDATION``; anything else is masked as ``INTERNAL`` with the request id, while the log
keeps the detail (graphile's ``SafeError`` idea).
"""

from __future__ import annotations

import logging
from typing import Any, Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from cobuild.errors import (
    ClientSafeError, EngineUnavailableError, QueryTimeoutError, StoreBusyError, StoreLockedError, WriteTimeoutError,
)
from cobuild.graph.admission import HeavyQueueFull

log = logging.getLogger("cobuild.errors")


def classify(error: GraphQLError, request_id: str) -> GraphQLError:
    original = error.original_error
    ext: dict[str, Any] = dict(error.extensions or {})
    message = error.message
    if original is None or isinstance(original, GraphQLError):  # variable coercion wraps a GraphQLError
        ext.setdefault("code", "GRAPHQL_VALIDATION")
    elif isinstance(original, ClientSafeError):
        ext.update(original.extensions)
        ext["code"] = original.code
        message = str(original)
    elif isinstance(original, (EngineUnavailableError, StoreLockedError)):
        ext["code"] = "DB_UNAVAILABLE"
        message = "the graph store is unavailable; try again shortly"
    elif isinstance(original, HeavyQueueFull):
        ext["code"] = "DB_BUSY"
        ext["retryAfter"] = original.retry_after
        message = (f"as many heavy questions (roll-ups, matching, clusters …) as the service runs at once are running; "
                   f"this one waited its turn too long — try again in {original.retry_after} s")
    elif isinstance(original, StoreBusyError):
        ext["code"] = "DB_BUSY"
        message = "the graph store is busy with other heavy queries; try again shortly"
    elif isinstance(original, WriteTimeoutError):
        ext["code"] = "TIMEOUT"
        message = "the change took longer than the request's time limit and was rolled back: nothing was written"
    elif isinstance(original, QueryTimeoutError):
        ext["code"] = "TIMEOUT"
        message = "the query took too long and was cancelled; narrow it (smaller pages, fewer hops)"
    else:
        log.error("internal error request_id=%s path=%s", request_id, error.path, exc_info=original)
        ext = {"code": "INTERNAL", "requestId": request_id}
        message = f"internal error (request id {request_id})"
    if request_id:
        ext.setdefault("requestId", request_id)
    return GraphQLError(message, nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
                        original_error=None, extensions=ext)


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        ctx = self.execution_context.context
        request_id = getattr(ctx, "request_id", "") or ""
        result.errors = [classify(e, request_id) for e in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result of a subscription leaves with codes too (``on_operation`` sees none of them)."""
        if getattr(result, "errors", None):
            request_id = getattr(self.execution_context.context, "request_id", "") or ""
            result.errors = [classify(e, request_id) for e in result.errors]
        yield
