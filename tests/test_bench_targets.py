"""Issue 11's targets and the before/after comparison of the bench report (bench/targets.py, bench/report.py):
computed from small hand-made report documents, no store, no server."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ is not an installed package

from bench import report  # noqa: E402
from bench import targets as t11  # noqa: E402


def _g(p50: float, p99: float, rps: float, cpu: float | None, errors: int = 0) -> dict[str, Any]:
    return {"p50_ms": p50, "p95_ms": p50 * 1.5, "p99_ms": p99, "throughput_per_s": rps, "errors": errors,
            "error_codes": {"DB_BUSY": errors} if errors else {}, "expected_errors": 0,
            "service_cpu_ms_per_request": cpu, "client_cpu_ms_per_request": 0.05,
            "machine": {"other_cores": 0.1, "service_cores": 0.9, "client_cores": 0.02}}


def _doc(rows: dict[str, dict[int, tuple[dict[str, Any], dict[str, Any] | None]]], peak: int = 500 * 2 ** 20,
         statements: int = 1) -> dict[str, Any]:
    ops = []
    for key, levels in rows.items():
        ops.append({"key": key, "title": key, "root_field": "f", "kind": "query", "available": True, "query": "{f}",
                    "levels": [{"concurrency": c, "graphql": g, "baseline": b, "p50_ratio": None,
                                "statements": {"min": statements, "mean": statements, "max": statements}
                                if key != "W0" else {"min": 0, "mean": 0, "max": 0}}
                               for c, (g, b) in levels.items()]})
    return {"operations": ops, "server": {"peak_rss_bytes": peak, "cold_start_s": 1.0, "rss_at_end_bytes": peak},
            "generated_at": "2026-11-24T10:00:00+00:00",
            "machine": {"cores": 2, "cpu": "x", "memory_bytes": 2 ** 34, "python": "3.11", "platform": "linux",
                        "ladybug": "0.22", "commit": "abc1234"},
            "dataset": {"scale": "city", "seed": 1, "nodes": 1, "relationships": 2, "load_seconds": 1.0,
                        "relationships_per_second": 2, "nodes_per_second": 1, "generate_seconds": 1.0},
            "settings": {"seconds": 10, "baseline_seconds": 5, "concurrency": [1, 8, 32]},
            "environment": {"load_tools": ["wrk"], "service_commit": "abc1234"}, "total_seconds": 100.0,
            "targets": []}


def _base(p50: float, rps: float) -> dict[str, Any]:
    return {"p50_ms": p50, "throughput_per_s": rps, "errors": 0, "machine": {"cpu_ms_per_request": p50 * 0.8}}


def _today() -> dict[str, Any]:
    return _doc({
        "W0": {8: (_g(5, 7, 1200, 1.0), None), 32: (_g(25, 60, 1150, 1.0), None)},
        "W1": {1: (_g(2.0, 3, 450, 1.5), _base(1.3, 700)), 8: (_g(12, 30, 640, 1.2), _base(1.7, 1000)),
               32: (_g(50, 150, 600, 1.2), _base(1.7, 990))},
        "W2": {1: (_g(3.0, 4, 300, 2.0), _base(2.4, 400)), 8: (_g(20, 70, 400, 1.0), _base(2.6, 640))},
        "W7": {1: (_g(6.0, 7, 160, 3.0), _base(4.8, 200)), 8: (_g(40, 100, 200, 3.0), _base(8.0, 250))},
        "W3": {8: (_g(100, 200, 60, 5.0), _base(26, 74))},
        "W6": {8: (_g(900, 1000, 8, 10.0, errors=0), _base(230, 9)),
               32: (_g(3700, 4000, 8, 10.0, errors=2), _base(230, 9))},
        "W4": {8: (_g(1000, 1400, 8, 100.0), _base(180, 12))},
    })


def _before() -> dict[str, Any]:
    return _doc({
        "W0": {8: (_g(5, 7, 1269, 1.1), None), 32: (_g(59, 424, 355, 3.0), None)},
        "W1": {1: (_g(6.0, 9, 159, 6.0), _base(1.3, 721)), 8: (_g(28, 112, 264, 5.0), _base(1.7, 995))},
        "W2": {1: (_g(5.1, 7, 190, 5.0), _base(2.4, 399)), 8: (_g(27, 80, 280, 5.0), _base(2.6, 644))},
        "W7": {1: (_g(9.4, 15, 101, 9.0), _base(4.8, 203)), 8: (_g(46, 118, 168, 9.0), _base(8.0, 244))},
        "W3": {8: (_g(131, 213, 59, 20.0), _base(26, 74))},
        "W6": {8: (_g(1005, 1074, 8, 250.0), _base(231, 9))},
    }, peak=1382 * 2 ** 20)


def _by_name(ts: list[dict[str, Any]], start: str) -> dict[str, Any]:
    return next(t for t in ts if t["target"].startswith(start))


def test_p50_overhead_and_throughput_share() -> None:
    today = _today()
    assert t11.p50_overhead(today, "W1") == 0.7
    assert t11.throughput_share(today, "W1") == 0.64
    assert t11.w0_scaling(today) == round(1150 / 1200, 4)
    assert t11.tail_ratio(today, "W2", 8) == 3.5
    assert t11.p50_overhead(today, "W5") is None  # not measured


def test_issue11_targets_met_missed_and_before_values() -> None:
    ts = t11.issue11(_today(), _before())
    lat = _by_name(ts, "W1, W2, W7 at c=1")
    assert lat["status"] == "MISSED"  # W7: 6.0 − 4.8 = 1.2 ms
    assert [i["ok"] for i in lat["items"]] == [True, True, False]
    assert lat["before"].startswith("W1 4.70 ms")  # 6.0 − 1.3 in the before run
    thr = _by_name(ts, "W1, W2, W7 at c=8")
    assert thr["before"] == "W1 27 %, W2 43 %, W7 69 %"  # the issue's "today" figures
    cpu = _by_name(ts, "service CPU per request")
    shares = {i["what"].split()[0]: i["now"] for i in cpu["items"]}
    assert shares == {"W1": 0.24, "W2": 0.2, "W7": round(3 / 9, 4), "W3": 0.25, "W6": 0.04}
    assert cpu["status"] == "MISSED"  # W2 20 % > 15 %, W7 33 % > 15 %
    assert "W1 1.20 ms = 24 %" in cpu["value"] and "W1 5.00 ms" in cpu["before"]
    w0 = _by_name(ts, "W0 at c=32")
    assert w0["status"] == "MET" and w0["items"][0]["before"] == round(355 / 1269, 4)
    errs = _by_name(ts, "no errors at c=32")
    assert errs["status"] == "MISSED" and "W6 2" in errs["value"]
    p8 = _by_name(ts, "p99 ≤ 3× p50 at c=8")
    assert p8["status"] == "MISSED" and "W2 3.50×" in p8["value"]
    assert "W1 4.00×" in p8["before"]
    rss = _by_name(ts, "peak RSS")
    assert rss["status"] == "MET" and rss["before"] == "1382 MiB"
    one = _by_name(ts, "every root field")
    assert one["status"] == "MET"


def test_throughput_share_status() -> None:
    doc = _today()
    shares = {i["what"]: i["now"] for i in _by_name(t11.issue11(doc), "W1, W2, W7 at c=8")["items"]}
    assert shares == {"W1": 0.64, "W2": 0.625, "W7": 0.8}
    assert _by_name(t11.issue11(doc), "W1, W2, W7 at c=8")["status"] == "MET"


def test_without_before_the_cpu_target_is_not_applicable() -> None:
    ts = t11.issue11(_today())
    cpu = _by_name(ts, "service CPU per request")
    assert cpu["status"] == "N/A" and cpu["before"] is None
    assert _by_name(ts, "W1, W2, W7 at c=1")["before"] is None


def test_rss_needs_the_heavy_rows_and_statements_must_be_one() -> None:
    doc = _doc({"W1": {8: (_g(10, 20, 100, 1.0), None)}}, peak=2 * 2 ** 30, statements=2)
    ts = t11.issue11(doc)
    assert _by_name(ts, "peak RSS")["status"] == "N/A"  # W4/W6 at c=8 not measured
    assert _by_name(ts, "every root field")["status"] == "MISSED"


def test_comparison_rows_and_markdown_show_before_beside_today() -> None:
    today, before = _today(), _before()
    rows = t11.comparison_rows(today, before)
    w1 = next(r for r in rows if r["op"] == "W1" and r["c"] == 8)
    assert w1["service_cpu_ms_per_request"] == (5.0, 1.2)
    assert not any(r["op"] == "W4" for r in rows)  # not in the before run
    md = report.markdown(today, before)
    assert "## Targets (issue #11)" in md and "### Today beside the before run" in md
    assert "| W1 | 8 | 28.00 → **12.00** |" in md
    assert "| 5.00 → **1.20** | 24 % |" in md
    assert report.chart_name("before") == "before-latency.png" and report.chart_name("latest") == "latency.png"
