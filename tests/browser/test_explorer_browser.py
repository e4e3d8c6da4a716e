"""The network explorer (/explore) in a real browser, offline: the real service under uvicorn on
127.0.0.1, Debian's headless Chromium driven by Playwright, every request to anything but 127.0.0.1
blocked and recorded (the set-up of test_graphiql_browser.py).

Search → click a hit → the node and its neighbours drawn → click a neighbour to expand it → the side
panel shows its properties and its page question, all asserted from the DOM; the shortest connection
between two picked nodes; the district view coloured by coverage gaps; 2,000 real nodes drawn (the
count is asserted, not the time: the time is measured by ``bench/explorer.py``). Screenshots go to
``test-artifacts/explorer-*.png`` (git-ignored; ``COBUILD_TEST_ARTIFACTS`` moves them).

The store is the seed network plus the generated ``tiny`` network (``cobuild generate``'s smallest
scale), so there are more than 2,000 real nodes to draw; it is built once for this module."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from cobuild.web.assets import WebAssets
from cobuild.web.explore import EXPLORE
from tests.browser.served import served
from tests.browser.test_graphiql_browser import ARTIFACTS, CHROMIUM_FLAGS, chromium  # noqa: F401
from tests.graphs import copy_store

COMMUNITY = "area:sl-zidongge"  # 紫东阁社区 (F001): co-builds with 区第一人民医院 and one synthetic unit
UNIT = "unit:sl-first-hospital"  # 区第一人民医院
CITY = "area:chengdu"  # 10 communities under it in the seed network, 1 without a partner (兴隆湖社区)
GAP = "area:tf-xinglonghu"
TIMEOUT_MS = 90_000
# The page and its GraphQL are the same on either store (the GraphiQL browser test runs on each configured
# store); this module builds one LadybugDB file of the seed plus a generated network for its five tests.
# The module's store and service are built in the first test's setup: a budget of 900 s.
pytestmark = [pytest.mark.store_only("ladybug", "one module-wide LadybugDB store of the seed plus the generated tiny "
                                     "network, shared by five browser tests; the GraphiQL browser test covers each store"),
              pytest.mark.timeout(900)]
PERSON = "person:tf-xinglonghu-sec"  # a synthetic person of the seed network
PERSON_NAME = "王某某001"


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


@pytest.fixture(scope="module")
def network_store(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed network and the generated tiny network in one store (about 3,000 nodes)."""
    from cobuild.graph.engines.ladybug import LadybugEngine
    from cobuild.seeds.generate import load_generated

    path = copy_store(seeded_template, tmp_path_factory.mktemp("explore") / "seed.lbdb")

    async def add_generated() -> None:
        engine = LadybugEngine(path)
        await engine.open()
        try:
            await load_generated(engine, "tiny", 1)
        finally:
            await engine.close()

    asyncio.run(add_generated())
    return path


class Service(str):
    """The service's base URL, with the admin API key issued for it."""

    admin_key: str


@pytest.fixture(scope="module")
def service(network_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    from cobuild.auth.keys import KeyStore

    missing = WebAssets().missing(EXPLORE.vendor)
    assert not missing, f"browser assets missing: {missing}; run `make web` (make test does it)"
    tmp = tmp_path_factory.mktemp("explore-serve")
    _record, admin_key = KeyStore(tmp / "keys.json").create(role="admin", name="explorer-test")
    with served(network_store, tmp) as url:
        base = Service(url)
        base.admin_key = admin_key
        yield base


class Browser:
    """One offline page: outside requests blocked and recorded, console errors and GraphQL bodies kept."""

    def __init__(self, context: Any, page: Any) -> None:
        self.context, self.page = context, page
        self.outside: list[str] = []
        self.problems: list[str] = []
        self.graphql: list[dict[str, Any]] = []  # the request bodies the page sent to /graphql
        self.headers: list[dict[str, str]] = []  # … and their headers


@pytest.fixture
def browser(chromium: str, service: str) -> Iterator[Browser]:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    # generous waits: on a busy shared machine a GraphQL answer or a frame can take seconds
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            context = chrome.new_context(viewport={"width": 1400, "height": 900}, service_workers="block")
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            b = Browser(context, page)

            def guard(route) -> None:  # type: ignore[no-untyped-def]
                if _local(route.request.url):
                    route.continue_()
                else:
                    b.outside.append(route.request.url)
                    route.abort("blockedbyclient")

            def sent(request) -> None:  # type: ignore[no-untyped-def]
                if request.url == service + "/graphql" and request.method == "POST":
                    b.graphql.append(request.post_data_json)
                    b.headers.append(request.headers)

            context.route("**/*", guard)
            page.on("request", sent)
            page.on("console", lambda m: b.problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: b.problems.append(f"page error: {e}"))
            yield b
            assert b.outside == [], f"requests that tried to leave 127.0.0.1: {b.outside}"
            assert b.problems == [], b.problems
        finally:
            chrome.close()


def _shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"explorer-{name}.png"
    page.screenshot(path=str(path))
    return path


def _root_fields(bodies: list[dict[str, Any]]) -> list[str]:
    """The root field each request asked (every request the page sends asks exactly one)."""
    import re

    fields = []
    for body in bodies:
        selection = body["query"].split("{", 1)[1]
        names = re.findall(r"^\s*(\w+)\s*\(", selection)
        fields.append(names[0] if names else "?")
    return fields


def _nodes(page: Any) -> list[str]:
    return page.evaluate("() => window.cobuildExplorer.cy.nodes().map(n => n.id())")


def test_search_expand_and_side_panel(browser: Browser, service: str) -> None:
    from playwright.sync_api import expect

    page = browser.page
    page.goto(service + "/explore", wait_until="load")
    expect(page.locator("#explore-status")).to_contain_text("Ready")
    page.fill("#explore-search", "紫东阁")
    page.click("#explore-search-button")
    hit = page.locator(f"#explore-results button[data-id='{COMMUNITY}']")
    expect(hit).to_contain_text("紫东阁社区")
    expect(hit).to_contain_text("行政区域")  # the label in Chinese beside the English name
    hit.click()

    # the community, its street, party organisation and co-building units, drawn and coloured by label
    panel = page.locator("#explore-panel")
    expect(page.locator("#explore-panel-title")).to_have_text("紫东阁社区")
    expect(page.locator("#explore-props tr[data-key='level'] td")).to_have_text("COMMUNITY")
    expect(page.locator("#explore-props tr[data-key='sourceRefs'] td")).to_have_text("F001")
    question = page.locator("#explore-question")
    expect(question).to_contain_text("结对共建单位 · Co-building units (2)")
    expect(question.locator(f"button[data-id='{UNIT}']")).to_have_text("区第一人民医院")
    drawn = _nodes(page)
    assert COMMUNITY in drawn and UNIT in drawn and "area:sl-dongsheng" in drawn, drawn
    colours = page.evaluate("() => Object.fromEntries(window.cobuildExplorer.cy.nodes().map(n => [n.id(), n.style('background-color')]))")
    assert colours[COMMUNITY] == "rgb(76,142,218)"  # #4C8EDA, AdminArea in style.grass
    assert colours[UNIT] == "rgb(247,151,103)"  # #F79767, Unit

    # expand by clicking the unit in the graph: its own neighbours join, the panel shows the unit's page question
    before = len(drawn)
    pos = page.evaluate(f"() => window.cobuildExplorer.cy.getElementById('{UNIT}').renderedPosition()")
    box = page.locator("#explore-graph").bounding_box()
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    expect(page.locator("#explore-panel-title")).to_have_text("区第一人民医院")
    expect(page.locator("#explore-props tr[data-key='unitType'] td")).to_have_text("PUBLIC_INSTITUTION")
    expect(question).to_contain_text("共建社区 · Communities (1")
    expect(question.locator(f"button[data-id='{COMMUNITY}']")).to_have_text("紫东阁社区")
    expect(panel).to_contain_text("驻区单位及其他组织 · Resident unit or other organisation")
    page.wait_for_function("n => window.cobuildExplorer.cy.nodes().length > n", arg=before)
    assert "org:sl-first-hospital-branch" in _nodes(page)  # the hospital's party branch came with the expansion
    assert page.evaluate(f"() => window.cobuildExplorer.cy.getElementById('{UNIT}').selected()")
    shot = _shot(page, "search-expand")
    assert shot.stat().st_size > 10_000

    # one root field per request, the ones the docs name
    assert _root_fields(browser.graphql) == ["search", "node", "communityCoBuilders", "node", "unitCommunities"]


def test_shortest_connection_between_two_picked_nodes(browser: Browser, service: str) -> None:
    from playwright.sync_api import expect

    page = browser.page
    page.goto(service + f"/explore?id={UNIT}", wait_until="load")
    expect(page.locator("#explore-panel-title")).to_have_text("区第一人民医院")
    page.click("#explore-set-from")
    expect(page.locator("#explore-from")).to_have_text("区第一人民医院")
    page.fill("#explore-search", "成都市")
    page.click("#explore-search-button")
    page.click(f"#explore-results button[data-id='{CITY}']")
    expect(page.locator("#explore-panel-title")).to_have_text("成都市")
    page.click("#explore-set-to")
    expect(page.locator("#explore-to")).to_have_text("成都市")
    page.click("#explore-shortest-button")
    path = page.locator("#explore-path")
    expect(path).to_contain_text("4 步 hops")
    steps = path.locator("li")
    expect(steps).to_have_count(5)
    assert [steps.nth(i).get_attribute("data-id") for i in range(5)] == [
        UNIT, COMMUNITY, "area:sl-dongsheng", "area:shuangliu", CITY]
    # the hospital both co-builds with and is located in the community: of the equally short paths through the
    # same nodes the smallest steps win (docs/questions.md, Q6), and CO_BUILDS_WITH < LOCATED_IN
    expect(steps.nth(0)).to_contain_text("结对共建 CO_BUILDS_WITH")
    on_path = page.evaluate("() => window.cobuildExplorer.cy.nodes('.path').map(n => n.id()).sort()")
    assert on_path == sorted([UNIT, COMMUNITY, "area:sl-dongsheng", "area:shuangliu", CITY])
    _shot(page, "shortest")
    assert _root_fields(browser.graphql)[-1] == "shortestConnection"


def test_district_view_coloured_by_coverage_gaps(browser: Browser, service: str) -> None:
    from playwright.sync_api import expect

    page = browser.page
    page.goto(service + "/explore", wait_until="load")
    expect(page.locator("#explore-status")).to_contain_text("Ready")
    page.fill("#explore-district-id", CITY)
    page.click("#explore-district-button")
    summary = page.locator("#explore-district-summary")
    expect(summary).to_have_attribute("data-communities", "10")
    expect(summary).to_have_attribute("data-gaps", "1")
    expect(page.locator("#explore-question")).to_contain_text("兴隆湖社区")
    gaps = page.evaluate("() => window.cobuildExplorer.cy.nodes('.gap').map(n => n.id())")
    covered = page.evaluate("() => window.cobuildExplorer.cy.nodes('.covered').map(n => n.id())")
    assert gaps == [GAP]
    assert len(covered) == 9 and COMMUNITY in covered
    assert page.evaluate(f"() => window.cobuildExplorer.cy.getElementById('{GAP}').style('background-color')") == "rgb(217,54,62)"
    assert {"area:shuangliu", "area:tianfu", CITY} <= set(_nodes(page))  # the tree up to the city
    _shot(page, "district")
    assert _root_fields(browser.graphql) == ["coverageGaps", "adminArea"]


def test_two_thousand_real_nodes_render(browser: Browser, service: str) -> None:
    page = browser.page
    page.goto(service + "/explore?demo=2000", wait_until="load")
    page.wait_for_function("() => window.cobuildExplorer && window.cobuildExplorer.lastDraw", timeout=180_000)
    draw = page.evaluate("() => window.cobuildExplorer.lastDraw")
    assert draw["nodes"] == 2000 and draw["edges"] > 1000, draw
    assert page.get_attribute("#explore-graph", "data-drawn-nodes") == "2000"
    ids = _nodes(page)
    assert len(set(ids)) == 2000 and UNIT in ids and COMMUNITY in ids  # real ids from the store
    # still usable: a click on a node opens it in the side panel
    page.evaluate(f"() => window.cobuildExplorer.open('{COMMUNITY}')")
    from playwright.sync_api import expect

    expect(page.locator("#explore-panel-title")).to_have_text("紫东阁社区")
    shot = _shot(page, "2000")
    assert shot.stat().st_size > 10_000
    assert all(f != "?" for f in _root_fields(browser.graphql))


def test_the_viewers_credential_goes_with_every_request(browser: Browser, service: Service) -> None:
    """Masking and scopes are the server's: anonymous sees a person's name masked, the admin key typed
    into the page sees it; a wrong key is refused with the API's own error."""
    from playwright.sync_api import expect

    page = browser.page
    page.goto(service + f"/explore?id={PERSON}", wait_until="load")
    expect(page.locator("#explore-panel-title")).to_have_text("***")  # anonymous: masked by the server
    assert "x-api-key" not in browser.headers[-1] and "authorization" not in browser.headers[-1]

    page.fill("#explore-credential", service.admin_key)
    page.locator("#explore-credential").dispatch_event("change")
    page.evaluate(f"() => window.cobuildExplorer.open('{PERSON}')")
    expect(page.locator("#explore-panel-title")).to_have_text(PERSON_NAME)
    assert browser.headers[-1]["x-api-key"] == service.admin_key
    # kept for the tab (sessionStorage), never in the URL
    page.reload(wait_until="load")
    assert page.input_value("#explore-credential") == service.admin_key and service.admin_key not in page.url

    page.fill("#explore-credential", "cbk_000000000000.wrong")
    page.evaluate("() => window.cobuildExplorer.search('紫东阁').catch(() => null)")
    expect(page.locator("#explore-status")).to_contain_text("UNAUTHENTICATED")
    assert browser.headers[-1]["x-api-key"] == "cbk_000000000000.wrong"
    browser.problems = [p for p in browser.problems if "401" not in p]  # the browser logs the refused request
