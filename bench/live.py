"""The live rows of ``make bench`` (issue 12): subscription fan-out and change-feed paging.

* **L1 — subscription fan-out.** ``--subscribers`` (100) WebSocket clients (graphql-transport-ws) each
  hold a ``demandBoard(areaId: <district>)`` subscription selecting the demand; one writer publishes
  demands in that district over HTTP for ``--seconds``: ``publishDemand`` (one event per commit), then
  ``upsertDemands`` of 10 items (ten events per commit). Reported: commits and events written per
  second, **events delivered per second** (summed over the subscribers), the latency from sending
  the mutation to a subscriber receiving the event (p50/p95/p99 over every delivery), events missing
  at the end (must be 0), and the statements the service sent for it (its /metrics, by label: the
  hub's feed reads and the batch statements).
* **L2 — change-feed paging.** ``--feed-events`` (5,000) events are written (``upsertDemands`` of 500),
  then one client pages ``changesSince(first: 100)`` from the cursor before them to the end, again and
  again for ``--seconds``: without ``entity`` and with ``entity`` (labels: [Demand]). Reported: **pages
  per second** and **events per second**, page latency p50/p95.

Both run against ``cobuild serve`` (uvicorn, the embedded store) on the bench's working copy of the
network (``--scale``), started here; the bench process is the client (its CPU is reported: 100
subscribers parsing JSON cost the client real CPU on a 2-core machine). No target yet.

``python -m bench --ops L1,L2 --scale district`` runs just these rows (a minute or two);
``python -m bench.live --help`` lists the options. Results: ``results/live.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import httpx

from bench.machine import CpuWatch, loadavg
from bench.stats import Samples

ROOT = Path(__file__).resolve().parent.parent
LIVE_OPS = ("L1", "L2")
PROTOCOL = "graphql-transport-ws"

BOARD = """subscription($area: ID!) { demandBoard(areaId: $area) { kind cursor entityId demandStatus
  entity { id ... on Demand { name status } } } }"""
PUBLISH = """mutation($by: ID!, $name: String!, $cat: ID!) {
  publishDemand(input: {publisherId: $by, name: $name, categoryIds: [$cat]}) { demandId } }"""
UPSERT = """mutation($partner: String!, $items: [DemandUpsertInput!]!) { upsertDemands(partner: $partner, items: $items) { created } }"""
HEAD = "{ changesSince(first: 0) { headCursor } }"
PAGE_LIGHT = """query($cursor: String) { changesSince(cursor: $cursor, first: 100) {
  edges { cursor node { kind label entityId operation } } pageInfo { hasNextPage endCursor } } }"""
PAGE_ENTITY = """query($cursor: String) { changesSince(cursor: $cursor, first: 100, labels: [Demand]) {
  edges { cursor node { kind label entityId operation entity { id ... on Demand { name status } } } }
  pageInfo { hasNextPage endCursor } } }"""


def log(msg: str) -> None:
    print(f"[bench.live {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__.split("\n\n")[0])
    p.add_argument("--ops", default=",".join(LIVE_OPS), help="L1 (subscription fan-out), L2 (change-feed paging)")
    p.add_argument("--scale", default="city", help="generator scale of the network (district for a quick run)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--seconds", type=float, default=10.0, help="time per measured row")
    p.add_argument("--subscribers", type=int, default=100, help="L1: WebSocket subscribers")
    p.add_argument("--feed-events", type=int, default=5000, help="L2: events written before paging")
    p.add_argument("--data-dir", type=Path, default=ROOT / "data")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    p.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS")
    p.add_argument("--profile", action="store_true", help="run the service under py-spy (results/profile-live-top.txt)")
    args, _unknown = p.parse_known_args(argv)  # the HTTP harness's own options are ignored here
    return args


def split_argv(argv: list[str]) -> tuple[list[str] | None, list[str] | None]:
    """``python -m bench`` arguments → (the HTTP harness's, the live rows'); None = do not run it.
    Without ``--ops`` both run; ``--ops`` is split between them by key."""
    ops: str | None = None
    rest: list[str] = []
    it = iter(range(len(argv)))
    for i in it:
        a = argv[i]
        if a == "--ops" and i + 1 < len(argv):
            ops = argv[i + 1]
            next(it, None)
        elif a.startswith("--ops="):
            ops = a.split("=", 1)[1]
        else:
            rest.append(a)
    if ops is None:
        return rest, rest
    keys = [k.strip() for k in ops.split(",") if k.strip()]
    live = [k for k in keys if k in LIVE_OPS]
    http = [k for k in keys if k not in LIVE_OPS]
    return ([*rest, "--ops", ",".join(http)] if http else None), ([*rest, "--ops", ",".join(live)] if live else None)


# ---------------------------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------------------------
async def _draw(store: Path) -> dict[str, str]:
    """A community of the network, its district and a category (publisher, board area, category)."""
    from cobuild.graph.cypher import Statement
    from cobuild.graph.engines.ladybug import LadybugEngine

    engine = LadybugEngine(store)
    await engine.open()
    try:
        rows = await engine.run(Statement(
            "MATCH (c:`AdminArea`) WHERE c.`level` = 'COMMUNITY' WITH c ORDER BY c.`id` LIMIT 1 "
            "MATCH (d:`AdminArea`) WHERE d.`level` = 'DISTRICT' AND d.`id` IN c.`areaPath` RETURN c.`id` AS c, d.`id` AS d",
            {}, label="bench: draw area"))
        cats = await engine.run(Statement("MATCH (k:`Category`) RETURN k.`id` AS kid ORDER BY kid LIMIT 1", {},
                                          label="bench: draw category"))
    finally:
        await engine.close()
    if not rows or not cats:
        raise SystemExit("the network has no community in a district or no category to publish demands with")
    return {"community": rows[0]["c"], "district": rows[0]["d"], "category": cats[0]["kid"]}


_METRIC = re.compile(r'^cobuild_statement_duration_seconds_count\{([^}]*)\} ([0-9.e+]+)$')


async def statements_by_label(http: httpx.AsyncClient, base: str, key: str) -> dict[str, float]:
    r = await http.get(base + "/metrics", headers={"x-api-key": key})
    out: dict[str, float] = {}
    for line in r.text.splitlines():
        m = _METRIC.match(line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            q = labels.get("question", "")
            out[q] = out.get(q, 0.0) + float(m.group(2))
    return out


def _delta(before: dict[str, float], after: dict[str, float], *labels: str) -> dict[str, int]:
    return {lab: int(after.get(lab, 0) - before.get(lab, 0)) for lab in labels}


# ---------------------------------------------------------------------------------------------
# L1: subscription fan-out
# ---------------------------------------------------------------------------------------------
class Subscriber:
    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.names: list[str] = []
        self.errors: list[Any] = []

    async def read(self, arrived: dict[str, list[float]], got: asyncio.Event) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.conn:
                t = time.perf_counter()
                msg = json.loads(raw)
                if msg.get("type") == "ping":
                    await self.conn.send('{"type":"pong"}')
                    continue
                if msg.get("type") != "next" or msg.get("payload", {}).get("errors"):
                    self.errors.append(msg)
                    continue
                entity = (msg["payload"]["data"]["demandBoard"] or {}).get("entity") or {}
                name = entity.get("name") or ""
                self.names.append(name)
                arrived.setdefault(name, []).append(t)
                got.set()
        except ConnectionClosed as exc:
            self.errors.append({"closed": exc.rcvd.code if exc.rcvd else None})


async def _open_subscribers(ws_url: str, key: str, area: str, n: int) -> list[Subscriber]:
    from websockets.asyncio.client import connect

    async def one(i: int) -> Subscriber:
        conn = await connect(ws_url, subprotocols=[PROTOCOL], open_timeout=30, max_queue=None)  # type: ignore[list-item]
        await conn.send(json.dumps({"type": "connection_init", "payload": {"apiKey": key}}))
        ack = json.loads(await conn.recv())
        if ack.get("type") != "connection_ack":
            raise SystemExit(f"subscriber {i}: no connection_ack: {ack}")
        await conn.send(json.dumps({"id": "board", "type": "subscribe", "payload": {"query": BOARD, "variables": {"area": area}}}))
        return Subscriber(conn)

    out: list[Subscriber] = []
    for start in range(0, n, 20):  # in groups: 100 handshakes at once would queue behind each other anyway
        out += await asyncio.gather(*(one(i) for i in range(start, min(n, start + 20))))
    return out


async def fanout(base: str, key: str, facts: dict[str, str], n_subs: int, seconds: float, batch: int, tag: str,
                 server_pid: int) -> dict[str, Any]:
    ws_url = base.replace("http://", "ws://") + "/graphql"
    arrived: dict[str, list[float]] = {}
    got = asyncio.Event()
    seq = [0]
    async with httpx.AsyncClient(base_url=base, timeout=60, headers={"x-api-key": key}) as http:
        subs = await _open_subscribers(ws_url, key, facts["district"], n_subs)
        readers = [asyncio.create_task(s.read(arrived, got)) for s in subs]

        async def write(k: int) -> list[str]:
            """One commit of ``batch`` demands; their names."""
            names = [f"bench-live-{tag}-{k}-{i}" for i in range(batch)]
            if batch == 1:
                r = await http.post("/graphql", json={"query": PUBLISH, "variables": {
                    "by": facts["community"], "name": names[0], "cat": facts["category"]}})
            else:
                items = [{"externalId": n, "name": n, "publisherId": facts["community"], "categoryIds": [facts["category"]],
                          "status": "PUBLISHED"} for n in names]
                r = await http.post("/graphql", json={"query": UPSERT, "variables": {"partner": "benchlive", "items": items}})
            body = r.json()
            if body.get("errors"):
                raise SystemExit(f"L1 writer failed: {json.dumps(body, ensure_ascii=False)[:400]}")
            return names

        # warm-up: every subscriber hears one event (so every subscription is registered), then measure
        warm = await write(-1)
        deadline = time.perf_counter() + 60
        while sum(len(arrived.get(n, [])) for n in warm) < n_subs * len(warm):
            if time.perf_counter() > deadline:
                raise SystemExit(f"L1: only {sum(len(arrived.get(n, [])) for n in warm)} of {n_subs * len(warm)} "
                                 "warm-up deliveries arrived in 60 s")
            got.clear()
            with _suppress_timeout():
                await asyncio.wait_for(got.wait(), 1)
        for s in subs:
            s.names.clear()
        arrived.clear()
        before = await statements_by_label(http, base, key)
        watch = CpuWatch([os.getpid(), server_pid]).start()
        own = CpuWatch([os.getpid()]).start()
        sent: dict[str, float] = {}
        commits = Samples()
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            seq[0] += 1
            ts = time.perf_counter()
            names = await write(seq[0])
            commits.add((time.perf_counter() - ts) * 1000)
            for n in names:
                sent[n] = ts
        write_s = time.perf_counter() - t0
        expected = len(sent) * n_subs
        drain = time.perf_counter() + 30
        while sum(len(arrived.get(n, [])) for n in sent) < expected and time.perf_counter() < drain:
            got.clear()
            with _suppress_timeout():
                await asyncio.wait_for(got.wait(), 1)
        delivered_times = [t for n in sent for t in arrived.get(n, [])]
        elapsed = (max(delivered_times) if delivered_times else time.perf_counter()) - t0
        machine = watch.stop()
        client = own.stop()
        after = await statements_by_label(http, base, key)
        latency = Samples()
        for n, ts in sent.items():
            for t in arrived.get(n, []):
                latency.add((t - ts) * 1000)
        in_order = all(_ordered(s.names, tag) for s in subs)
        errors = [e for s in subs for e in s.errors]
        for s in subs:
            await s.conn.close()
        for t in readers:
            t.cancel()
        stmts = _delta(before, after, "live: poll", "live: batch")
    delivered = len(delivered_times)
    return {
        "subscribers": n_subs, "events_per_commit": batch, "seconds_writing": round(write_s, 2),
        "seconds_to_last_delivery": round(elapsed, 2),
        "commits": commits.n, "commits_per_s": round(commits.n / write_s, 1),
        "commit_p50_ms": round(commits.pct(50), 2),
        "events_written": len(sent), "events_written_per_s": round(len(sent) / write_s, 1),
        "deliveries_expected": expected, "deliveries": delivered, "missing": expected - delivered,
        "delivered_per_s": round(delivered / elapsed, 1) if elapsed > 0 else None,
        "latency_ms": {"p50": round(latency.pct(50), 2), "p95": round(latency.pct(95), 2), "p99": round(latency.pct(99), 2),
                       "max": round(max(latency.ms), 2) if latency.ms else None},
        "in_commit_order": in_order, "errors": errors[:5], "error_count": len(errors),
        "statements": stmts,
        "batch_statements_per_commit": round(stmts["live: batch"] / commits.n, 2) if commits.n else None,
        "client_cores": client.get("own_cores"), "machine": machine,
    }


def _ordered(names: list[str], tag: str) -> bool:
    """A subscriber's events came in the order they were written (commit k, item i)."""
    keys = []
    for n in names:
        parts = n.rsplit("-", 2)
        if len(parts) == 3 and parts[0].endswith(tag):
            keys.append((int(parts[1]), int(parts[2])))
    return keys == sorted(keys)


class _suppress_timeout:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        return kind is asyncio.TimeoutError or kind is TimeoutError


# ---------------------------------------------------------------------------------------------
# L2: change-feed paging
# ---------------------------------------------------------------------------------------------
async def feed_paging(base: str, key: str, facts: dict[str, str], n_events: int, seconds: float,
                      server_pid: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=120, headers={"x-api-key": key}) as http:
        start = (await http.post("/graphql", json={"query": HEAD})).json()["data"]["changesSince"]["headCursor"]
        t0 = time.perf_counter()
        written = 0
        k = 0
        while written < n_events:
            size = min(500, n_events - written)
            items = [{"externalId": f"feed-{k}-{i}", "name": f"bench-feed-{k}-{i}", "publisherId": facts["community"],
                      "categoryIds": [facts["category"]]} for i in range(size)]
            body = (await http.post("/graphql", json={"query": UPSERT, "variables": {"partner": "benchfeed", "items": items}})).json()
            if body.get("errors"):
                raise SystemExit(f"L2 writer failed: {json.dumps(body, ensure_ascii=False)[:400]}")
            written += size
            k += 1
        write_s = time.perf_counter() - t0
        log(f"L2: wrote {written} events in {write_s:.1f}s ({written / write_s:.0f} events/s in batches of 500)")
        out: dict[str, Any] = {"events_in_feed": written, "write_events_per_s": round(written / write_s, 1), "variants": {}}
        for variant, query in (("light", PAGE_LIGHT), ("entity", PAGE_ENTITY)):
            pages = Samples()
            events = 0
            passes = 0
            watch = CpuWatch([os.getpid(), server_pid]).start()
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < seconds or passes == 0:
                cursor = start
                while True:
                    ts = time.perf_counter()
                    body = (await http.post("/graphql", json={"query": query, "variables": {"cursor": cursor}})).json()
                    pages.add((time.perf_counter() - ts) * 1000)
                    if body.get("errors"):
                        raise SystemExit(f"L2 page failed: {json.dumps(body, ensure_ascii=False)[:400]}")
                    conn = body["data"]["changesSince"]
                    events += len(conn["edges"])
                    cursor = conn["pageInfo"]["endCursor"]
                    if not conn["pageInfo"]["hasNextPage"]:
                        break
                passes += 1
            elapsed = time.perf_counter() - t0
            pages.elapsed = elapsed
            out["variants"][variant] = {
                "passes": passes, "pages": pages.n, "events": events, "seconds": round(elapsed, 2),
                "pages_per_s": round(pages.n / elapsed, 1), "events_per_s": round(events / elapsed, 1),
                "page_p50_ms": round(pages.pct(50), 2), "page_p95_ms": round(pages.pct(95), 2),
                "machine": watch.stop(),
            }
            log(f"L2 {variant}: {pages.n / elapsed:.1f} pages/s, {events / elapsed:.0f} events/s "
                f"(page p50 {pages.pct(50):.1f} ms, {passes} passes over {written} events)")
    return out


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
def markdown(doc: dict[str, Any]) -> str:
    lines = [f"# Live rows — subscription fan-out and change-feed paging ({doc['scale']}, {doc['finished_at']})", "",
             f"Commit `{doc['commit']}`; load average {doc['loadavg_start']} → {doc['loadavg_end']}. The bench process "
             "is the client (100 WebSocket subscribers and the writer); the service is `cobuild serve` on the embedded "
             "store. Reported, no target yet. How to read it: bench/README.md, *Live rows*.", ""]
    l1 = doc.get("L1")
    if l1:
        lines += ["## L1 — subscription fan-out (demandBoard, 100 subscribers)", "",
                  "| writer | commits/s | events written/s | **events delivered/s** | latency p50 / p95 / p99 ms | missing | "
                  "in order | feed reads | batch stmts (per commit) | client cores | other cores |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for name, r in l1.items():
            lat = r["latency_ms"]
            lines.append(f"| {name} | {r['commits_per_s']} | {r['events_written_per_s']} | **{r['delivered_per_s']}** | "
                         f"{lat['p50']} / {lat['p95']} / {lat['p99']} | {r['missing']} | {r['in_commit_order']} | "
                         f"{r['statements']['live: poll']} | {r['statements']['live: batch']} ({r['batch_statements_per_commit']}) | "
                         f"{r['client_cores']} | {r['machine'].get('other_cores')} |")
        lines.append("")
    l2 = doc.get("L2")
    if l2:
        lines += [f"## L2 — change-feed paging (changesSince, first: 100, {l2['events_in_feed']} events)", "",
                  "| variant | **pages/s** | **events/s** | page p50 ms | page p95 ms | passes | other cores |", "|---|---|---|---|---|---|---|"]
        for name, r in l2["variants"].items():
            lines.append(f"| {name} | **{r['pages_per_s']}** | **{r['events_per_s']}** | {r['page_p50_ms']} | "
                         f"{r['page_p95_ms']} | {r['passes']} | {r['machine'].get('other_cores')} |")
        lines.append(f"\nWriting those events (upsertDemands of 500): {l2['write_events_per_s']} events/s.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from bench.dataset import ensure_store
    from bench.run import Server, make_key, wait_quiet

    args = parse_args(argv)
    ops = [k.strip() for k in args.ops.split(",") if k.strip() in LIVE_OPS]
    if not ops:
        return 0
    store, _report = ensure_store(args.data_dir, args.scale, args.seed, regenerate=False, log=log)
    facts = asyncio.run(_draw(store))
    log(f"board area {facts['district']}, publisher {facts['community']}, category {facts['category']}")
    keys_path = args.data_dir / "bench-keys.json"
    api_key = make_key(keys_path)
    doc: dict[str, Any] = {"scale": args.scale, "ops": ops, "facts": facts, "loadavg_start": loadavg(),
                           "commit": os.popen(f"git -C {ROOT} rev-parse --short HEAD").read().strip()}
    profile_raw = args.out / "profile-live.raw" if args.profile else None
    if profile_raw is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    server = Server(store, keys_path, args.data_dir / "bench-live-server.log", profile_to=profile_raw)
    wait_quiet(args.wait_quiet)
    server.start()
    log(f"service ready in {server.cold_start_s:.2f}s on {server.base}")
    try:
        if "L1" in ops:
            doc["L1"] = {}
            for name, batch in (("publishDemand (1 event/commit)", 1), ("upsertDemands (10 events/commit)", 10)):
                wait_quiet(min(args.wait_quiet, 120), exclude={server.pid})
                r = asyncio.run(fanout(server.base, api_key, facts, args.subscribers, args.seconds, batch,
                                       f"b{batch}", server.pid))
                doc["L1"][name] = r
                log(f"L1 {name}: {r['commits_per_s']} commits/s, {r['delivered_per_s']} events delivered/s to "
                    f"{r['subscribers']} subscribers, latency p50 {r['latency_ms']['p50']} ms p99 {r['latency_ms']['p99']} ms, "
                    f"missing {r['missing']}, statements {r['statements']}")
        if "L2" in ops:
            wait_quiet(min(args.wait_quiet, 120), exclude={server.pid})
            doc["L2"] = asyncio.run(feed_paging(server.base, api_key, facts, args.feed_events, args.seconds, server.pid))
    finally:
        server.stop()
    if profile_raw is not None and profile_raw.exists():
        from bench.profile import summarize

        top = args.out / "profile-live-top.txt"
        top.write_text(summarize(profile_raw, title=f"py-spy, live ops {args.ops}, {args.scale}"), encoding="utf-8")
        log(f"profile summary: {top}")
    doc["loadavg_end"] = loadavg()
    doc["finished_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "live.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    (args.out / "live.md").write_text(markdown(doc), encoding="utf-8")
    log(f"report: {args.out / 'live.md'}, {args.out / 'live.json'}")
    print(markdown(doc))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
