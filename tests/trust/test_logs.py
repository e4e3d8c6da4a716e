"""One JSON access line per request: request id, operation, duration, statements, codes — and
nothing secret or personal."""

from __future__ import annotations

import datetime as dt
import json
import logging

from cobuild.auth.keys import KeyStore
from cobuild.graph.upsert import upsert_nodes
from cobuild.logs import JsonFormatter

PERSONAL = "张三丰-13800138000"


def _access_lines(caplog) -> list[dict]:
    fmt = JsonFormatter()
    return [json.loads(fmt.format(r)) for r in caplog.records if r.name == "cobuild.access"]


async def test_one_json_line_per_request(make_client, caplog):
    c = await make_client(jwt_secret="jwt-secret-jwt-secret-jwt-secret!")
    _rec, key = KeyStore(c.settings.keys_path).create(role="admin", name="ops")
    with caplog.at_level(logging.INFO, logger="cobuild.access"):
        r = await c.post("query Ver($who: String) { version }", {"who": PERSONAL}, operation_name="Ver",
                         headers={"X-Request-Id": "trace-1", "X-API-Key": key})
    assert r.status_code == 200
    lines = _access_lines(caplog)
    assert len(lines) == 1
    line = lines[0]
    assert line["requestId"] == "trace-1" and line["operation"] == "Ver" and line["operationType"] == "query"
    assert line["status"] == 200 and isinstance(line["durationMs"], float) and line["statements"] == 0
    assert line["role"] == "admin" and line["msg"] == "request"
    everything = "\n".join(JsonFormatter().format(rec) for rec in caplog.records)
    for secret in (key, key.split(".", 1)[1], PERSONAL, "13800138000", "jwt-secret"):
        assert secret not in everything


async def test_statement_count_and_error_codes(make_client, engine, caplog):
    """The count comes from ``engine.counter.scope()`` around the request."""
    from cobuild.graph.engines.base import current_tally

    await engine.write(lambda tx: tx.run(upsert_nodes(engine.dialect, "AdminArea", [{"id": "area:x", "name": "x", "level": "CITY"}],
                                                      dt.datetime.now(dt.timezone.utc), keys=["name", "level"])))
    c = await make_client()
    # a request that runs graph statements: /readyz pings the store and reads the schema version
    with caplog.at_level(logging.INFO, logger="cobuild.access"):
        await c.http.get("/readyz", headers={"X-Request-Id": "ready-1"})
        await c.post("{ nope }", headers={"X-Request-Id": "bad-1"})
        await c.post("{ version }", headers={"X-API-Key": "cbk_abc.def"})
    lines = {ln.get("requestId"): ln for ln in _access_lines(caplog)}
    assert lines["ready-1"]["statements"] >= 1 and lines["ready-1"]["path"] == "/readyz"
    assert lines["bad-1"]["errorCodes"] == ["GRAPHQL_VALIDATION"] and lines["bad-1"]["statements"] == 0
    unauth = [ln for ln in lines.values() if ln["status"] == 401]
    assert unauth and unauth[0]["errorCodes"] == ["UNAUTHENTICATED"] and "cbk_abc" not in json.dumps(unauth)
    assert current_tally() is None  # the scope is closed after the request


async def test_request_id_is_sanitised(make_client, caplog):
    c = await make_client()
    with caplog.at_level(logging.INFO, logger="cobuild.access"):
        r = await c.post("{ version }", headers={"X-Request-Id": "evil\" \\n{injected}" + "x" * 100})
    rid = r.headers["x-request-id"]
    assert "evil" not in rid and _access_lines(caplog)[0]["requestId"] == rid


async def test_unhandled_exception_is_masked_with_request_id(tmp_path, caplog):
    import httpx
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Route

    from cobuild.config import Settings
    from cobuild.middleware import TrustMiddleware

    async def boom(_request):
        raise RuntimeError("secret detail: password=hunter2")

    app = Starlette(routes=[Route("/graphql", boom, methods=["POST"])], middleware=[
        Middleware(TrustMiddleware, settings=Settings(keys_path=tmp_path / "k.json", rate_limit_per_s=0))])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        with caplog.at_level(logging.INFO):
            r = await c.post("/graphql", json={"query": "{ version }"}, headers={"X-Request-Id": "boom-1"})
    assert r.status_code == 500
    err = r.json()["errors"][0]
    assert err["extensions"] == {"code": "INTERNAL", "requestId": "boom-1"} and "hunter2" not in r.text
    detail = [rec for rec in caplog.records if rec.name == "cobuild.http"]
    assert detail and detail[0].exc_info  # the log keeps the detail
    assert _access_lines(caplog)[-1]["status"] == 500
