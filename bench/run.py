"""The benchmark run: data → capture + baseline (engine only) → real service under uvicorn → report.

Phases, in this order because the embedded store admits one process at a time (ladybug-notes §7):

1. ``dataset.ensure_store``: the cached city network, copied to a working store.
2. In the bench process, with the store open: draw variables (Cypher), then *capture* the statements
   each GraphQL operation sends (the real app in-process over httpx's ASGI transport, with the
   engine's ``run`` recorded), then the *baseline*: those same statements sent straight to
   ``LadybugEngine.run`` — no GraphQL, no HTTP — at each concurrency. Store closed.
3. ``cobuild serve`` as a subprocess on 127.0.0.1:<free port>; cold start = spawn → ``/readyz`` 200;
   an asyncio httpx load generator per operation and concurrency for a fixed time; peak RSS from
   ``/proc/<pid>/status`` (VmHWM); statements per request from the service's JSON access log.
4. ``report.write``: latest.json, latest.md, latency.png.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import httpx

from bench import workload as wl
from bench.dataset import ensure_store
from bench.machine import CpuWatch, busy_processes, loadavg
from bench.stats import Samples

ROOT = Path(__file__).resolve().parent.parent


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description="City-scale benchmark of the cobuild service (issue #5).")
    p.add_argument("--scale", default="city", help="generator scale (city; district for a quick run)")
    p.add_argument("--seed", type=int, default=1, help="generator seed and the seed of the variable draw")
    p.add_argument("--seconds", type=float, default=10.0, help="time per operation per concurrency level over HTTP")
    p.add_argument("--baseline-seconds", type=float, default=5.0, help="time per operation per concurrency level for the baseline")
    p.add_argument("--concurrency", default="1,8,32", help="comma-separated concurrency levels")
    p.add_argument("--ops", default="W0,W1,W2,W3,W4,W5,W6,W7,W7n,W8",
                   help="operations to run (W0 = `{ __typename }`, the floor of HTTP + GraphQL)")
    p.add_argument("--variants", type=int, default=60,
                   help="variable sets drawn per operation (each is also run once in-process to capture its statements)")
    p.add_argument("--data-dir", type=Path, default=ROOT / "data", help="where the cached network lives")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="report folder")
    p.add_argument("--regenerate", action="store_true", help="regenerate the network even when cached")
    p.add_argument("--no-baseline", action="store_true", help="skip the baseline phase")
    p.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                   help="before measuring, wait up to SECONDS for other processes to use < 0.3 cores (shared machines)")
    p.add_argument("--profile", action="store_true",
                   help="run the service under py-spy: flame graph + top functions in the report folder "
                        "(latencies are inflated by sampling; for finding costs, not for figures)")
    return p.parse_args(argv)


# ---------------------------------------------------------------------------------------------
# GraphQL answers: errors, expected errors
# ---------------------------------------------------------------------------------------------
EXPECTED = {"W8": {"ALREADY_CLAIMED"}}  # repeating a claim on an already claimed demand is the rule working


def classify(op_key: str, status: int, body: Any) -> tuple[bool, str | None]:
    """(ok, error code). ``ok`` is False for errors; expected codes come back with ok=False too but are
    counted apart by the caller."""
    if status != 200:
        code = None
        if isinstance(body, dict):
            errs = body.get("errors") or []
            code = (errs[0].get("extensions") or {}).get("code") if errs else None
        return False, code or f"HTTP_{status}"
    errs = body.get("errors") if isinstance(body, dict) else None
    if errs:
        return False, (errs[0].get("extensions") or {}).get("code") or "UNKNOWN"
    if not isinstance(body, dict) or body.get("data") is None:
        return False, "NO_DATA"
    return True, None


# ---------------------------------------------------------------------------------------------
# Capture + baseline (engine only)
# ---------------------------------------------------------------------------------------------
async def capture_and_baseline(store: Path, ops: list[wl.Operation], args: argparse.Namespace, keys_path: Path,
                               api_key: str, levels: list[int]) -> dict[str, Any]:
    from cobuild.app import create_app
    from cobuild.config import Settings
    from cobuild.graph.engines import make_engine

    settings = Settings(db_path=store, neo4j_uri=None, keys_path=keys_path, rate_limit_per_s=0, log_level="WARNING")
    engine = make_engine(settings)
    await engine.open()
    out: dict[str, Any] = {"facts": {}, "captured": {}, "baseline": {}, "inprocess_statements": {}, "capture_errors": {}}
    try:
        t0 = time.perf_counter()
        out["facts"] = await wl.draw_variables(engine, random.Random(args.seed), args.variants)
        log(f"variables drawn in {time.perf_counter() - t0:.1f}s: {out['facts']}")

        recorded: list[Any] = []
        real_run = engine.run

        async def recording_run(stmt: Any, mode: str = "read", **kw: Any) -> Any:
            recorded.append((stmt, mode))
            return await real_run(stmt, mode, **kw)

        engine.run = recording_run  # type: ignore[method-assign]
        app = create_app(settings, engine=engine)
        schema_fields = await _root_fields(app, api_key)
        captured: dict[str, list[list[Any]]] = {}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            for op in ops:
                if op.root_field not in schema_fields.get(op.kind, set()):
                    continue
                if op.kind != "query":
                    continue  # a mutation's baseline would have to reimplement its unit of work
                if op.key in ("W7n", "W0"):
                    continue  # W7n is captured with W7; W0 sends no statement
                stmts_per_variant: list[list[Any]] = []
                counts: list[int] = []
                for variables in op.variants:
                    recorded.clear()
                    r = await client.post("/graphql", json={"query": op.query, "variables": variables},
                                          headers={"x-api-key": api_key})
                    body = r.json()
                    ok, code = classify(op.key, r.status_code, body)
                    if not ok:  # counted and reported; the baseline replays the variants that answered
                        failures = out["capture_errors"].setdefault(op.key, {})
                        failures[code or "UNKNOWN"] = failures.get(code or "UNKNOWN", 0) + 1
                        if code in (None, "UNKNOWN", "INTERNAL", "NO_DATA") or code.startswith("HTTP_"):
                            raise SystemExit(f"{op.key} failed in capture with {code}: "
                                             f"{json.dumps(body, ensure_ascii=False)[:600]}")
                        continue
                    counts.append(len(recorded))
                    stmts_per_variant.append([s for s, _m in recorded])
                    if op.key == "W7":
                        page = body["data"]["units"]["pageInfo"]
                        if page["hasNextPage"]:
                            wl.W7N.variants.append({**variables, "after": page["endCursor"]})
                if not stmts_per_variant:
                    log(f"capture {op.key}: no variant answered ({out['capture_errors'].get(op.key)}); no baseline")
                    continue
                captured[op.key] = stmts_per_variant
                out["inprocess_statements"][op.key] = {"min": min(counts), "max": max(counts)}
                if op.key == "W7" and wl.W7N in ops:
                    if not wl.W7N.variants:
                        raise SystemExit("W7: no drawn filter has a second page; draw more variants")
                    counts = []
                    stmts_per_variant = []
                    for variables in wl.W7N.variants:
                        recorded.clear()
                        r = await client.post("/graphql", json={"query": wl.W7N.query, "variables": variables},
                                              headers={"x-api-key": api_key})
                        ok, code = classify("W7n", r.status_code, r.json())
                        if not ok:
                            raise SystemExit(f"W7n failed in capture with {code}: {r.text[:600]}")
                        counts.append(len(recorded))
                        stmts_per_variant.append([s for s, _m in recorded])
                    captured["W7n"] = stmts_per_variant
                    out["inprocess_statements"]["W7n"] = {"min": min(counts), "max": max(counts)}
                log(f"captured {op.key}: {len(stmts_per_variant)} of {len(op.variants)} variants answered "
                    f"(errors {out['capture_errors'].get(op.key, {})}), statements/request "
                    f"{out['inprocess_statements'][op.key]}")
        engine.run = real_run  # type: ignore[method-assign]
        out["schema_fields"] = {k: sorted(v) for k, v in schema_fields.items()}
        out["captured"] = {k: [[{"text": s.text, "params": s.params} for s in v] for v in vs[:1]]
                           for k, vs in captured.items()}  # one sample each, to rerun by hand

        if not args.no_baseline:
            for op in ops:
                if op.key not in captured:
                    continue
                variants = captured[op.key]
                out["baseline"][op.key] = {}
                for c in levels:
                    s = await _baseline_level(engine, variants, c, args.baseline_seconds, random.Random(args.seed))
                    out["baseline"][op.key][str(c)] = s.summary()
                    log(f"baseline {op.key} c={c}: p50 {s.pct(50):.2f} ms, {s.throughput():.0f}/s ({s.n} runs)")
    finally:
        await engine.close()
    return out


async def _root_fields(app: Any, api_key: str) -> dict[str, set[str]]:
    q = "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        r = await client.post("/graphql", json={"query": q}, headers={"x-api-key": api_key})
    s = r.json()["data"]["__schema"]
    return {"query": {f["name"] for f in s["queryType"]["fields"]} | {"__typename"},
            "mutation": {f["name"] for f in (s.get("mutationType") or {"fields": []})["fields"]}}


async def _baseline_level(engine: Any, variants: list[list[Any]], c: int, seconds: float, rng: random.Random) -> Samples:
    samples = Samples()
    watch = CpuWatch([os.getpid()]).start()
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()

    async def worker() -> None:
        while time.perf_counter() < deadline:
            stmts = variants[rng.randrange(len(variants))]
            t0 = time.perf_counter()
            try:
                for stmt in stmts:
                    await engine.run(stmt)
                samples.add((time.perf_counter() - t0) * 1000)
            except Exception as exc:  # noqa: BLE001 — counted, never hidden
                samples.error(type(exc).__name__)

    await asyncio.gather(*(worker() for _ in range(c)))
    samples.elapsed = time.perf_counter() - started
    samples.machine = watch.stop()
    return samples


# ---------------------------------------------------------------------------------------------
# The service under uvicorn
# ---------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, store: Path, keys_path: Path, log_path: Path, profile_to: Path | None = None) -> None:
        self.profile_to = profile_to
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {**os.environ, "COBUILD_DB_PATH": str(store), "COBUILD_HOST": "127.0.0.1",
                    "COBUILD_PORT": str(self.port), "COBUILD_KEYS_PATH": str(keys_path),
                    "COBUILD_RATE_LIMIT_PER_S": "0", "COBUILD_LOG_LEVEL": "INFO"}
        self.env.pop("COBUILD_NEO4J_URI", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.cold_start_s: float | None = None

    def start(self) -> None:
        fh = self.log_path.open("wb")
        t0 = time.perf_counter()
        cmd = [sys.executable, "-m", "cobuild.cli", "serve"]
        if self.profile_to is not None:  # py-spy starts the service as its child
            cmd = [str(Path(sys.executable).with_name("py-spy")), "record", "--rate", "200", "--format", "raw",
                   "--output", str(self.profile_to), "--"] + cmd
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
        with httpx.Client(timeout=1.0) as client:
            while True:
                if self.proc.poll() is not None:
                    raise SystemExit(f"the service exited with {self.proc.returncode}; see {self.log_path}")
                try:
                    if client.get(self.base + "/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.perf_counter() - t0 > 120:
                    raise SystemExit(f"the service was not ready after 120 s; see {self.log_path}")
                time.sleep(0.01)
        self.cold_start_s = time.perf_counter() - t0

    @property
    def pid(self) -> int:
        """The service's pid (under --profile, py-spy's child)."""
        assert self.proc is not None
        if self.profile_to is None:
            return self.proc.pid
        try:
            kids = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            return int(kids[0]) if kids else self.proc.pid
        except OSError:
            return self.proc.pid

    def memory(self) -> dict[str, int]:
        out = {}
        with open(f"/proc/{self.pid}/status", encoding="ascii") as fh:
            for line in fh:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS"):
                    out[k] = int(v.split()[0]) * 1024
        return out

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        if self.profile_to is not None:
            os.kill(self.pid, signal.SIGINT)  # the service stops; py-spy then writes its output
        else:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def access_lines(self) -> list[dict[str, Any]]:
        out = []
        for raw in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if not raw.startswith("{"):
                continue
            try:
                doc = json.loads(raw)
            except ValueError:
                continue
            if doc.get("logger") == "cobuild.access":
                out.append(doc)
        return out


async def drive(base: str, api_key: str, op: wl.Operation, c: int, seconds: float, rng: random.Random,
                next_variables: Callable[[], dict[str, Any]], tag: str, pids: list[int] | None = None) -> Samples:
    samples = Samples()
    watch = CpuWatch([os.getpid(), *(pids or [])]).start()
    limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
    seq = [0]
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0, headers={"x-api-key": api_key}) as client:
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()

        async def worker() -> None:
            while time.perf_counter() < deadline:
                seq[0] += 1
                rid = f"{tag}.{seq[0]}"
                variables = next_variables()
                t0 = time.perf_counter()
                try:
                    r = await client.post("/graphql", json={"query": op.query, "variables": variables},
                                          headers={"x-request-id": rid})
                    ms = (time.perf_counter() - t0) * 1000
                    try:
                        body = r.json()
                    except ValueError:
                        body = None
                    ok, code = classify(op.key, r.status_code, body)
                except httpx.HTTPError as exc:
                    ms, ok, code = (time.perf_counter() - t0) * 1000, False, type(exc).__name__
                if ok:
                    samples.add(ms)
                elif code in EXPECTED.get(op.key, ()):
                    samples.add(ms)
                    samples.expected(code)
                else:
                    samples.error(code or "UNKNOWN")

        await asyncio.gather(*(worker() for _ in range(c)))
        samples.elapsed = time.perf_counter() - started
    samples.machine = watch.stop()
    return samples


async def load_phase(server: Server, ops: list[wl.Operation], levels: list[int], args: argparse.Namespace,
                     api_key: str, available: set[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    rng = random.Random(args.seed)
    for op in ops:
        if op.key not in available:
            continue
        wait_quiet(min(args.wait_quiet, 120), exclude={server.pid})  # per operation, on a shared machine
        if op.key == "W8":
            queue = collections.deque(op.variants)
            used: list[dict[str, Any]] = []

            def next_variables(queue: Any = queue, used: list[Any] = used) -> dict[str, Any]:
                if queue:  # a fresh PUBLISHED demand each time …
                    v = queue.popleft()
                    used.append(v)
                    return v
                return used[rng.randrange(len(used))]  # … until they run out: then ALREADY_CLAIMED, expected
        else:
            variants = op.variants or [{}]

            def next_variables(variants: list[Any] = variants) -> dict[str, Any]:
                return variants[rng.randrange(len(variants))]

        if op.key != "W8":  # warm-up: plans, caches, connections (not recorded)
            await drive(server.base, api_key, op, 2, min(1.0, args.seconds), rng, next_variables, f"warm.{op.key}")
        results[op.key] = {}
        for c in levels:
            s = await drive(server.base, api_key, op, c, args.seconds, rng, next_variables, f"{op.key}.c{c}", [server.pid])
            results[op.key][str(c)] = s.summary()
            extra = f", expected {dict(s.expected_codes)}" if s.expected_codes else ""
            log(f"graphql {op.key} c={c}: p50 {s.pct(50):.2f} ms, p99 {s.pct(99):.2f} ms, {s.throughput():.0f}/s, "
                f"{s.n} ok, errors {dict(s.errors)}{extra}; other processes {s.machine.get('other_cores')} cores")
        mem = server.memory()
        results[op.key]["memory_after"] = mem
        log(f"  service memory after {op.key}: RSS {mem.get('VmRSS', 0) / 2**20:.0f} MiB, peak {mem.get('VmHWM', 0) / 2**20:.0f} MiB")
    return results


def statements_from_log(lines: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """requestId ``W1.c8.123`` → per operation and concurrency: statements per request (min/mean/max)."""
    acc: dict[tuple[str, str], list[int]] = collections.defaultdict(list)
    for doc in lines:
        rid = str(doc.get("requestId") or "")
        parts = rid.split(".")
        if len(parts) != 3 or not parts[1].startswith("c") or doc.get("statements") is None:
            continue
        acc[(parts[0], parts[1][1:])].append(int(doc["statements"]))
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for (op, c), xs in acc.items():
        out.setdefault(op, {})[c] = {"requests": len(xs), "min": min(xs), "mean": round(sum(xs) / len(xs), 3), "max": max(xs)}
    return out


def make_key(keys_path: Path) -> str:
    keys_path.unlink(missing_ok=True)
    env = {**os.environ, "COBUILD_KEYS_PATH": str(keys_path)}
    r = subprocess.run([sys.executable, "-m", "cobuild.cli", "keys", "create", "--role", "admin", "--name", "bench", "--json"],
                       env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return str(json.loads(r.stdout.strip().splitlines()[-1])["key"])


def code_fingerprint() -> str:
    """A hash of cobuild's source: the baseline replays the statements captured from this code, so the
    service must start on the same code (others may be editing the checkout during a run)."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted((ROOT / "cobuild").rglob("*.py")):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def wait_quiet(limit_s: float, threshold: float = 0.3, exclude: set[int] | None = None) -> None:
    """Wait (at most ``limit_s``) until processes other than this one (and ``exclude``) use < ``threshold`` cores."""
    if limit_s <= 0:
        return
    t0 = time.perf_counter()
    while True:
        busy = busy_processes({os.getpid(), *(exclude or set())}, min_cpu=0.05, sample_s=2.0)
        other = sum(p["cores"] for p in busy)
        if other < threshold:
            log(f"machine quiet (other processes {other:.2f} cores)")
            return
        if time.perf_counter() - t0 > limit_s:
            log(f"machine still busy after {limit_s:.0f}s (other processes {other:.2f} cores); measuring anyway")
            return
        log(f"waiting for a quiet machine: other processes use {other:.2f} cores "
            f"({', '.join(p['cmd'][:60] for p in busy[:2])})")
        time.sleep(8)


def main(argv: list[str] | None = None) -> int:
    from bench import report

    args = parse_args(argv)
    started = time.perf_counter()
    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    wanted = [k.strip() for k in args.ops.split(",") if k.strip()]
    ops = [op for op in wl.OPERATIONS if op.key in wanted]
    env: dict[str, Any] = {"loadavg_start": loadavg()}
    if args.regenerate or not (args.data_dir / f"bench-{args.scale}-seed{args.seed}.lbdb.load.json").exists():
        wait_quiet(args.wait_quiet)  # the bulk-load rate is measured now
    store, load_report = ensure_store(args.data_dir, args.scale, args.seed, regenerate=args.regenerate, log=log)
    keys_path = args.data_dir / "bench-keys.json"
    api_key = make_key(keys_path)

    wait_quiet(args.wait_quiet)
    env["busy_before_baseline"] = busy_processes({os.getpid()})
    env["code_at_capture"] = code_fingerprint()
    pre = asyncio.run(capture_and_baseline(store, ops, args, keys_path, api_key, levels))
    fields = pre["schema_fields"]
    available = {op.key for op in ops if op.root_field in set(fields.get(op.kind, []))}
    missing = {op.key: op.root_field for op in ops if op.key not in available}
    if missing:
        log(f"not available in this schema (reported, not run): {missing}")

    profile_raw = args.out / "profile.raw" if args.profile else None
    if profile_raw is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    server = Server(store, keys_path, args.data_dir / "bench-server.log", profile_to=profile_raw)
    wait_quiet(args.wait_quiet)
    env["busy_before_service"] = busy_processes({os.getpid()})
    log("starting the service (cobuild serve under uvicorn) …")
    server.start()
    env["code_at_service_start"] = code_fingerprint()
    if env["code_at_service_start"] != env["code_at_capture"]:
        log("WARNING: cobuild's code changed between the capture and the service start; the baseline and the "
            "service may run different statements (see the report)")
    log(f"ready in {server.cold_start_s:.2f}s on {server.base}")
    try:
        graphql = asyncio.run(load_phase(server, ops, levels, args, api_key, available))
        memory = server.memory()
    finally:
        server.stop()
    env["loadavg_end"] = loadavg()
    env["code_at_end"] = code_fingerprint()
    if profile_raw is not None and profile_raw.exists():
        from bench.profile import summarize

        top = args.out / "profile-top.txt"
        top.write_text(summarize(profile_raw, title=f"py-spy, ops {args.ops}, {args.scale}"), encoding="utf-8")
        log(f"profile: {profile_raw} (collapsed stacks; flamegraph.pl or speedscope.app read it), summary {top}")
    statements = statements_from_log(server.access_lines())
    doc = report.build(
        args=args, levels=levels, ops=ops, load_report=load_report, pre=pre, graphql=graphql,
        statements=statements, memory=memory, cold_start_s=server.cold_start_s, missing=missing,
        total_s=time.perf_counter() - started, env=env,
    )
    paths = report.write(doc, args.out)
    log(f"report: {', '.join(str(p) for p in paths)} (total {time.perf_counter() - started:.0f}s)")
    print(report.targets_text(doc))
    return 0
