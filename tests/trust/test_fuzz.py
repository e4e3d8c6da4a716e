"""Property-based fuzz of /graphql (hypothesis): no response is a 500, no error is ``INTERNAL``.

Documents are built from the schema the app itself reports (introspection): random root fields of
Query and Mutation, random arguments — right types, wrong types, huge and negative ints, non-finite
floats, unicode, empty strings, nulls, real ids from the store, unknown enum values — inline or as
variables (sometimes declared with the wrong type), random selections nested at random depths
(sometimes past the depth limit), inline fragments on interfaces, and aliases; sent with a random
credential (anonymous, admin, district, unit, analyst). More properties: raw documents made of
GraphQL-ish tokens; arbitrary JSON variables for valid documents; text from every Unicode general
category (lone surrogates included, which must answer 400 ``INVALID_UNICODE``) in variables, literals
and escaped literals; raw byte bodies and damaged real bodies under several content types and methods;
raw bytes in GET query strings.

One app over one copy of the seed network serves every example (module fixture, own event loop);
``FUZZ_EXAMPLES`` scales the number of examples (default: ~3,000 in total).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote_from_bytes

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cobuild.auth.keys import KeyStore
from cobuild.config import Settings
from cobuild.graph.cypher import Statement
from cobuild.graph.engines.ladybug import LadybugEngine
from tests.graphs import copy_store

from gqlgen import Enum, fetch_schema, literal, plain

SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))
FUZZ = settings(max_examples=int(1500 * SCALE), deadline=None, database=None, print_blob=True,
                suppress_health_check=list(HealthCheck))


class Env:
    def __init__(self, loop: asyncio.AbstractEventLoop, http: httpx.AsyncClient, schema: Any, keys: dict[str, str],
                 ids: list[str]) -> None:
        self.loop = loop
        self.http = http
        self.schema = schema
        self.keys = keys
        self.ids = ids

    def post(self, body: Any, role: str = "anonymous", raw: bytes | None = None) -> httpx.Response:
        headers = {"x-api-key": self.keys[role]} if role in self.keys else {}
        headers["content-type"] = "application/json"
        # json.dumps escapes non-ASCII, so lone surrogates travel as \uXXXX (httpx's json= cannot encode them)
        coro = self.http.post("/graphql", content=raw if raw is not None else json.dumps(body).encode("ascii"), headers=headers)
        return self.loop.run_until_complete(coro)


@pytest.fixture(scope="module")
def env(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    from cobuild.app import create_app

    tmp = tmp_path_factory.mktemp("fuzz")
    target = copy_store(seeded_template, tmp / "seed.lbdb")
    loop = asyncio.new_event_loop()
    engine = LadybugEngine(target)
    loop.run_until_complete(engine.open())

    async def first(text: str) -> str:
        rows = await engine.run(Statement(text + " LIMIT 1"))
        return rows[0]["id"]

    district = loop.run_until_complete(first("MATCH (a:AdminArea) WHERE a.level = 'DISTRICT' RETURN a.id AS id"))
    unit = loop.run_until_complete(first("MATCH (u:Unit) RETURN u.id AS id"))
    store = KeyStore(tmp / "keys.json")
    keys = {"admin": store.create(role="admin", name="fuzz admin")[1],
            "district": store.create(role="district", area_ids=[district], name="fuzz district")[1],
            "unit": store.create(role="unit", unit_id=unit, name="fuzz unit")[1],
            "analyst": store.create(role="analyst", name="fuzz analyst")[1]}
    ids: list[str] = []
    for label in ("AdminArea", "Unit", "Person", "Pairing", "Demand", "Project", "PartyOrganization", "Category",
                  "Venue", "Evaluation", "Agreement", "MicroWish", "Statistic"):
        rows = loop.run_until_complete(engine.run(Statement(f"MATCH (n:{label}) RETURN n.id AS id LIMIT 4")))
        ids += [r["id"] for r in rows]
    settings_ = Settings(db_path=tmp / "unused.lbdb", neo4j_uri=None, keys_path=tmp / "keys.json", rate_limit_per_s=0)
    app = create_app(settings_, engine=engine)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60)
    schema = loop.run_until_complete(fetch_schema(lambda q: http.post("/graphql", json={"query": q})))
    yield Env(loop, http, schema, keys, ids)
    print("\nfuzz outcomes:", dict(OUTCOMES.most_common()))
    loop.run_until_complete(http.aclose())
    loop.run_until_complete(engine.close())
    loop.close()


OUTCOMES: Counter[str] = Counter()  # what the examples met (printed with -s): proof they reach resolvers


def check(resp: httpx.Response, sent: Any) -> None:
    where = json.dumps(sent, ensure_ascii=False, default=str)[:1500]
    assert resp.status_code < 500, (resp.status_code, resp.text[:800], where)
    body = resp.json()
    OUTCOMES.update({(e.get("extensions") or {}).get("code") or "?" for e in body.get("errors") or []} or {"ok"})
    OUTCOMES["data"] += bool(isinstance(body.get("data"), dict) and any(v is not None for v in body["data"].values()))
    for e in body.get("errors") or []:
        code = (e.get("extensions") or {}).get("code")
        assert code, (e, where)  # every error carries a stable code
        assert code != "INTERNAL", (e, where)


# ------------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------------
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=24)
ANY_TEXT = st.text(alphabet=st.characters(categories=None, exclude_categories=()), max_size=24)  # surrogates included
ODD_STRINGS = st.sampled_from(["", " ", "\u3000", "null", "'", '"', "\\", "`", "$x", "0", "-1", "9" * 40, "area:",
                               "unit:", "a" * 5000, "紫东阁社区", "\u202e\u0000\n\t", "%", "_", "*", "[]", "{}"])
INTS = st.one_of(st.integers(-3, 150), st.sampled_from([0, -1, 2**31 - 1, 2**31, -2**31 - 1, 2**53 + 1, 2**63, 10**30]))
FLOATS = st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                   st.sampled_from([0.0, -0.0, 24.0, 24.000001, 1e308, 5e-324, 100.5, -1e-9]))
VALID_INTS = st.one_of(st.integers(0, 25), st.integers(0, 25), st.integers(-2**31, 2**31 - 1))
VALID_DATES = st.dates().map(lambda d: d.isoformat())
VALID_DATETIMES = st.datetimes().map(lambda d: d.isoformat() + "Z")
DATES = st.one_of(st.dates().map(lambda d: d.isoformat()),
                  st.sampled_from(["", "2024-02-30", "2024-13-01", "0000-01-01", "9999-12-31", "2024-1-1", "today"]))
DATETIMES = st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"),
                      st.sampled_from(["", "2024-01-01T25:00:00Z", "2024-01-01", "1970-01-01T00:00:00+14:00"]))


class Gen:
    """Draws one document from the schema."""

    def __init__(self, data: Any, env: Env) -> None:
        self.d = data.draw
        self.env = env
        self.schema = env.schema
        self.decls: list[str] = []
        self.variables: dict[str, Any] = {}
        self.aliases = 0
        self.valid = self.d(st.integers(0, 9)) < 7  # most documents valid (they reach the resolvers), the rest not

    # --- input values ------------------------------------------------------------------------
    def wrong(self) -> Any:
        return self.d(st.one_of(INTS, FLOATS, TEXT, st.booleans(), st.just({"x": 1}), st.just([1, "a"]),
                                st.sampled_from([Enum("NOT_A_VALUE"), Enum("true")])))

    def scalar(self, t: GraphQLScalarType, name: str) -> Any:
        n = t.name
        if n == "Int":
            return self.d(VALID_INTS if self.valid else INTS)
        if n == "Float":
            return self.d(st.one_of(FLOATS, VALID_INTS))
        if n == "Boolean":
            return self.d(st.booleans())
        if n == "Date":
            return self.d(VALID_DATES if self.valid else DATES)
        if n == "DateTime":
            return self.d(VALID_DATETIMES if self.valid else DATETIMES)
        if n == "ID" or name.lower().endswith(("id", "ids")):
            real = st.sampled_from(self.env.ids)
            return self.d(st.one_of(real, real, real, TEXT, ODD_STRINGS) if self.valid else st.one_of(real, TEXT, ODD_STRINGS))
        if not self.valid:  # documents allowed mistakes also get text from every Unicode category, lone surrogates too
            return self.d(st.one_of(TEXT, ODD_STRINGS, st.sampled_from(self.env.ids), ANY_TEXT))
        return self.d(st.one_of(TEXT, ODD_STRINGS, st.sampled_from(self.env.ids)))

    def value(self, t: Any, name: str, depth: int) -> Any:
        roll = self.d(st.integers(0, 99))
        if roll < 4 and (not self.valid or not isinstance(t, GraphQLNonNull)):
            return None  # also where the type says non-null, in documents allowed mistakes
        if roll < 9 and not self.valid:
            return self.wrong()
        if isinstance(t, GraphQLNonNull):
            t = t.of_type
        if isinstance(t, GraphQLList):
            if depth > 3:
                return []
            n = self.d(st.integers(0, 3))
            return [self.value(t.of_type, name, depth + 1) for _ in range(n)]
        if isinstance(t, GraphQLEnumType):
            return Enum(self.d(st.sampled_from(sorted(t.values) + ([] if self.valid else ["NOT_A_VALUE"]))))
        if isinstance(t, GraphQLScalarType):
            return self.scalar(t, name)
        if isinstance(t, GraphQLInputObjectType):
            out: dict[str, Any] = {}
            if depth > 3:
                return out
            names = sorted(t.fields)
            required = [f for f in names if isinstance(t.fields[f].type, GraphQLNonNull) and t.fields[f].default_value is Undefined]
            chosen = self.d(st.lists(st.sampled_from(names), max_size=4, unique=True)) if names else []
            for f in dict.fromkeys(required + chosen):
                if f in required and not self.valid and self.d(st.integers(0, 9)) == 0:
                    continue  # a missing required field
                out[f] = self.value(t.fields[f].type, f, depth + 1)
            if not self.valid and self.d(st.integers(0, 9)) == 0:
                out["notAField"] = 1
            return out
        return self.wrong()

    def argument(self, aname: str, atype: Any) -> str:
        v = self.value(atype, aname, 0)
        if self.d(st.booleans()):  # as a variable
            var = f"v{len(self.decls)}"
            declared = str(atype) if self.valid or self.d(st.integers(0, 4)) else self.d(
                st.sampled_from(["Int", "String!", "[ID]", "Boolean", "Float!"]))
            self.decls.append(f"${var}: {declared}")
            if self.valid or self.d(st.integers(0, 4)):
                self.variables[var] = plain(v)
            return f"{aname}: ${var}"
        return f"{aname}: {literal(v)}"

    def arguments(self, field: Any) -> str:
        names = sorted(field.args)
        if not names:
            return ""
        required = [a for a in names if isinstance(field.args[a].type, GraphQLNonNull) and field.args[a].default_value is Undefined]
        chosen = self.d(st.lists(st.sampled_from(names), max_size=2 if self.valid else len(names), unique=True))
        if self.valid:
            chosen = [a for a in chosen if a != "after"]  # random cursors are refused before any resolving
        picked = list(dict.fromkeys(required + chosen))
        if not self.valid and self.d(st.integers(0, 9)) == 0:
            picked.append("notAnArgument")
        parts = [self.argument(a, field.args[a].type) if a in field.args else f"{a}: 1" for a in picked]
        return "(" + ", ".join(parts) + ")" if parts else ""

    # --- selections --------------------------------------------------------------------------
    def selection(self, t: Any, depth: int, max_depth: int) -> str:
        named = get_named_type(t)
        if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
            return " { __typename }" if not self.valid and self.d(st.integers(0, 9)) == 0 else ""
        parts: list[str] = []
        if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
            possible = sorted(self.schema.get_possible_types(named), key=lambda o: o.name)
            if possible and self.d(st.booleans()):
                on = self.d(st.sampled_from(possible))
                parts.append(f"... on {on.name}{self.selection(on, depth, max_depth) or ' { __typename }'}")
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            names = sorted(named.fields)
            for fname in self.d(st.lists(st.sampled_from(names), min_size=1, max_size=4)):
                f = named.fields[fname]
                composite = not isinstance(get_named_type(f.type), (GraphQLScalarType, GraphQLEnumType))
                if composite and depth >= max_depth:
                    continue
                alias = ""
                if any(p.startswith(fname) or f": {fname}" in p for p in parts) or self.d(st.integers(0, 29)) == 0:
                    self.aliases += 1
                    alias = f"a{self.aliases}: "
                sub = self.selection(f.type, depth + 1, max_depth)
                parts.append(f"{alias}{fname}{self.arguments(f)}{sub}")
        return " { " + (" ".join(parts) or "__typename") + " }"

    def document(self) -> tuple[str, dict[str, Any], str]:
        kind = self.d(st.sampled_from(["query"] * 6 + ["mutation"]))
        root = self.schema.query_type if kind == "query" else self.schema.mutation_type
        max_depth = self.d(st.one_of(st.integers(1, 5), st.sampled_from([8, 12])))
        fields = []
        for i, fname in enumerate(self.d(st.lists(st.sampled_from(sorted(root.fields)), min_size=1, max_size=3))):
            f = root.fields[fname]
            fields.append(f"r{i}: {fname}{self.arguments(f)}{self.selection(f.type, 2, max_depth)}")
        decl = f"({', '.join(self.decls)})" if self.decls else ""
        role = self.d(st.sampled_from(["anonymous", "admin", "admin", "district", "unit", "analyst"]))
        return f"{kind}{decl} {{ {' '.join(fields)} }}", self.variables, role


@FUZZ
@given(data=st.data())
def test_generated_documents_never_fail_internally(env: Env, data: Any) -> None:
    doc, variables, role = Gen(data, env).document()
    body = {"query": doc, "variables": variables}
    check(env.post(body, role), {"role": role, **body})


# ------------------------------------------------------------------------------------------------
TOKENS = st.sampled_from(["{", "}", "(", ")", "[", "]", ":", "$", "...", "@", "!", "=", "|", "&", ",", "query", "mutation",
                          "fragment", "on", "subscription", "units", "unit", "node", "id", "name", "edges", "first",
                          "where", "__schema", "__type", "__typename", "claim", "input", "communityCoBuilders", "1", "-1",
                          "1e999", '"x"', '"""block"""', "null", "true", "#c\n", "\u00e9", "\ufeff", "\\"])
RAW = st.one_of(st.lists(TOKENS, max_size=60).map(" ".join), TEXT)


@settings(FUZZ, max_examples=int(900 * SCALE))
@given(query=RAW, operation=st.one_of(st.none(), TEXT), role=st.sampled_from(["anonymous", "admin"]))
def test_raw_documents_never_fail_internally(env: Env, query: str, operation: str | None, role: str) -> None:
    body: dict[str, Any] = {"query": query}
    if operation is not None:
        body["operationName"] = operation
    check(env.post(body, role), body)


JSON = st.recursive(st.one_of(st.none(), st.booleans(), INTS, FLOATS, TEXT, st.sampled_from(["area:x", ""])),
                    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
                    max_leaves=10)
VALID = [
    "query($id: ID!) { node(id: $id) { id __typename } }",
    "query($first: Int!, $after: String, $where: UnitWhere) { units(first: $first, after: $after, where: $where) { totalCount edges { cursor node { id name } } } }",
    "query($w: AdminAreaWhere, $o: [AdminAreaOrder!]) { adminAreas(where: $w, orderBy: $o) { edges { node { id name level } } } }",
    "mutation($input: ClaimInput!) { claim(input: $input) { itemId status } }",
    "mutation($input: RecordServiceInput!) { recordService(input: $input) { serviceRecordId hoursThatDay } }",
    "mutation($items: [UnitUpsertInput!]!, $p: String!) { upsertUnits(partner: $p, items: $items) { created ids } }",
]


@settings(FUZZ, max_examples=int(600 * SCALE))
@given(doc=st.sampled_from(VALID), variables=st.one_of(JSON, st.dictionaries(st.sampled_from(
    ["id", "first", "after", "where", "w", "o", "input", "items", "p"]), JSON, max_size=4)),
    role=st.sampled_from(["anonymous", "admin", "district"]))
def test_arbitrary_variables_never_fail_internally(env: Env, doc: str, variables: Any, role: str) -> None:
    body = {"query": doc, "variables": variables}
    check(env.post(body, role), {"role": role, **body})


# ------------------------------------------------------------------------------------------------
# Every Unicode category (surrogates included) in variables and literals; raw bytes as bodies
# ------------------------------------------------------------------------------------------------
UNICODE_CATEGORIES = ("Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi",
                      "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn")
STRING_DOCS = [  # (document with a variable $s, the same with the value written as a literal at @)
    ("query($s: ID!) { node(id: $s) { id } }", "{ node(id: @) { id } }"),
    ("query($s: String!) { search(text: $s, first: 3) { __typename } }", "{ search(text: @, first: 3) { __typename } }"),
    ("query($s: String) { units(first: 3, where: {name: {contains: $s}}) { totalCount } }",
     "{ units(first: 3, where: {name: {contains: @}}) { totalCount } }"),
    ("query($s: [String!]) { adminAreas(where: {name: {in: $s}}) { totalCount } }",
     "{ adminAreas(where: {name: {in: [@]}}) { totalCount } }"),
    ("mutation($s: String!) { upsertUnits(partner: \"fuzz\", items: [{externalId: $s, name: $s, aliases: [$s]}]) { created ids } }",
     "mutation { upsertUnits(partner: \"fuzz\", items: [{externalId: @, name: @}]) { created ids } }"),
]
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _post_raw(env: Env, content: bytes, role: str, content_type: str | None = "application/json",
              method: str = "POST", path: str = "/graphql") -> httpx.Response:
    headers = {"x-api-key": env.keys[role]} if role in env.keys else {}
    if content_type is not None:
        headers["content-type"] = content_type
    return env.loop.run_until_complete(env.http.request(method, path, content=content, headers=headers))


@pytest.mark.parametrize("category", UNICODE_CATEGORIES)
@settings(FUZZ, max_examples=int(20 * SCALE))
@given(data=st.data())
def test_every_unicode_category_in_variables_and_literals(env: Env, category: str, data: Any) -> None:
    """Text drawn from one Unicode general category, mixed with ordinary text, sent as a variable, a
    literal written out, or a literal of ``\\uXXXX`` escapes. Lone surrogates (``Cs``) must answer
    400 ``INVALID_UNICODE``; everything else any coded answer but ``INTERNAL`` and never a 500."""
    text = data.draw(st.text(st.characters(categories=[category]), min_size=1, max_size=12), label="text")
    text = data.draw(TEXT, label="before") + text + data.draw(TEXT, label="after")
    var_doc, lit_doc = data.draw(st.sampled_from(STRING_DOCS), label="document")
    form = data.draw(st.sampled_from(["variable", "literal", "escaped literal"]), label="form")
    if form == "variable":
        body: dict[str, Any] = {"query": var_doc, "variables": {"s": [text] if "[String!]" in var_doc else text}}
    else:
        written = json.dumps(text, ensure_ascii=form == "escaped literal")  # a GraphQL string literal
        body = {"query": lit_doc.replace("@", written)}
    role = data.draw(st.sampled_from(["anonymous", "admin"]), label="role")
    resp = _post_raw(env, _dumps(body), role)
    check(resp, {"role": role, **body})
    arrived = json.loads(json.dumps(text))  # what the server decodes: JSON joins an adjacent surrogate pair
    if _LONE_SURROGATE.search(arrived):
        assert resp.status_code == 400, (resp.status_code, resp.text[:300])
        assert resp.json()["errors"][0]["extensions"]["code"] == "INVALID_UNICODE", resp.text[:300]


def _mutated(data: Any) -> bytes:
    """A real request body with random bytes put in, cut out or replaced somewhere."""
    doc = data.draw(st.sampled_from(VALID + [d for d, _ in STRING_DOCS]), label="document")
    raw = json.dumps({"query": doc, "variables": {"id": "unit:x", "first": 2, "s": "紫东阁"}}, ensure_ascii=False).encode()
    i = data.draw(st.integers(0, len(raw)), label="at")
    j = data.draw(st.integers(i, min(len(raw), i + 8)), label="to")
    return raw[:i] + data.draw(st.binary(max_size=8), label="bytes") + raw[j:]


@settings(FUZZ, max_examples=int(500 * SCALE))
@given(data=st.data())
def test_raw_byte_bodies_never_fail_internally(env: Env, data: Any) -> None:
    """Arbitrary bytes and damaged real bodies, under several content types and methods: a coded
    4xx (``INVALID_UNICODE`` exactly when a JSON body is not UTF-8) or a GraphQL answer, never a 500."""
    content = data.draw(st.binary(max_size=300), label="bytes") if data.draw(st.booleans(), label="random") else _mutated(data)
    content_type = data.draw(st.sampled_from(["application/json", "application/json; charset=utf-8", None, "text/plain",
                                              "application/graphql-response+json", "multipart/form-data"]), label="type")
    method = data.draw(st.sampled_from(["POST"] * 6 + ["PUT", "PATCH"]), label="method")
    role = data.draw(st.sampled_from(["anonymous", "admin"]), label="role")
    resp = _post_raw(env, content, role, content_type, method)
    check(resp, {"method": method, "type": content_type, "bytes": content.hex()[:800]})
    assert resp.status_code in (200, 400, 405, 415), (resp.status_code, resp.text[:300])
    if method == "POST" and content_type and content_type.startswith("application/json"):
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            assert resp.json()["errors"][0]["extensions"]["code"] == "INVALID_UNICODE", resp.text[:300]


@settings(FUZZ, max_examples=int(300 * SCALE))
@given(query=st.binary(max_size=120), variables=st.one_of(st.none(), st.binary(max_size=40)))
def test_raw_bytes_in_get_query_strings_never_fail_internally(env: Env, query: bytes, variables: bytes | None) -> None:
    path = "/graphql?query=" + quote_from_bytes(query) + ("" if variables is None else "&variables=" + quote_from_bytes(variables))
    resp = env.loop.run_until_complete(env.http.get(path, headers={"accept": "application/json"}))
    check(resp, {"path": path})
    try:
        query.decode("utf-8"), (variables or b"").decode("utf-8")
    except UnicodeDecodeError:
        assert resp.status_code == 400 and resp.json()["errors"][0]["extensions"]["code"] == "INVALID_UNICODE", resp.text


_JSON = {"content-type": "application/json"}


def _dumps(body: Any) -> bytes:
    """JSON as bytes with lone surrogates written as ``\\uXXXX`` escapes (valid JSON syntax, invalid Unicode)."""
    return json.dumps(body).encode("ascii")


@pytest.mark.parametrize("method,kwargs,status,code", [
    ("POST", {"json": {}}, 400, "BAD_REQUEST"),                                      # no query
    ("POST", {"json": {"query": ""}}, 400, "BAD_REQUEST"),
    ("POST", {"content": b"{not json", "headers": _JSON}, 400, "BAD_REQUEST"),
    ("POST", {"content": b'{"query": "{ version }", "variables": {"n": NaN}}', "headers": _JSON}, 400, "BAD_REQUEST"),
    ("POST", {"content": b'{"query": "{ version }", "variables": {"n": ' + b"9" * 5000 + b"}}", "headers": _JSON}, 400,
     "BAD_REQUEST"),                                                                   # beyond Python's int digit limit
    ("POST", {"content": b'{"query": "{ version }", "variables": {"n": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
              "headers": _JSON}, 400, "BAD_REQUEST"),                                 # deeper than the JSON parser goes
    ("POST", {"content": b'[{"query": "{ version }"}]', "headers": _JSON}, 400, "BAD_REQUEST"),  # batches: not supported
    ("POST", {"content": b'{"query": "{ version }\xff"}', "headers": _JSON}, 400, "INVALID_UNICODE"),  # not UTF-8
    ("POST", {"content": _dumps({"query": '{ node(id: "\ud800") { id } }'}), "headers": _JSON}, 400,
     "INVALID_UNICODE"),                                                               # a lone surrogate in the text
    ("POST", {"content": _dumps({"query": '{ node(id: "\\ud800") { id } }'}), "headers": _JSON}, 400,
     "INVALID_UNICODE"),                                                               # … as a GraphQL escape
    ("POST", {"content": _dumps({"query": '{ node(id: "\\u{D800}") { id } }'}), "headers": _JSON}, 400,
     "INVALID_UNICODE"),                                                               # … as a braced GraphQL escape
    ("POST", {"content": _dumps({"query": "query($i: ID!) { node(id: $i) { id } }", "variables": {"i": "a\udc00"}}),
              "headers": _JSON}, 400, "INVALID_UNICODE"),                             # … in a variable
    ("POST", {"content": _dumps({"query": "{ version }", "extensions": {"\udfff": 1}}), "headers": _JSON}, 400,
     "INVALID_UNICODE"),                                                               # … in a key
    ("POST", {"content": b"{ version }", "headers": {"content-type": "text/plain"}}, 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("GET", {"params": {"query": "mutation { startProject(projectId: \"project:x\") { status } }"}}, 405,
     "METHOD_NOT_ALLOWED"),
    ("GET", {"params": {"query": "{ version }", "variables": "{oops"}}, 400, "BAD_REQUEST"),
    ("GET", {"path": "/graphql?query=" + quote_from_bytes('{ node(id: "\ud800") { id } }'.encode("utf-8", "surrogatepass"))},
     400, "INVALID_UNICODE"),                                                          # surrogate bytes, percent-encoded
    ("GET", {"path": "/graphql?query=%7B%20version%20%7D%FF"}, 400, "INVALID_UNICODE"),  # not UTF-8 once decoded
    ("PUT", {"json": {"query": "{ version }"}}, 405, "METHOD_NOT_ALLOWED"),
    ("DELETE", {}, 405, "METHOD_NOT_ALLOWED"),
    ("PATCH", {"json": {"query": "{ version }"}}, 405, "METHOD_NOT_ALLOWED"),
])
def test_unreadable_requests_get_graphql_shaped_errors(env: Env, method: str, kwargs: dict[str, Any], status: int,
                                                       code: str) -> None:
    """Found by the fuzz: strawberry answered these in plain text (or as INTERNAL); clients get a coded
    GraphQL error body with a 4xx status."""
    path = kwargs.pop("path", "/graphql")
    resp = env.loop.run_until_complete(env.http.request(method, path, **kwargs))
    assert resp.status_code == status, resp.text
    err = resp.json()["errors"][0]
    assert err["extensions"]["code"] == code and err["extensions"]["requestId"], err
    assert err["extensions"]["requestId"] == resp.headers["x-request-id"]
    if status == 405:  # the methods that would work, per HTTP
        assert resp.headers["allow"] == ("POST" if method == "GET" else "GET, POST")


def test_aliases_of_one_entity_field_in_a_question_share_one_projection(env: Env) -> None:
    """Found by the fuzz (INTERNAL "relationship field … was not pre-fetched"): a question's entity
    field selected twice under different aliases must project what both select."""
    doc = """{ communityCoBuilders(communityId: "area:sl-zidongge") { items {
      unit { id } u2: unit { name partyOrganizations(first: 2) { nodes { id } } } } } }"""
    body = env.post({"query": doc}, "admin").json()
    assert not body.get("errors"), body
    items = body["data"]["communityCoBuilders"]["items"]
    assert items and all(i["unit"]["id"] and i["u2"]["name"] and isinstance(i["u2"]["partyOrganizations"]["nodes"], list) for i in items)
