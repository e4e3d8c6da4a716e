"""The Neo4j Browser kit: the guide and style sheet are what the cookbook and model render, and the
service serves them at stable URLs without credentials (Neo4j Browser sends none)."""

from __future__ import annotations

import html
from pathlib import Path

from cobuild.analyst.kit import (DOCS_PAGE, GUIDE, INDEX_END, INDEX_START, LABEL_STYLE, STYLE, cookbook, params_command,
                                 render_guide, render_index, render_style)
from cobuild.graph import model
from tests.client import serve


def test_committed_guide_and_style_are_rendered_from_the_cookbook_and_model() -> None:
    assert GUIDE.read_text(encoding="utf-8") == render_guide(), "run `python -m cobuild.analyst`"
    assert STYLE.read_text(encoding="utf-8") == render_style(), "run `python -m cobuild.analyst`"


def test_the_cookbook_table_in_the_docs_is_generated_from_the_cookbook() -> None:
    page = DOCS_PAGE.read_text(encoding="utf-8")
    assert page[page.index(INDEX_START):page.index(INDEX_END) + len(INDEX_END)] == render_index(), "run `python -m cobuild.analyst`"
    readme = (DOCS_PAGE.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/analysts.md" in readme


def test_guide_has_a_runnable_block_for_every_query_and_its_parameters() -> None:
    guide = render_guide()
    assert guide.startswith('<article class="guide">') and guide.count("<slide ") >= 10
    for q in cookbook():
        assert f"<h4>{q.id} {html.escape(q.zh)}</h4>" in guide
        for query in q.queries:
            assert f'<pre class="pre-scrollable code runnable">{html.escape(query.cypher, quote=False)}</pre>' in guide, q.id
            if query.params:
                assert html.escape(params_command(query.params), quote=False) in guide
        if q.missing:
            assert html.escape(q.missing) in guide
    assert "<script" not in guide  # Browser strips scripts; the guide needs none


def test_params_command_writes_cypher_values() -> None:
    import datetime as dt

    assert params_command({"areaId": "area:shuangliu", "year": 2026, "below": 70.0, "from": dt.date(2025, 1, 1),
                           "since": dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)}) == \
        ":params {areaId: 'area:shuangliu', year: 2026, below: 70.0, from: date('2025-01-01'), since: datetime('2000-01-01T00:00:00Z')}"


def test_style_gives_every_label_a_colour_size_and_name_caption() -> None:
    style = render_style()
    assert set(LABEL_STYLE) == set(model.LABELS_BY_NAME)
    for lab in model.LABELS:
        colour, size = LABEL_STYLE[lab.name]
        block = style.split(f"node.{lab.name} {{", 1)[1].split("\n}", 1)[0]
        assert f"color: {colour};" in block and f"diameter: {size}px;" in block and "caption: '{name}';" in block
    for rel in model.RELATIONSHIPS:
        assert f"relationship.{rel.name} {{\n  caption: '{rel.zh}';" in style
    assert len({c for c, _ in LABEL_STYLE.values()}) == len(LABEL_STYLE), "each label its own colour"


async def test_the_service_serves_the_kit_without_credentials(engine, tmp_path: Path) -> None:
    async with serve(engine, tmp_path, anonymous="off") as client:
        resp = await client.client.get("/analyst/guide.html")
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
        assert resp.text.startswith('<article class="guide">')
        assert ":style http://test/analyst/style.grass" in resp.text  # points at the service it came from
        resp = await client.client.get("/analyst/style.grass")
        assert resp.status_code == 200 and resp.text == STYLE.read_text(encoding="utf-8")
        resp = await client.client.get("/analyst/cookbook.yaml")
        assert resp.status_code == 200 and "- id: Q44" in resp.text
        # the data itself still needs a credential
        resp = await client.client.post("/graphql", json={"query": "{ __typename }"})
        assert resp.status_code == 401
