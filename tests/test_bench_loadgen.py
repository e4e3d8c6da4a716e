"""The bench's load-generator arithmetic and CPU accounting (bench/loadgen.py, bench/machine.py, bench/run.py):
fast, no store, no server, no wrk binary."""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ is not an installed package

from bench import loadgen  # noqa: E402
from bench.machine import CpuWatch, cpu_seconds, proc_tree, tree_of  # noqa: E402
from bench.run import per_request_cpu, statements_from_log  # noqa: E402

WRK_OUT = {
    "requests": 1000, "duration_us": 10_000_000, "bytes": 123456,
    "socket_errors": {"connect": 0, "read": 2, "write": 0, "timeout": 1},
    "non2xx": 3,
    "latency_us": {"min": 900, "max": 48000, "mean": 5100.5, "stdev": 800,
                   "percentiles": {"50": 4800, "75": 5200, "90": 6000, "95": 7000, "99": 12000, "99.9": 40000}},
    "codes": {"ALREADY_CLAIMED": 40, "DB_BUSY": 3, "HTTP_502": 2},
    "threads": {"1": {"taken": 500, "mode": "rotate"}, "2": {"taken": 503, "mode": "rotate"}},
}


def test_wrk_threads_one_per_connection_up_to_the_cores() -> None:
    assert loadgen.wrk_threads(1, 2) == 1
    assert loadgen.wrk_threads(8, 2) == 2
    assert loadgen.wrk_threads(32, 2) == 2
    assert loadgen.wrk_threads(32, 16) == 16
    assert loadgen.wrk_threads(4, 0) == 1  # an unknown core count still gives a valid wrk command


def test_parse_wrk_json_finds_the_line_among_wrk_output() -> None:
    out = "Running 10s test @ http://127.0.0.1:1/graphql\n  2 threads and 8 connections\n" \
          'WRK_JSON {"requests": 5, "codes": {}}\nRequests/sec: 0.5\n'
    assert loadgen.parse_wrk_json(out) == {"requests": 5, "codes": {}}
    with pytest.raises(ValueError):
        loadgen.parse_wrk_json("Running 10s test\nlua: bench/wrk/graphql.lua:1: error")


def test_wrk_summary_has_the_shape_of_the_httpx_rows() -> None:
    s = loadgen.wrk_summary(WRK_OUT, expected={"ALREADY_CLAIMED"})
    assert s["p50_ms"] == 4.8 and s["p95_ms"] == 7.0 and s["p99_ms"] == 12.0 and s["max_ms"] == 48.0
    assert s["mean_ms"] == pytest.approx(5.1, abs=0.002)  # µs → ms, 3 decimals
    assert s["throughput_per_s"] == 100.0  # answers ÷ wrk's duration
    assert s["seconds"] == 10.0
    assert s["expected_errors"] == 40 and s["expected_error_codes"] == {"ALREADY_CLAIMED": 40}
    # GraphQL error codes, HTTP statuses and socket errors are errors; expected codes are not
    assert s["error_codes"] == {"DB_BUSY": 3, "HTTP_502": 2, "SOCKET_READ": 2, "SOCKET_TIMEOUT": 1}
    assert s["errors"] == 8
    assert s["ok"] == 1000 - 45  # answers without any error body, expected ones left out
    assert s["requests"] == 1003  # answers + requests lost on the socket
    assert s["load_tool"] == "wrk"


def test_wrk_summary_of_no_answers_has_no_latencies() -> None:
    s = loadgen.wrk_summary({"requests": 0, "duration_us": 0, "latency_us": {"percentiles": {"50": 0}}})
    assert s["p50_ms"] is None and s["throughput_per_s"] == 0.0 and s["errors"] == 0


def test_consume_shares_match_the_lua_script() -> None:
    # the Lua gives thread t (1-based) lines t, t+T, t+2T …; the harness marks what each thread took as used
    assert loadgen.share(10, 1, 3) == [0, 3, 6, 9]
    assert loadgen.share(10, 3, 3) == [2, 5, 8]
    taken = {"1": {"taken": 2}, "2": {"taken": 5}, "3": {"taken": 0}}  # thread 2 went past its share: repeats
    assert loadgen.consumed(10, taken, 3) == [0, 1, 3, 4, 7]
    assert loadgen.consumed(4, {}, 2) == []


def test_claim_pool_fresh_first_then_repeats() -> None:
    pool = loadgen.ClaimPool([{"item": i} for i in range(5)], random.Random(1))
    assert pool.next() == {"item": 0}
    pool.take([0, 2])  # a wrk row consumed fresh[0] and fresh[2] (items 1 and 3)
    assert [v["item"] for v in pool.fresh] == [2, 4]
    assert [v["item"] for v in pool.used] == [0, 1, 3]
    pool.next(), pool.next()
    assert pool.fresh == []
    assert pool.next() in pool.used  # then repeats, which the service must answer ALREADY_CLAIMED


def test_bodies_are_one_json_line_each() -> None:
    lines = loadgen.bodies("query Q($id: ID!) {\n  a(id: $id)\n}", [{"id": "社区:1"}, {"id": "x"}])
    assert all("\n" not in line[line.index('"variables"'):] for line in lines)
    assert lines[0].endswith('"variables":{"id":"社区:1"}}')


def test_tree_of_walks_children_breadth_first() -> None:
    parent = {10: 1, 11: 10, 12: 10, 13: 11, 20: 1, 21: 20}
    assert tree_of(10, parent) == [10, 11, 12, 13]
    assert tree_of(20, parent) == [20, 21]
    assert tree_of(99, parent) == [99]


def test_cpu_watch_counts_a_group_of_processes() -> None:
    assert proc_tree(os.getpid())[0] == os.getpid()
    before = cpu_seconds([os.getpid()])
    watch = CpuWatch(groups={"client": lambda: [os.getpid()]}).start()
    t0 = time.process_time()
    while time.process_time() - t0 < 0.15:  # burn 150 ms of CPU
        sum(range(1000))
    out = watch.stop()
    assert out["client_cpu_s"] >= 0.05  # the kernel's ticks are 10 ms
    assert out["client_cores"] > 0
    assert out["client_runqueue_wait_threads"] >= 0  # from schedstat: runnable but not running
    assert cpu_seconds([os.getpid()]) > before


def test_service_cpu_per_answer_uses_the_access_log_count() -> None:
    lines = [{"logger": "cobuild.access", "requestId": f"W1.c8.t1b{i}", "statements": 1} for i in range(40)]
    lines += [{"logger": "cobuild.access", "requestId": f"W1.c8-httpx.{i}", "statements": 1} for i in range(10)]
    lines += [{"logger": "cobuild.access", "requestId": "warm.W1.t1b1", "statements": 1}]
    stats = statements_from_log(lines)
    assert stats["W1"]["8"]["requests"] == 40 and stats["W1"]["8-httpx"]["requests"] == 10
    graphql = {"W1": {"8": {"requests": 38, "machine": {"service_cpu_s": 0.2}},
                      "8-httpx": {"requests": 10, "machine": {"service_cpu_s": 0.05}},
                      "1": {"requests": 5, "machine": {"service_cpu_s": 0.01}},
                      "memory_after": {"VmRSS": 1}}}
    per_request_cpu(graphql, stats)
    row = graphql["W1"]["8"]
    # 40 answers logged (2 still in flight when the client stopped, finished by the service meanwhile)
    assert row["service_cpu_ms_per_request"] == 5.0 and row["service_answers_from"] == "access log"
    assert graphql["W1"]["8-httpx"]["service_cpu_ms_per_request"] == 5.0
    assert graphql["W1"]["1"]["service_cpu_ms_per_request"] == 2.0  # no log lines: the client's count
    assert graphql["W1"]["1"]["service_answers_from"] == "client"
