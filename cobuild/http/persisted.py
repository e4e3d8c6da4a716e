"""Persisted documents: the operators' allow-list file and automatic persisted queries (APQ).

Two protocols, one idea — the client sends an id instead of the document text:

* **Automatic persisted queries** (Apollo Client, urql): ``extensions.persistedQuery = {"version": 1,
  "sha256Hash": H}``. Without ``query``, the server answers from what it knows under ``H`` or with
  ``PERSISTED_QUERY_NOT_FOUND``; the client then sends the text with the hash, the server checks that
  ``sha256(text) == H`` and remembers it (an in-memory LRU per process) — unless
  ``COBUILD_PERSISTED_ONLY`` is on, where only the allow-list counts and registration is refused with
  ``PERSISTED_QUERY_REGISTRATION_DISABLED``.
* **Persisted document ids** (Relay, the GraphQL-over-HTTP persisted-documents appendix):
  ``documentId`` (or Relay's ``doc_id``), answered from the allow-list file only.

The allow-list file (``COBUILD_PERSISTED_QUERIES_PATH``, default ``data/persisted-queries.json``) is a
JSON object ``{id: document}`` written by ``cobuild persisted add|remove|extract``; an id is the
document's sha256 (hex) unless the operator gave another (a Relay compiler's id, say). The older form,
a JSON list of hashes, is still read (ids without texts: they admit full-text requests in persisted-only
mode but cannot answer an id alone). The file is re-read when it changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cobuild.http.body import GraphQLParams, RequestRefused, bad_request

log = logging.getLogger("cobuild.persisted")
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


def sha256_hex(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def normalize_id(document_id: str) -> str:
    """``sha256:<hex>`` and ``<hex>`` name the same document; other ids are kept as given."""
    s = document_id.strip()
    if s.lower().startswith("sha256:"):
        s = s[7:]
    return s.lower() if _HEX64.match(s) else s


@dataclass(frozen=True)
class _Snapshot:
    stamp: tuple[int, int] | None
    documents: dict[str, str | None]  # id → text (None: a bare hash from the list form)
    hashes: frozenset[str]  # every id and the sha256 of every text


_EMPTY = _Snapshot(None, {}, frozenset())
_snapshots: dict[Path, _Snapshot] = {}


class AllowList:
    """The operators' persisted documents in one JSON file (see the module docstring)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def _read(self) -> _Snapshot:
        try:
            st = self.path.stat()
        except OSError:
            return _EMPTY
        stamp = (st.st_mtime_ns, st.st_size)
        cached = _snapshots.get(self.path)
        if cached is not None and cached.stamp == stamp:
            return cached
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.error("persisted-query file %s is not valid JSON; no persisted document is known", self.path)
            return _EMPTY
        documents: dict[str, str | None] = {}
        if isinstance(doc, dict):
            for k, v in doc.items():
                documents[normalize_id(str(k))] = v if isinstance(v, str) else None
        elif isinstance(doc, list):
            documents = {normalize_id(str(k)): None for k in doc}
        hashes = frozenset(documents) | frozenset(sha256_hex(t) for t in documents.values() if t is not None)
        snap = _Snapshot(stamp, documents, hashes)
        _snapshots[self.path] = snap
        return snap

    # --- reading ------------------------------------------------------------------------------
    def documents(self) -> dict[str, str | None]:
        return dict(self._read().documents)

    def hashes(self) -> frozenset[str]:
        """Every allowed sha256 (ids and hashes of the stored texts): the persisted-only check."""
        return self._read().hashes

    def document(self, document_id: str) -> str | None:
        """The text registered under ``document_id`` (or whose sha256 it is), if the file holds it."""
        snap = self._read()
        key = normalize_id(document_id)
        text = snap.documents.get(key)
        if text is not None:
            return text
        if _HEX64.match(key):
            return next((t for t in snap.documents.values() if t is not None and sha256_hex(t) == key), None)
        return None

    # --- writing (the `cobuild persisted` command) -------------------------------------------
    def _write(self, documents: dict[str, str | None]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".persisted-", dir=self.path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(dict(sorted(documents.items())), f, ensure_ascii=False, indent=2)
            f.write("\n")
        os.replace(tmp, self.path)

    def add(self, texts: list[tuple[str, str | None]]) -> list[tuple[str, bool]]:
        """Register ``(document, id or None)`` pairs; returns ``(id, newly added)`` for each."""
        documents = self.documents()
        out: list[tuple[str, bool]] = []
        for text, given in texts:
            key = normalize_id(given) if given else sha256_hex(text)
            if not key:
                raise ValueError("an id must not be empty")
            old = documents.get(key, ...)
            if old is not ... and old is not None and old != text:
                raise ValueError(f"id {key} already names another document; remove it first")
            documents[key] = text
            out.append((key, old is ... or old is None))
        self._write(documents)
        return out

    def remove(self, ids: list[str]) -> tuple[list[str], list[str]]:
        """Remove ids; returns (removed, unknown)."""
        documents = self.documents()
        removed, unknown = [], []
        for i in ids:
            key = normalize_id(i)
            if key in documents:
                del documents[key]
                removed.append(key)
            else:
                unknown.append(i)
        if removed:
            self._write(documents)
        return removed, unknown


class ApqCache:
    """Documents registered by clients (APQ), least recently used dropped first; bounded in count
    and bytes so a client cannot grow the server's memory without limit."""

    MAX_DOCUMENT_BYTES = 256 * 1024
    MAX_TOTAL_BYTES = 16 * 1024 * 1024

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._docs: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0

    @property
    def enabled(self) -> bool:
        return self.entries > 0

    def get(self, h: str) -> str | None:
        text = self._docs.get(h)
        if text is not None:
            self._docs.move_to_end(h)
        return text

    def put(self, h: str, text: str) -> None:
        size = len(text.encode("utf-8"))
        if not self.enabled or size > self.MAX_DOCUMENT_BYTES or h in self._docs:
            return
        self._docs[h] = text
        self._bytes += size
        while len(self._docs) > self.entries or self._bytes > self.MAX_TOTAL_BYTES:
            _, old = self._docs.popitem(last=False)
            self._bytes -= len(old.encode("utf-8"))


def _not_found(message: str, **extensions: Any) -> RequestRefused:
    return RequestRefused(400, "PERSISTED_QUERY_NOT_FOUND", message, legacy_status=200, **extensions)


def _not_supported(hint: str) -> RequestRefused:
    return RequestRefused(400, "PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported", legacy_status=200, hint=hint)


@dataclass
class Resolved:
    query: str | None
    from_allow_list: bool  # the operators registered it: persisted-only admits it


def resolve(params: GraphQLParams, allow: AllowList, cache: ApqCache, persisted_only: bool) -> Resolved:
    """The document text a request stands for (see the module docstring for the protocols)."""
    pq = (params.extensions or {}).get("persistedQuery")
    if params.document_id is not None:
        if params.query is not None or pq is not None:
            raise bad_request("send `documentId` alone, without `query` or `extensions.persistedQuery`")
        text = allow.document(params.document_id)
        if text is None:
            raise _not_found(f"no persisted document has id {params.document_id!r}; operators register documents "
                             "with `cobuild persisted add` or `cobuild persisted extract`", documentId=params.document_id)
        return Resolved(text, True)
    if pq is None:
        return Resolved(params.query, False)
    if not isinstance(pq, dict):
        raise bad_request("`extensions.persistedQuery` must be an object {version: 1, sha256Hash}")
    if pq.get("version") != 1:
        raise _not_supported("only version 1 of automatic persisted queries is supported; send the query text")
    h = pq.get("sha256Hash")
    if not isinstance(h, str) or not _HEX64.match(h):
        raise bad_request("`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits (the SHA-256 of the document)")
    h = h.lower()
    if params.query is None:
        text = allow.document(h)
        if text is not None:
            return Resolved(text, True)
        if not persisted_only:
            if not cache.enabled:
                raise _not_supported("automatic persisted queries are turned off on this server "
                                     "(COBUILD_APQ_CACHE_ENTRIES=0); send the query text")
            text = cache.get(h)
            if text is not None:
                return Resolved(text, False)
        # the protocol's exact message: some clients match it literally; the hint is for people
        raise _not_found("PersistedQueryNotFound", sha256Hash=h, hint=(
            "this server does not know the document with this sha256Hash; send it once with `query` and the same hash"
            if not persisted_only else "only documents the operators registered run on this server (COBUILD_PERSISTED_ONLY)"))
    if sha256_hex(params.query) != h:
        raise RequestRefused(400, "PERSISTED_QUERY_HASH_MISMATCH", "`extensions.persistedQuery.sha256Hash` is not the "
                             "SHA-256 of `query` (hash the exact UTF-8 text you send)", sha256Hash=h)
    if persisted_only:
        if h in allow.hashes():
            return Resolved(params.query, True)
        raise RequestRefused(400, "PERSISTED_QUERY_REGISTRATION_DISABLED", "this server runs only documents its operators "
                             "registered (COBUILD_PERSISTED_ONLY); automatic registration is disabled — ask them to run "
                             "`cobuild persisted add` with this document", legacy_status=200, sha256Hash=h)
    cache.put(h, params.query)
    return Resolved(params.query, False)
