"""Idempotent writes: a retried mutation with the same key returns the first answer (issue 12).

A client sends a key with a mutation (HTTP header ``Idempotency-Key`` or the ``clientMutationId``
argument). The key is **claimed inside the mutation's own transaction**, as its first statement:

``MERGE (k:IdempotencyKey {id})`` — ``id`` is a digest of the principal and the key, so keys are per
principal. On LadybugDB write transactions run one at a time; on Neo4j the uniqueness constraint on
``IdempotencyKey.id`` makes a concurrent MERGE of the same id wait for the first transaction to
commit or roll back. So of fifty concurrent requests with one key exactly one runs the mutation;
the others wait and then find the key with its stored answer:

* same request (operation and input digest) → the stored answer is returned, nothing is written;
* different request → ``IDEMPOTENCY_KEY_REUSED``;
* the key expired (``COBUILD_IDEMPOTENCY_TTL_S``) → it is claimed afresh.

The first answer is stored by the same transaction that made the change (:func:`store`), so a key
exists only together with its answer. A refused mutation rolls back, key included: retrying it runs
the rules again (it wrote nothing the first time). Expired keys are deleted by the change-feed prune.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import enum
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterator

from cobuild.errors import ClientSafeError, ValidationError
from cobuild.graph.cypher import Statement
from cobuild.graph.rules import Outcome, Warning_

MAX_KEY_LENGTH = 255


class IdempotencyKeyReusedError(ClientSafeError):
    code = "IDEMPOTENCY_KEY_REUSED"


@dataclass(frozen=True)
class IdempotentRequest:
    """One mutation call that carries a key."""

    key: str
    principal: str  # who: keys of different principals never meet
    operation: str
    request_hash: str
    ttl_s: float

    @property
    def node_id(self) -> str:
        return hashlib.sha256(f"{self.principal}\x1f{self.key}".encode()).hexdigest()


def check_key(key: str, where: str) -> str:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError(f"{where} must be 1–{MAX_KEY_LENGTH} printable characters", field=where)
    return key


def principal_scope(principal: Any) -> str:
    """A stable name for the principal: its API key id, its JWT subject, else its grant."""
    if getattr(principal, "key_id", None):
        return f"key:{principal.key_id}"
    if getattr(principal, "method", None) == "jwt" and getattr(principal, "subject", None):
        return f"jwt:{principal.subject}"
    return f"{principal.role}:{','.join(sorted(principal.area_ids))}:{principal.unit_id or ''}"


def _canonical(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def request_hash(operation: str, arguments: dict[str, Any]) -> str:
    doc = json.dumps({"operation": operation, "arguments": _canonical(arguments)}, sort_keys=True,
                     ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(doc.encode("utf-8")).hexdigest()


# The request being executed (set by the GraphQL layer around one mutation call).
_current: contextvars.ContextVar[IdempotentRequest | None] = contextvars.ContextVar("cobuild_idempotency", default=None)


@contextlib.contextmanager
def using(request: IdempotentRequest | None) -> Iterator[None]:
    token = _current.set(request)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> IdempotentRequest | None:
    return _current.get()


# ------------------------------------------------------------------------------------------------
# Inside the unit of work
# ------------------------------------------------------------------------------------------------
def _outcome_json(outcome: Outcome) -> str:
    doc = {"ids": outcome.ids, "warnings": [dataclasses.asdict(w) for w in outcome.warnings]}
    return json.dumps(doc, ensure_ascii=False, default=str)


def _outcome(text: str) -> Outcome:
    doc = json.loads(text)
    return Outcome(doc["ids"], [Warning_(**w) for w in doc.get("warnings") or []], replayed=True)


async def claim(tx: Any, req: IdempotentRequest, now: dt.datetime) -> Outcome | None:
    """The first statement of the unit of work: claim the key, or return the first answer to replay
    (``None``: go on and run the mutation). Raises ``IDEMPOTENCY_KEY_REUSED`` for another request."""
    expires = now + dt.timedelta(seconds=req.ttl_s)
    rows = await tx.run(Statement(
        "MERGE (k:`IdempotencyKey` {`id`: $id}) "
        "WITH k, k.`requestHash` AS prevHash, k.`response` AS prevResponse, k.`expiresAt` AS prevExpires, "
        "k.`operation` AS prevOperation "
        "WITH k, prevHash, prevResponse, prevExpires, prevOperation, "
        "(prevHash IS NULL OR prevResponse IS NULL OR prevExpires < $now) AS fresh "
        "SET k.`requestHash` = CASE WHEN fresh THEN $hash ELSE prevHash END, "
        "k.`operation` = CASE WHEN fresh THEN $op ELSE prevOperation END, "
        "k.`createdAt` = CASE WHEN fresh THEN $now ELSE k.`createdAt` END, "
        "k.`expiresAt` = CASE WHEN fresh THEN $expires ELSE prevExpires END, "
        "k.`response` = CASE WHEN fresh THEN NULL ELSE prevResponse END "
        "RETURN fresh, prevHash, prevResponse, prevOperation",
        {"id": req.node_id, "hash": req.request_hash, "op": req.operation, "now": now, "expires": expires},
        label="idempotency: claim"))
    row = rows[0] if rows else {"fresh": True}
    if row.get("fresh"):
        return None
    if row.get("prevHash") != req.request_hash:
        raise IdempotencyKeyReusedError(
            f"this idempotency key was first used for a different request ({row.get('prevOperation')} with other "
            "input); send a new key for a new request", operation=row.get("prevOperation"))
    return _outcome(str(row["prevResponse"]))


async def store(tx: Any, req: IdempotentRequest, outcome: Outcome) -> None:
    """Keep the first answer with the key, in the transaction that made the change."""
    await tx.run(Statement("MATCH (k:`IdempotencyKey`) WHERE k.`id` = $id SET k.`response` = $response",
                           {"id": req.node_id, "response": _outcome_json(outcome)}, label="idempotency: store"))
