"""Docs that run (issue 10 part 6): every ```graphql example in README.md and docs/*.md is sent to the
app over the seed network, each on its own copy (mutations change nothing for the next example), and
must answer without errors and with a meaningful, non-empty result — so a documented example can
never fail again when a reader pastes it.

An example that needs more than the default (an admin API key, no variables) says so in an HTML
comment on the line right above the block, which readers do not see rendered::

    <!-- run: variables={"id": "area:sl-zidongge"} role=anonymous -->

``variables`` is JSON; ``role`` one of the API-key roles (``admin``, ``district``, ``partner`` …, with
the area or unit the key is granted in ``area=``/``unit=``) or ``anonymous``. ``after=previous`` says
the example builds on the one before it on the same page (a pairing of the unit the previous example
created): it runs on a copy where the examples of its chain ran first. A block holds one operation
(two in one block fail when pasted into most clients). Placeholders (``…``, ``<id>``, ``$YOUR_KEY``)
are refused: examples use real seed ids.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, OperationType, parse, validate

from cobuild.schema.root import build_schema

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"(?:^<!-- run:(?P<note>[^\n]*?)-->\n)?^```graphql\n(?P<body>.*?)^```", re.M | re.S)
PLACEHOLDER = re.compile(r"…|\.\.\.\"|<[a-z][\w-]*>|\$YOUR|TODO|xxx", re.I)
NO_STATEMENT_FIELDS = {"version", "__typename", "__schema", "__type"}


@dataclass
class Example:
    path: Path
    index: int
    line: int
    text: str
    variables: dict[str, Any] = field(default_factory=dict)
    role: str = "admin"
    area: str | None = None
    unit: str | None = None
    after: "Example | None" = None  # after=previous: the example this one builds on

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}#{self.index}(line {self.line})"


def _note(ex: Example, note: str) -> Example:
    m = re.search(r"variables=(\{.*\})", note)
    if m:
        ex.variables = json.loads(m.group(1))
        note = note.replace(m.group(0), "")
    for key, value in re.findall(r"(\w+)=(\S+)", note):
        if key == "after":
            if value != "previous" or ex.index == 0:
                raise AssertionError(f"{ex.id}: after= takes 'previous', and the page's first example has none")
            continue  # linked by examples()
        if key not in ("role", "area", "unit"):
            raise AssertionError(f"{ex.id}: unknown run annotation {key!r}")
        setattr(ex, key, value)
    return ex


def examples() -> list[Example]:
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for i, m in enumerate(BLOCK.finditer(text)):
            ex = Example(path, i, text[: m.start("body")].count("\n"), m.group("body"))
            note = m.group("note") or ""
            out.append(_note(ex, note))
            if re.search(r"\bafter=previous\b", note):
                ex.after = out[-2]
    return out


def chain(ex: Example) -> list[Example]:
    """The examples ``ex`` builds on, first to last (``after=previous`` links)."""
    before: list[Example] = []
    while ex.after is not None:
        ex = ex.after
        before.insert(0, ex)
    return before


EXAMPLES = examples()


def meaningful(value: Any) -> bool:
    """Something a reader would call an answer: a non-empty string, a non-zero number, ``true``, or
    a list or object holding one (ids alone do not count: every object has one)."""
    if isinstance(value, dict):
        return any(meaningful(v) for k, v in value.items() if k not in ("id", "__typename"))
    if isinstance(value, list):
        return any(meaningful(v) for v in value)
    return value not in (None, "", 0, False, [])


# Requests written out for curl or as a JSON body (docs/http.md, README.md, docs/partners.md): the
# body of ``-d '…'`` and ```json blocks that carry a "query", and GET's ``--data-urlencode 'query=…'``.
_CURL_BODY = re.compile(r"(?:-d|--data(?:-raw)?) '(\{.*?\})'", re.S)
_GET_QUERY = re.compile(r"--data-urlencode 'query=(.*?)'(?:\s*\\\n\s*--data-urlencode 'variables=(.*?)')?", re.S)
_JSON_BLOCK = re.compile(r"^```json\n(.*?)^```", re.M | re.S)


def requests() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        bodies = [m.group(1) for m in _CURL_BODY.finditer(text)] + [m.group(1) for m in _JSON_BLOCK.finditer(text)]
        for i, raw in enumerate(bodies):
            try:
                body = json.loads(raw)
            except ValueError:
                continue  # an answer shown with an ellipsis, not a request
            if isinstance(body, dict) and "query" in body:
                out.append((f"{path.relative_to(ROOT)}:body{i}", body))
        for i, m in enumerate(_GET_QUERY.finditer(text)):
            out.append((f"{path.relative_to(ROOT)}:get{i}", {"query": m.group(1), "variables": json.loads(m.group(2) or "{}")}))
    return out


REQUESTS = requests()


@pytest.mark.parametrize("where,body", REQUESTS, ids=[w for w, _ in REQUESTS])
async def test_documented_request_bodies_run_on_the_seed_network(gql: Any, where: str, body: dict[str, Any]) -> None:
    """The GraphQL inside curl commands and JSON bodies follows the schema and answers, like the blocks."""
    assert not PLACEHOLDER.search(body["query"]), f"{where} has a placeholder: {body['query']}"
    answer = await gql(body["query"], body.get("variables"))
    assert "errors" not in answer, f"{where} failed: {answer.get('errors')}"
    assert all(meaningful(v) for v in answer["data"].values()), (where, answer["data"])


def test_request_bodies_are_found() -> None:
    assert {w.split(":")[0] for w, _ in REQUESTS} >= {"README.md", "docs/http.md", "docs/partners.md"}, REQUESTS


def test_examples_are_found_and_use_real_ids() -> None:
    assert len(EXAMPLES) >= 40, [e.id for e in EXAMPLES]
    by_file = {e.path.name for e in EXAMPLES}
    assert {"README.md", "entities.md", "questions.md", "mutations.md", "frontend.md"} <= by_file, by_file
    for ex in EXAMPLES:
        assert not PLACEHOLDER.search(ex.text.replace("... on ", "").replace("...F", "")), \
            f"{ex.id} has a placeholder; use a real seed id: {ex.text}"


async def _send(gql: Any, ex: Example) -> dict[str, Any]:
    if ex.role == "anonymous":
        return await gql(ex.text, ex.variables, anonymous=True)
    key = gql.admin_key if ex.role == "admin" else gql.key(ex.role, (ex.area,) if ex.area else (), ex.unit)
    return await gql(ex.text, ex.variables, key=key)


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.id for e in EXAMPLES])
async def test_documented_example_runs_on_the_seed_network(gql: Any, ex: Example) -> None:
    doc = parse(ex.text)
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(ops) == 1, f"{ex.id}: {len(ops)} operations in one block; split it (one operation per example)"
    if ops[0].operation is OperationType.SUBSCRIPTION:  # HTTP answers WEBSOCKET_REQUIRED: run over a WebSocket
        assert not validate(build_schema()._schema, doc), f"{ex.id} does not follow the schema"  # by tests/live/test_live_docs.py
        return
    for earlier in chain(ex):  # what this example builds on, on this same copy
        body = await _send(gql, earlier)
        assert "errors" not in body, f"{ex.id} builds on {earlier.id}, which failed: {body.get('errors')}"
    body = await _send(gql, ex)
    assert "errors" not in body, f"{ex.id} failed: {body.get('errors')}\n{ex.text}"
    data = body["data"]
    for root, value in data.items():
        assert value is not None and (root in NO_STATEMENT_FIELDS or meaningful(value)), \
            f"{ex.id}: `{root}` answered nothing meaningful: {value}"
    if ops[0].operation is OperationType.QUERY:
        roots = [s for s in ops[0].selection_set.selections if getattr(s, "name", None) and s.name.value not in NO_STATEMENT_FIELDS]
        assert gql.last_statements == len(roots), f"{ex.id}: {gql.last_statements} statements for {len(roots)} root fields"
