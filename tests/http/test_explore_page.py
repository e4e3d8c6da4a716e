"""The explorer page (/explore) without a browser: public like the GraphiQL page, only local URLs and
every one served (Cytoscape.js from web/node_modules, our own script), no outside URL in the page or
in our script, colours taken from the Neo4j Browser style sheet, install instructions when missing."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cobuild.analyst.kit import LABEL_STYLE, STYLE
from cobuild.web.assets import VENDOR, WebAssets
from cobuild.web.explore import EXPLORE, grass_styles
from tests.client import serve
from tests.http.test_pages import HTML, _Refs

OWN_JS = Path(__file__).resolve().parents[2] / "cobuild" / "web" / "static" / "explore.js"


def _config(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="cobuild-config">(.*?)</script>', page, re.S)
    assert m, "no page config"
    return json.loads(m.group(1))


async def test_explore_page_is_public_local_and_every_file_is_served(engine, tmp_path) -> None:
    missing = WebAssets().missing(EXPLORE.vendor)
    assert not missing, f"browser assets missing: {missing}; run `make web` (make test does it)"
    async with serve(engine, tmp_path, anonymous="off") as gql:  # the page itself needs no credential
        r = await gql.client.get("/explore", headers=HTML)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
        assert "http" not in csp
        assert not re.search(r"https?://", r.text), "an absolute URL in the explorer page"
        refs = _Refs()
        refs.feed(r.text)
        version = WebAssets().version("cytoscape")
        assert f"/static/vendor/cytoscape@{version}/dist/cytoscape.min.js" in refs.urls
        assert "/static/cobuild/explore.js" in refs.urls and "/static/cobuild/explore.css" in refs.urls
        for url in refs.urls:
            assert url.startswith("data:") or (url.startswith("/") and not url.startswith("//")), url
            if url.startswith("data:"):
                continue
            asset = await gql.client.get(url)
            assert asset.status_code == 200, url
            kind = "css" if url.endswith(".css") else "javascript"
            assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
            if url.startswith("/static/vendor/"):
                assert "immutable" in asset.headers["cache-control"]
            if url == "/static/cobuild/explore.js":  # our script talks to this server only
                assert not re.search(r"https?://", asset.text), "an absolute URL in explore.js"
        # the page asks the API; the API itself still needs the viewer's credential on this server
        assert _config(r.text)["endpoint"] == "/graphql"
        r = await gql.client.post("/graphql", json={"query": "{ version }"})
        assert r.status_code == 401


async def test_explore_colours_are_the_neo4j_browser_style_sheet(engine, tmp_path) -> None:
    async with serve(engine, tmp_path) as gql:
        r = await gql.client.get("/explore", headers=HTML)
        labels = _config(r.text)["labels"]
    sheet = grass_styles(STYLE.read_text(encoding="utf-8"))
    assert set(labels) == set(LABEL_STYLE)
    for name, (colour, size) in LABEL_STYLE.items():
        assert labels[name]["color"] == sheet[name]["color"] == colour
        assert labels[name]["diameter"] == sheet[name]["diameter"] == size
        assert labels[name]["zh"] and labels[name]["en"]  # bilingual legend
    assert labels["Unit"]["zh"] == "驻区单位及其他组织" and labels["AdminArea"]["en"] == "Administrative area"


async def test_explore_without_assets_says_how_to_install_them(engine, tmp_path) -> None:
    async with serve(engine, tmp_path, web_dir=tmp_path / "no-web") as gql:
        r = await gql.client.get("/explore", headers=HTML)
        assert r.status_code == 503 and "make web" in r.text and "cytoscape/dist/cytoscape.min.js" in r.text
        assert "<script" not in r.text


def test_cytoscape_is_listed_and_pinned() -> None:
    root = Path(__file__).resolve().parents[2]
    pkg = json.loads((root / "web" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((root / "web" / "package-lock.json").read_text(encoding="utf-8"))
    assert VENDOR["cytoscape"].path == "dist/cytoscape.min.js"
    pinned = pkg["dependencies"]["cytoscape"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned)  # an exact version, as the lock file holds it
    assert lock["packages"]["node_modules/cytoscape"]["version"] == pinned
