"""Read a GraphQL request's parameters strictly, so bad input is a coded 4xx and never a 500.

* POST bodies must be ``application/json`` (``415 UNSUPPORTED_MEDIA_TYPE`` otherwise), valid UTF-8
  (``400 INVALID_UNICODE``) and strict JSON (no ``NaN``/``Infinity``, no number beyond Python's digit
  limit, at most :data:`MAX_JSON_DEPTH` levels deep: ``400 BAD_REQUEST``).
* GET takes ``query``, ``variables``, ``operationName``, ``extensions`` (and ``documentId``) from the
  query string; ``variables`` and ``extensions`` are JSON texts. A query string that is not valid
  UTF-8 once percent-decoded is ``400 INVALID_UNICODE``.
* No string anywhere in the request may hold a lone UTF-16 surrogate (JSON ``"\\ud800"`` decodes to
  one): it is not Unicode, cannot be stored or hashed, and answers ``400 INVALID_UNICODE`` with the
  path of the offending value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

MAX_JSON_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


class RequestRefused(Exception):
    """A request answered before GraphQL runs: HTTP ``status``, GraphQL-shaped body with ``code``.

    ``legacy_status`` is the status under ``application/json`` when it differs (GraphQL request
    errors answer 200 there, 400 under ``application/graphql-response+json``)."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None,
                 legacy_status: int | None = None, **extensions: Any) -> None:
        super().__init__(message)
        self.status = status
        self.legacy_status = legacy_status if legacy_status is not None else status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extensions = {k: v for k, v in extensions.items() if v is not None}


def bad_request(message: str, **extensions: Any) -> RequestRefused:
    return RequestRefused(400, "BAD_REQUEST", message, **extensions)


@dataclass
class GraphQLParams:
    """One GraphQL request as sent, before persisted documents are looked up."""

    query: str | None = None
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    extensions: dict[str, Any] | None = None
    document_id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: str | bytes, what: str) -> Any:
    """Strict JSON: UTF-8 only, no NaN/Infinity; a refusal names ``what`` was unreadable."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RequestRefused(400, "INVALID_UNICODE", f"the {what} is not valid UTF-8 (byte 0x{text[exc.start]:02x} at "
                                 f"offset {exc.start}); send UTF-8 encoded JSON", offset=exc.start) from None
        text = text.removeprefix("\ufeff")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise bad_request(f"the {what} nests deeper than {MAX_JSON_DEPTH} levels", limit=MAX_JSON_DEPTH) from None
    except json.JSONDecodeError as exc:
        raise bad_request(f"the {what} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:  # NaN/Infinity, or an integer longer than Python converts
        raise bad_request(f"the {what} is not valid JSON: {exc}") from None


def _join(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def check_value(value: Any, where: str = "") -> None:
    """Refuse lone surrogates (in keys too) and nesting past :data:`MAX_JSON_DEPTH`; iterative, so
    a deep value cannot exhaust the stack. ``where`` prefixes the reported path."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        v, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise bad_request(f"`{path or 'the request'}` nests deeper than {MAX_JSON_DEPTH} levels", limit=MAX_JSON_DEPTH)
        if isinstance(v, str):
            m = _SURROGATE.search(v)
            if m:
                raise RequestRefused(
                    400, "INVALID_UNICODE",
                    f"`{path or 'the request'}` holds a lone UTF-16 surrogate (U+{ord(m.group()):04X} at character "
                    f"{m.start()}), which is not valid Unicode; send text as UTF-8 (a surrogate escape must be half of a pair)",
                    path=path or None)
        elif isinstance(v, dict):
            for k, item in v.items():
                if isinstance(k, str) and _SURROGATE.search(k):
                    raise RequestRefused(400, "INVALID_UNICODE", f"a key in `{path or 'the request'}` holds a lone UTF-16 "
                                         "surrogate, which is not valid Unicode", path=path or None)
                stack.append((item, _join(path, k), depth + 1))
        elif isinstance(v, list):
            stack.extend((item, _join(path, i), depth + 1) for i, item in enumerate(v))


def _object(value: Any, name: str) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise bad_request(f"`{name}` must be a JSON object or null")


def _string(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise bad_request(f"`{name}` must be a string or null")


def from_mapping(data: Any, *, from_query_string: bool) -> GraphQLParams:
    """Check the shape of the request parameters (types per the GraphQL-over-HTTP spec)."""
    if isinstance(data, list):
        raise bad_request("batched requests (a JSON array) are not supported; send one operation per request")
    if not isinstance(data, dict):
        raise bad_request("the request body must be a JSON object with `query` (or a persisted document id)")
    data = dict(data)
    if from_query_string:
        for name in ("variables", "extensions"):
            text = data.get(name)
            if text is None or text == "":
                data[name] = None
            else:
                data[name] = loads(text, f"`{name}` query parameter")
        for name in ("operationName", "documentId"):
            if data.get(name) == "":
                data[name] = None
    check_value(data)
    document_id = data.get("documentId", data.get("doc_id"))
    return GraphQLParams(
        query=_string(data.get("query"), "query"),
        variables=_object(data.get("variables"), "variables"),
        operation_name=_string(data.get("operationName"), "operationName"),
        extensions=_object(data.get("extensions"), "extensions"),
        document_id=_string(document_id, "documentId"),
        raw=data,
    )


def query_string_params(raw: bytes) -> dict[str, str]:
    """The query string decoded strictly (Starlette would replace bad UTF-8 with U+FFFD silently)."""
    try:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise RequestRefused(400, "INVALID_UNICODE", "the query string is not valid UTF-8 once percent-decoded") from None
    return dict(pairs)


def content_type_is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == "application/json"
