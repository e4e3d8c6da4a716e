"""Engine errors reach clients as stable codes, never as the engine's text."""

from __future__ import annotations

from graphql import GraphQLError

from cobuild.errors import QueryTimeoutError, StoreBusyError, StoreLockedError
from cobuild.graph.engines.ladybug import map_error
from cobuild.schema.errors import classify


def _code(exc: BaseException) -> tuple[str, str]:
    err = classify(GraphQLError("x", original_error=exc), "req-1")
    return err.extensions["code"], err.message


def test_full_buffer_pool_is_busy_not_internal() -> None:
    exc = map_error(RuntimeError("Buffer manager exception: Unable to allocate memory! The buffer pool is full and no memory could be freed!"))
    assert isinstance(exc, StoreBusyError)
    code, message = _code(exc)
    assert code == "DB_BUSY" and "Buffer" not in message


def test_timeout_lock_and_unknown_errors() -> None:
    assert isinstance(map_error(RuntimeError("Interrupted.")), QueryTimeoutError)
    assert _code(map_error(RuntimeError("Interrupted.")))[0] == "TIMEOUT"
    assert isinstance(map_error(RuntimeError("IO exception: Could not set lock on file")), StoreLockedError)
    code, message = _code(map_error(RuntimeError("Binder exception: secret detail")))
    assert code == "INTERNAL" and "secret" not in message
