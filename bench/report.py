"""The report: ``latest.json`` (everything), ``latest.md`` (tables + targets), ``latency.png`` (chart)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from bench import workload as wl

RATIO_OPS = ("W1", "W2", "W3", "W6", "W7")

# Why a target is missed and what would move it: from profiles of the service (``--profile``) and
# experiments on this machine; see bench/README.md "Findings". Keyed by the start of the target's name.
BOUNDS: dict[str, str] = {
    "GraphQL p50 ≤ 1.5×": (
        "a fixed per-request cost, not the graph: met where the statement is expensive (W1, W3, W6), missed "
        "where it costs a few ms (W2, W7). W0 (`{ __typename }`: HTTP, auth, GraphQL, no statement) is the "
        "floor (~1.9 ms); on top of it every request pays graphql-core's parse and full validation (all spec "
        "rules, re-run on the same document every time) and Strawberry's per-field resolution of the answer. "
        "Profile of the service under W7 at city scale ([profile-W7-top.txt](profile-W7-top.txt), "
        "`python -m bench --profile --ops W7`): graphql-core validation ≈ 26 % and execution ≈ 22 % of the "
        "busy time, the LadybugDB query ≈ 17 %, parse ≈ 5 %, cobuild's compiler (compile.py) ≈ 4 % — so "
        "nothing in compile.py/selection.py moves it. What would: Strawberry's "
        "`ParserCache` + `ValidationCache` extensions in cobuild/schema (measured −30 % p50 at c=1 on the "
        "district network: W1 10.0→7.0 ms, W2 10.2→6.8 ms, W7 6.6→4.6 ms; the query-limit extension must "
        "still run on a cache hit), uvicorn with uvloop + httptools, and plain values for leaf fields."),
    "W1 p50 < 10 ms": (
        "the statement: the baseline alone is ~60 ms at city scale (4 ms on the district network). "
        "`(c)<-[:PART_OF*0..2]-(a)-[cb:CO_BUILDS_WITH]->(u)` in one pattern is planned from the "
        "CO_BUILDS_WITH side over the whole city. Split in two — `OPTIONAL MATCH (c)<-[:PART_OF*0..2]-(a:AdminArea) "
        "OPTIONAL MATCH (a)-[cb:CO_BUILDS_WITH]->(u:Unit) WHERE cb.status = $s` — the same statement answers "
        "the same (checked on 40 communities) in 1.7 ms instead of 67 ms (cobuild/resolvers/questions.py, "
        "coBuilders; not changed here: that file belongs to the API work). With it and the parse/validation "
        "caches W1 would be ≈ 1.7 + ~6 ms."),
    "W2 p50 < 10 ms": (
        "the statement (~14 ms at city scale, 3.7 ms on the district network) plus ~9 ms of HTTP/GraphQL. "
        "Each variable-length PART_OF hop that starts from a node bound by an earlier OPTIONAL MATCH "
        "(`(a)-[:PART_OF*1..3]->(s)`, `(a)-[:PART_OF*0..1]->(cm)`) costs ~6 ms at city scale, a fixed "
        "`(a)-[:PART_OF]->(cm)` 0.1 ms: LadybugDB's recursive join pays per node table size. What would move "
        "it: fixed-length hops for the known hierarchy depths (community = a or its parent; street = 1–3 "
        "fixed hops) in unitCommunities (cobuild/resolvers/questions.py), and the parse/validation caches."),
    "no errors at concurrency": (
        "W6 at concurrency 32: requests the load generator gave up on after 60 s (`ReadTimeout`), not errors "
        "of the service. One roll-up statement takes ~3.8 s at city scale (0.5 s for a district of the same "
        "size on the district network: it scans the whole city), so the service completes ~0.5 roll-ups/s on "
        "2 cores and 32 concurrent ones queue for over a minute. What would move it: a district-scoped "
        "roll-up statement (see RSS), caching roll-ups (the figures change slowly), and admission control for "
        "analyst questions (answer a fast 503/RATE_LIMITED instead of queueing for a minute)."),
    "server peak RSS < 1 GB": (
        "LadybugDB's buffer pool holding the intermediate results of the analyst statements, not Python: "
        "the service idles at ~220 MiB and stays under 450 MiB through W0–W3; RSS jumps with W4 (matching) "
        "and W6 (roll-up), up to 4 such statements at once (one per reader connection), and the pool keeps "
        "its pages. One roll-up statement can need more than 512 MiB of buffer pool even on the district network "
        "(capped at 512 MiB, 1 of 3 sequential roll-ups failed with \"buffer pool is full\"), so capping the pool alone would turn "
        "memory into errors. What would move it: the roll-up (cobuild/resolvers/questions.py) filters "
        "`x.id IN ids` after scanning every AdminArea/CO_BUILDS_WITH/SIGNED/HOLDS_POSITION of the city — "
        "start each OPTIONAL MATCH from the district's area ids instead; then cap the pool "
        "(`ladybug.Database(buffer_pool_size=…)` as a setting) and admit 1–2 heavy statements at a time."),
    "bulk load ≥ 100,000": (
        "Python formatting the CSV rows and LadybugDB's COPY of the node tables share the 2 cores; node "
        "tables copy at ~50k rows/s (a primary-key index and five STRING[] columns per row, `areaPath` the "
        "largest), relationship tables at 150–550k rows/s. Other processes' CPU during the load is printed "
        "with the rate: on a busy machine it falls to ~70k/s. What would move it further: Parquet/Arrow "
        "input (no Python formatting; needs pyarrow) and fewer list columns on node tables."),
}
ONE_STATEMENT_OPS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W7n")


def machine() -> dict[str, Any]:
    mem = 0
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import ladybug  # noqa: F401
        from importlib.metadata import version

        lb = version("ladybug")
    except Exception:  # noqa: BLE001
        lb = "?"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    return {"cores": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)), "memory_bytes": mem, "cpu": cpu,
            "python": platform.python_version(), "platform": platform.platform(), "ladybug": lb, "commit": commit}


def build(*, args: Any, levels: list[int], ops: list[wl.Operation], load_report: dict[str, Any], pre: dict[str, Any],
          graphql: dict[str, Any], statements: dict[str, Any], memory: dict[str, int], cold_start_s: float | None,
          missing: dict[str, str], total_s: float, env: dict[str, Any] | None = None) -> dict[str, Any]:
    operations = []
    for op in ops:
        rows = []
        for c in levels:
            g = graphql.get(op.key, {}).get(str(c))
            b = pre["baseline"].get(op.key, {}).get(str(c))
            s = statements.get(op.key, {}).get(str(c))
            ratio = None
            if g and b and g.get("p50_ms") and b.get("p50_ms"):
                ratio = round(g["p50_ms"] / b["p50_ms"], 2)
            rows.append({"concurrency": c, "graphql": g, "baseline": b, "statements": s, "p50_ratio": ratio})
        operations.append({
            "key": op.key, "title": op.title, "root_field": op.root_field, "kind": op.kind,
            "available": op.key not in missing, "query": op.query.strip(), "levels": rows,
            "inprocess_statements": pre["inprocess_statements"].get(op.key),
            "capture_errors": (pre.get("capture_errors") or {}).get(op.key),
            "baseline_cypher_sample": (pre["captured"].get(op.key) or [None])[0],
            "memory_after": graphql.get(op.key, {}).get("memory_after"),
        })
    doc = {
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"scale": args.scale, "seed": args.seed, "seconds": args.seconds,
                     "baseline_seconds": args.baseline_seconds, "concurrency": levels, "variants": args.variants,
                     "service_env": {"COBUILD_RATE_LIMIT_PER_S": "0", "COBUILD_LOG_LEVEL": "INFO", "auth": "admin API key"}},
        "dataset": {k: load_report.get(k) for k in ("scale", "seed", "nodes", "relationships", "generate_seconds",
                                                   "load_seconds", "nodes_per_second", "relationships_per_second",
                                                   "generated_this_run", "generated_at", "commit", "machine_while_loading")},
        "facts": pre["facts"],
        "server": {"cold_start_s": round(cold_start_s, 3) if cold_start_s else None,
                   "peak_rss_bytes": memory.get("VmHWM"), "rss_at_end_bytes": memory.get("VmRSS")},
        "not_available": missing,
        "environment": env or {},
        "operations": operations,
        "total_seconds": round(total_s, 1),
    }
    doc["targets"] = targets(doc)
    return doc


def _op(doc: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((o for o in doc["operations"] if o["key"] == key), None)


def _level(op: dict[str, Any] | None, c: int) -> dict[str, Any] | None:
    if not op:
        return None
    return next((r for r in op["levels"] if r["concurrency"] == c), None)


def targets(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(name: str, ok: bool | None, value: str) -> None:
        out.append({"target": name, "status": "PASS" if ok else ("N/A" if ok is None else "MISS"), "value": value})

    # 1 statement per root field (every W1–W7 request seen in the service's access log)
    worst = []
    for key in ONE_STATEMENT_OPS:
        op = _op(doc, key)
        if not op or not op["available"]:
            continue
        mx = max((r["statements"]["max"] for r in op["levels"] if r["statements"]), default=None)
        worst.append((key, mx))
    ok = bool(worst) and all(m == 1 for _k, m in worst)
    add("statements/request = 1 per root field (W1–W7)", ok if worst else None,
        ", ".join(f"{k} max {m}" for k, m in worst) or "no data")
    # ratio at concurrency 1
    vals = []
    for key in RATIO_OPS:
        r = _level(_op(doc, key), 1)
        if r and r["p50_ratio"] is not None:
            vals.append((key, r["p50_ratio"]))
    add("GraphQL p50 ≤ 1.5× baseline p50 (W1, W2, W3, W6, W7; c=1)", all(v <= 1.5 for _k, v in vals) if vals else None,
        ", ".join(f"{k} {v:.2f}×" for k, v in vals) or "no data")
    for key in ("W1", "W2"):
        r = _level(_op(doc, key), 1)
        p50 = r["graphql"]["p50_ms"] if r and r["graphql"] else None
        add(f"{key} p50 < 10 ms at c=1", (p50 < 10) if p50 is not None else None, f"{p50:.2f} ms" if p50 is not None else "no data")
    errs = []
    for op in doc["operations"]:
        r = _level(op, max(lv["concurrency"] for lv in op["levels"]) if op["levels"] else 0)
        if r and r["graphql"]:
            errs.append((op["key"], r["graphql"]["errors"]))
    cmax = max(doc["settings"]["concurrency"])
    add(f"no errors at concurrency {cmax}", all(e == 0 for _k, e in errs) if errs else None,
        ", ".join(f"{k} {e}" for k, e in errs if e) or "0 errors")
    rss = doc["server"]["peak_rss_bytes"]
    add("server peak RSS < 1 GB", rss < 1024 ** 3 if rss else None, f"{rss / 1024 ** 2:.0f} MiB" if rss else "no data")
    rate = doc["dataset"].get("relationships_per_second")
    add("bulk load ≥ 100,000 relationships/s", rate >= 100_000 if rate else None, f"{rate:,} relationships/s" if rate else "no data")
    return out


def targets_text(doc: dict[str, Any]) -> str:
    return "\n".join(f"  [{t['status']:4}] {t['target']}: {t['value']}" for t in doc["targets"])


def _f(x: Any, nd: int = 2) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def _mib(x: Any) -> str:
    return f"{x / 1024 ** 2:.0f} MiB" if x else "—"


def _other(r: dict[str, Any] | None) -> Any:
    return ((r or {}).get("machine") or {}).get("other_cores")


def markdown(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    d = doc["dataset"]
    s = doc["server"]
    env = doc.get("environment") or {}
    st = doc["settings"]
    others = [_other(r["graphql"]) for o in doc["operations"] for r in o["levels"] if r["graphql"]]
    others += [_other(r["baseline"]) for o in doc["operations"] for r in o["levels"] if r["baseline"]]
    others = [x for x in others if x is not None]
    la0, la1 = env.get("loadavg_start"), env.get("loadavg_end")
    busy = {p["cmd"][:90]: p["cores"] for key in ("busy_before_baseline", "busy_before_service") for p in env.get(key) or []}
    gen_m = d.get("machine_while_loading") or {}
    lines = [
        "# cobuild benchmark — latest run",
        "",
        f"Generated {doc['generated_at']} at commit `{m['commit']}` by `make bench` "
        f"({st['seconds']:g} s per operation and concurrency over HTTP, "
        f"{st['baseline_seconds']:g} s for the baseline; total {doc['total_seconds']:.0f} s). "
        "How to read it: [bench/README.md](../README.md).",
        "",
        f"**Machine**: {m['cores']} cores ({m['cpu']}), {m['memory_bytes'] / 1024 ** 3:.1f} GiB memory, "
        f"Python {m['python']}, LadybugDB {m['ladybug']}, {m['platform']}. "
        "The load generator runs on the same cores as the service.",
        "",
        "**Other load on the machine**: load average "
        + (f"{la0[0]:.2f} / {la0[1]:.2f} / {la0[2]:.2f} at the start" if la0 else "—")
        + (f", {la1[0]:.2f} / {la1[1]:.2f} / {la1[2]:.2f} at the end" if la1 else "")
        + (f"; CPU used by processes other than the bench and the service during the measured rows: "
           f"median {sorted(others)[len(others) // 2]:.2f} cores, max {max(others):.2f} cores "
           f"(column *other* below)" if others else "")
        + (f"; busy at the start of a phase: " + "; ".join(f"`{k}` ({v:.2f} cores)" for k, v in busy.items())
           if busy else "; nothing else was busy at the start of each phase")
        + ". Rows measured while others used a core are slower than on a quiet machine.",
        "",
        f"**Data**: `{d['scale']}` network, seed {d['seed']}: {d['nodes']:,} nodes, {d['relationships']:,} relationships; "
        f"bulk load {d['load_seconds']:.1f} s = **{d['relationships_per_second']:,} relationships/s** "
        f"({d['nodes_per_second']:,} nodes/s; generation {d['generate_seconds']:.1f} s"
        + ("" if d.get("generated_this_run") else
           f"; measured when the cached store was generated{' at ' + d['generated_at'] if d.get('generated_at') else ''}"
           f"{', commit `' + d['commit'] + '`' if d.get('commit') else ''}")
        + (f"; other processes used {gen_m['other_cores']:.2f} cores meanwhile" if gen_m.get("other_cores") is not None else "")
        + ").",
        "",
        *([f"**Warning**: cobuild's source changed during this run (capture {env.get('code_at_capture')}, "
           f"service start {env.get('code_at_service_start')}, end {env.get('code_at_end')}): the baseline and the "
           "service may have run different statements, and the ratios are not comparable.", ""]
          if len({env.get(k) for k in ("code_at_capture", "code_at_service_start", "code_at_end")} - {None}) > 1 else []),
        f"**Service**: cold start (spawn `cobuild serve` → `/readyz` 200) **{_f(s['cold_start_s'])} s**; "
        f"peak RSS (VmHWM) **{_mib(s['peak_rss_bytes'])}** (at the end {_mib(s['rss_at_end_bytes'])}).",
        "",
        "## Targets (issue #5 §6)",
        "",
        "| target | result | value |",
        "|---|---|---|",
    ]
    for t in doc["targets"]:
        lines.append(f"| {t['target']} | **{t['status']}** | {t['value']} |")
    misses = [t for t in doc["targets"] if t["status"] == "MISS"]
    if misses:
        lines += ["", "### What bounds the misses, and what would move them", ""]
        for t in misses:
            text = next((v for k, v in BOUNDS.items() if t["target"].startswith(k)), None)
            lines.append(f"- **{t['target']}** ({t['value']}): {text or 'not analysed yet.'}")
    lines += [
        "",
        "## Per operation and concurrency",
        "",
        "Latencies in ms, measured by the client (request sent → answer parsed). *baseline* = the same Cypher "
        "statement(s) the service sent for that request, run straight on `LadybugEngine.run` in the bench "
        "process (no GraphQL, no HTTP). *stmts* = graph statements per request from the service's access log "
        "(min/mean/max). *ratio* = GraphQL p50 / baseline p50. *other* = cores used by other processes on the "
        "machine while the row was measured.",
        "",
        "| op | c | p50 | p95 | p99 | req/s | errors | expected | stmts | base p50 | base p95 | base req/s | ratio | other |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for op in doc["operations"]:
        if not op["available"]:
            lines.append(f"| {op['key']} | — | not available: the schema has no `{op['root_field']}` | | | | | | | | | | | |")
            continue
        for r in op["levels"]:
            g, b, st_ = r["graphql"] or {}, r["baseline"] or {}, r["statements"]
            errs = g.get("errors", 0)
            err_txt = f"{errs} {g.get('error_codes')}" if errs else "0"
            exp = g.get("expected_errors", 0)
            exp_txt = f"{exp} ALREADY_CLAIMED" if exp else "0"
            st_txt = f"{st_['min']}/{st_['mean']:g}/{st_['max']}" if st_ else "—"
            lines.append(
                f"| {op['key']} | {r['concurrency']} | {_f(g.get('p50_ms'))} | {_f(g.get('p95_ms'))} | {_f(g.get('p99_ms'))} | "
                f"{_f(g.get('throughput_per_s'), 0)} | {err_txt} | {exp_txt} | {st_txt} | {_f(b.get('p50_ms'))} | "
                f"{_f(b.get('p95_ms'))} | {_f(b.get('throughput_per_s'), 0)} | {_f(r['p50_ratio'])} | {_f(_other(g))} |")
    cap_errs = {o["key"]: o.get("capture_errors") for o in doc["operations"] if o.get("capture_errors")}
    if cap_errs:
        lines += ["", "**Errors in the capture** (each variable set sent once, one at a time, in-process before the "
                  "baseline; those variable sets are left out of the baseline): "
                  + "; ".join(f"{k}: {v}" for k, v in cap_errs.items()) + "."]
    lines += ["", "## Service memory after each operation", "",
              "| after | RSS | peak RSS so far |", "|---|---:|---:|"]
    for op in doc["operations"]:
        mem = op.get("memory_after") or {}
        if mem:
            lines.append(f"| {op['key']} | {_mib(mem.get('VmRSS'))} | {_mib(mem.get('VmHWM'))} |")
    lines += ["", "## Operations", ""]
    for op in doc["operations"]:
        lines.append(f"- **{op['key']}** ({op['kind']} `{op['root_field']}`): {op['title']}")
    lines += ["", "The GraphQL documents, a sample of the baseline Cypher per operation and every figure above are in "
              "[latest.json](latest.json); the chart is [latency.png](latency.png).", "",
              "![latency percentiles](latency.png)", ""]
    return "\n".join(lines)


def chart(doc: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    levels = doc["settings"]["concurrency"]
    ops = [o for o in doc["operations"] if o["available"]]
    fig, axes = plt.subplots(1, len(levels), figsize=(5.2 * len(levels), 4.6), sharey=True, squeeze=False)
    width = 0.2
    for ax, c in zip(axes[0], levels):
        xs = list(range(len(ops)))
        for i, (pk, color) in enumerate((("p50_ms", "#4c72b0"), ("p95_ms", "#dd8452"), ("p99_ms", "#c44e52"))):
            ys = []
            for o in ops:
                r = _level(o, c)
                ys.append((r["graphql"] or {}).get(pk) or 0 if r else 0)
            ax.bar([x + (i - 1) * width for x in xs], ys, width, label=pk.replace("_ms", ""), color=color)
        bys = []
        for o in ops:
            r = _level(o, c)
            bys.append(((r["baseline"] or {}).get("p50_ms") if r else None))
        ax.scatter([x for x, y in zip(xs, bys) if y], [y for y in bys if y], marker="_", s=300, color="black",
                   label="baseline p50", zorder=3)
        ax.set_yscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels([o["key"] for o in ops])
        ax.set_title(f"concurrency {c}")
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0][0].set_ylabel("latency (ms, log scale)")
    axes[0][0].legend(loc="upper left", fontsize=8)
    m = doc["machine"]
    fig.suptitle(f"cobuild over HTTP, {doc['dataset']['scale']} network ({doc['dataset']['relationships']:,} rels), "
                 f"{m['cores']} cores — {doc['generated_at'][:10]}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write(doc: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "latest.json", out / "latest.md"]
    paths[0].write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(doc), encoding="utf-8")
    if chart(doc, out / "latency.png"):
        paths.append(out / "latency.png")
    return paths


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.report [latest.json]``: re-render latest.md and latency.png from the JSON of a run
    (targets recomputed, explanations from the current ``BOUNDS``); no measurement is changed."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else Path(__file__).resolve().parent / "results" / "latest.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["targets"] = targets(doc)
    (path.parent / "latest.md").write_text(markdown(doc), encoding="utf-8")
    chart(doc, path.parent / "latency.png")
    print(targets_text(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
