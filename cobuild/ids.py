"""Ids cobuild chooses for new nodes.

Ids are chosen *before* a unit of work runs and passed into it, so a Neo4j managed transaction that
the driver retries after a transient error writes the same ids again (MERGE by id), never a second
copy. Every id carries its label's prefix (``pairing:…``), see :func:`cobuild.graph.model.label_of_id`.

* :func:`new_id` — a fresh id for a node a mutation creates: the creation time in milliseconds
  (hex, so ids sort by creation) plus 64 random bits.
* :func:`external_node_id` — the id of a node an integration partner upserts by its own external
  id: deterministic in (label prefix, partner, external id), so the same external id always lands
  on the same node (``unit:x-acme-3f2a9c0d1e4b``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time

from cobuild.errors import ValidationError
from cobuild.graph import model

PARTNER_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
EXTERNAL_ID_MAX = 200


def new_id(label_name: str) -> str:
    """A fresh, creation-ordered id for a node of ``label_name``: ``pairing:0193a1b2c3d4-9f8e7d6c5b4a3921``."""
    prefix = model.label(label_name).id_prefix
    millis = time.time_ns() // 1_000_000
    return f"{prefix}:{millis:012x}-{secrets.token_hex(8)}"


def check_partner(partner: str) -> str:
    """The partner key, or VALIDATION: lower-case letters, digits, ``-`` and ``_``, at most 32."""
    if not isinstance(partner, str) or not PARTNER_PATTERN.match(partner):
        raise ValidationError(
            f"partner {partner!r} must be 1–32 lower-case letters, digits, '-' or '_', starting with a letter or digit",
            field="partner",
        )
    return partner


def external_node_id(label_name: str, partner: str, external_id: str) -> str:
    """The cobuild id of the node ``partner`` knows as ``external_id``: ``<prefix>:x-<partner>-<sha1[:12]>``."""
    check_partner(partner)
    if not isinstance(external_id, str) or not external_id.strip() or len(external_id) > EXTERNAL_ID_MAX:
        raise ValidationError(f"externalId must be a non-empty string of at most {EXTERNAL_ID_MAX} characters",
                              field="externalId")
    digest = hashlib.sha1(external_id.encode("utf-8")).hexdigest()[:12]
    return f"{model.label(label_name).id_prefix}:x-{partner}-{digest}"
