"""The analyst kit: the Cypher cookbook (cookbook.yaml), the Neo4j Browser guide and the GraSS style sheet.

The cookbook is the one machine-readable source: each of the 44 questions of domain.md §3 with its Neo4j 5
Cypher (and the LadybugDB form where the dialects differ), example parameters on the seed network and the
answer they give there. The Browser guide (``guide.html``, a ``:play``-able slide deck) is rendered from it
and the style sheet (``style.grass``) from the model and :data:`LABEL_STYLE`; both files are committed so
they can be copied to a host on Neo4j's ``browser.remote_content_hostname_allowlist``, and a test fails
when they drift from what this module renders (``python -m cobuild.analyst`` rewrites them).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from cobuild.graph import model

KIT_DIR = Path(__file__).parent
COOKBOOK = KIT_DIR / "cookbook.yaml"
GUIDE = KIT_DIR / "guide.html"
STYLE = KIT_DIR / "style.grass"

Engines = Literal["both", "neo4j"]

# Slides of the guide, in order: key → (中文, English).
GROUPS: dict[str, tuple[str, str]] = {
    "structure": ("区域结构与结对共建", "The area tree and co-building"),
    "rollups": ("汇总与公布数字", "Roll-ups and reported figures"),
    "lists": ("需求、项目与认领", "Demands, projects and claims"),
    "members": ("党员与兼职委员", "Party members and part-time committee members"),
    "alliances": ("联盟、园区与党组织", "Alliances, parks and party organisations"),
    "evaluations": ("双向评议", "Two-way evaluations"),
    "venues": ("阵地、设施与品牌", "Venues, facilities and programs"),
    "paths": ("路径与网络", "Paths and the network as a whole"),
    "change": ("变化与趋势", "Change over time"),
    "missing": ("图中尚无的数据", "What the graph does not hold yet"),
}

# Colour, size and caption per label (Neo4j Browser's GraSS); the explorer colours nodes the same way.
LABEL_STYLE: dict[str, tuple[str, int]] = {
    "AdminArea": ("#4C8EDA", 65),
    "FunctionalZone": ("#8DCC93", 55),
    "PartyOrganization": ("#D9363E", 55),
    "Unit": ("#F79767", 55),
    "Person": ("#C990C0", 40),
    "Pairing": ("#FFC454", 45),
    "Agreement": ("#DA7194", 40),
    "Category": ("#A5ABB6", 35),
    "Demand": ("#57C7E3", 40),
    "Resource": ("#6DCE9E", 40),
    "Project": ("#ECB5C9", 45),
    "MicroWish": ("#F16667", 35),
    "Alliance": ("#B24A4A", 60),
    "Venue": ("#4E79A7", 45),
    "Evaluation": ("#FF9DA7", 35),
    "ServiceRecord": ("#BAB0AC", 30),
    "Program": ("#9C755F", 50),
    "Statistic": ("#76B7B2", 40),
}


@dataclass(frozen=True)
class Query:
    engines: Engines
    cypher: str
    title: str | None = None
    embedded: str | None = None   # the LadybugDB form, when the dialects differ
    reason: str | None = None     # why a Neo4j-only query needs Neo4j (or another form on the embedded store)
    params: dict[str, Any] = field(default_factory=dict)
    expect: dict[str, Any] = field(default_factory=dict)

    @property
    def embedded_text(self) -> str | None:
        """What the embedded store runs: the shared text, the LadybugDB form, or None (Neo4j only)."""
        return self.cypher if self.engines == "both" else self.embedded


@dataclass(frozen=True)
class Question:
    id: str
    group: str
    zh: str
    en: str
    queries: tuple[Query, ...] = ()
    note: str | None = None
    missing: str | None = None
    absent: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """``both`` (answered on Neo4j and the embedded store), ``neo4j-only`` or ``not-answerable``."""
        if not self.queries:
            return "not-answerable"
        return "both" if any(q.embedded_text for q in self.queries) else "neo4j-only"

    @property
    def number(self) -> int:
        return int(self.id[1:])


_KEYS = {"id", "group", "zh", "en", "queries", "note", "missing", "absent"}
_QUERY_KEYS = {"engines", "cypher", "title", "embedded", "reason", "params", "expect"}


def _query(raw: dict[str, Any], where: str) -> Query:
    unknown = set(raw) - _QUERY_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    if raw.get("engines") not in ("both", "neo4j"):
        raise ValueError(f"{where}: engines must be 'both' or 'neo4j'")
    if raw["engines"] == "neo4j" and not raw.get("reason"):
        raise ValueError(f"{where}: a Neo4j-only query says why (reason)")
    return Query(engines=raw["engines"], cypher=raw["cypher"].strip(), title=raw.get("title"),
                 embedded=(raw.get("embedded") or "").strip() or None, reason=raw.get("reason"),
                 params=dict(raw.get("params") or {}), expect=dict(raw.get("expect") or {}))


@lru_cache(maxsize=1)
def cookbook() -> tuple[Question, ...]:
    """The cookbook, validated: Q1–Q44 in order, each answered by queries or saying what is missing."""
    raw = yaml.safe_load(COOKBOOK.read_text(encoding="utf-8"))
    out = []
    for i, entry in enumerate(raw, start=1):
        where = f"cookbook.yaml entry {i} ({entry.get('id')})"
        unknown = set(entry) - _KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        if entry.get("id") != f"Q{i}":
            raise ValueError(f"{where}: expected id Q{i}")
        if entry.get("group") not in GROUPS:
            raise ValueError(f"{where}: group must be one of {list(GROUPS)}")
        queries = tuple(_query(q, f"{where} query {j}") for j, q in enumerate(entry.get("queries") or [], start=1))
        if bool(queries) == bool(entry.get("missing")):
            raise ValueError(f"{where}: give queries, or say what is missing — not both, not neither")
        out.append(Question(id=entry["id"], group=entry["group"], zh=entry["zh"], en=entry["en"], queries=queries,
                            note=entry.get("note"), missing=entry.get("missing"), absent=tuple(entry.get("absent") or ())))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Neo4j Browser: the guide and the style sheet
# ---------------------------------------------------------------------------------------------
def _cypher_literal(value: Any) -> str:
    """A parameter value as Cypher for Neo4j Browser's ``:params`` (dates as ``date('…')``)."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        return f"datetime('{value.isoformat().replace('+00:00', 'Z')}')"
    if isinstance(value, dt.date):
        return f"date('{value.isoformat()}')"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False).replace('"', "'")


def params_command(params: dict[str, Any]) -> str:
    return ":params {" + ", ".join(f"{k}: {_cypher_literal(v)}" for k, v in params.items()) + "}"


def _pre(text: str) -> str:
    return f'<pre class="pre-scrollable code runnable">{html.escape(text, quote=False)}</pre>'


def _question_html(q: Question) -> str:
    parts = [f"<h4>{q.id} {html.escape(q.zh)}</h4>", f"<p><em>{html.escape(q.en)}</em></p>"]
    if q.missing:
        parts.append(f"<p>图中尚无此数据 / Not in the graph: {html.escape(q.missing)}</p>")
    for query in q.queries:
        if query.title:
            parts.append(f"<p><strong>{html.escape(query.title)}</strong></p>")
        if query.params:
            parts.append(_pre(params_command(query.params)))
        parts.append(_pre(query.cypher))
        if query.engines == "neo4j":
            parts.append(f"<p><small>仅 Neo4j / Neo4j only: {html.escape(query.reason or '')}</small></p>")
    if q.note:
        parts.append(f"<p><small>{html.escape(q.note)}</small></p>")
    return "\n".join(parts)


def _slide(title_zh: str, title_en: str, lead: str, body: str) -> str:
    return (f'<slide class="row-fluid">\n<div class="col-sm-3">\n<h3>{html.escape(title_zh)}</h3>\n'
            f'<p class="lead">{html.escape(title_en)}</p>\n<p>{lead}</p>\n</div>\n'
            f'<div class="col-sm-9">\n{body}\n</div>\n</slide>')


def render_guide() -> str:
    """The Neo4j Browser guide: an introduction, the tree of one district, then the cookbook by theme."""
    questions = cookbook()
    labels = ", ".join(f"<code>{lab.name}</code> {html.escape(lab.zh.split('(')[0])}" for lab in model.LABELS)
    intro = "\n".join([
        "<p>cobuild 的图:社区与驻区单位的结对共建网络。 / cobuild's graph: communities and the units stationed in "
        "them, and how they co-build.</p>",
        f"<p>标签 / Labels: {labels}.</p>",
        "<p>加载样式 / Load the style sheet (each label its colour, size and Chinese caption):</p>",
        _pre(":style http://localhost:8000/analyst/style.grass"),
        "<p>看一看 / A first look — 紫东阁社区, its street and its partners:</p>",
        _pre("MATCH (c:AdminArea {name: '紫东阁社区'})-[p:PART_OF]->(s:AdminArea)\n"
             "OPTIONAL MATCH (c)-[cb:CO_BUILDS_WITH]->(u:Unit)\nRETURN c, p, s, cb, u"),
        "<p>每个位置都引用来源原文 / Every placement in the tree quotes its source sentence:</p>",
        _pre("MATCH (a:AdminArea)-[p:PART_OF]->(b:AdminArea {name: '双流区'})\n"
             "RETURN a.name AS area, a.level AS level, p.confidence AS confidence, p.quote AS quote, p.basis AS basis\n"
             "ORDER BY level, area"),
    ])
    tree = "\n".join([
        "<p>一个区的社区 / The communities under a district: every community or village 1–4 PART_OF hops below "
        "it, those directly under the district included. Each community's row is its parent: its street or town, "
        "or the district itself.</p>",
        _pre(params_command({"areaId": "area:shuangliu"})),
        _pre("MATCH (root:AdminArea {id: $areaId})<-[:PART_OF*0..4]-(c:AdminArea)\n"
             "WHERE c.level IN ['COMMUNITY', 'VILLAGE']\nOPTIONAL MATCH (c)-[:PART_OF]->(row:AdminArea)\n"
             "RETURN row.name AS streetOrDistrict, collect(c.name) AS communities\nORDER BY streetOrDistrict"),
        _pre("MATCH path = (:AdminArea {id: $areaId})<-[:PART_OF*1..3]-(:AdminArea)\nRETURN path"),
    ])
    slides = [
        _slide("城市基层党建互联互通", "Urban co-building networks", "cobuild · Neo4j Browser guide", intro),
        _slide("一个区的社区", "The communities under a district", "one definition, every question", tree),
    ]
    for key, (zh, en) in GROUPS.items():
        qs = [q for q in questions if q.group == key]
        if qs:
            lead = " · ".join(q.id for q in qs)
            slides.append(_slide(zh, en, lead, "\n<hr/>\n".join(_question_html(q) for q in qs)))
    return ('<article class="guide">\n<carousel class="deck container-fluid">\n'
            + "\n".join(slides) + "\n</carousel>\n</article>\n")


def render_style() -> str:
    """GraSS for Neo4j Browser: each label a colour, size and caption (its Chinese name property), each
    relationship type its Chinese name as caption."""
    lines = ["/* cobuild: Neo4j Browser style sheet (GraSS), generated by `python -m cobuild.analyst` */",
             "node {", "  diameter: 50px;", "  color: #A5ABB6;", "  border-color: #9AA1AC;", "  border-width: 2px;",
             "  text-color-internal: #FFFFFF;", "  font-size: 10px;", "}",
             "relationship {", "  color: #A5ABB6;", "  shaft-width: 1px;", "  font-size: 8px;", "  padding: 3px;",
             "  text-color-external: #000000;", "  text-color-internal: #FFFFFF;", "  caption: '<type>';", "}"]
    for lab in model.LABELS:
        colour, size = LABEL_STYLE[lab.name]
        lines += [f"node.{lab.name} {{", f"  color: {colour};", f"  border-color: {colour};", f"  diameter: {size}px;",
                  "  text-color-internal: #FFFFFF;", "  caption: '{name}';", "}"]
    for rel in model.RELATIONSHIPS:
        lines += [f"relationship.{rel.name} {{", f"  caption: '{rel.zh}';", "}"]
    return "\n".join(lines) + "\n"


DOCS_PAGE = KIT_DIR.parents[1] / "docs" / "analysts.md"


def _replace_block(page: str, start: str, end: str, block: str) -> str:
    i, j = page.index(start), page.index(end) + len(end)
    return page[:i] + block + page[j:]


def write() -> list[Path]:
    """Rewrite guide.html and style.grass from the cookbook and the model, and — in a checkout — the
    generated tables of docs/analysts.md (the cookbook index and the seed audit)."""
    from cobuild.seeds.audit import TABLE_END, TABLE_START, markdown_table

    GUIDE.write_text(render_guide(), encoding="utf-8")
    STYLE.write_text(render_style(), encoding="utf-8")
    written = [GUIDE, STYLE]
    if DOCS_PAGE.exists():
        page = DOCS_PAGE.read_text(encoding="utf-8")
        page = _replace_block(page, INDEX_START, INDEX_END, render_index())
        page = _replace_block(page, TABLE_START, TABLE_END, markdown_table())
        DOCS_PAGE.write_text(page, encoding="utf-8")
        written.append(DOCS_PAGE)
    return written


# ---------------------------------------------------------------------------------------------
# Checking an answer against the cookbook's `expect`
# ---------------------------------------------------------------------------------------------
def _same(got: Any, want: Any) -> bool:
    """Equality for answers from either engine: lists as multisets, floats approximately, a date equal to a
    datetime at midnight (LadybugDB's date_trunc gives a timestamp), ints equal to floats."""
    import datetime as dt
    import math

    if isinstance(want, list) and isinstance(got, list):
        return len(got) == len(want) and all(any(_same(g, w) for g in got) for w in want) \
            and all(any(_same(g, w) for w in want) for g in got)
    if isinstance(want, dt.date) and not isinstance(want, dt.datetime) and isinstance(got, dt.datetime):
        return got.time() == dt.time(0) and got.date() == want
    if isinstance(want, (int, float)) and isinstance(got, (int, float)) and not isinstance(got, bool) and not isinstance(want, bool):
        return math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-9)
    if hasattr(got, "iso_format"):  # neo4j.time.Date / DateTime
        got = got.to_native()
        return _same(got, want)
    return bool(got == want)


def _matches(row: dict[str, Any], want: dict[str, Any]) -> bool:
    return all(k in row and _same(row[k], v) for k, v in want.items())


def check(rows: list[dict[str, Any]], expect: dict[str, Any]) -> list[str]:
    """Problems with ``rows`` against a cookbook ``expect`` (empty when the answer is as documented)."""
    problems = []
    unknown = set(expect) - {"rows", "contains", "excludes", "count", "min_count"}
    if unknown:
        problems.append(f"unknown expectation keys {sorted(unknown)}")
    if "count" in expect and len(rows) != expect["count"]:
        problems.append(f"expected {expect['count']} rows, got {len(rows)}")
    if "min_count" in expect and len(rows) < expect["min_count"]:
        problems.append(f"expected at least {expect['min_count']} rows, got {len(rows)}")
    if "rows" in expect:
        want = expect["rows"]
        if len(rows) != len(want) or not all(_matches(r, w) and set(r) == set(w) for r, w in zip(rows, want)):
            problems.append(f"expected rows {want}, got {rows}")
    for w in expect.get("contains") or []:
        if not any(_matches(r, w) for r in rows):
            problems.append(f"no row matches {w}")
    for w in expect.get("excludes") or []:
        if any(_matches(r, w) for r in rows):
            problems.append(f"a row matches {w}, which should not be there")
    if not expect:
        problems.append("no expectation: every cookbook query asserts its answer on the seed network")
    return problems


INDEX_START = "<!-- cookbook:start (generated by `python -m cobuild.analyst`) -->"
INDEX_END = "<!-- cookbook:end -->"
_STATUS = {"both": "Neo4j 5 + embedded", "neo4j-only": "Neo4j only", "not-answerable": "not in the graph"}


def render_index() -> str:
    """The cookbook's table of contents for docs/analysts.md: each question, where it runs, and why not."""
    lines = [INDEX_START, "", "| # | question | runs on | notes |", "|---|---|---|---|"]
    for q in cookbook():
        notes = []
        for query in q.queries:
            if query.engines == "neo4j":
                what = f"{query.title}: " if query.title else ""
                notes.append(f"{what}{'two forms — ' if query.embedded else 'Neo4j only — '}{query.reason}")
        if q.missing:
            notes.append(q.missing)
        elif q.note:
            notes.append(q.note)
        cell = " ".join(notes).replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {q.id} | {q.zh} / {q.en.replace('|', '/')} | {_STATUS[q.status]} | {cell} |")
    lines += ["", INDEX_END]
    return "\n".join(lines)
