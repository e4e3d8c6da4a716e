"""Automatic persisted queries (Apollo), persisted document ids (Relay), the persisted-only mode and
the `cobuild persisted` command that keeps the operators' allow-list."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from cobuild.cli import app as cli
from tests.client import GQL, serve

UNIT = "unit:sl-first-hospital"
NAME = "区第一人民医院"
QUERY = "query Unit($id: ID!) { node(id: $id) { id ... on Unit { name } } }"
GRJ = "application/graphql-response+json"
runner = CliRunner()


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _apq(h: str, version: int = 1) -> dict:
    return {"persistedQuery": {"version": version, "sha256Hash": h}}


def _code(r: httpx.Response) -> str:
    return r.json()["errors"][0]["extensions"]["code"]


async def _post(gql: GQL, body: dict, accept: str = "application/json") -> httpx.Response:
    return await gql.client.post("/graphql", json=body, headers={"accept": accept})


async def _get(gql: GQL, **params: object) -> httpx.Response:
    q = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return await gql.client.get("/graphql", params=q, headers={"accept": "application/json"})


async def test_apq_round_trip_as_apollo_client_sends_it(gql: GQL) -> None:
    h = sha(QUERY)
    variables = {"id": UNIT}
    # 1. the hash alone: unknown → the protocol's error (code and message), so the client sends the text
    r = await _post(gql, {"extensions": _apq(h), "variables": variables})
    assert r.status_code == 200 and _code(r) == "PERSISTED_QUERY_NOT_FOUND"
    assert r.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    r = await _post(gql, {"extensions": _apq(h), "variables": variables}, GRJ)
    assert r.status_code == 400 and _code(r) == "PERSISTED_QUERY_NOT_FOUND" and "data" not in r.json()
    # 2. text + hash: verified, registered, run
    r = await _post(gql, {"query": QUERY, "extensions": _apq(h), "variables": variables})
    assert r.json() == {"data": {"node": {"id": UNIT, "name": NAME}}}
    # 3. the hash alone now runs — over POST and over GET (useGETForHashedQueries)
    r = await _post(gql, {"extensions": _apq(h), "variables": variables})
    assert r.json() == {"data": {"node": {"id": UNIT, "name": NAME}}}
    r = await _get(gql, extensions=_apq(h), variables=variables, operationName="Unit")
    assert r.status_code == 200 and r.json() == {"data": {"node": {"id": UNIT, "name": NAME}}}


async def test_apq_over_get_from_the_start(gql: GQL) -> None:
    q = "{ version }"
    r = await _get(gql, extensions=_apq(sha(q)))
    assert r.status_code == 200 and _code(r) == "PERSISTED_QUERY_NOT_FOUND"
    r = await _get(gql, query=q, extensions=_apq(sha(q)))
    assert r.json() == {"data": {"version": "0.1.0"}}
    r = await _get(gql, extensions=_apq(sha(q)))
    assert r.json() == {"data": {"version": "0.1.0"}}
    mutation = 'mutation { startProject(projectId: "project:none") { status } }'
    r = await _post(gql, {"query": mutation, "extensions": _apq(sha(mutation))})  # registered over POST …
    assert _code(r) != "METHOD_NOT_ALLOWED"
    r = await _get(gql, extensions=_apq(sha(mutation)))  # … never runs over GET
    assert r.status_code == 405 and _code(r) == "METHOD_NOT_ALLOWED" and r.headers["allow"] == "POST"


async def test_apq_refusals(engine, tmp_path) -> None:
    async with serve(engine, tmp_path) as gql:
        r = await _post(gql, {"query": "{ version }", "extensions": _apq(sha("{ other }"))})
        assert _code(r) == "PERSISTED_QUERY_HASH_MISMATCH"
        r = await _post(gql, {"extensions": _apq(sha("{ version }"), version=2)})
        assert _code(r) == "PERSISTED_QUERY_NOT_SUPPORTED"
        for bad in ("xyz", 5, "a" * 63):
            r = await _post(gql, {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": bad}}})
            assert r.status_code == 400 and _code(r) == "BAD_REQUEST"
        r = await _post(gql, {"extensions": {"persistedQuery": "abc"}})
        assert r.status_code == 400 and _code(r) == "BAD_REQUEST"
    async with serve(engine, tmp_path, apq_cache_entries=0) as gql:  # APQ off: clients fall back to full texts
        r = await _post(gql, {"extensions": _apq(sha("{ version }"))})
        assert _code(r) == "PERSISTED_QUERY_NOT_SUPPORTED"
        r = await _post(gql, {"query": "{ version }", "extensions": _apq(sha("{ version }"))})
        assert r.json() == {"data": {"version": "0.1.0"}}


async def test_document_ids_from_the_allow_list(seeded, tmp_path) -> None:
    pq = tmp_path / "pq.json"
    pq.write_text(json.dumps({sha(QUERY): QUERY, "relay-md5-1a2b": "query V { version }"}))
    async with serve(seeded, tmp_path, persisted_queries_path=pq) as gql:
        for document_id in (sha(QUERY), f"sha256:{sha(QUERY)}", f"SHA256:{sha(QUERY).upper()}"):
            r = await _post(gql, {"documentId": document_id, "variables": {"id": UNIT}})
            assert r.json() == {"data": {"node": {"id": UNIT, "name": NAME}}}, document_id
        r = await _post(gql, {"doc_id": "relay-md5-1a2b"})  # Relay's own field name in its docs' examples
        assert r.json() == {"data": {"version": "0.1.0"}}
        r = await _get(gql, documentId="relay-md5-1a2b")
        assert r.json() == {"data": {"version": "0.1.0"}}
        r = await _post(gql, {"extensions": _apq(sha(QUERY)), "variables": {"id": UNIT}})  # APQ hash found in the file
        assert r.json()["data"]["node"]["name"] == NAME
        r = await _post(gql, {"documentId": "nope"})
        assert _code(r) == "PERSISTED_QUERY_NOT_FOUND" and "cobuild persisted" in r.json()["errors"][0]["message"]
        r = await _post(gql, {"documentId": "relay-md5-1a2b", "query": "{ version }"})
        assert r.status_code == 400 and _code(r) == "BAD_REQUEST"


async def test_persisted_only_runs_only_the_operators_documents(seeded, tmp_path) -> None:
    pq = tmp_path / "pq.json"
    pq.write_text(json.dumps({sha(QUERY): QUERY, "custom-id": "query V { version }"}))
    async with serve(seeded, tmp_path, persisted_queries_path=pq, persisted_only=True) as gql:
        r = await _post(gql, {"query": QUERY, "variables": {"id": UNIT}})  # the registered text itself
        assert r.json()["data"]["node"]["name"] == NAME
        r = await _post(gql, {"query": "{ version }"})  # any other text
        assert _code(r) == "PERSISTED_QUERY_REQUIRED"
        r = await _post(gql, {"documentId": "custom-id"})  # an id that is not the text's hash
        assert r.json() == {"data": {"version": "0.1.0"}}
        r = await _post(gql, {"extensions": _apq(sha(QUERY)), "variables": {"id": UNIT}})
        assert r.json()["data"]["node"]["name"] == NAME
        unknown = "{ version }"
        r = await _post(gql, {"extensions": _apq(sha(unknown))})
        assert _code(r) == "PERSISTED_QUERY_NOT_FOUND"
        r = await _post(gql, {"query": unknown, "extensions": _apq(sha(unknown))})  # APQ registration: refused
        assert r.status_code == 200 and _code(r) == "PERSISTED_QUERY_REGISTRATION_DISABLED"
        r = await _post(gql, {"extensions": _apq(sha(unknown))})  # and still unknown
        assert _code(r) == "PERSISTED_QUERY_NOT_FOUND"


def _cli(tmp_path: Path, monkeypatch, *args: str):
    monkeypatch.setenv("COBUILD_PERSISTED_QUERIES_PATH", str(tmp_path / "pq.json"))
    return runner.invoke(cli, ["persisted", *args])


async def test_cli_add_list_remove_and_extract_feed_the_server(seeded, tmp_path, monkeypatch) -> None:
    doc = tmp_path / "unit.graphql"
    doc.write_text(QUERY)
    r = _cli(tmp_path, monkeypatch, "add", str(doc))
    assert r.exit_code == 0, r.output
    assert sha(QUERY) in r.output
    r = _cli(tmp_path, monkeypatch, "add", str(doc), "--id", "relay:unit")
    assert r.exit_code == 0, r.output
    bad = tmp_path / "bad.graphql"
    bad.write_text("{ notAField }")
    r = _cli(tmp_path, monkeypatch, "add", str(bad))
    assert r.exit_code == 1 and "notAField" in r.output
    # a folder of client documents: several operations per file, fragments shared across files
    src = tmp_path / "client"
    (src / "sub").mkdir(parents=True)
    (src / "fragments.graphql").write_text("fragment UnitName on Unit { name ...UnitId }\nfragment UnitId on Unit { id }\n")
    (src / "sub" / "pages.gql").write_text(
        "query UnitPage($id: ID!) { node(id: $id) { ...UnitName } }\n"
        "query Version { version }\n"
        'mutation Start { startProject(projectId: "project:none") { status } }\n')
    manifest = tmp_path / "manifest.json"
    r = _cli(tmp_path, monkeypatch, "extract", str(src), "--manifest", str(manifest))
    assert r.exit_code == 0, r.output
    ids = json.loads(manifest.read_text())
    assert sorted(ids) == ["Start", "UnitPage", "Version"]
    listed = json.loads(_cli(tmp_path, monkeypatch, "list", "--json").output)
    assert listed[ids["UnitPage"]]["operations"] == ["UnitPage"]
    assert "fragment UnitId on Unit" in listed[ids["UnitPage"]]["document"]  # used through UnitName: included
    assert "fragment" not in listed[ids["Version"]]["document"]
    assert listed["relay:unit"]["document"] == QUERY
    async with serve(seeded, tmp_path, persisted_queries_path=tmp_path / "pq.json", persisted_only=True) as gql:
        r = await _post(gql, {"documentId": ids["UnitPage"], "variables": {"id": UNIT}})
        assert r.json() == {"data": {"node": {"name": NAME, "id": UNIT}}}
        r = await _post(gql, {"documentId": "relay:unit", "variables": {"id": UNIT}})
        assert r.json()["data"]["node"]["name"] == NAME
        r = _cli(tmp_path, monkeypatch, "remove", ids["Version"], "sha256:" + sha(QUERY))
        assert r.exit_code == 0, r.output
        r = await _post(gql, {"documentId": ids["Version"]})  # removed: refused from the next request on
        assert _code(r) == "PERSISTED_QUERY_NOT_FOUND"
    r = _cli(tmp_path, monkeypatch, "remove", "no-such-id")
    assert r.exit_code == 1 and "no-such-id" in r.output
    table = _cli(tmp_path, monkeypatch, "list")
    assert table.exit_code == 0 and "UnitPage" in table.output and "Version" not in table.output


def test_cli_extract_reports_what_it_cannot_register(tmp_path, monkeypatch) -> None:
    src = tmp_path / "client"
    src.mkdir()
    (src / "a.graphql").write_text("query A { ...Missing }\n{ version }\n")
    (src / "b.graphql").write_text("query A { version }\n")
    r = _cli(tmp_path, monkeypatch, "extract", str(src))
    assert r.exit_code == 1
    for expected in ("anonymous operation", "fragment Missing", "also defined in"):
        assert expected in r.output, r.output
    assert not (tmp_path / "pq.json").exists()  # nothing registered from a folder with problems
