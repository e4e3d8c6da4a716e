"""The client side of a fast Neo4j load, measured without a Neo4j server.

``python -m bench.neo4j_load [--scale district|city] [--batch N] [--parallel N]`` generates the
synthetic network and runs the real ``Neo4jEngine.bulk_load`` — statement building, the real
``neo4j`` driver's PackStream encoding, Bolt framing, managed transactions — against a *sink*: a
Bolt 5.8 server in another process that reads every message, answers each batch with the row
count it received and stores nothing. What it measures bounds the client: a real server cannot
make cobuild produce and send rows faster than this. The server's own cost (index lookups, locks,
the transaction log) is NOT in these numbers: the ≥ 20,000 nodes/s target of ``cobuild generate``
must be measured on a Neo4j server (docs/neo4j.md says how).

Writes ``bench/results/neo4j-load.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import platform
import struct
import subprocess
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


# ---------------------------------------------------------------------------------------------
# the sink (runs in its own process)
# ---------------------------------------------------------------------------------------------
def _rows_in_run(data: bytes) -> int:
    """Rows in a RUN whose parameters are ``{"rows": [...]}``, read from the list header alone."""
    from tests.bolt.packstream import Unpacker

    u = Unpacker(data)
    u._take(2)  # structure marker and tag
    u.unpack()  # the statement text
    m = u._take(1)[0]
    size = m & 0x0F if 0xA0 <= m <= 0xAF else {0xD8: lambda: u._u(">B", 1), 0xD9: lambda: u._u(">H", 2),
                                                0xDA: lambda: u._u(">I", 4)}[m]()
    for _ in range(size):
        key = u.unpack()
        if key != "rows":
            u.unpack()
            continue
        m = u._take(1)[0]
        if 0x90 <= m <= 0x9F:
            return m & 0x0F
        return {0xD4: lambda: u._u(">B", 1), 0xD5: lambda: u._u(">H", 2), 0xD6: lambda: u._u(">I", 4)}[m]()
    return 0


def _sink(port_out: Any, stats_out: Any) -> None:
    from tests.bolt.packstream import Structure, pack, unpack

    received = {"bytes": 0, "messages": 0, "rows": 0}

    def frame(name: int, fields: list[Any]) -> bytes:
        data = pack(Structure(bytes((name,)), fields))
        out = bytearray()
        for i in range(0, len(data), 0xFFFF):
            chunk = data[i:i + 0xFFFF]
            out += struct.pack(">H", len(chunk)) + chunk
        return bytes(out + b"\x00\x00")

    success = lambda meta: frame(0x70, [meta])  # noqa: E731

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(20)
        writer.write(b"\x00\x00\x01\xff\x01\x00\x00\x08\x05\x00")  # manifest: one offer, Bolt 5.8; no capabilities
        await reader.readexactly(5)
        pending = 0
        try:
            while True:
                data = bytearray()
                while True:
                    (size,) = struct.unpack(">H", await reader.readexactly(2))
                    if size == 0:
                        if data:
                            break
                        continue
                    data += await reader.readexactly(size)
                received["bytes"] += len(data) + 2
                received["messages"] += 1
                tag = data[1]
                if tag == 0x02:  # GOODBYE
                    break
                if tag == 0x01:
                    writer.write(success({"server": "Neo4j/5.26.0", "connection_id": "sink", "hints": {}}))
                elif tag == 0x10:  # RUN
                    pending = _rows_in_run(bytes(data))
                    received["rows"] += pending
                    writer.write(success({"fields": ["n"]}))
                elif tag == 0x3F:  # PULL
                    writer.write(frame(0x71, [[pending]]) + success({"type": "w"}))
                elif tag == 0x12:  # COMMIT
                    writer.write(success({}))
                elif tag in (0x6A, 0x11, 0x0F, 0x13, 0x54):  # LOGON BEGIN RESET ROLLBACK TELEMETRY
                    writer.write(success({}))
                else:
                    writer.write(frame(0x7F, [{"code": "Neo.ClientError.Request.Invalid", "message": repr(unpack(bytes(data)))}]))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port_out.put(server.sockets[0].getsockname()[1])
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        loop.add_signal_handler(15, stop.set_result, None)
        await stop
        server.close()
        stats_out.put({**received, "cpu_seconds": time.process_time()})

    asyncio.run(main())


# ---------------------------------------------------------------------------------------------
# the client
# ---------------------------------------------------------------------------------------------
async def measure(scale: str, seed: int, batch: int, parallel: int, port: int) -> dict[str, Any]:
    from cobuild.graph.engines.neo4j import Neo4jEngine
    from cobuild.seeds.generate import generate

    t0 = time.perf_counter()
    nodes, rels = generate(scale, seed)
    gen_s = time.perf_counter() - t0
    engine = Neo4jEngine(f"bolt://127.0.0.1:{port}", "neo4j", "sink", load_batch=batch, load_parallel=parallel)

    c0, t0 = time.process_time(), time.perf_counter()
    built = sum(len(b.rows) for b in engine._node_batches(nodes)) + sum(len(b.rows) for b in engine._rel_batches(rels))
    build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0

    c0, t0 = time.process_time(), time.perf_counter()
    counts = await engine.bulk_load(nodes, rels)
    load_s, load_cpu = time.perf_counter() - t0, time.process_time() - c0
    await engine.close()
    n_nodes = sum(counts[k] for k in nodes)
    n_rels = sum(counts[k] for k in rels)
    assert built == n_nodes + n_rels, (built, n_nodes, n_rels)
    return {
        "scale": scale, "seed": seed, "batch": batch, "parallel": parallel,
        "nodes": n_nodes, "relationships": n_rels, "statements": engine.counter.total,
        "generate_seconds": round(gen_s, 2),
        "build_batches": {"seconds": round(build_s, 2), "cpu_seconds": round(build_cpu, 2),
                          "rows_per_second": round(built / build_s)},
        "through_stub": {"seconds": round(load_s, 2), "client_cpu_seconds": round(load_cpu, 2),
                         "nodes_per_second": round(n_nodes / load_s), "relationships_per_second": round(n_rels / load_s),
                         "rows_per_second": round((n_nodes + n_rels) / load_s),
                         "rows_per_client_cpu_second": round((n_nodes + n_rels) / load_cpu)},
    }


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="district", choices=["tiny", "district", "city"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    ctx = mp.get_context("spawn")
    port_q, stats_q = ctx.Queue(), ctx.Queue()
    sink = ctx.Process(target=_sink, args=(port_q, stats_q), daemon=True)
    sink.start()
    try:
        port = port_q.get(timeout=30)
        result = asyncio.run(measure(args.scale, args.seed, args.batch, args.parallel, port))
    finally:
        if sink.pid is not None:
            os.kill(sink.pid, 15)
        sink.join(10)
    result["sink"] = stats_q.get(timeout=10)
    assert result["sink"]["rows"] == result["nodes"] + result["relationships"]
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()}
    result["commit"] = _commit()
    result["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S %z")

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "neo4j-load.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    s, b = result["through_stub"], result["build_batches"]
    md = f"""# Neo4j load, client side (through the Bolt sink)

Measured {result['measured_at']} at commit `{result['commit']}` on {result['machine']['cpus']} cores
(load average {', '.join(f'{x:.1f}' for x in result['machine']['load_average'])}; other work was running).
`python -m bench.neo4j_load --scale {args.scale} --batch {args.batch} --parallel {args.parallel}`

| what | value |
| --- | --- |
| network | {result['nodes']:,} nodes, {result['relationships']:,} relationships ({args.scale}, seed {args.seed}) |
| statements (10k-row `UNWIND` batches, one managed transaction each) | {result['statements']:,} |
| building the batches alone (cobuild's Python: rows to value lists, grouping, sorting) | {b['seconds']} s wall, {b['cpu_seconds']} s CPU — {b['rows_per_second']:,} rows/s |
| `Neo4jEngine.bulk_load` through the real driver to the sink | {s['seconds']} s — **{s['nodes_per_second']:,} nodes/s**, {s['relationships_per_second']:,} relationships/s |
| client CPU during the load (building + driver encoding + Bolt I/O) | {s['client_cpu_seconds']} s — **{s['rows_per_client_cpu_second']:,} rows per CPU second** |
| bytes the sink received | {result['sink']['bytes']:,} ({result['sink']['bytes'] / max(1, result['nodes'] + result['relationships']):.0f} per row) |
| sink CPU (decoding frames, not rows) | {result['sink']['cpu_seconds']:.1f} s |

Wall-clock rates on a shared machine depend on what else runs (see the load average); client CPU
per row does much less. The sink stores nothing, so this is an upper bound set by cobuild and the driver (building rows,
PackStream encoding, Bolt framing, asyncio): a Neo4j server adds its own work (constraint index
lookups, relationship locks, the transaction log). **The ≥ 20,000 nodes/s target of `cobuild generate`
is to be measured on a Neo4j server** (docs/neo4j.md, "Loading a city fast").
"""
    (args.out / "neo4j-load.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
