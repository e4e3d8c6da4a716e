"""Structured JSON logs: one line per record, one ``cobuild.access`` line per HTTP request.

An access line carries ``requestId``, ``method``, ``path``, ``status``, ``durationMs``,
``statements`` (graph statements the request sent), ``operation`` (name and type), ``errorCodes``
and the principal's ``role``/``auth``/``keyId``. It never carries the query text, variables,
headers, tokens, API keys or client addresses — the values that could hold secrets or personal data.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import traceback
from typing import Any

ACCESS = logging.getLogger("cobuild.access")
_CONFIGURED_FLAG = "_cobuild_json"


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", …fields}``; ``extra={"fields": {...}}`` adds fields."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            doc.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            doc["exception"] = "".join(traceback.format_exception(*record.exc_info))[-8000:]
        return json.dumps(doc, ensure_ascii=False, default=str)


class StrawberryErrorFilter(logging.Filter):
    """Strawberry logs every GraphQL error with the document excerpt (which may hold inlined
    personal values). Client-caused errors are already in the access line as codes, so they are
    dropped here; for the rest the record keeps its traceback but not the excerpt."""

    def filter(self, record: logging.LogRecord) -> bool:
        from graphql import GraphQLError

        from cobuild.errors import ClientSafeError

        msg = record.msg
        if isinstance(msg, GraphQLError):
            original = msg.original_error
            if original is None or isinstance(original, ClientSafeError):
                return False
            record.msg = f"resolver error at {'.'.join(map(str, msg.path or []))}: {type(original).__name__}"
            record.args = ()
        return True


def configure_logging(level: str = "INFO") -> None:
    """Send ``cobuild.*`` records as JSON lines to stderr; idempotent (keeps handlers already set)."""
    root = logging.getLogger("cobuild")
    root.setLevel(level)
    sb = logging.getLogger("strawberry.execution")
    if not any(isinstance(f, StrawberryErrorFilter) for f in sb.filters):
        sb.addFilter(StrawberryErrorFilter())
    if any(getattr(h, _CONFIGURED_FLAG, False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    setattr(handler, _CONFIGURED_FLAG, True)
    root.addHandler(handler)


def log_request(fields: dict[str, Any]) -> None:
    level = logging.ERROR if fields.get("status", 200) >= 500 else logging.INFO
    ACCESS.log(level, "request", extra={"fields": fields})
