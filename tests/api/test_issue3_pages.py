"""Issue 3 coverage: keyset pagination beyond the plain walk of test_entities.py — descending
orders over NULLs, filters, every page size, and cursors that stay valid while the graph changes
between pages (a cursor is a position in the order, not an offset)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cobuild.graph.upsert import upsert_nodes
from tests.api.test_entities import N_UNITS, NOW, Client, net, ok, unit_rows  # noqa: F401  (net is a fixture)

PAGE = """query($after: String, $first: Int!) { units(first: $first, after: $after, where: %s, orderBy: %s) {
  edges { cursor node { id name sector validFrom } } pageInfo { hasNextPage endCursor } } }"""


async def page(net: Client, order: str, first: int, after: str | None, where: str = "{}") -> dict[str, Any]:
    return ok(await net(PAGE % (where, order), {"after": after, "first": first}))["units"]


async def walk(net: Client, order: str, first: int, where: str = "{}") -> list[str]:
    seen: list[str] = []
    after = None
    for _ in range(200):
        data = await page(net, order, first, after, where)
        seen.extend(e["node"]["id"] for e in data["edges"])
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    return seen


async def full(net: Client, order: str, where: str = "{}") -> list[dict[str, Any]]:
    return ok(await net("{ units(first: 100, where: %s, orderBy: %s) { nodes { id name sector validFrom } } }"
                        % (where, order)))["units"]["nodes"]


ORDERS = [
    "[{field: sector, direction: DESC}]",                          # NULLs first when descending
    "[{field: sector, direction: DESC}, {field: name, direction: DESC}]",
    "[{field: validFrom, direction: DESC}]",
    "[{field: sector}, {field: name, direction: DESC}]",           # NULLs last, mixed directions
    "[{field: unitType}, {field: sector, direction: DESC}]",
]


@pytest.mark.parametrize("order", ORDERS)
async def test_descending_and_mixed_orders_page_without_duplicates_or_gaps(net: Client, order: str) -> None:
    everything = [r["id"] for r in await full(net, order)]
    assert sorted(everything) == sorted(r["id"] for r in unit_rows())
    for size in (1, 2, 3, 5, 7, 26, 27, 100):
        assert await walk(net, order, size) == everything, (order, size)


async def test_descending_sector_order_matches_the_rows(net: Client) -> None:
    got = [(r["sector"], r["id"]) for r in await full(net, "[{field: sector, direction: DESC}]")]
    nulls = [g for g in got if g[0] is None]
    assert got[:len(nulls)] == nulls and [i for _s, i in nulls] == sorted(i for _s, i in nulls)
    rest = got[len(nulls):]
    assert [s for s, _i in rest] == sorted((s for s, _i in rest), reverse=True)
    for a, b in zip(rest, rest[1:]):  # ties broken by id
        if a[0] == b[0]:
            assert a[1] < b[1]


@pytest.mark.parametrize("where", [
    "{sector: {eq: \"医疗\"}}",
    "{sector: {isNull: true}}",
    "{OR: [{sector: {eq: \"教育\"}}, {unitType: {eq: PUBLIC_INSTITUTION}}]}",
])
async def test_filtered_pages(net: Client, where: str) -> None:
    order = "[{field: sector, direction: DESC}, {field: name}]"
    everything = [r["id"] for r in await full(net, order, where)]
    assert everything
    for size in (1, 2, 4):
        assert await walk(net, order, size, where) == everything


async def test_cursor_survives_inserts_and_deletes_between_pages(net: Client) -> None:
    """Keyset cursors: rows added before the cursor do not shift the next page (no duplicates), and
    the rows after it all still come (no gaps); a deleted cursor row does not break the cursor."""
    order = "[{field: name}]"
    first = await page(net, order, 5, None)
    got = [e["node"]["id"] for e in first["edges"]]
    cursor = first["pageInfo"]["endCursor"]
    # new units sorting before and after the cursor position
    d = net.engine.dialect
    extra = [{"id": "unit:aa-early", "name": "0早", "unitType": "SOE"}, {"id": "unit:zz-late", "name": "龘晚", "unitType": "SOE"}]
    await net.engine.run(upsert_nodes(d, "Unit", extra, NOW), "write")
    # delete the row the cursor points at: the cursor holds its order key, not a reference to it
    from cobuild.graph.cypher import Statement

    await net.engine.run(Statement("MATCH (u:`Unit`) WHERE u.`id` = $id DETACH DELETE u", {"id": got[-1]}), "write")
    after = cursor
    for _ in range(100):
        data = await page(net, order, 4, after)
        got.extend(e["node"]["id"] for e in data["edges"])
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert len(got) == len(set(got)), "a row came twice"
    assert "unit:aa-early" not in got  # it sorts before the cursor
    now = [r["id"] for r in await full(net, order)]
    # after the first page come exactly the rows now ordered after it
    assert got[5:] == [i for i in now if i not in got[:5] and i != "unit:aa-early"]
    assert "unit:zz-late" in got and set(now) - set(got) == {"unit:aa-early"}


async def test_total_count_is_the_same_on_every_page(net: Client) -> None:
    q = """query($after: String) { units(first: 6, after: $after, where: {unitType: {eq: NON_PUBLIC_ENTERPRISE}}) {
      totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }"""
    expected = sum(1 for i in range(N_UNITS) if i % 3 != 0)
    after, seen = None, 0
    while True:
        data = ok(await net(q, {"after": after}))["units"]
        assert data["totalCount"] == expected
        seen += len(data["edges"])
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
        assert net.last_statements == 1
    assert seen == expected


async def test_last_page_is_exact(net: Client) -> None:
    """hasNextPage is false exactly on the last page, also when the last page is full."""
    data = await page(net, "[]", N_UNITS, None)
    assert len(data["edges"]) == N_UNITS and data["pageInfo"]["hasNextPage"] is False
    data = await page(net, "[]", N_UNITS - 1, None)
    assert data["pageInfo"]["hasNextPage"] is True
    tail = await page(net, "[]", 5, data["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in tail["edges"]] == [f"unit:u{N_UNITS - 1:02d}"] and tail["pageInfo"]["hasNextPage"] is False
    empty = await page(net, "[]", 5, tail["pageInfo"]["endCursor"])
    assert empty["edges"] == [] and empty["pageInfo"]["hasNextPage"] is False


def test_fixture_has_nulls_ties_and_distinct_dates() -> None:
    """What the orders above rely on: NULL sectors, tied sectors, distinct dates."""
    rows = unit_rows()
    sectors = [r["sector"] for r in rows]
    assert None in sectors and len(set(sectors)) < len(sectors)
    assert len({r["validFrom"] for r in rows}) == N_UNITS and all(isinstance(r["validFrom"], dt.date) for r in rows)
