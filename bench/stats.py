"""Latency samples: percentiles (nearest rank), throughput, errors and expected errors."""

from __future__ import annotations

import collections
import math
from typing import Any


class Samples:
    def __init__(self) -> None:
        self.ms: list[float] = []
        self.errors: collections.Counter[str] = collections.Counter()
        self.expected_codes: collections.Counter[str] = collections.Counter()
        self.elapsed = 0.0
        self.machine: dict[str, Any] = {}  # CPU used by other processes meanwhile (bench.machine.CpuWatch)

    def add(self, ms: float) -> None:
        self.ms.append(ms)

    def error(self, code: str) -> None:
        self.errors[code] += 1

    def expected(self, code: str) -> None:
        self.expected_codes[code] += 1

    @property
    def n(self) -> int:
        return len(self.ms)

    def pct(self, p: float) -> float:
        if not self.ms:
            return float("nan")
        xs = sorted(self.ms)
        k = max(0, min(len(xs) - 1, math.ceil(p / 100 * len(xs)) - 1))
        return xs[k]

    def throughput(self) -> float:
        return (self.n + sum(self.errors.values())) / self.elapsed if self.elapsed else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.n + sum(self.errors.values()),
            "ok": self.n - sum(self.expected_codes.values()),
            "p50_ms": round(self.pct(50), 3) if self.ms else None,
            "p95_ms": round(self.pct(95), 3) if self.ms else None,
            "p99_ms": round(self.pct(99), 3) if self.ms else None,
            "max_ms": round(max(self.ms), 3) if self.ms else None,
            "mean_ms": round(sum(self.ms) / len(self.ms), 3) if self.ms else None,
            "throughput_per_s": round(self.throughput(), 1),
            "errors": sum(self.errors.values()),
            "error_codes": dict(self.errors),
            "expected_errors": sum(self.expected_codes.values()),
            "expected_error_codes": dict(self.expected_codes),
            "seconds": round(self.elapsed, 2),
            **({"machine": self.machine} if self.machine else {}),
        }
