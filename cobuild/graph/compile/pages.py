"""Pages of relationship lists, cut in Python from the lists a projection returned: sorted by the
field's order, what precedes ``after`` dropped, a node reached through several members merged into
one item, cut to ``first``, each item given its cursor.

Pure functions on projected maps (no database, no Strawberry): the resolvers wrap the
:class:`Page` and :class:`Item` into GraphQL objects. Paging here rather than in Cypher keeps
nested lists inside the root field's one statement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Sequence

from cobuild.graph import fields
from cobuild.graph.compile.cursors import Cursor, _jsonable, encode_cursor
from cobuild.graph.compile.ordering import sort_key
from cobuild.graph.compile.projection import TOTAL


@dataclass
class Item:
    """One item of a relationship list: the other node's projected map, the relationship's
    properties, the ``via`` references (side and page fields) and its cursor."""

    node: dict[str, Any]
    edge: dict[str, Any]
    via: list[dict[str, Any]]
    cursor: str = ""


@dataclass
class Page:
    items: list[Item]
    has_next: bool
    has_previous: bool
    total: int | None


def _items(row: dict[str, Any], key: str, f: fields.Field) -> list[Item]:
    data = row.get(f"r_{key}")
    if data is None and f"r_{key}{TOTAL}" in row:  # only totalCount was selected
        return []
    if data is None:  # not projected: a bug in the caller that fetched this entity
        raise RuntimeError(f"relationship field {key} was not pre-fetched")
    if f.grouped:
        return _grouped_items(data)
    out: list[Item] = []
    for _label, entries in data.items():
        for e in entries or ():
            if e is not None and e.get("node") is not None:
                out.append(Item(e["node"], {p.name: e.get(p.name) for p in f.edge_props}, []))
    return out


def _grouped_items(data: dict[str, Any]) -> list[Item]:
    """Rows ``{via, edge, node}`` merged into one item per node: ``via`` lists the distinct references
    (by id), ``edge`` is the link of the first of them."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for entries in data.values():
        for e in entries or ():
            if e is not None and e.get("node") is not None and e["node"].get("id") is not None:
                rows.setdefault(e["node"]["id"], []).append(e)
    out = []
    for links in rows.values():
        links.sort(key=lambda x: ((x.get("via") or {}).get("id") or "", json.dumps(x.get("edge") or {}, sort_keys=True, default=str)))
        via = list({r["id"]: r for r in (x.get("via") for x in links) if r and r.get("id")}.values())
        edge = next((x["edge"] for x in links if x.get("edge")), {})
        out.append(Item(links[0]["node"], dict(edge), via))
    return out


def _edge_key(item: Item, f: fields.Field) -> str:
    return "" if f.grouped or not item.edge else json.dumps({k: _jsonable(v) for k, v in sorted(item.edge.items())},
                                                             ensure_ascii=False, sort_keys=True, default=str)


def rel_page(row: dict[str, Any], key: str, f: fields.Field, order_by: Sequence[tuple[str, str]], first: int,
             after: Cursor | None) -> Page:
    """The page of a connection field: its projected items sorted (``order_by``, id, edge), those up to
    ``after`` dropped, cut to ``first``; ``total`` counts the whole filtered list."""
    node_key = sort_key(order_by)
    items = _items(row, key, f)
    keyed = sorted(((node_key(i.node) + (_edge_key(i, f),), i) for i in items), key=lambda ki: ki[0])
    out: list[tuple[tuple[Any, ...], Item, int]] = []
    prev, nth = None, 0
    for k, i in keyed:
        nth = nth + 1 if k == prev else 1
        prev = k
        out.append((k, i, nth))
    if after is not None:
        ck = node_key({**{p: v for (p, _), v in zip(order_by, after.values)}, "id": after.id}) + (after.edge,)
        out = [(k, i, n) for k, i, n in out if k > ck or (k == ck and n > after.nth)]
    page = out[:first]
    for k, i, n in page:
        i.cursor = encode_cursor(i.node, order_by, k[-1], n)
    total = row.get(f"r_{key}{TOTAL}")
    return Page([i for _k, i, _n in page], len(out) > first, after is not None, int(total) if total is not None else len(items))


def rel_one(row: dict[str, Any], key: str, f: fields.Field) -> Item | None:
    """A to-one field's item: the first by id when the data holds several."""
    items = _items(row, key, f)
    return min(items, key=lambda i: (i.node.get("id") or "", _edge_key(i, f))) if items else None
