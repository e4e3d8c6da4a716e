"""Which response media type a client accepts (GraphQL-over-HTTP §Accept).

``application/graphql-response+json`` is the spec's type: with it, a request that fails before
execution answers a 4xx status. ``application/json`` is the legacy type every client understands:
GraphQL errors answer 200. A missing ``Accept`` header, or only wildcards, means ``application/json``
(so curl and older clients see what they always saw); an ``Accept`` naming neither type is refused.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
_SUPPORTED = (GRAPHQL_RESPONSE_JSON, JSON)  # preference order at equal quality


def _quality(params: list[str]) -> float:
    for p in params:
        name, _, value = p.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value.strip())))
            except ValueError:
                return 0.0
    return 1.0


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, or None when the client accepts neither JSON type."""
    if accept is None or not accept.strip():
        return JSON
    best: tuple[float, int, str] | None = None  # (quality, -preference, type)
    for item in accept.split(","):
        media, *params = item.split(";")
        media = media.strip().lower()
        q = _quality(params)
        if q <= 0:
            continue
        if media in _SUPPORTED:
            candidates = [media]
        elif media in ("*/*", "application/*"):
            candidates = [JSON]  # wildcards keep the legacy type
        else:
            continue
        for c in candidates:
            key = (q, -_SUPPORTED.index(c) if media in _SUPPORTED else -len(_SUPPORTED), c)
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


def answer(body: bytes, sub_response: Any, media: str, status: int = 200) -> Response:
    """The HTTP response for an encoded GraphQL body, carrying what resolvers set on the sub-response
    (headers, background tasks, a status): one place for both execution paths, so they answer alike."""
    response = Response(body, status_code=status, media_type=media)
    response.headers.raw.extend(sub_response.headers.raw)
    if sub_response.background:
        response.background = sub_response.background
    if sub_response.status_code:
        response.status_code = sub_response.status_code
    return response


_IDE_BLOCKERS = ("query", "extensions", "documentId", "doc_id")


def wants_ide(method: str, query_params: dict[str, str] | Any, accept: str | None) -> bool:
    """A browser opening /graphql: GET, no GraphQL parameters, HTML accepted (browsers send
    ``text/html`` when navigating; API clients don't). Here, not in the view, because the trust
    middleware asks it too (the IDE page is public) and the view imports what imports the middleware."""
    return method == "GET" and not any(k in query_params for k in _IDE_BLOCKERS) and "text/html" in (accept or "")
