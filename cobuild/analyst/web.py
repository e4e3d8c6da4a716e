"""The analyst kit over HTTP: ``GET /analyst/guide.html`` (for ``:play`` in Neo4j Browser),
``/analyst/style.grass`` (for ``:style``) and ``/analyst/cookbook.yaml``.

Neo4j Browser fetches a guide without cobuild's credentials, so these paths are public (they hold
queries, never data). The guide served here points its ``:style`` command at this service; the
committed copy (cobuild/analyst/guide.html, for hosts on ``browser.remote_content_hostname_allowlist``)
points at the default ``http://localhost:8000``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cobuild.analyst.kit import COOKBOOK, GUIDE, STYLE

DEFAULT_BASE = "http://localhost:8000"
_FILES = {
    "guide.html": (GUIDE, "text/html; charset=utf-8"),
    "style.grass": (STYLE, "text/plain; charset=utf-8"),
    "cookbook.yaml": (COOKBOOK, "application/yaml; charset=utf-8"),
}
PATHS = frozenset(f"/analyst/{name}" for name in _FILES)


async def _serve(request: Request) -> Response:
    name = request.url.path.rsplit("/", 1)[-1]
    path, media = _FILES[name]
    body = path.read_text(encoding="utf-8")
    if name == "guide.html":
        body = body.replace(DEFAULT_BASE, str(request.base_url).rstrip("/"))
    return Response(body, media_type=media, headers={"cache-control": "no-cache"})


def analyst_routes() -> list[Route]:
    return [Route(path, _serve, methods=["GET"]) for path in sorted(PATHS)]
