"""The visual network explorer at ``/explore``: a static page (Cytoscape.js from npm, served locally,
and ``static/explore.js``) that asks the same GraphQL API as every other client.

The page holds no data and no credential: like the GraphiQL page it is public, and every answer it
shows comes from ``/graphql`` with the credential the viewer types into it (``X-API-Key`` or a bearer
JWT), so scopes and masking apply server-side exactly as for any client. Node colours and sizes are
read from the Neo4j Browser style sheet (:data:`cobuild.analyst.kit.STYLE`), so analysts see the same
colours in both tools; labels and relationship captions in Chinese and English come from the model.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cobuild.analyst.kit import STYLE
from cobuild.graph import model
from cobuild.web.assets import WebAssets
from cobuild.web.pages import Page, render

PATH = "/explore"
GRAPHQL_PATH = "/graphql"

EXPLORE = Page(
    name="explore",
    title="cobuild 网络浏览 · Network explorer",
    vendor=("cytoscape",),
    own=("page.css", "explore.css", "explore.js"),
)

_RULE = re.compile(r"node\.(\w+)\s*\{([^}]*)\}")
_DECL = re.compile(r"([\w-]+)\s*:\s*([^;]+);")


def grass_styles(text: str) -> dict[str, dict[str, Any]]:
    """``{label: {"color": "#…", "diameter": px}}`` from a GraSS style sheet's ``node.<Label>`` rules."""
    styles: dict[str, dict[str, Any]] = {}
    for label, body in _RULE.findall(text):
        decls = {k: v.strip() for k, v in _DECL.findall(body)}
        style: dict[str, Any] = {}
        if "color" in decls:
            style["color"] = decls["color"]
        if "diameter" in decls:
            style["diameter"] = int(decls["diameter"].removesuffix("px"))
        styles[label] = style
    return styles


def _short(zh: str) -> str:
    """A label's Chinese name without its parenthesised gloss: 行政区域(市、区…) → 行政区域."""
    return re.split(r"[(（]", zh, maxsplit=1)[0]


@lru_cache(maxsize=1)
def _static_config() -> dict[str, Any]:
    styles = grass_styles(STYLE.read_text(encoding="utf-8"))
    labels = {lab.name: {"zh": _short(lab.zh), "en": re.split(r"[;:(]", lab.en, maxsplit=1)[0].strip(), **styles.get(lab.name, {})}
              for lab in model.LABELS}
    relationships = {rel.name: _short(rel.zh) for rel in model.RELATIONSHIPS}
    return {"labels": labels, "relationships": relationships, "styleSheet": "/analyst/style.grass"}


def explore_config() -> dict[str, Any]:
    """What the page's script needs besides the API: the GraphQL endpoint and the style per label."""
    return {"endpoint": GRAPHQL_PATH, **_static_config()}


def explore_routes(assets: WebAssets) -> list[Route]:
    async def explore(_: Request) -> Response:
        return render(EXPLORE, assets, explore_config())

    return [Route(PATH, explore, methods=["GET"])]
