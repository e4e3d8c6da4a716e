"""The order of every list: the natural order when no ``orderBy`` is given, ``orderBy`` checked
against the model, who may order by personal data, and the same order applied in Python.

One home because the statement's ``ORDER BY``, the cursors and the in-Python paging of relationship
lists (:mod:`.pages`) must all agree on it; :func:`sort_key` mirrors Cypher's ORDER BY (NULLs last
ascending, first descending) so both engines and Python give the same JSON.
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

from cobuild.errors import ForbiddenError, ValidationError
from cobuild.graph import model

# The order a list takes when the query gives no ``orderBy``: a natural date or name where the label
# has one, always ``id`` last (implicit). Both engines then return the same JSON. Persons have no
# natural order that is not personal data (ordering by it would leak it), so they go by id.
NATURAL_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "AdminArea": (("name", "ASC"),),
    "FunctionalZone": (("name", "ASC"),),
    "PartyOrganization": (("name", "ASC"),),
    "Unit": (("name", "ASC"),),
    "Person": (),
    "Pairing": (("since", "ASC"), ("name", "ASC")),
    "Agreement": (("signedAt", "ASC"), ("name", "ASC")),
    "Category": (("name", "ASC"),),
    "Demand": (("publishedAt", "ASC"), ("name", "ASC")),
    "Resource": (("name", "ASC"),),
    "Project": (("year", "ASC"), ("name", "ASC")),
    "MicroWish": (("publishedAt", "ASC"), ("name", "ASC")),
    "Alliance": (("name", "ASC"),),
    "Venue": (("name", "ASC"),),
    "Evaluation": (("year", "ASC"), ("direction", "ASC")),
    "ServiceRecord": (("date", "ASC"),),
    "Program": (("name", "ASC"),),
    "Statistic": (("metric", "ASC"), ("asOf", "ASC")),
}


def natural_order(label_names: Sequence[str]) -> list[tuple[str, str]]:
    """The default order of a list whose items are of ``label_names`` (see :data:`NATURAL_ORDER`)."""
    orders = {NATURAL_ORDER.get(lab, ()) for lab in label_names}
    if len(orders) == 1:
        return list(orders.pop())
    if all("name" not in model.label(lab).personal for lab in label_names):
        return [("name", "ASC")]
    return []


def order_of(order_by: Any, label_names: Sequence[str]) -> list[tuple[str, str]]:
    """The list's order: ``orderBy`` when given (even ``[]``: by id), else the natural order."""
    if order_by is None:
        return natural_order(label_names)
    return parse_order(order_by, label_names)


def parse_order(order_by: Any, label_names: Sequence[str]) -> list[tuple[str, str]]:
    """``[{field, direction}]`` → ``[(prop, 'ASC'|'DESC')]``; fields must be sortable on every label."""
    out: list[tuple[str, str]] = []
    for item in order_by or []:
        if not isinstance(item, dict) or "field" not in item:
            raise ValidationError("each orderBy item needs a `field`", field="orderBy")
        prop = item["field"]
        direction = (item.get("direction") or "ASC").upper()
        if direction not in ("ASC", "DESC"):
            raise ValidationError(f"orderBy direction must be ASC or DESC, not {direction!r}", field="orderBy")
        for lab in label_names:
            if prop not in model.label(lab).prop_names or model.label(lab).prop(prop).is_list:
                raise ValidationError(f"cannot order {lab} by {prop!r}", field="orderBy")
        if prop != "id":
            out.append((prop, direction))
    return out


def check_order(scope: Any, label_name: str, order_by: Sequence[tuple[str, str]]) -> None:
    """Ordering by personal data would leak it (through the order and the cursor): admin only."""
    if scope is None:
        return
    for prop, _ in order_by:
        if not scope.may_order_by(label_name, prop):
            raise ForbiddenError(f"ordering {label_name} by {prop!r} (personal data) needs an admin credential",
                                 field="orderBy")


@functools.total_ordering
class _Rev:
    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Rev) and self.v == other.v

    def __lt__(self, other: "_Rev") -> bool:
        return other.v < self.v


def sort_key(order_by: Sequence[tuple[str, str]]) -> Any:
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        parts: list[Any] = []
        for prop, direction in order_by:
            v = row.get(prop)
            if direction == "ASC":
                parts.append((1, 0) if v is None else (0, v))
            else:
                parts.append((0, 0) if v is None else (1, _Rev(v)))
        parts.append(row.get("id") or "")
        return tuple(parts)

    return key


def order_rows(rows: list[dict[str, Any]], order_by: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    return sorted(rows, key=sort_key(order_by))
