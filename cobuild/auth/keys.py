"""API keys: ``cbk_<id>.<secret>``, stored as a SHA-256 of the secret in a JSON file.

The file (``COBUILD_KEYS_PATH``, default ``data/keys.json``) lives outside the graph so keys work on
both engines and can never be reached through GraphQL. The secret is 256 random bits, so a fast
hash is enough (slow hashes such as scrypt protect low-entropy passwords) and checking a key costs
microseconds per request. The plaintext key is shown once, at creation; ``list`` shows ids, names,
roles and scopes only. Writes replace the file atomically (mode 0600); a running server re-reads it
when it changes, so a revoked key stops working without a restart.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cobuild.auth.principal import Principal, PrincipalError, validate_grant

PREFIX = "cbk_"


@dataclass
class KeyRecord:
    id: str
    name: str
    role: str
    area_ids: list[str] = field(default_factory=list)
    unit_id: str | None = None
    hash: str = ""
    created_at: str = ""
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def public(self) -> dict[str, Any]:
        """Everything but the hash."""
        d = asdict(self)
        d.pop("hash")
        return d

    def principal(self) -> Principal:
        return Principal(self.role, tuple(self.area_ids), self.unit_id, key_id=self.id, subject=self.name, method="api_key")


def _digest(secret: str) -> str:
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()


def parse_key(raw: str) -> tuple[str, str] | None:
    """``cbk_<id>.<secret>`` → (id, secret); ``None`` if it does not have that shape."""
    raw = raw.strip()
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    key_id, sep, secret = raw[len(PREFIX):].partition(".")
    if not sep or not key_id or not secret or not key_id.isalnum():
        return None
    return key_id, secret


class KeyStore:
    """The key file. Thread-safe; re-reads the file when its mtime or size changes."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._records: dict[str, KeyRecord] = {}

    # --- reading ---------------------------------------------------------------------------
    def _load(self) -> dict[str, KeyRecord]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._records = None, {}
            return self._records
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            doc = json.loads(self.path.read_text(encoding="utf-8") or "{}")
            self._records = {r["id"]: KeyRecord(**r) for r in doc.get("keys", [])}
            self._stamp = stamp
        return self._records

    def list(self, *, include_revoked: bool = True) -> list[KeyRecord]:
        with self._lock:
            recs = list(self._load().values())
        return [r for r in recs if include_revoked or r.active]

    def verify(self, raw: str) -> Principal | None:
        """The principal of an active key, or ``None`` (unknown, malformed, wrong secret, revoked)."""
        parsed = parse_key(raw)
        if parsed is None:
            return None
        key_id, secret = parsed
        with self._lock:
            rec = self._load().get(key_id)
        if rec is None or not rec.active:
            return None
        if not hmac.compare_digest(rec.hash, _digest(secret)):
            return None
        return rec.principal()

    # --- writing ---------------------------------------------------------------------------
    def _save(self, records: dict[str, KeyRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"version": 1, "keys": [asdict(r) for r in records.values()]}
        fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False, indent=2)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._stamp = None  # force a re-read

    def create(self, *, role: str, name: str, area_ids: list[str] | tuple[str, ...] = (), unit_id: str | None = None) -> tuple[KeyRecord, str]:
        """Create a key; returns the record and the plaintext key (shown once, never stored)."""
        area_ids = list(dict.fromkeys(area_ids))
        if role == "anonymous":
            raise PrincipalError("an API key cannot have the role 'anonymous'")
        validate_grant(role, area_ids, unit_id)
        if not name.strip():
            raise PrincipalError("give the key a name (--name) so it can be recognised in `keys list`")
        with self._lock:
            records = dict(self._load())
            key_id = secrets.token_hex(6)
            while key_id in records:  # pragma: no cover - 48 random bits
                key_id = secrets.token_hex(6)
            secret = secrets.token_urlsafe(32)
            rec = KeyRecord(
                id=key_id, name=name.strip(), role=role, area_ids=area_ids, unit_id=unit_id, hash=_digest(secret),
                created_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            )
            records[key_id] = rec
            self._save(records)
        return rec, f"{PREFIX}{key_id}.{secret}"

    def revoke(self, key_id: str) -> KeyRecord:
        """Mark a key revoked (kept in the file for the audit trail). ``KeyError`` if unknown."""
        with self._lock:
            records = dict(self._load())
            rec = records.get(key_id)
            if rec is None:
                raise KeyError(key_id)
            if rec.active:
                rec = KeyRecord(**{**asdict(rec), "revoked_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
                records[key_id] = rec
                self._save(records)
        return rec

