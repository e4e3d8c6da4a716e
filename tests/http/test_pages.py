"""The GraphiQL page without a browser: only local URLs, every one served, the security headers,
the install instructions when the npm assets are missing, and the vendor route's allow-list."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from cobuild.web.assets import VENDOR, WebAssets
from tests.client import serve

HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}  # what a browser sends


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "data", "poster") and value is not None:
                self.urls.append(value)


def _installed() -> None:
    missing = WebAssets().missing(tuple(VENDOR))
    assert not missing, f"browser assets missing: {missing}; run `make web` (make test does it)"


async def test_graphiql_page_references_only_local_urls_all_served(engine, tmp_path) -> None:
    _installed()
    async with serve(engine, tmp_path, anonymous="off") as gql:  # the page itself needs no credential
        r = await gql.client.get("/graphql", headers=HTML)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
        assert "http" not in csp  # no outside host is allowed anything
        refs = _Refs()
        refs.feed(r.text)
        assert len(refs.urls) >= 6, refs.urls
        for url in refs.urls:
            assert url.startswith("data:") or (url.startswith("/") and not url.startswith("//")), url
        assert not re.search(r"https?://(?!www\.w3\.org)", r.text), "an absolute URL in the page"
        for url in refs.urls:
            if url.startswith("data:"):
                continue
            asset = await gql.client.get(url)
            assert asset.status_code == 200, url
            kind = "css" if url.endswith(".css") else "javascript"
            assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
            if url.startswith("/static/vendor/"):
                assert "immutable" in asset.headers["cache-control"]
        # the API itself still needs a credential on this server
        r = await gql.client.post("/graphql", json={"query": "{ version }"})
        assert r.status_code == 401


async def test_browser_with_a_query_in_the_url_gets_json_not_the_page(engine, tmp_path) -> None:
    async with serve(engine, tmp_path) as gql:
        r = await gql.client.get("/graphql", params={"query": "{ version }"}, headers=HTML)
        assert r.status_code == 200 and r.json() == {"data": {"version": "0.1.0"}}
        r = await gql.client.get("/graphql", params={"q": "{ version }"}, headers=HTML)  # the page's own share link
        assert r.headers["content-type"].startswith("text/html")
        r = await gql.client.get("/graphql")  # an API client without a query: an error, not HTML
        assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_missing_assets_page_says_how_to_install_them(engine, tmp_path) -> None:
    async with serve(engine, tmp_path, web_dir=tmp_path / "no-web") as gql:
        r = await gql.client.get("/graphql", headers=HTML)
        assert r.status_code == 503 and r.headers["content-type"].startswith("text/html")
        assert "make web" in r.text and "graphiql/graphiql.min.js" in r.text and "react/umd" in r.text
        assert "<script" not in r.text  # nothing to load, nothing from elsewhere
        r = await gql.client.post("/graphql", json={"query": "{ version }"})
        assert r.json() == {"data": {"version": "0.1.0"}}  # the API works without them


async def test_vendor_route_serves_only_the_listed_files(engine, tmp_path) -> None:
    _installed()
    assets = WebAssets()
    version = assets.version("graphiql")
    async with serve(engine, tmp_path) as gql:
        ok = await gql.client.get(f"/static/vendor/graphiql@{version}/graphiql.min.js")
        assert ok.status_code == 200
        for path in (f"/static/vendor/graphiql@{version}/package.json",
                     f"/static/vendor/graphiql@{version}/graphiql.min.js.map",
                     "/static/vendor/graphiql@0.0.1/graphiql.min.js",
                     f"/static/vendor/graphiql@{version}/../react/package.json",
                     "/static/vendor/%2e%2e/%2e%2e/pyproject.toml",
                     "/static/cobuild/../app.py"):
            r = await gql.client.get(path)
            assert r.status_code == 404, path


def _default_query() -> str:
    """The query GraphiQL opens with (cobuild/web/static/graphiql.js, DEFAULT_QUERY)."""
    js = (Path(__file__).resolve().parents[2] / "cobuild" / "web" / "static" / "graphiql.js").read_text(encoding="utf-8")
    lines = re.search(r"var DEFAULT_QUERY = \[(.*?)\]\.join", js, re.S).group(1)  # type: ignore[union-attr]
    return "\n".join(json.loads(f"[{lines.strip().rstrip(',')}]"))


async def test_graphiql_default_query_answers_on_the_seed_network(gql) -> None:
    """A first visitor runs the default query as it stands, without a key: it follows the schema and
    answers with data (one statement)."""
    body = await gql(_default_query(), anonymous=True)
    assert "errors" not in body, body
    area = body["data"]["adminArea"]
    assert area["name"] == "紫东阁社区" and area["coBuildingUnits"]["totalCount"] > 0 and area["demands"]["nodes"]
    assert gql.last_statements == 1
