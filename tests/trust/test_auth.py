"""Authentication: API keys (CLI and HTTP), JWT HS256 and RS256 (JWKS), anonymous modes."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner

from cobuild.auth.keys import KeyStore, parse_key
from cobuild.cli import app as cli_app
from cobuild.config import Settings
from cobuild.middleware import TrustMiddleware

SECRET = "test-secret-that-is-long-enough-for-hs256"


# --- the CLI ------------------------------------------------------------------------------------
def _cli(tmp_path: Path, *args: str):
    return CliRunner().invoke(cli_app, ["keys", *args], env={"COBUILD_KEYS_PATH": str(tmp_path / "keys.json")})


def test_cli_create_list_revoke(tmp_path):
    r = _cli(tmp_path, "create", "--role", "district", "--area", "area:cd-shuangliu", "--name", "双流区委组织部", "--json")
    assert r.exit_code == 0, r.output
    created = json.loads(r.output)
    key = created.pop("key")
    assert parse_key(key) == (created["id"], key.split(".", 1)[1])
    stored = (tmp_path / "keys.json").read_text()
    assert key.split(".", 1)[1] not in stored and "sha256:" in stored  # only the hash is kept
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0

    listed = json.loads(_cli(tmp_path, "list", "--json").output)
    assert [k["id"] for k in listed] == [created["id"]]
    assert listed[0]["role"] == "district" and listed[0]["area_ids"] == ["area:cd-shuangliu"] and "hash" not in listed[0]

    assert _cli(tmp_path, "revoke", created["id"]).exit_code == 0
    assert json.loads(_cli(tmp_path, "list", "--json").output) == []
    revoked = json.loads(_cli(tmp_path, "list", "--all", "--json").output)
    assert revoked[0]["revoked_at"]
    assert KeyStore(tmp_path / "keys.json").verify(key) is None


@pytest.mark.parametrize("args", [
    ["--role", "district", "--name", "x"],                        # no area
    ["--role", "unit", "--name", "x"],                            # no unit
    ["--role", "boss", "--name", "x"],                            # unknown role
    ["--role", "street", "--area", "unit:x", "--name", "x"],      # not an area id
    ["--role", "anonymous", "--name", "x"],
])
def test_cli_rejects_bad_grants(tmp_path, args):
    r = _cli(tmp_path, "create", *args)
    assert r.exit_code == 1 and "rejected" in r.output
    assert not (tmp_path / "keys.json").exists()


def test_cli_revoke_unknown(tmp_path):
    assert _cli(tmp_path, "revoke", "nope").exit_code == 1


# --- the middleware, observed through an echo app -----------------------------------------------
async def _echo(request: Request) -> JSONResponse:
    p = request.state.principal
    return JSONResponse({"role": p.role, "areas": list(p.area_ids), "unit": p.unit_id, "keyId": p.key_id,
                         "method": p.method, "canWrite": p.can_write, "personal": p.sees_personal_data})


def _echo_client(tmp_path: Path, **overrides) -> httpx.AsyncClient:
    settings = Settings(**{"keys_path": tmp_path / "keys.json", "rate_limit_per_s": 0, **overrides})
    app = TrustMiddleware(Starlette(routes=[Route("/graphql", _echo, methods=["GET", "POST"])]), settings=settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_api_key_principal_and_revocation(tmp_path):
    store = KeyStore(tmp_path / "keys.json")
    rec, key = store.create(role="community", name="紫东阁社区", area_ids=["area:zidongge"])
    async with _echo_client(tmp_path) as c:
        r = await c.get("/graphql", headers={"X-API-Key": key})
        assert r.status_code == 200
        assert r.json() == {"role": "community", "areas": ["area:zidongge"], "unit": None, "keyId": rec.id,
                            "method": "api_key", "canWrite": True, "personal": True}
        wrong = key[:-3] + ("aaa" if not key.endswith("aaa") else "bbb")
        for bad in (wrong, "cbk_nope.x", "garbage"):
            r = await c.get("/graphql", headers={"X-API-Key": bad})
            assert r.status_code == 401 and r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        KeyStore(tmp_path / "keys.json").revoke(rec.id)  # another process (the CLI) revokes it
        r = await c.get("/graphql", headers={"X-API-Key": key})
        assert r.status_code == 401 and r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_anonymous_modes(tmp_path):
    async with _echo_client(tmp_path) as c:
        r = await c.get("/graphql")
        assert r.json()["role"] == "anonymous" and r.json()["canWrite"] is False
    async with _echo_client(tmp_path, anonymous="off") as c:
        r = await c.get("/graphql")
        assert r.status_code == 401 and r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "WWW-Authenticate" in r.headers


def _hs(claims: dict, secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


async def test_jwt_hs256(tmp_path):
    now = int(time.time())
    good = {"sub": "u1", "role": "street", "areas": ["area:s1"], "exp": now + 600}
    async with _echo_client(tmp_path, jwt_secret=SECRET) as c:
        r = await c.get("/graphql", headers={"Authorization": f"Bearer {_hs(good)}"})
        assert r.status_code == 200 and r.json()["role"] == "street" and r.json()["method"] == "jwt"
        cases = {
            "expired": _hs({**good, "exp": now - 3600}),
            "bad signature": _hs(good, "another-secret-another-secret-xx"),
            "no exp": _hs({k: v for k, v in good.items() if k != "exp"}),
            "bad role": _hs({**good, "role": "root"}),
            "anonymous role": _hs({**good, "role": "anonymous"}),
            "area-less street": _hs({**good, "areas": []}),
            "alg none": jwt.encode(good, None, algorithm="none"),
            "garbage": "not.a.jwt",
        }
        for why, token in cases.items():
            r = await c.get("/graphql", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 401, why
            body = r.json()["errors"][0]
            assert body["extensions"]["code"] == "UNAUTHENTICATED", why
            assert token not in body["message"]
        r = await c.get("/graphql", headers={"Authorization": "Basic dTpw"})
        assert r.status_code == 401
    async with _echo_client(tmp_path) as c:  # JWT not configured: tokens refused, not ignored
        r = await c.get("/graphql", headers={"Authorization": f"Bearer {_hs(good)}"})
        assert r.status_code == 401


async def test_jwt_rs256_with_jwks(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}))
    claims = {"sub": "partner-1", "role": "partner", "areas": ["area:a", "area:b"], "exp": int(time.time()) + 600}
    async with _echo_client(tmp_path, jwks_path=tmp_path / "jwks.json", jwt_audience="cobuild") as c:
        token = jwt.encode({**claims, "aud": "cobuild"}, key, algorithm="RS256", headers={"kid": "k1"})
        r = await c.get("/graphql", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        assert r.json()["role"] == "partner" and r.json()["areas"] == ["area:a", "area:b"]
        bad = {
            "other key": jwt.encode({**claims, "aud": "cobuild"}, other, algorithm="RS256", headers={"kid": "k1"}),
            "unknown kid": jwt.encode({**claims, "aud": "cobuild"}, key, algorithm="RS256", headers={"kid": "k9"}),
            "wrong audience": jwt.encode({**claims, "aud": "elsewhere"}, key, algorithm="RS256", headers={"kid": "k1"}),
            "hs256 not configured": _hs({**claims, "aud": "cobuild"}),
        }
        for why, t in bad.items():
            r = await c.get("/graphql", headers={"Authorization": f"Bearer {t}"})
            assert r.status_code == 401 and r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", why


# --- the real app -------------------------------------------------------------------------------
async def test_real_app_passes_principal_to_context(make_client, tmp_path, caplog):
    from cobuild.app import CobuildGraphQL

    seen = []
    original = CobuildGraphQL.get_context

    async def spy(self, request, response=None):
        ctx = await original(self, request, response)
        seen.append(ctx)
        return ctx

    CobuildGraphQL.get_context = spy  # type: ignore[method-assign]
    try:
        client = await make_client()
        rec, key = KeyStore(client.settings.keys_path).create(role="unit", name="区第一人民医院", unit_id="unit:hospital-1")
        with caplog.at_level(logging.INFO, logger="cobuild.access"):
            r = await client.post("{ version }", headers={"X-API-Key": key, "X-Request-Id": "req-42"})
        assert r.status_code == 200 and r.json()["data"]["version"]
        assert seen[-1].viewer.role == "unit" and seen[-1].viewer.unit_id == "unit:hospital-1"
        assert seen[-1].request_id == "req-42" and r.headers["x-request-id"] == "req-42"
        access = [rec_ for rec_ in caplog.records if rec_.name == "cobuild.access"][-1]
        assert access.fields["role"] == "unit" and access.fields["keyId"] == rec.id
        r = await client.post("{ version }", headers={"X-API-Key": key + "x"})
        assert r.status_code == 401
    finally:
        CobuildGraphQL.get_context = original  # type: ignore[method-assign]


async def test_two_credentials_are_refused(tmp_path):
    """docs/security.md: a request carries at most one credential; two are refused, never one picked."""
    _rec, key = KeyStore(tmp_path / "keys.json").create(role="admin", name="ops")
    token = _hs({"sub": "x", "role": "analyst", "exp": int(time.time()) + 60})
    async with _echo_client(tmp_path, jwt_secret=SECRET) as c:
        assert (await c.get("/graphql", headers={"X-API-Key": key})).json()["role"] == "admin"
        assert (await c.get("/graphql", headers={"Authorization": f"Bearer {token}"})).json()["role"] == "analyst"
        r = await c.get("/graphql", headers={"X-API-Key": key, "Authorization": f"Bearer {token}"})
        assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "AMBIGUOUS_CREDENTIALS"
        assert r.json()["errors"][0]["extensions"]["requestId"] == r.headers["x-request-id"]

