"""Bearer JWTs: HS256 with ``COBUILD_JWT_SECRET`` or RS256 with the public keys of a JWKS file
(``COBUILD_JWKS_PATH``). Only those two algorithms are accepted (never ``none``), and only when
configured.

Claims: ``sub`` (who), ``role`` (one of :data:`~cobuild.auth.principal.ROLES` but ``anonymous``),
``areas`` (list of AdminArea ids; ``area_ids`` also accepted), ``unit`` (a Unit id; ``unit_id``
also accepted), ``exp`` (required); ``aud``/``iss`` are checked when ``COBUILD_JWT_AUDIENCE`` /
``COBUILD_JWT_ISSUER`` are set. 30 seconds of clock skew are tolerated.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import jwt as pyjwt

from cobuild.auth.principal import Principal, PrincipalError

LEEWAY_S = 30


class TokenError(Exception):
    """A token that cannot be accepted; the message is safe to show (it never echoes the token)."""


class JwtVerifier:
    def __init__(self, secret: str | None = None, jwks_path: Path | str | None = None, *,
                 audience: str | None = None, issuer: str | None = None) -> None:
        self.secret = secret or None
        self.jwks_path = Path(jwks_path) if jwks_path else None
        self.audience = audience
        self.issuer = issuer
        self._lock = threading.Lock()
        self._jwks_stamp: tuple[int, int] | None = None
        self._jwks: pyjwt.PyJWKSet | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.secret or self.jwks_path)

    def _keyset(self) -> pyjwt.PyJWKSet:
        assert self.jwks_path is not None
        with self._lock:
            try:
                st = self.jwks_path.stat()
            except OSError as exc:
                raise TokenError("RS256 tokens cannot be checked: the JWKS file is missing") from exc
            stamp = (st.st_mtime_ns, st.st_size)
            if self._jwks is None or stamp != self._jwks_stamp:
                try:
                    self._jwks = pyjwt.PyJWKSet.from_dict(json.loads(self.jwks_path.read_text(encoding="utf-8")))
                except (ValueError, pyjwt.PyJWTError) as exc:
                    raise TokenError("RS256 tokens cannot be checked: the JWKS file is invalid") from exc
                self._jwks_stamp = stamp
            return self._jwks

    def _key_for(self, header: dict[str, Any]) -> tuple[Any, str]:
        alg = header.get("alg")
        if alg == "HS256" and self.secret:
            return self.secret, alg
        if alg == "RS256" and self.jwks_path:
            keys = [k for k in self._keyset().keys if k.key_type == "RSA" and (k.public_key_use in (None, "sig"))]
            kid = header.get("kid")
            if kid is not None:
                keys = [k for k in keys if k.key_id == kid]
            elif len(keys) != 1:
                raise TokenError("the token has no `kid` and the JWKS holds several keys")
            if not keys:
                raise TokenError("no key in the JWKS matches the token's `kid`")
            return keys[0].key, alg
        raise TokenError(f"tokens signed with {alg!r} are not accepted here")

    def verify(self, token: str) -> Principal:
        if not self.enabled:
            raise TokenError("bearer tokens are not enabled (set COBUILD_JWT_SECRET or COBUILD_JWKS_PATH)")
        try:
            header = pyjwt.get_unverified_header(token)
        except pyjwt.PyJWTError as exc:
            raise TokenError("the bearer token is malformed") from exc
        key, alg = self._key_for(header)
        options: dict[str, Any] = {"require": ["exp", "sub"]}
        try:
            claims = pyjwt.decode(
                token, key, algorithms=[alg], audience=self.audience, issuer=self.issuer, leeway=LEEWAY_S,
                options={**options, "verify_aud": self.audience is not None},
            )
        except pyjwt.ExpiredSignatureError as exc:
            raise TokenError("the bearer token has expired") from exc
        except pyjwt.InvalidSignatureError as exc:
            raise TokenError("the bearer token's signature is invalid") from exc
        except pyjwt.PyJWTError as exc:
            raise TokenError(f"the bearer token was refused ({type(exc).__name__})") from exc
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    role = claims.get("role")
    if not isinstance(role, str) or role == "anonymous":
        raise TokenError("the bearer token has no valid `role` claim")
    areas = claims.get("areas", claims.get("area_ids", []))
    if isinstance(areas, str):
        areas = [areas]
    unit = claims.get("unit", claims.get("unit_id"))
    if not isinstance(areas, list) or not all(isinstance(a, str) for a in areas) or (unit is not None and not isinstance(unit, str)):
        raise TokenError("the bearer token's `areas`/`unit` claims have the wrong type")
    try:
        return Principal(role, tuple(areas), unit, subject=str(claims["sub"]), method="jwt")
    except PrincipalError as exc:
        raise TokenError(f"the bearer token's claims are not a valid grant: {exc}") from exc
