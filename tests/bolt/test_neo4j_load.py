"""Fast loads into Neo4j: what ``Neo4jEngine.bulk_load`` sends (through the real driver, to a
scripted server) and how it schedules batches (lock-safe parallelism)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from cobuild.graph import model
from cobuild.graph.model import PropType
from cobuild.graph.engines.neo4j import Neo4jEngine, _Batch
from cobuild.seeds.generate import generate
from tests.bolt.conftest import PASSWORD, hello, talking

T0 = dt.datetime(2026, 1, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def batch(text: str, rows: list[Any], created: int) -> str:
    return f"""
C: BEGIN {{"db": "neo4j"}}
S: SUCCESS {{}}
C: RUN {json.dumps(text)} {json.dumps({"rows": rows}, ensure_ascii=False)} {{}}
C: PULL {{"n": 1000}}
S: SUCCESS {{"fields": ["n"]}}
   RECORD [{created}]
   SUCCESS {{"type": "w"}}
C: COMMIT
S: SUCCESS {{}}
"""


def node_text(label: str) -> str:
    lab = model.label(label)
    cols = list(lab.prop_names)
    conv = {PropType.DATE: "date(r[{}])", PropType.DATETIME: "datetime(r[{}])"}
    sets = ", ".join(f"n.`{p}` = " + conv.get(lab.prop(p).type, "r[{}]").format(i) for i, p in enumerate(cols) if p != "id")
    return f"UNWIND $rows AS r CREATE (n:`{label}` {{`id`: r[0]}}) SET {sets} RETURN count(n) AS n"


def node_row(label: str, **values: Any) -> list[Any]:
    return [values.get(p) for p in model.label(label).prop_names]


async def test_bulk_load_sends_unwind_batches_per_label_and_grouped_sorted_relationships(bolt_stub: Any) -> None:
    claimed = ("UNWIND $rows AS r MATCH (a:`Unit` {`id`: r[0]}) MATCH (b:`Project` {`id`: r[1]}) CREATE (a)-[e:`CLAIMED`]->(b) "
               "SET e.`claimedAt` = date(r[2]), e.`mode` = r[3], e.`role` = r[4], e.`status` = r[5], "
               "e.`completedAt` = date(r[6]) RETURN count(e) AS n")
    located = ("UNWIND $rows AS r MATCH (a:`Unit` {`id`: r[0]}) MATCH (b:`AdminArea` {`id`: r[1]}) "
               "CREATE (a)-[e:`LOCATED_IN`]->(b) SET e.`primary` = r[2], e.`confidence` = r[3] RETURN count(e) AS n")
    has_stat = ("UNWIND $rows AS r MATCH (a:`AdminArea` {`id`: r[0]}) MATCH (b:`Statistic` {`id`: r[1]}) "
                "CREATE (a)-[e:`HAS_STATISTIC`]->(b) RETURN count(e) AS n")
    utc = "2026-01-01T00:00:00+00:00"  # dates and date-times travel as ISO text
    stub = await bolt_stub(hello()
                           + batch(node_text("AdminArea"), [node_row("AdminArea", id="area:a1", name="一区", createdAt=utc),
                                                            node_row("AdminArea", id="area:a2", name="二区")], 2)
                           + batch(node_text("Unit"), [node_row("Unit", id="unit:u1", name="甲"),
                                                       node_row("Unit", id="unit:u2", name="乙")], 2)
                           + batch(node_text("Unit"), [node_row("Unit", id="unit:u3", name="丙", aliases=[])], 1)
                           + batch(node_text("Statistic"), [node_row("Statistic", id="stat:s1", name="统计")], 1)
                           + batch(located, [["unit:u1", "area:a2", True, None], ["unit:u2", "area:a1", None, None]], 2)
                           + batch(located, [["unit:u3", "area:a1", None, 0.5]], 1)
                           + batch(has_stat, [["area:a9", "stat:s1"]], 0)
                           + batch(claimed, [["unit:u1", "project:p1", "2025-12-31", None, None, None, None]], 1))
    nodes = {"AdminArea": [{"id": "area:a1", "name": "一区", "validTo": None, "createdAt": T0}, {"id": "area:a2", "name": "二区"}],
             "Unit": [{"id": "unit:u1", "name": "甲"}, {"id": "unit:u2", "name": "乙"}, {"id": "unit:u3", "name": "丙", "aliases": []}],
             "Statistic": [{"id": "stat:s1", "name": "统计"}]}
    rels = {"LOCATED_IN": [  # given out of order: sent sorted by start node
                {"from": "unit:u3", "to": "area:a1", "fromLabel": "Unit", "toLabel": "AdminArea", "primary": None, "confidence": 0.5},
                {"from": "unit:u1", "to": "area:a2", "fromLabel": "Unit", "toLabel": "AdminArea", "primary": True, "confidence": None},
                {"from": "unit:u2", "to": "area:a1", "fromLabel": "Unit", "toLabel": "AdminArea"}],
            "HAS_STATISTIC": [{"from": "area:a9", "to": "stat:s1", "fromLabel": "AdminArea", "toLabel": "Statistic"}],
            "CLAIMED": [{"from": "unit:u1", "to": "project:p1", "fromLabel": "Unit", "toLabel": "Project", "claimedAt": dt.date(2025, 12, 31)}]}
    seen: list[tuple[str, int]] = []
    async with talking(Neo4jEngine(f"bolt://{stub.address}", "neo4j", PASSWORD, max_retry_s=1, load_batch=2, load_parallel=1),
                       stub) as engine:
        counts = await engine.bulk_load(nodes, rels, lambda what, n: seen.append((what, n)))
    # what the server created: HAS_STATISTIC's start node does not exist, so nothing was created for it
    assert counts == {"AdminArea": 2, "Unit": 3, "Statistic": 1, "LOCATED_IN": 3, "HAS_STATISTIC": 0, "CLAIMED": 1}
    assert seen == [("AdminArea", 2), ("Unit", 2), ("Unit", 3), ("Statistic", 1), ("LOCATED_IN", 2), ("LOCATED_IN", 3),
                    ("HAS_STATISTIC", 0), ("CLAIMED", 1)]
    assert engine.counter.total == 8


async def test_generated_rows_take_the_fast_path_with_the_same_values() -> None:
    """The generator's ``bulk_values`` tuples and its full row dicts give identical batches."""
    nodes, rels = generate("tiny", 3)
    engine = Neo4jEngine("bolt://127.0.0.1:9", "neo4j", PASSWORD, load_batch=100)
    fast = [(b.text, b.rows, b.keys) for b in [*engine._node_batches(nodes), *engine._rel_batches(rels)]]
    as_dicts = {k: list(v) for k, v in nodes.items()}, {k: list(v) for k, v in rels.items()}
    slow = [(b.text, b.rows, b.keys) for b in [*engine._node_batches(as_dicts[0]), *engine._rel_batches(as_dicts[1])]]
    assert fast == slow and len(fast) > 20


async def test_parallel_batches_never_share_a_node_in_flight() -> None:
    """Node batches run ``load_parallel`` at a time; two relationship batches that touch the same
    node are never in flight together (no lock waits, no deadlocks), disjoint ones are."""
    nodes, rels = generate("tiny", 7)
    engine = Neo4jEngine("bolt://127.0.0.1:9", "neo4j", PASSWORD, load_batch=40, load_parallel=4)
    in_flight: list[_Batch] = []
    peak = {"node": 0, "rel": 0}
    rel_overlaps = 0

    async def fake_load(b: _Batch) -> int:
        nonlocal rel_overlaps
        if b.keys is not None:
            assert all(o.keys is None or b.keys.isdisjoint(o.keys) for o in in_flight), "two batches lock the same node"
            rel_overlaps += any(o.keys is not None for o in in_flight)
        in_flight.append(b)
        kind = "rel" if b.keys is not None else "node"
        peak[kind] = max(peak[kind], len(in_flight))
        await asyncio.sleep(0.001 * (len(b.rows) % 3))
        in_flight.remove(b)
        return len(b.rows)

    engine._load_batch = fake_load  # type: ignore[method-assign]
    counts = await engine.bulk_load(nodes, rels)
    assert counts == {**{k: len(v) for k, v in nodes.items()}, **{k: len(v) for k, v in rels.items()}}
    assert peak["node"] == 4 and peak["rel"] <= 4
    assert rel_overlaps > 0  # disjoint relationship batches did run side by side


async def test_a_failed_batch_stops_the_load_and_cancels_the_rest() -> None:
    nodes, rels = generate("tiny", 7)
    engine = Neo4jEngine("bolt://127.0.0.1:9", "neo4j", PASSWORD, load_batch=40, load_parallel=4)
    started = 0

    async def failing(b: _Batch) -> int:
        nonlocal started
        started += 1
        if started == 3:
            raise RuntimeError("batch 3 failed")
        await asyncio.sleep(0.01)
        return len(b.rows)

    engine._load_batch = failing  # type: ignore[method-assign]
    try:
        await engine.bulk_load(nodes, rels)
    except RuntimeError as exc:
        assert str(exc) == "batch 3 failed"
    else:
        raise AssertionError("the failure was swallowed")
    assert started < 10  # nothing more was started after the failure was seen


async def test_the_seed_loader_on_neo4j_sends_one_upsert_per_label_and_relationship_group() -> None:
    """``cobuild seed`` on Neo4j: 10k-row ``UNWIND`` upserts, so the seed network is one statement
    per label and per (type, start label, end label), relationship rows sorted by start node."""
    from cobuild.seeds.load import load, read_dataset

    sent: list[Any] = []

    class Tx:
        async def run(self, stmt: Any) -> list[dict[str, Any]]:
            sent.append(stmt)
            rows = next(iter(stmt.params.values()), [])
            if stmt.label.startswith("upsert"):
                return [{"n": len(rows), "changed": len(rows)}]
            if stmt.label.startswith("merge"):
                return [{"n": len(rows)}]
            if stmt.label == "changes: record":  # the load's one RELOADED event in the change feed
                return [{"first": 1, "last": 1, "epoch": "e0"}]
            return []  # the derivation's reads: no pairings found by this fake store

    class Recording(Neo4jEngine):
        async def write(self, work: Any, *, timeout: float | None = None) -> Any:
            return await work(Tx())

    ds = read_dataset()
    report = await load(Recording("bolt://127.0.0.1:9", "neo4j", PASSWORD))
    assert report.nodes == ds.node_count
    upserts = [s for s in sent if s.label.startswith("upsert")]
    merges = [s for s in sent if s.label.startswith("merge") and s.label.split()[1] in {k[0] for k in ds.rels}]
    assert len(upserts) == len(ds.nodes) and len(merges) == len(ds.rels)
    for stmt in merges:
        rows = next(iter(stmt.params.values()))
        assert [(r["from"], r["to"]) for r in rows] == sorted((r["from"], r["to"]) for r in rows)
