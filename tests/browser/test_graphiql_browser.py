"""GraphiQL in a real browser, offline: the real service under uvicorn on 127.0.0.1, Debian's headless
Chromium driven by Playwright, every request to anything but 127.0.0.1 blocked and recorded. A query
typed into the editor runs and its result renders; no request left the machine. The screenshot is
kept in ``test-artifacts/graphiql.png`` (git-ignored; ``COBUILD_TEST_ARTIFACTS`` moves it).

Chromium is not downloaded: the test uses ``/usr/bin/chromium`` (``COBUILD_TEST_CHROMIUM`` overrides),
which ``.ci/run`` installs with apt-get when missing. Without it the test fails, saying so."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from cobuild.web.assets import VENDOR, WebAssets
from tests.browser.served import served

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("COBUILD_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("COBUILD_TEST_ARTIFACTS", ROOT / "test-artifacts"))
# headless Debian Chromium as root, with its own background traffic (updates, sync, metrics) switched off;
# the resolver rule makes any name but 127.0.0.1 unresolvable, behind the request guard below
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--metrics-recording-only", "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
UNIT = "unit:sl-first-hospital"
NAME = "区第一人民医院"  # the unit's name in cobuild/seeds/data (F001)
QUERY = '{ node(id: "' + UNIT + '") { id ... on Unit { name } } }'


@pytest.fixture
def chromium() -> str:
    """Debian's Chromium, or a failure that says how to install it (checked before the service starts)."""
    found = shutil.which(CHROMIUM)
    if found is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's browser with `apt-get install chromium` "
                    "(as root; .ci/run does this before `make test`), or point COBUILD_TEST_CHROMIUM at a Chromium binary",
                    pytrace=False)
    return found


@pytest.fixture
def service(cli_seeded: Any, tmp_path: Path) -> Iterator[str]:
    """``cobuild serve`` (uvicorn) over a private seeded store (each configured store), on a free port of 127.0.0.1."""
    missing = WebAssets().missing(tuple(VENDOR))
    assert not missing, f"browser assets missing: {missing}; run `make web` (make test does it)"
    with served(None, tmp_path) as base:
        yield base


def test_graphiql_runs_a_query_offline(chromium: str, service: str) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    requested: list[str] = []  # every URL the browser asked for
    outside: list[str] = []  # … of those, the ones not on 127.0.0.1 (blocked)
    problems: list[str] = []  # console errors (CSP violations included) and uncaught page errors

    def local(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"

    def guard(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if local(url):
            route.continue_()
        else:
            outside.append(url)
            route.abort("blockedbyclient")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "graphiql.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900}, service_workers="block")
            context.route("**/*", guard)
            context.on("request", lambda r: requested.append(r.url))
            page = context.new_page()
            page.on("websocket", lambda ws: outside.append(ws.url) if not local(ws.url) else requested.append(ws.url))
            page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            try:
                # the page loads, then GraphiQL introspects the schema over POST /graphql
                with page.expect_response(lambda r: r.url == service + "/graphql" and r.request.method == "POST",
                                          timeout=60_000) as introspection:
                    page.goto(service + "/graphql", wait_until="load")
                assert introspection.value.status == 200
                editor = page.locator(".graphiql-query-editor .CodeMirror")
                editor.wait_for(timeout=30_000)
                editor.click()
                page.keyboard.press("Control+A")
                page.keyboard.press("Delete")
                page.keyboard.insert_text(QUERY)  # typed into CodeMirror as text input
                typed = page.evaluate("document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()")
                assert typed == QUERY
                # GraphiQL takes in an edit after a short debounce (operation name included); the page
                # then writes the query into its share link, ?q=…: wait for that before running
                page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=QUERY,
                                       timeout=30_000)
                with page.expect_response(lambda r: r.url == service + "/graphql" and r.request.method == "POST",
                                          timeout=60_000) as run:
                    page.locator(".graphiql-execute-button").click()
                assert run.value.status == 200 and run.value.json() == {"data": {"node": {"id": UNIT, "name": NAME}}}
                result = page.locator(".graphiql-response")
                expect(result).to_contain_text(NAME, timeout=30_000)  # rendered in the result pane
                expect(result).to_contain_text(UNIT)
            finally:
                page.screenshot(path=str(shot), full_page=True)
            assert requested and all(local(u) for u in requested), requested
            assert outside == [], f"requests that tried to leave 127.0.0.1: {outside}"
            assert problems == [], problems
            assert any("/static/vendor/graphiql@" in u for u in requested)  # GraphiQL came from this server

            # the guard is real: a request to another host is recorded and never answered
            probe = context.new_page()
            with pytest.raises(PlaywrightError):
                probe.goto("http://example.invalid/", timeout=15_000)
            assert outside == ["http://example.invalid/"], outside
        finally:
            browser.close()
    assert shot.is_file() and shot.stat().st_size > 10_000
