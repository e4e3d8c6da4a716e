"""Prometheus metrics (prometheus-client): what operators of a district or city service watch.

=============================================== ========= ===============================================
metric                                          type      labels
=============================================== ========= ===============================================
``cobuild_http_requests_total``                 counter   ``route``, ``status``
``cobuild_http_request_duration_seconds``       histogram ``route``
``cobuild_graphql_requests_total``              counter   ``operation``, ``type``, ``code``
``cobuild_graphql_request_duration_seconds``    histogram ``operation``, ``type``
``cobuild_graphql_root_fields_total``           counter   ``root_field``, ``code``
``cobuild_graphql_statements_per_request``      histogram ``operation``
``cobuild_statement_duration_seconds``          histogram ``question``, ``engine``, ``mode``
``cobuild_statement_errors_total``              counter   ``question``, ``engine``, ``error``
``cobuild_statements_in_flight``                gauge     ``engine``
``cobuild_engine_readers`` / ``…_in_use``       gauge     ``engine`` (LadybugDB's read connections)
``cobuild_engine_writer_busy``                  gauge     ``engine``
``cobuild_process_resident_memory_bytes``       gauge     (RSS; summed over workers)
``cobuild_process_peak_resident_memory_bytes``  gauge     (VmHWM; the largest worker's)
``cobuild_rate_limited_total``                  counter   ``credential`` (``api_key`` / ``jwt`` / ``anonymous``)
``cobuild_heavy_statements_running``            gauge     (heavy questions holding a slot; summed over workers)
``cobuild_heavy_statements_waiting``            gauge     (heavy questions queued for a slot)
``cobuild_heavy_statements_total``              counter   ``outcome`` (``admitted`` / ``refused`` → DB_BUSY)
``cobuild_heavy_wait_seconds``                  histogram (time a heavy question waited for its slot)
``cobuild_cypher_console_statements_total``     counter   ``role``, ``code``
``cobuild_gc_pause_seconds``                    histogram ``generation`` (Python's garbage collector, cobuild.observe.gcpause)
``cobuild_info``                                gauge     ``engine``, ``version``
=============================================== ========= ===============================================

``code`` is ``OK`` or the first error's ``extensions.code`` (``RATE_LIMITED``, ``TIMEOUT`` …);
``question`` is a statement's label (``Q1 communityCoBuilders``, ``connection Unit``, ``cypher console``),
never its text or parameters. Every label is bounded: routes, root fields and codes come from the
app; client-chosen operation names are kept up to ``COBUILD_METRICS_MAX_OPERATIONS`` per process
and count as ``(other)`` after that; statement labels up to :data:`MAX_QUESTIONS`.

Several workers (``cobuild serve --workers N``) share one set of numbers through prometheus-client's
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set by ``serve``); in one process the metrics live
in a registry of this app, with the standard ``process_*`` metrics beside them.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from importlib import metadata
from typing import Any, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

MAX_QUESTIONS = 300
OTHER = "(other)"
_OP_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
_TYPES = frozenset({"query", "mutation", "subscription"})
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
STATEMENT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
COUNT_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 50)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir") or None


def memory() -> tuple[int | None, int | None]:
    """(RSS, peak RSS) of this process in bytes, from /proc (None where not available)."""
    rss = peak = None
    with contextlib.suppress(OSError):
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) * 1024
    return rss, peak


class _Bounded:
    """Label values admitted as they come, up to ``limit``; later ones become ``(other)``."""

    def __init__(self, limit: int, pattern: re.Pattern[str] | None = None) -> None:
        self.limit = limit
        self.pattern = pattern
        self.seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        if value in self.seen:
            return value
        if self.pattern is not None and not self.pattern.match(value):
            return OTHER
        with self._lock:
            if len(self.seen) >= self.limit:
                return OTHER
            self.seen.add(value)
        return value


class _Children:
    """``metric.labels(*values)`` cached per label tuple: prometheus-client's ``labels()`` validates and
    locks on every call (~5 µs), the cached child is a dict lookup."""

    __slots__ = ("metric", "cache")

    def __init__(self, metric: Any) -> None:
        self.metric = metric
        self.cache: dict[tuple[str, ...], Any] = {}

    def __call__(self, *values: str) -> Any:
        child = self.cache.get(values)
        if child is None:
            child = self.cache[values] = self.metric.labels(*values)
        return child


class _PoolCollector:
    """Scrape-time gauges of one process: the engine's connections and peak memory."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        stats = self.engine.pool_stats() if self.engine is not None else {}
        name = getattr(self.engine, "name", "")
        for key, metric, doc in (("readers", "cobuild_engine_readers", "Read connections of the embedded store"),
                                 ("readers_in_use", "cobuild_engine_readers_in_use", "Read connections running a statement"),
                                 ("writer_busy", "cobuild_engine_writer_busy", "1 while a write transaction holds the store")):
            if key in stats:
                g = GaugeMetricFamily(metric, doc, labels=["engine"])
                g.add_metric([name], stats[key])
                yield g
        rss, peak = memory()
        if rss is not None:
            yield GaugeMetricFamily("cobuild_process_resident_memory_bytes", "Resident memory of the service", value=rss)
        if peak is not None:
            yield GaugeMetricFamily("cobuild_process_peak_resident_memory_bytes", "Peak resident memory (VmHWM)",
                                    value=peak)


class Metrics:
    """The service's metrics; ``routes`` and ``root_fields`` are the label values the app can produce."""

    def __init__(self, *, engine: Any = None, max_operations: int = 100, routes: frozenset[str] = frozenset(),
                 root_fields: frozenset[str] = frozenset()) -> None:
        self.engine = engine
        self.multiprocess = multiprocess_dir() is not None
        self.registry: CollectorRegistry | None = None if self.multiprocess else CollectorRegistry()
        reg = self.registry
        self.routes = routes
        self.root_fields = root_fields | {"__typename", "__schema", "__type"}
        self.operations = _Bounded(max_operations, _OP_NAME)
        self.questions = _Bounded(MAX_QUESTIONS)
        self.http_requests = _labelled(Counter, "cobuild_http_requests_total", "HTTP requests by route and status",
                                     ["route", "status"], registry=reg)
        self.http_latency = _labelled(Histogram, "cobuild_http_request_duration_seconds", "HTTP request latency by route",
                                      ["route"], buckets=REQUEST_BUCKETS, registry=reg)
        self.gql_requests = _labelled(Counter, "cobuild_graphql_requests_total",
                                    "GraphQL requests by operation name, operation type and outcome code",
                                    ["operation", "type", "code"], registry=reg)
        self.gql_latency = _labelled(Histogram, "cobuild_graphql_request_duration_seconds", "GraphQL request latency",
                                     ["operation", "type"], buckets=REQUEST_BUCKETS, registry=reg)
        self.root_field_calls = _labelled(Counter, "cobuild_graphql_root_fields_total",
                                        "Root fields requested, by field and outcome code", ["root_field", "code"],
                                        registry=reg)
        self.statements_per_request = _labelled(Histogram, "cobuild_graphql_statements_per_request",
                                                "Graph statements sent per GraphQL request", ["operation"],
                                                buckets=COUNT_BUCKETS, registry=reg)
        self.statement_latency = _labelled(Histogram, "cobuild_statement_duration_seconds",
                                           "Graph statement latency per question (statement label)",
                                           ["question", "engine", "mode"], buckets=STATEMENT_BUCKETS, registry=reg)
        self.statement_errors = _labelled(Counter, "cobuild_statement_errors_total", "Graph statements that failed, by error",
                                        ["question", "engine", "error"], registry=reg)
        self.in_flight = _labelled(Gauge, "cobuild_statements_in_flight", "Graph statements running now", ["engine"],
                               registry=reg, multiprocess_mode="livesum")
        self.rate_limited = _labelled(Counter, "cobuild_rate_limited_total", "Requests refused by the rate limit (HTTP 429)",
                                    ["credential"], registry=reg)
        self.console = _labelled(Counter, "cobuild_cypher_console_statements_total", "Cypher console statements (/admin/cypher)",
                               ["role", "code"], registry=reg)
        # admission control of heavy questions (cobuild.graph.admission): this object is its observer
        self.heavy_running = Gauge("cobuild_heavy_statements_running", "Heavy questions holding a slot now",
                                   registry=reg, multiprocess_mode="livesum")
        self.heavy_waiting = Gauge("cobuild_heavy_statements_waiting", "Heavy questions queued for a slot now",
                                   registry=reg, multiprocess_mode="livesum")
        self.heavy_outcomes = _labelled(Counter, "cobuild_heavy_statements_total",
                                        "Heavy questions admitted to a slot, or refused (DB_BUSY) after the wait limit",
                                        ["outcome"], registry=reg)
        self.heavy_wait = Histogram("cobuild_heavy_wait_seconds", "Time a heavy question waited for its slot",
                                    buckets=STATEMENT_BUCKETS, registry=reg)
        self.gc_clock: Any = None  # cobuild.observe.gcpause.PauseClock of the running service
        self.gc_pause = _labelled(Histogram, "cobuild_gc_pause_seconds",
                                  "Pauses of Python's garbage collector (every request in flight waits), by generation",
                                  ["generation"], buckets=STATEMENT_BUCKETS, registry=reg)
        info = Gauge("cobuild_info", "The running service (value 1)", ["engine", "version"], registry=reg,
                     multiprocess_mode="max")
        info.labels(getattr(engine, "name", ""), _version()).set(1)
        if self.multiprocess:
            self._rss = Gauge("cobuild_process_resident_memory_bytes", "Resident memory of the service (all workers)",
                              registry=None, multiprocess_mode="livesum")
            self._peak = Gauge("cobuild_process_peak_resident_memory_bytes", "Peak resident memory (VmHWM), largest worker",
                               registry=None, multiprocess_mode="livemax")
            self._memory_at = 0.0
        else:
            from prometheus_client import ProcessCollector

            ProcessCollector(registry=reg)
            assert reg is not None
            reg.register(_PoolCollector(engine))  # type: ignore[arg-type]

    # --- labels -----------------------------------------------------------------------------
    def route(self, path: str) -> str:
        if path in self.routes:
            return path
        for r in self.routes:
            if r.endswith("/") and path.startswith(r):
                return r
        return OTHER

    def operation(self, name: str | None) -> str:
        return "(anonymous)" if not name else self.operations(name)

    @staticmethod
    def op_type(value: str | None) -> str:
        return value if value in _TYPES else "(none)"

    @staticmethod
    def code(value: str | None) -> str:
        if not value:
            return "OK"
        return value if _CODE.match(value) else OTHER

    def root_field(self, name: str) -> str:
        return name if name in self.root_fields else "(unknown)"

    # --- recording --------------------------------------------------------------------------
    @contextlib.contextmanager
    def statement(self, label: str, engine: str, mode: str) -> Iterator[None]:
        question = self.questions(label or "(unlabelled)")
        gauge = self.in_flight(engine)
        gauge.inc()
        started = time.perf_counter()
        try:
            yield
        except BaseException as exc:
            self.statement_errors(question, engine, type(exc).__name__).inc()
            raise
        finally:
            gauge.dec()
            self.statement_latency(question, engine, mode).observe(time.perf_counter() - started)

    def gc_paused(self, generation: int, seconds: float) -> None:
        self.gc_pause(str(generation)).observe(seconds)

    def flush_gc(self) -> None:
        """Observe the collector's pauses recorded since the last call (``gc_clock``: set by the service)."""
        clock = self.gc_clock
        if clock is not None and clock.pending:
            clock.drain(self.gc_paused)

    def heavy_state(self, running: int, waiting: int) -> None:
        self.heavy_running.set(running)
        self.heavy_waiting.set(waiting)

    def heavy_outcome(self, outcome: str, waited_s: float) -> None:
        self.heavy_outcomes(outcome).inc()
        self.heavy_wait.observe(waited_s)

    def refresh_memory(self, force: bool = False) -> None:
        """Multiprocess mode: each worker publishes its memory (at most once a second)."""
        if not self.multiprocess:
            return
        now = time.monotonic()
        if not force and now - self._memory_at < 1.0:
            return
        self._memory_at = now
        rss, peak = memory()
        if rss is not None:
            self._rss.set(rss)
        if peak is not None:
            self._peak.set(peak)

    def exposition(self) -> tuple[bytes, str]:
        """The text format Prometheus scrapes."""
        self.flush_gc()
        if self.multiprocess:
            self.refresh_memory(force=True)
            return generate_latest(aggregate_registry()), CONTENT_TYPE_LATEST
        assert self.registry is not None
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _labelled(kind: Any, *args: Any, **kwargs: Any) -> _Children:
    return _Children(kind(*args, **kwargs))


def aggregate_registry() -> CollectorRegistry:
    """A registry reading every worker's numbers from ``PROMETHEUS_MULTIPROC_DIR``."""
    from prometheus_client import multiprocess

    reg = CollectorRegistry()
    multiprocess.MultiProcessCollector(reg, path=multiprocess_dir())
    return reg


def _version() -> str:
    try:
        return metadata.version("cobuild")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        return "unknown"
