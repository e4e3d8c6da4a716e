"""The benchmark's own arithmetic (bench/stats.py, bench/profile.py): fast, no store, no server."""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/ is not an installed package

from bench.profile import summarize  # noqa: E402
from bench.stats import Samples  # noqa: E402


def _samples(values: list[float]) -> Samples:
    s = Samples()
    for v in values:
        s.add(v)
    return s


def test_percentiles_are_nearest_rank() -> None:
    s = _samples([float(x) for x in range(1, 101)])  # 1 … 100
    assert s.pct(50) == 50.0
    assert s.pct(95) == 95.0
    assert s.pct(99) == 99.0
    assert s.pct(100) == 100.0
    assert s.pct(0) == 1.0


def test_percentiles_small_and_unsorted() -> None:
    s = _samples([30.0, 10.0, 20.0])
    assert s.pct(50) == 20.0  # ceil(1.5) = 2nd smallest
    assert s.pct(99) == 30.0
    assert _samples([7.0]).pct(50) == 7.0
    assert math.isnan(Samples().pct(50))


def test_summary_counts_errors_and_expected_codes_apart() -> None:
    s = _samples([1.0, 2.0, 3.0, 4.0])
    s.expected("ALREADY_CLAIMED")  # an expected answer is a latency sample too, not an error
    s.error("TIMEOUT")
    s.error("TIMEOUT")
    s.elapsed = 2.0
    out = s.summary()
    assert out["requests"] == 6
    assert out["ok"] == 3
    assert out["errors"] == 2 and out["error_codes"] == {"TIMEOUT": 2}
    assert out["expected_errors"] == 1
    assert out["throughput_per_s"] == 3.0
    assert out["p50_ms"] == 2.0


def test_empty_summary_has_no_latencies() -> None:
    out = Samples().summary()
    assert out["p50_ms"] is None and out["requests"] == 0 and out["throughput_per_s"] == 0.0


def test_profile_summary_leaves_idle_threads_out(tmp_path: Path) -> None:
    raw = tmp_path / "profile.raw"
    raw.write_text(
        "Thread (x);_worker (concurrent/futures/thread.py:81) 50\n"
        "main (a.py:1);Schema._execute_operation (strawberry/schema/schema.py:9);work (cobuild/graph/compile.py:3) 30\n"
        "main (a.py:1);_run_validation (strawberry/schema/schema.py:5) 10\n",
        encoding="utf-8",
    )
    text = summarize(raw, "t")
    assert "40 busy samples" in text and "50 idle" in text
    assert "75.0%  GraphQL execute" in text
    assert "25.0%  GraphQL validate" in text
