"""CORS: an allow-list of origins (none by default), credentials, cached preflights, on every endpoint."""

from __future__ import annotations

import httpx
import pytest

from cobuild.config import Settings
from tests.client import serve

APP = "https://portal.example.gov.cn"
OTHER = "https://evil.example"


def _preflight(origin: str, method: str = "POST", headers: str = "content-type, x-api-key") -> dict[str, str]:
    return {"origin": origin, "access-control-request-method": method, "access-control-request-headers": headers}


async def test_no_origin_is_allowed_by_default(engine, tmp_path) -> None:
    async with serve(engine, tmp_path) as gql:
        r = await gql.client.options("/graphql", headers=_preflight(APP))
        assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
        err = r.json()["errors"][0]
        assert err["extensions"]["code"] == "CORS_PREFLIGHT_REJECTED" and "COBUILD_CORS_ORIGINS" in err["message"]
        r = await gql.client.post("/graphql", json={"query": "{ version }"}, headers={"origin": APP})
        assert r.status_code == 200  # the server answers; the browser withholds it from the page
        assert "access-control-allow-origin" not in r.headers and "access-control-allow-credentials" not in r.headers
        assert "Origin" in r.headers["vary"]


async def test_preflight_for_a_listed_origin_is_cached(engine, tmp_path) -> None:
    async with serve(engine, tmp_path, cors_origins=f"{APP}, http://10.1.2.3:8080/", cors_max_age=1234) as gql:
        for origin in (APP, "http://10.1.2.3:8080"):
            r = await gql.client.options("/graphql", headers=_preflight(origin))
            assert r.status_code == 200, r.text
            h = r.headers
            assert h["access-control-allow-origin"] == origin and h["access-control-allow-credentials"] == "true"
            assert h["access-control-max-age"] == "1234"
            assert {"GET", "POST"} <= {m.strip() for m in h["access-control-allow-methods"].split(",")}
            allowed = {x.strip().lower() for x in h["access-control-allow-headers"].split(",")}
            assert {"content-type", "x-api-key", "authorization", "x-request-id"} <= allowed
            assert "Origin" in h["vary"]
        # what is refused, and why
        r = await gql.client.options("/graphql", headers=_preflight(OTHER))
        assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
        assert OTHER in r.json()["errors"][0]["message"]
        r = await gql.client.options("/graphql", headers=_preflight(APP, method="PUT"))
        assert r.status_code == 400 and "PUT" in r.json()["errors"][0]["message"]
        r = await gql.client.options("/graphql", headers=_preflight(APP, headers="x-secret-header"))
        assert r.status_code == 400 and "x-secret-header" in r.json()["errors"][0]["message"]


async def test_listed_origin_reads_every_endpoint_and_every_refusal(engine, tmp_path) -> None:
    async with serve(engine, tmp_path, cors_origins=APP, anonymous="off", max_body_bytes=2048,
                     rate_limit_per_s=0.001, rate_limit_burst=2) as gql:
        key = gql.admin_key

        async def check(method: str, path: str, status: int, **kw) -> httpx.Response:
            headers = {"origin": APP, **kw.pop("headers", {})}
            r = await gql.client.request(method, path, headers=headers, **kw)
            assert r.status_code == status, (path, r.status_code, r.text[:200])
            assert r.headers["access-control-allow-origin"] == APP, (path, r.headers)
            assert r.headers["access-control-allow-credentials"] == "true"
            exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
            assert {"x-request-id", "retry-after"} <= exposed
            return r

        await check("GET", "/healthz", 200)
        await check("GET", "/readyz", 200)
        await check("POST", "/graphql", 401, json={"query": "{ version }"})  # anonymous refused by the trust gate
        await check("POST", "/graphql", 401, json={"query": "{ version }"}, headers={"x-api-key": "cbk_bad.key"})
        await check("POST", "/graphql", 400, json={"query": "{ version }"},
                    headers={"x-api-key": key, "authorization": "Bearer x"})  # two credentials
        await check("POST", "/graphql", 413, json={"query": "{ version }", "variables": {"x": "y" * 4000}},
                    headers={"x-api-key": key})
        await check("PUT", "/graphql", 405, headers={"x-api-key": key})
        r = await check("POST", "/graphql", 200, json={"query": "{ version }"}, headers={"x-api-key": key})
        assert r.json() == {"data": {"version": "0.1.0"}}
        r = await check("POST", "/graphql", 429, json={"query": "{ version }"}, headers={"x-api-key": key})
        assert r.headers["retry-after"]
        r = await check("GET", "/graphql", 200, headers={"accept": "text/html"})  # the IDE page
        page = r.text
        vendor = page.split('src="')[1].split('"')[0]
        await check("GET", vendor, 200)
        r = await gql.client.options("/graphql", headers=_preflight(APP))  # no credential needed for a preflight
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == APP


@pytest.mark.parametrize("value", ["*", "https://*.example.gov.cn", "portal.example.gov.cn", "https://a.example/path",
                                   "ftp://a.example", "https://a.example:99999"])
def test_origins_are_checked_at_start_up(value: str) -> None:
    with pytest.raises(ValueError, match="COBUILD_CORS_ORIGINS"):
        Settings(cors_origins=value)


def test_origins_are_normalised_as_browsers_send_them() -> None:
    s = Settings(cors_origins=" https://Portal.Example.gov.cn:443/ ,http://10.0.0.5:8080,, http://[::1]:3000 ,https://portal.example.gov.cn")
    assert s.cors_origin_list == ["https://portal.example.gov.cn", "http://10.0.0.5:8080", "http://[::1]:3000"]
    assert Settings().cors_origin_list == []
