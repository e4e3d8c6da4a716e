"""The benchmark run: data → capture + baseline (engine only) → real service under uvicorn → report.

Phases, in this order because the embedded store admits one process at a time (ladybug-notes §7):

1. ``dataset.ensure_store``: the cached city network, copied to a working store.
2. In the bench process, with the store open: draw variables (Cypher), then *capture* the statements
   each GraphQL operation sends (the real app in-process over httpx's ASGI transport, with the
   engine's ``run`` recorded), then the *baseline*: those same statements sent straight to
   ``LadybugEngine.run`` — no GraphQL, no HTTP — at each concurrency. Store closed.
3. ``cobuild serve`` as a subprocess on 127.0.0.1:<free port> (from ``--service-root``'s checkout and venv
   when given); cold start = spawn → ``/readyz`` 200; per operation and concurrency a fixed time of load
   from ``wrk`` (``bench.loadgen``; the asyncio httpx client with ``--load httpx``, both with ``--load
   both``); CPU of the service's process tree and of the client per row; peak RSS from
   ``/proc/<pid>/status`` (VmHWM); statements and answers per row from the service's JSON access log.
   With ``--service-workers N`` a second service runs ``cobuild serve --workers N`` for a row set of reads.
4. ``report.write``: latest.json, latest.md, latency.png (with ``--compare``: today beside the before run).

With ``--service-root`` the capture and baseline run in that checkout's Python too (a subprocess that
imports this ``bench`` package and that checkout's ``cobuild``), so the statements replayed are the
service's own.
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

from bench import loadgen
from bench import workload as wl
from bench.dataset import ensure_store
from bench.machine import CpuWatch, busy_processes, cpu_seconds, loadavg, proc_tree, wait_idle
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
    p.add_argument("--load", choices=("wrk", "httpx", "both"), default="wrk",
                   help="load generator: wrk (compiled; the rows' figures), httpx (the asyncio Python client used "
                        "before), or both (wrk rows, and an httpx row beside each for comparison)")
    p.add_argument("--httpx-pool", choices=("shared", "per-worker"), default="shared",
                   help="httpx client: one shared client with a pool of c connections, or one client per worker")
    p.add_argument("--service-root", type=Path, default=None, metavar="PATH",
                   help="start `cobuild serve` from this checkout with its .venv (e.g. a worktree of the commit "
                        "before a change); the harness runs from here")
    p.add_argument("--service-workers", type=int, default=2, metavar="N",
                   help="also measure a row set of reads with `cobuild serve --workers N` (and COBUILD_WORKERS=N); "
                        "skipped with a note when the service refuses it; 0 or 1: no such row set")
    p.add_argument("--service-workers-ops", default="W0,W1,W2,W3,W7,W7n",
                   help="operations of the --service-workers row set (reads)")
    p.add_argument("--compare", default=None, metavar="PATH",
                   help="a before run's JSON to compare with (default bench/results/before.json when it exists; "
                        "'none' for no comparison)")
    p.add_argument("--profile", action="store_true",
                   help="run the service under py-spy: flame graph + top functions in the report folder "
                        "(latencies are inflated by sampling; for finding costs, not for figures)")
    args = p.parse_args(argv)
    if args.service_root is not None:
        args.service_root = args.service_root.resolve()
    return args


def service_root(args: argparse.Namespace) -> Path:
    return args.service_root or ROOT


def service_python(args: argparse.Namespace) -> str:
    """The Python that runs the service: ``--service-root``'s .venv, or this one."""
    if args.service_root is None:
        return sys.executable
    py = args.service_root / ".venv" / "bin" / "python"
    if not py.exists():
        raise SystemExit(f"{py} does not exist: run `make install` in {args.service_root} first")
    return str(py)


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
        wl.adapt_to_schema(ops, schema_fields)
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
        out["variants"] = {op.key: op.variants for op in ops}
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


def pre_phase(store: Path, ops: list[wl.Operation], args: argparse.Namespace, keys_path: Path, api_key: str,
              levels: list[int]) -> dict[str, Any]:
    """Capture + baseline, in this process, or — with ``--service-root`` — in that checkout's Python, so the
    statements captured and replayed are the ones its service sends. Sets each operation's variants."""
    if args.service_root is None:
        pre = asyncio.run(capture_and_baseline(store, ops, args, keys_path, api_key, levels))
    else:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="bench-pre-") as tmp:
            shim = Path(tmp) / "path"
            shim.mkdir()
            (shim / "bench").symlink_to(ROOT / "bench")  # this bench package, without this checkout's cobuild
            spec = {"store": str(store), "keys_path": str(keys_path), "api_key": api_key, "levels": levels,
                    "ops": [op.key for op in ops], "seed": args.seed, "variants": args.variants,
                    "no_baseline": args.no_baseline, "baseline_seconds": args.baseline_seconds}
            (Path(tmp) / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
            env = {**os.environ, "PYTHONPATH": str(shim)}
            code = ("import sys; from bench.run import pre_main; sys.exit(pre_main(sys.argv[1], sys.argv[2]))")
            r = subprocess.run([service_python(args), "-c", code, str(Path(tmp) / "spec.json"), str(Path(tmp) / "pre.json")],
                               cwd=shim, env=env, check=False)  # not the root: its own bench/ would come first
            if r.returncode != 0:
                raise SystemExit(f"the capture/baseline in {args.service_root} failed ({r.returncode})")
            pre = json.loads((Path(tmp) / "pre.json").read_text(encoding="utf-8"))
    for op in ops:
        op.variants = pre.get("variants", {}).get(op.key, op.variants)
    return pre


def pre_main(spec_path: str, out_path: str) -> int:
    """Entry of the ``--service-root`` subprocess: capture + baseline with that checkout's cobuild."""
    import cobuild

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    log(f"capture + baseline with cobuild from {Path(cobuild.__file__).parent}")
    args = argparse.Namespace(seed=spec["seed"], variants=spec["variants"], no_baseline=spec["no_baseline"],
                              baseline_seconds=spec["baseline_seconds"])
    ops = [op for op in wl.OPERATIONS if op.key in spec["ops"]]
    out = asyncio.run(capture_and_baseline(Path(spec["store"]), ops, args, Path(spec["keys_path"]), spec["api_key"],
                                           spec["levels"]))
    Path(out_path).write_text(json.dumps(out, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


async def _root_fields(app: Any, api_key: str) -> dict[str, set[str]]:
    q = "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        r = await client.post("/graphql", json={"query": q}, headers={"x-api-key": api_key})
    s = r.json()["data"]["__schema"]
    return {"query": {f["name"] for f in s["queryType"]["fields"]} | {"__typename"},
            "mutation": {f["name"] for f in (s.get("mutationType") or {"fields": []})["fields"]}}


async def _baseline_level(engine: Any, variants: list[list[Any]], c: int, seconds: float, rng: random.Random) -> Samples:
    samples = Samples()
    watch = CpuWatch(groups={"engine": lambda: [os.getpid()]}).start()  # the engine's threads are this process's
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
    runs = samples.n + sum(samples.errors.values())
    if runs and "engine_cpu_s" in samples.machine:  # CPU per request of the statements alone (bench process)
        samples.machine["cpu_ms_per_request"] = round(samples.machine["engine_cpu_s"] * 1000 / runs, 3)
    return samples


# ---------------------------------------------------------------------------------------------
# The service under uvicorn
# ---------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Refused(Exception):
    """The service exited before it was ready (e.g. it does not know ``--workers``): the message says why."""


class Server:
    def __init__(self, store: Path, keys_path: Path, log_path: Path, profile_to: Path | None = None, *,
                 python: str = sys.executable, root: Path = ROOT, workers: int = 0) -> None:
        self.profile_to = profile_to
        self.python = python
        self.root = root
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {**os.environ, "COBUILD_DB_PATH": str(store), "COBUILD_HOST": "127.0.0.1",
                    "COBUILD_PORT": str(self.port), "COBUILD_KEYS_PATH": str(keys_path),
                    "COBUILD_RATE_LIMIT_PER_S": "0", "COBUILD_LOG_LEVEL": "INFO"}
        self.env.pop("COBUILD_NEO4J_URI", None)
        self.env.pop("COBUILD_WORKERS", None)
        if workers:
            self.env["COBUILD_WORKERS"] = str(workers)
        self.proc: subprocess.Popen[bytes] | None = None
        self.cold_start_s: float | None = None

    def start(self) -> None:
        fh = self.log_path.open("wb")
        t0 = time.perf_counter()
        cmd = [self.python, "-m", "cobuild.cli", "serve"] + (["--workers", str(self.workers)] if self.workers else [])
        if self.profile_to is not None:  # py-spy starts the service as its child
            cmd = [str(Path(sys.executable).with_name("py-spy")), "record", "--rate", "200", "--format", "raw",
                   "--output", str(self.profile_to), "--"] + cmd
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=self.root, stdout=fh, stderr=subprocess.STDOUT)
        with httpx.Client(timeout=1.0) as client:
            while True:
                if self.proc.poll() is not None:
                    tail = self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-6:]
                    raise Refused(f"`{' '.join(cmd[cmd.index('-m'):])}` exited with {self.proc.returncode}: "
                                  + " / ".join(line.strip() for line in tail))
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

    def processes(self) -> list[int]:
        """The service's process tree: uvicorn's supervisor and its workers (one pid without --workers)."""
        return proc_tree(self.pid)

    def memory(self) -> dict[str, int]:
        """VmRSS / VmHWM summed over the service's processes (one process without --workers)."""
        out = {"VmHWM": 0, "VmRSS": 0}
        for pid in self.processes():
            try:
                with open(f"/proc/{pid}/status", encoding="ascii") as fh:
                    for line in fh:
                        k, _, v = line.partition(":")
                        if k in out:
                            out[k] += int(v.split()[0]) * 1024
            except OSError:
                continue
        out["processes"] = len(self.processes())
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


def measure_row(server: Server, op: wl.Operation, c: int, seconds: float, tool: str, args: argparse.Namespace,
                api_key: str, rng: random.Random, tag: str, claims: loadgen.ClaimPool | None,
                variants: list[dict[str, Any]]) -> dict[str, Any]:
    """One row: ``c`` connections for ``seconds`` with ``tool`` (wrk | httpx). The CPU window runs from the
    start of the load until the service is idle again, so the work on requests still in flight when the
    load tool stops (wrk drops them; the service finishes them) is inside it; it is divided by the answers
    the service logged for this row's tag (``service_cpu_ms_per_request``, set in ``per_request_cpu``)."""
    expected = EXPECTED.get(op.key, set())
    watch = CpuWatch(groups={"bench": lambda: [os.getpid()], "service": server.processes}).start()
    client0 = cpu_seconds([os.getpid()])  # this process, and the wrk child once it is reaped (cutime)
    t0 = time.perf_counter()
    if tool == "wrk":
        if claims is not None:  # W8: the fresh demands left, each claimed once; none left: repeats
            pool, consume = (claims.fresh, True) if claims.fresh else (claims.used, False)
        else:
            pool, consume = variants, False
        summary, used = loadgen.run_wrk(server.base, api_key, op.query, pool, c, seconds, tag, expected=expected,
                                        consume=consume, rng=rng)
        if claims is not None and consume:
            claims.take(used)
    else:
        next_variables = claims.next if claims is not None else (lambda: variants[rng.randrange(len(variants))])
        summary = asyncio.run(loadgen.drive_httpx(
            server.base, api_key, op.query, c, seconds, next_variables, tag,
            lambda status, body: classify(op.key, status, body), expected=expected, pool=args.httpx_pool))
    client_s, load_s = cpu_seconds([os.getpid()]) - client0, time.perf_counter() - t0  # the load alone, not the drain
    summary["drain_s"] = round(wait_idle(server.processes), 2)
    summary["machine"] = watch.stop()
    summary["machine"]["client_cpu_s"] = round(client_s, 3)
    summary["machine"]["client_cores"] = round(client_s / load_s, 3) if load_s > 0 else None
    if summary["requests"]:
        summary["client_cpu_ms_per_request"] = round(client_s * 1000 / summary["requests"], 3)
    summary["tag"] = tag
    return summary


def load_phase(server: Server, ops: list[wl.Operation], levels: list[int], args: argparse.Namespace,
               api_key: str, available: set[str], tools: list[str]) -> dict[str, Any]:
    """Every operation at every concurrency with ``tools[0]`` (the row), and ``tools[1:]`` beside it.
    Results: ``{op: {"<c>": summary, "<c>-httpx": summary, "memory_after": …}}``."""
    results: dict[str, Any] = {}
    rng = random.Random(args.seed)
    for op in ops:
        if op.key not in available:
            continue
        wait_quiet(min(args.wait_quiet, 120), exclude=set(server.processes()))  # per operation, on a shared machine
        claims = loadgen.ClaimPool(op.variants, rng) if op.key == "W8" else None
        variants = op.variants or [{}]
        if op.key != "W8":  # warm-up: plans, caches, connections (not recorded)
            measure_row(server, op, 2, min(1.0, args.seconds), tools[0], args, api_key, rng, f"warm.{op.key}", None,
                        variants)
        results[op.key] = {}
        for c in levels:
            for i, tool in enumerate(tools):
                key = str(c) if i == 0 else f"{c}-{tool}"
                s = measure_row(server, op, c, args.seconds, tool, args, api_key, rng, f"{op.key}.c{key}", claims,
                                variants)
                results[op.key][key] = s
                extra = f", expected {s['expected_error_codes']}" if s["expected_errors"] else ""
                m = s["machine"]
                log(f"{tool:5} {op.key} c={c}: p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, {s['throughput_per_s']:.0f}/s, "
                    f"{s['requests']} answers, errors {s['error_codes']}{extra}; service {m.get('service_cores')} cores, "
                    f"client {m.get('client_cores')} cores, other {m.get('other_cores')} cores, service threads waiting for a "
                    f"core {m.get('service_runqueue_wait_threads')}")
        mem = server.memory()
        results[op.key]["memory_after"] = mem
        log(f"  service memory after {op.key}: RSS {mem.get('VmRSS', 0) / 2**20:.0f} MiB, peak {mem.get('VmHWM', 0) / 2**20:.0f} MiB")
    return results


def per_request_cpu(graphql: dict[str, Any], statements: dict[str, Any]) -> None:
    """``service_cpu_ms_per_request`` of each row: the service's CPU over the row ÷ the answers the service
    logged for the row (its access log, every request with the row's tag; the client's count if absent)."""
    for op_key, rows in graphql.items():
        for key, s in rows.items():
            if not isinstance(s, dict) or "machine" not in s:
                continue
            cpu = s["machine"].get("service_cpu_s")
            logged = (statements.get(op_key, {}).get(key) or {}).get("requests")
            answers = logged or s.get("requests")
            s["service_answers"] = answers
            s["service_answers_from"] = "access log" if logged else "client"
            if cpu is not None and answers:
                s["service_cpu_ms_per_request"] = round(cpu * 1000 / answers, 3)


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


def make_key(keys_path: Path, python: str = sys.executable, root: Path = ROOT) -> str:
    keys_path.unlink(missing_ok=True)
    env = {**os.environ, "COBUILD_KEYS_PATH": str(keys_path)}
    r = subprocess.run([python, "-m", "cobuild.cli", "keys", "create", "--role", "admin", "--name", "bench", "--json"],
                       env=env, cwd=root, capture_output=True, text=True, check=True)
    return str(json.loads(r.stdout.strip().splitlines()[-1])["key"])


def code_fingerprint(root: Path = ROOT) -> str:
    """A hash of cobuild's source: the baseline replays the statements captured from this code, so the
    service must start on the same code (others may be editing the checkout during a run)."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted((root / "cobuild").rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
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


def git_commit(root: Path) -> str:
    r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False, cwd=root)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "cobuild"], capture_output=True, text=True,
                           check=False, cwd=root).stdout.strip()
    return r.stdout.strip() + ("+changes" if dirty else "")


def compare_path(args: argparse.Namespace) -> Path | None:
    if args.compare is None:
        default = ROOT / "bench" / "results" / "before.json"
        return default if default.exists() else None
    return None if args.compare.lower() == "none" else Path(args.compare)


def workers_row_set(args: argparse.Namespace, store: Path, keys_path: Path, api_key: str, ops: list[wl.Operation],
                    levels: list[int], available: set[str], tools: list[str]) -> dict[str, Any]:
    """The reads again on ``cobuild serve --workers N``; a service that refuses is reported, not fatal."""
    n = args.service_workers
    wanted = {k.strip() for k in args.service_workers_ops.split(",") if k.strip()}
    chosen = [op for op in ops if op.key in wanted and op.kind == "query"]
    out: dict[str, Any] = {"workers": n, "ops": [op.key for op in chosen]}
    server = Server(store, keys_path, args.data_dir / f"bench-server-w{n}.log", python=service_python(args),
                    root=service_root(args), workers=n)
    wait_quiet(args.wait_quiet)
    log(f"starting the service with --workers {n} …")
    try:
        server.start()
    except Refused as exc:
        log(f"--workers {n}: the service refused ({exc}); row set skipped")
        out["refused"] = str(exc)[:1000]
        return out
    try:
        out["processes"] = len(server.processes())
        out["cold_start_s"] = round(server.cold_start_s or 0, 3)
        log(f"ready in {server.cold_start_s:.2f}s with {out['processes']} processes")
        out["graphql"] = load_phase(server, chosen, levels, args, api_key, available, tools)
        out["memory"] = server.memory()
    finally:
        server.stop()
    statements = statements_from_log(server.access_lines())
    per_request_cpu(out["graphql"], statements)
    out["statements"] = statements
    return out


def main(argv: list[str] | None = None) -> int:
    from bench import report

    args = parse_args(argv)
    started = time.perf_counter()
    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    wanted = [k.strip() for k in args.ops.split(",") if k.strip()]
    ops = [op for op in wl.OPERATIONS if op.key in wanted]
    tools = {"wrk": ["wrk"], "httpx": ["httpx"], "both": ["wrk", "httpx"]}[args.load]
    if "wrk" in tools:
        loadgen.wrk_path()  # fail now, with the message, not after the capture
    python, sroot = service_python(args), service_root(args)
    before = compare_path(args)
    env: dict[str, Any] = {"loadavg_start": loadavg(), "service_root": str(sroot), "service_commit": git_commit(sroot),
                           "harness_commit": git_commit(ROOT), "load_tools": tools,
                           "httpx_pool": args.httpx_pool if "httpx" in tools else None}
    if args.regenerate or not (args.data_dir / f"bench-{args.scale}-seed{args.seed}.lbdb.load.json").exists():
        wait_quiet(args.wait_quiet)  # the bulk-load rate is measured now
    store, load_report = ensure_store(args.data_dir, args.scale, args.seed, regenerate=args.regenerate, log=log)
    keys_path = args.data_dir / "bench-keys.json"
    api_key = make_key(keys_path, python, sroot)

    wait_quiet(args.wait_quiet)
    env["busy_before_baseline"] = busy_processes({os.getpid()})
    env["code_at_capture"] = code_fingerprint(sroot)
    pre = pre_phase(store, ops, args, keys_path, api_key, levels)
    fields = pre["schema_fields"]
    wl.adapt_to_schema(ops, {k: set(v) for k, v in fields.items()})  # the capture may have run in another Python
    available = {op.key for op in ops if op.root_field in set(fields.get(op.kind, []))}
    missing = {op.key: op.root_field for op in ops if op.key not in available}
    if missing:
        log(f"not available in this schema (reported, not run): {missing}")

    profile_raw = args.out / "profile.raw" if args.profile else None
    if profile_raw is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    server = Server(store, keys_path, args.data_dir / "bench-server.log", profile_to=profile_raw, python=python, root=sroot)
    wait_quiet(args.wait_quiet)
    env["busy_before_service"] = busy_processes({os.getpid()})
    log(f"starting the service (cobuild serve under uvicorn, from {sroot}) …")
    try:
        server.start()
    except Refused as exc:
        raise SystemExit(str(exc)) from None
    env["code_at_service_start"] = code_fingerprint(sroot)
    if env["code_at_service_start"] != env["code_at_capture"]:
        log("WARNING: cobuild's code changed between the capture and the service start; the baseline and the "
            "service may run different statements (see the report)")
    log(f"ready in {server.cold_start_s:.2f}s on {server.base}; load: {' + '.join(tools)}")
    try:
        graphql = load_phase(server, ops, levels, args, api_key, available, tools)
        memory = server.memory()
    finally:
        server.stop()
    statements = statements_from_log(server.access_lines())
    per_request_cpu(graphql, statements)
    workers = None
    if args.service_workers > 1:
        workers = workers_row_set(args, store, keys_path, api_key, ops, levels, available, tools)
    env["loadavg_end"] = loadavg()
    env["code_at_end"] = code_fingerprint(sroot)
    if profile_raw is not None and profile_raw.exists():
        from bench.profile import summarize

        top = args.out / "profile-top.txt"
        top.write_text(summarize(profile_raw, title=f"py-spy, ops {args.ops}, {args.scale}"), encoding="utf-8")
        log(f"profile: {profile_raw} (collapsed stacks; flamegraph.pl or speedscope.app read it), summary {top}")
    doc = report.build(
        args=args, levels=levels, ops=ops, load_report=load_report, pre=pre, graphql=graphql,
        statements=statements, memory=memory, cold_start_s=server.cold_start_s, missing=missing,
        total_s=time.perf_counter() - started, env=env, workers=workers,
    )
    if before is not None:
        doc["compare_with"] = str(before)
    paths = report.write(doc, args.out, before=report.load(before) if before is not None else None)
    log(f"report: {', '.join(str(p) for p in paths)} (total {time.perf_counter() - started:.0f}s)")
    print(report.targets_text(doc))
    return 0
