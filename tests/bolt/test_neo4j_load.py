"""Fast loads into Neo4j: what ``Neo4jEngine.bulk_load`` sends (through the real driver, to a
scripted server) and how it schedules batches (lock-safe parallelism)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from cobuild.graph.engines.neo4j import Neo4jEngine, _Batch
from cobuild.seeds.generate import generate
from tests.bolt.conftest import PASSWORD, hello, talking

T0 = dt.datetime(2026, 1, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def batch(text: str, rows: list[dict[str, Any]], created: int) -> str:
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


async def test_bulk_load_sends_unwind_batches_per_label_and_grouped_sorted_relationships(bolt_stub: Any) -> None:
    area = "UNWIND $rows AS r CREATE (n:`AdminArea`) SET n = r RETURN count(n) AS n"
    unit = "UNWIND $rows AS r CREATE (n:`Unit`) SET n = r RETURN count(n) AS n"
    stat = "UNWIND $rows AS r CREATE (n:`Statistic`) SET n = r RETURN count(n) AS n"
    located = ("UNWIND $rows AS r MATCH (a:`Unit` {`id`: r.a}) MATCH (b:`AdminArea` {`id`: r.b}) "
               "CREATE (a)-[e:`LOCATED_IN`]->(b) SET e = r.p RETURN count(e) AS n")
    has_stat = ("UNWIND $rows AS r MATCH (a:`AdminArea` {`id`: r.a}) MATCH (b:`Statistic` {`id`: r.b}) "
                "CREATE (a)-[e:`HAS_STATISTIC`]->(b) RETURN count(e) AS n")
    stub = await bolt_stub(hello()
                           + batch(area, [{"id": "area:a1", "name": "一区", "createdAt": {"$datetime": "2026-01-01T00:00:00+00:00"}},
                                          {"id": "area:a2", "name": "二区"}], 2)
                           + batch(unit, [{"id": "unit:u1", "name": "甲"}, {"id": "unit:u2", "name": "乙"}], 2)
                           + batch(unit, [{"id": "unit:u3", "name": "丙", "aliases": []}], 1)
                           + batch(stat, [{"id": "stat:s1", "name": "统计"}], 1)
                           + batch(located, [{"a": "unit:u1", "b": "area:a2", "p": {"primary": True}},
                                             {"a": "unit:u2", "b": "area:a1", "p": {}}], 2)
                           + batch(located, [{"a": "unit:u3", "b": "area:a1", "p": {"confidence": 0.5}}], 1)
                           + batch(has_stat, [{"a": "area:a9", "b": "stat:s1"}], 0))
    nodes = {"AdminArea": [{"id": "area:a1", "name": "一区", "validTo": None, "createdAt": T0}, {"id": "area:a2", "name": "二区"}],
             "Unit": [{"id": "unit:u1", "name": "甲"}, {"id": "unit:u2", "name": "乙"}, {"id": "unit:u3", "name": "丙", "aliases": []}],
             "Statistic": [{"id": "stat:s1", "name": "统计"}]}
    rels = {"LOCATED_IN": [  # given out of order: sent sorted by start node
                {"from": "unit:u3", "to": "area:a1", "fromLabel": "Unit", "toLabel": "AdminArea", "primary": None, "confidence": 0.5},
                {"from": "unit:u1", "to": "area:a2", "fromLabel": "Unit", "toLabel": "AdminArea", "primary": True, "confidence": None},
                {"from": "unit:u2", "to": "area:a1", "fromLabel": "Unit", "toLabel": "AdminArea"}],
            "HAS_STATISTIC": [{"from": "area:a9", "to": "stat:s1", "fromLabel": "AdminArea", "toLabel": "Statistic"}]}
    seen: list[tuple[str, int]] = []
    async with talking(Neo4jEngine(f"bolt://{stub.address}", "neo4j", PASSWORD, max_retry_s=1, load_batch=2, load_parallel=1),
                       stub) as engine:
        counts = await engine.bulk_load(nodes, rels, lambda what, n: seen.append((what, n)))
    # what the server created: HAS_STATISTIC's start node does not exist, so nothing was created for it
    assert counts == {"AdminArea": 2, "Unit": 3, "Statistic": 1, "LOCATED_IN": 3, "HAS_STATISTIC": 0}
    assert seen == [("AdminArea", 2), ("Unit", 2), ("Unit", 3), ("Statistic", 1), ("LOCATED_IN", 2), ("LOCATED_IN", 3),
                    ("HAS_STATISTIC", 0)]
    assert engine.counter.total == 7


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
