"""Per-credential token buckets: ``COBUILD_RATE_LIMIT_PER_S`` tokens per second refill a bucket of
``COBUILD_RATE_LIMIT_BURST``; each GraphQL request takes one. Buckets are keyed by API key id, by
JWT subject, or by client IP for anonymous requests.

A refused request gets **HTTP 429** with a ``Retry-After`` header and a GraphQL-shaped body
``{"errors": [{"message": …, "extensions": {"code": "RATE_LIMITED", "retryAfter": s}}]}``: the
status lets proxies, gateways and HTTP client libraries back off without parsing the body, and
GraphQL clients still find the stable code where they look for it. Nothing was executed.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets in memory (one process). ``rate <= 0`` disables limiting."""

    MAX_BUCKETS = 50_000

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str, cost: float = 1.0) -> float:
        """Take ``cost`` tokens from ``key``'s bucket: 0.0 if allowed, else seconds until it would be."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                if len(self._buckets) >= self.MAX_BUCKETS:
                    self._prune(now)
                b = self._buckets[key] = _Bucket(float(self.burst), now)
            b.tokens = min(float(self.burst), b.tokens + (now - b.stamp) * self.rate)
            b.stamp = now
            if b.tokens >= cost:
                b.tokens -= cost
                return 0.0
            return (cost - b.tokens) / self.rate

    def _prune(self, now: float) -> None:
        """Drop buckets that have refilled completely (they behave like new ones)."""
        full_after = self.burst / self.rate
        for k in [k for k, b in self._buckets.items() if now - b.stamp >= full_after]:
            del self._buckets[k]
        if len(self._buckets) >= self.MAX_BUCKETS:  # still full: forget the oldest half
            for k in sorted(self._buckets, key=lambda k: self._buckets[k].stamp)[: len(self._buckets) // 2]:
                del self._buckets[k]


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
