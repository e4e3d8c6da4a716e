"""Cursors: a position in an ordered list, encoded for the client, decoded and checked against the
list's order, and turned back into a keyset predicate (``(k1, …, id) > cursor``) in Cypher.

A cursor carries its list's order, so one from another list or another order is refused rather
than silently paging the wrong list; relationship lists add the edge's key and an ordinal because
one node can be reached by several relationships.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Sequence

from cobuild.errors import ValidationError
from cobuild.graph import model
from cobuild.graph.compile.values import to_value
from cobuild.graph.cypher import Params, name


def _jsonable(v: Any) -> Any:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


@dataclass(frozen=True)
class Cursor:
    """A position in an ordered list: the order key values, the node id and — in relationship lists,
    where one node can be reached by several relationships — the edge's key and which of several
    items with that same full key it is (1-based)."""

    values: list[Any]
    id: str
    edge: str = ""
    nth: int = 1


def encode_cursor(row: dict[str, Any], order_by: Sequence[tuple[str, str]], edge: str = "", nth: int = 1) -> str:
    doc: dict[str, Any] = {"o": [[p, d] for p, d in order_by], "v": [_jsonable(row.get(p)) for p, _ in order_by], "id": row.get("id")}
    if edge or nth != 1:
        doc["e"], doc["k"] = edge, nth
    return base64.urlsafe_b64encode(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str, label_name: str, order_by: Sequence[tuple[str, str]]) -> Cursor:
    bad = ValidationError("`after` is not a cursor of this list; use an endCursor or edge cursor from the same query", field="after")
    try:
        doc = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        order = [tuple(x) for x in doc["o"]]
        values = list(doc["v"])
        last_id = doc["id"]
        edge, nth = doc.get("e", ""), doc.get("k", 1)
    except Exception:  # noqa: BLE001 - any malformed cursor is the client's mistake
        raise bad from None
    if (order != [tuple(x) for x in order_by] or len(values) != len(order) or not isinstance(last_id, str)
            or not isinstance(edge, str) or not isinstance(nth, int) or isinstance(nth, bool) or nth < 1):
        raise bad
    lab = model.label(label_name)
    typed = [None if v is None else to_value(lab.prop(p), v, "after") for (p, _), v in zip(order_by, values)]
    return Cursor(typed, last_id, edge, nth)


def _after_predicate(var: str, order_by: Sequence[tuple[str, str]], values: list[Any], last_id: str, params: Params,
                     inclusive: bool = False) -> str:
    """Keyset ``(k1, …, id) > cursor`` in the ORDER BY's own sense, NULLs placed as Cypher sorts them
    (``inclusive``: ``>=``, for lists where items after the cursor may share its node)."""
    pred = f"{var}.`id` {'>=' if inclusive else '>'} {params.add(last_id)}"
    for (prop, direction), v in reversed(list(zip(order_by, values))):
        ref = f"{var}.{name(prop)}"
        if v is None:
            after = "false" if direction == "ASC" else f"{ref} IS NOT NULL"
            same = f"{ref} IS NULL"
        else:
            p = params.add(v)
            after = f"({ref} > {p} OR {ref} IS NULL)" if direction == "ASC" else f"{ref} < {p}"
            same = f"{ref} = {p}"
        pred = f"({after} OR ({same} AND {pred}))"
    return pred
