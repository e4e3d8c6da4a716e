"""The load generators: ``wrk`` (compiled, the default) and the asyncio httpx client (for comparison).

Why two: the client runs on the same 2 cores as the service. An asyncio httpx client spends a few
hundred µs of Python per request (building the request, the connection pool's bookkeeping, parsing the
JSON answer) on one core — at a few thousand requests/s that is most of a core taken from the service,
and httpx's pool gets slower per request as it holds more connections. ``wrk`` (C, epoll, one event
loop per thread) spends a few µs per request, so a row measures the service. Both are closed-loop:
each of ``c`` connections sends its next request when the previous answer arrived.

The wrk path: the harness writes the operation's request bodies (one JSON per line) to a file; the Lua
script ``bench/wrk/graphql.lua`` formats them once per thread and rotates them (W8: each thread takes its
share of fresh demands once, then repeats them — ``ALREADY_CLAIMED``, counted as expected). Latency
percentiles come from wrk's own histogram (every answer, errors included); per-code error counts from
the script's ``response()`` hook (non-2xx statuses, and 2xx bodies that contain ``"errors"``).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from bench.stats import Samples

LUA = Path(__file__).resolve().parent / "wrk" / "graphql.lua"
WRK_TIMEOUT_S = 60  # wrk's default (2 s) would count W4/W6 at c=32 (3–4 s) as timeouts


# ---------------------------------------------------------------------------------------------
# Pure parts (tested in tests/test_bench_stats.py)
# ---------------------------------------------------------------------------------------------
def wrk_threads(connections: int, cores: int) -> int:
    """wrk threads for ``connections``: one per connection up to the machine's cores (each wrk thread is an
    event loop that can keep thousands of requests/s going; more threads than cores only compete with the
    service), and never more threads than connections (wrk refuses that)."""
    return max(1, min(connections, max(1, cores)))


def parse_wrk_json(stdout: str) -> dict[str, Any]:
    """The ``WRK_JSON {...}`` line the Lua ``done()`` prints."""
    for line in stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line[len("WRK_JSON "):])
    raise ValueError("wrk printed no WRK_JSON line (did the Lua script fail?):\n" + stdout[-2000:])


def wrk_summary(w: dict[str, Any], expected: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """A wrk result in the shape of ``Samples.summary()``: answers, percentiles (ms), req/s, errors by code.
    ``requests`` counts every answer plus the socket errors; error answers are in the latency figures (wrk
    records every answer), socket errors and timeouts are not."""
    codes = {str(k): int(v) for k, v in (w.get("codes") or {}).items() if int(v)}
    socket = {f"SOCKET_{k.upper()}": int(v) for k, v in (w.get("socket_errors") or {}).items() if int(v)}
    expected_codes = {k: n for k, n in codes.items() if k in expected}
    errors = {k: n for k, n in codes.items() if k not in expected}
    errors.update(socket)
    answers = int(w.get("requests") or 0)
    seconds = (w.get("duration_us") or 0) / 1e6
    lat = w.get("latency_us") or {}
    pct = lat.get("percentiles") or {}

    def ms(x: Any) -> float | None:
        return round(float(x) / 1000, 3) if answers and x is not None else None

    out = {
        "requests": answers + sum(socket.values()),
        "ok": answers - sum(codes.values()),
        "p50_ms": ms(pct.get("50")),
        "p95_ms": ms(pct.get("95")),
        "p99_ms": ms(pct.get("99")),
        "max_ms": ms(lat.get("max")),
        "mean_ms": ms(lat.get("mean")),
        "throughput_per_s": round(answers / seconds, 1) if seconds else 0.0,
        "errors": sum(errors.values()),
        "error_codes": errors,
        "expected_errors": sum(expected_codes.values()),
        "expected_error_codes": expected_codes,
        "seconds": round(seconds, 2),
        "load_tool": "wrk",
    }
    return out


def share(n_lines: int, thread: int, threads: int) -> list[int]:
    """0-based lines thread ``thread`` (1-based) takes in ``consume`` mode: thread, thread+T, … (as the Lua)."""
    return list(range(thread - 1, n_lines, threads))


def consumed(n_lines: int, taken: dict[str, Any], threads: int) -> list[int]:
    """0-based lines the threads used (each took ``taken`` requests from its share, in order)."""
    out: list[int] = []
    for t in range(1, threads + 1):
        mine = share(n_lines, t, threads)
        k = int((taken.get(str(t)) or {}).get("taken") or 0)
        out.extend(mine[:k])
    return sorted(out)


# ---------------------------------------------------------------------------------------------
# Request bodies: rotating variable sets, and W8's pool of fresh demands
# ---------------------------------------------------------------------------------------------
class ClaimPool:
    """W8's variable sets: a fresh PUBLISHED demand per claim until they run out, then repeats of used ones
    (which must answer ALREADY_CLAIMED — the rule working). Shared by the rows of one operation."""

    def __init__(self, variants: list[dict[str, Any]], rng: random.Random) -> None:
        self.fresh = list(variants)
        self.used: list[dict[str, Any]] = []
        self.rng = rng

    def next(self) -> dict[str, Any]:
        if self.fresh:
            v = self.fresh.pop(0)
            self.used.append(v)
            return v
        return self.used[self.rng.randrange(len(self.used))]

    def take(self, indices: list[int]) -> None:
        """Mark fresh[i] for i in ``indices`` as used (what a wrk run consumed)."""
        picked = set(indices)
        self.used.extend(v for i, v in enumerate(self.fresh) if i in picked)
        self.fresh = [v for i, v in enumerate(self.fresh) if i not in picked]


def bodies(query: str, variants: list[dict[str, Any]]) -> list[str]:
    return [json.dumps({"query": query, "variables": v}, ensure_ascii=False, separators=(",", ":")) for v in variants]


# ---------------------------------------------------------------------------------------------
# wrk
# ---------------------------------------------------------------------------------------------
def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: `make bench` installs it with apt-get (as root); otherwise run "
                         "`sudo apt-get install wrk`, or measure with the Python client: --load httpx")
    return path


def run_wrk(base: str, api_key: str, query: str, variants: list[dict[str, Any]], c: int, seconds: float, tag: str,
            *, expected: set[str] | frozenset[str] = frozenset(), consume: bool = False, cores: int | None = None,
            rng: random.Random | None = None) -> tuple[dict[str, Any], list[int]]:
    """One row with wrk: ``c`` keep-alive connections for ``seconds`` (whole seconds, at least 1).
    Returns (summary, 0-based indices of ``variants`` consumed — in ``consume`` mode)."""
    threads = wrk_threads(c, cores or len(os.sched_getaffinity(0)))
    lines = list(variants) or [{}]
    if not consume and rng is not None:  # rows of one operation start at different places of the list
        lines = lines[:]
        rng.shuffle(lines)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", prefix="bench-wrk-", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(bodies(query, lines)) + "\n")
        path = fh.name
    try:
        cmd = [wrk_path(), "-t", str(threads), "-c", str(c), "-d", f"{max(1, round(seconds))}s",
               "--timeout", f"{WRK_TIMEOUT_S}s", "-s", str(LUA), base + "/graphql", "--",
               path, tag, api_key, "consume" if consume else "rotate", str(threads)]
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + WRK_TIMEOUT_S + 30, check=False)
        wall = time.perf_counter() - t0
    finally:
        os.unlink(path)
    if r.returncode != 0:
        raise SystemExit(f"wrk failed ({r.returncode}): {r.stderr[-2000:]}\n{r.stdout[-2000:]}")
    w = parse_wrk_json(r.stdout)
    out = wrk_summary(w, expected)
    out["wrk"] = {"threads": threads, "connections": c, "wall_s": round(wall, 2),
                  "latency_us": w.get("latency_us"), "socket_errors": w.get("socket_errors"), "non2xx": w.get("non2xx")}
    used = consumed(len(lines), w.get("threads") or {}, threads) if consume else []
    return out, used


# ---------------------------------------------------------------------------------------------
# httpx (the previous load generator, kept for comparison)
# ---------------------------------------------------------------------------------------------
async def drive_httpx(base: str, api_key: str, query: str, c: int, seconds: float,
                      next_variables: Callable[[], dict[str, Any]], tag: str,
                      classify: Callable[[int, Any], tuple[bool, str | None]], *,
                      expected: set[str] | frozenset[str] = frozenset(), pool: str = "shared") -> dict[str, Any]:
    """``c`` asyncio workers in this process, each sending its next request when its answer is parsed.
    ``pool="shared"``: one ``httpx.AsyncClient`` with a pool of ``c`` connections (what the bench used
    before wrk); ``"per-worker"``: one client (one connection) per worker."""
    import httpx

    samples = Samples()
    seq = [0]
    headers = {"x-api-key": api_key}
    if pool == "shared":
        limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
        clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0, headers=headers)]
    else:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0, headers=headers) for _ in range(c)]
    try:
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()

        async def worker(client: Any) -> None:
            while time.perf_counter() < deadline:
                seq[0] += 1
                rid = f"{tag}.{seq[0]}"
                t0 = time.perf_counter()
                try:
                    r = await client.post("/graphql", json={"query": query, "variables": next_variables()},
                                          headers={"x-request-id": rid})
                    ms = (time.perf_counter() - t0) * 1000
                    try:
                        body = r.json()
                    except ValueError:
                        body = None
                    ok, code = classify(r.status_code, body)
                except httpx.HTTPError as exc:
                    ms, ok, code = (time.perf_counter() - t0) * 1000, False, type(exc).__name__
                if ok:
                    samples.add(ms)
                elif code in expected:
                    samples.add(ms)
                    samples.expected(code)
                else:
                    samples.error(code or "UNKNOWN")

        await asyncio.gather(*(worker(clients[i % len(clients)]) for i in range(c)))
        samples.elapsed = time.perf_counter() - started
    finally:
        for client in clients:
            await client.aclose()
    out = samples.summary()
    out["load_tool"] = f"httpx ({pool} pool)"
    return out
