"""cobuild's browser pages: one HTML skeleton, each page naming the vendor files and its own script.

Every URL a page references is local (``/static/vendor/…`` from npm, ``/static/cobuild/…`` from this
package), and the Content-Security-Policy header tells the browser to load and connect to nothing
else — so even a future change that slipped in an outside URL would not leave the machine.
A page whose vendor files are not installed answers 503 with the command that installs them.

Adding a page (the network explorer, say): list its npm files in :data:`~cobuild.web.assets.VENDOR`,
write ``static/<page>.js``, add a :class:`Page`, and route it with :func:`page_endpoint`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from cobuild.web.assets import INSTALL_COMMAND, VENDOR, VENDOR_PREFIX, WebAssets

HERE = Path(__file__).resolve().parent
OWN_PREFIX = "/static/cobuild/"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")


@dataclass(frozen=True)
class Page:
    name: str
    title: str
    vendor: tuple[str, ...]  # keys of VENDOR, in load order
    own: tuple[str, ...]  # files in cobuild/web/static, loaded after the vendor files
    config: dict[str, Any] = field(default_factory=dict)  # handed to the page's script as JSON


GRAPHIQL = Page(
    name="graphiql",
    title="cobuild GraphiQL · 城市基层党建互联互通",
    vendor=("graphiql.css", "react", "react-dom", "graphiql"),
    own=("page.css", "graphiql.js"),
)


def _template(name: str) -> Template:
    return Template((HERE / "templates" / name).read_text(encoding="utf-8"))


def _tag(url: str, kind: str) -> str:
    url = html.escape(url, quote=True)
    return f'<link rel="stylesheet" href="{url}">' if kind == "style" else f'<script src="{url}"></script>'


def render(page: Page, assets: WebAssets, config: dict[str, Any] | None = None) -> Response:
    headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    missing = assets.missing(page.vendor)
    if missing:
        body = _template("missing-assets.html").substitute(
            title=html.escape(page.title), page=html.escape(page.name), command=html.escape(INSTALL_COMMAND),
            web_dir=html.escape(str(assets.web_dir)),
            missing="".join(f"<li><code>{html.escape(m)}</code></li>" for m in missing))
        return HTMLResponse(body, status_code=503, headers=headers)
    styles, scripts = [], []
    for name in page.vendor:
        f = VENDOR[name]
        (styles if f.kind == "style" else scripts).append(_tag(assets.url(name) or "", f.kind))
    for own in page.own:
        kind = "style" if own.endswith(".css") else "script"
        (styles if kind == "style" else scripts).append(_tag(OWN_PREFIX + own, kind))
    data = json.dumps({**page.config, **(config or {})}, ensure_ascii=False).replace("<", "\\u003c")
    body = _template("page.html").substitute(title=html.escape(page.title), styles="\n    ".join(styles),
                                            scripts="\n    ".join(scripts), config=data, page=html.escape(page.name))
    return HTMLResponse(body, headers=headers)


def page_endpoint(page: Page, assets: WebAssets) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(_: Request) -> Response:
        return render(page, assets)

    return endpoint


def static_routes(assets: WebAssets) -> list[BaseRoute]:
    """``/static/vendor/<package>@<version>/<file>`` (listed npm files, cached for a year) and
    ``/static/cobuild/<file>`` (this package's page code)."""

    async def vendor(request: Request) -> Response:
        from starlette.responses import FileResponse

        from cobuild.middleware import error_response

        path = assets.resolve(request.path_params["rest"])
        if path is None:
            rid = (request.scope.get("state") or {}).get("request_id", "")
            return error_response(404, "NOT_FOUND", "no such browser asset (is `make web` done?)", rid)
        return FileResponse(path, headers={"Cache-Control": "public, max-age=31536000, immutable",
                                           "X-Content-Type-Options": "nosniff"})

    return [
        Route(VENDOR_PREFIX + "{rest:path}", vendor, methods=["GET"]),
        Mount(OWN_PREFIX.rstrip("/"), app=StaticFiles(directory=HERE / "static"), name="cobuild-static"),
    ]
