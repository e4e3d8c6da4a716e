"""Issue 11's targets, and today's figures beside a before run's (``--compare bench/results/before.json``).

Pure functions over report documents (``latest.json`` / ``before.json``): each target comes back as
``{"target", "status" (MET | MISSED | N/A), "value", "before", "items"}`` where ``items`` holds one entry per
operation with the measured number (``now``), the same number in the before run (``before``), the limit
and whether it is met. Tested in ``tests/test_bench_stats.py``.
"""

from __future__ import annotations

from typing import Any

PAGE_OPS = ("W1", "W2", "W7")
# service CPU per request at c=8, as a share of the before run's
CPU_SHARE = {"W1": 0.30, "W2": 0.15, "W7": 0.15, "W3": 0.25, "W6": 0.08}
ONE_STATEMENT_OPS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W7n")
P99_BOUND = {8: 3.0, 32: 4.0}


def row(doc: dict[str, Any] | None, key: str, c: int) -> dict[str, Any] | None:
    """The level ``c`` of operation ``key`` (``{"graphql", "baseline", "statements", …}``) or None."""
    if not doc:
        return None
    op = next((o for o in doc.get("operations", []) if o["key"] == key and o.get("available", True)), None)
    if not op:
        return None
    return next((r for r in op["levels"] if r["concurrency"] == c), None)


def g(doc: dict[str, Any] | None, key: str, c: int, field: str) -> float | None:
    """A figure of the GraphQL row (``p50_ms``, ``throughput_per_s``, ``service_cpu_ms_per_request``, …)."""
    r = row(doc, key, c)
    v = ((r or {}).get("graphql") or {}).get(field)
    return float(v) if isinstance(v, (int, float)) else None


def b(doc: dict[str, Any] | None, key: str, c: int, field: str) -> float | None:
    r = row(doc, key, c)
    v = ((r or {}).get("baseline") or {}).get(field)
    return float(v) if isinstance(v, (int, float)) else None


def _diff(x: float | None, y: float | None) -> float | None:
    return None if x is None or y is None else round(x - y, 3)


def _ratio(x: float | None, y: float | None) -> float | None:
    return None if x is None or y is None or y == 0 else round(x / y, 4)


def p50_overhead(doc: dict[str, Any] | None, key: str) -> float | None:
    """GraphQL p50 − statement-only p50 at c=1, in ms."""
    return _diff(g(doc, key, 1, "p50_ms"), b(doc, key, 1, "p50_ms"))


def throughput_share(doc: dict[str, Any] | None, key: str) -> float | None:
    """GraphQL req/s ÷ statement-only req/s at c=8."""
    return _ratio(g(doc, key, 8, "throughput_per_s"), b(doc, key, 8, "throughput_per_s"))


def w0_scaling(doc: dict[str, Any] | None) -> float | None:
    """W0 req/s at c=32 ÷ W0 req/s at c=8."""
    return _ratio(g(doc, "W0", 32, "throughput_per_s"), g(doc, "W0", 8, "throughput_per_s"))


def tail_ratio(doc: dict[str, Any] | None, key: str, c: int) -> float | None:
    """p99 ÷ p50 of a row."""
    return _ratio(g(doc, key, c, "p99_ms"), g(doc, key, c, "p50_ms"))


def _ops(doc: dict[str, Any] | None) -> list[str]:
    return [o["key"] for o in (doc or {}).get("operations", []) if o.get("available", True)]


def _fmt(x: float | None, unit: str = "", nd: int = 2) -> str:
    if x is None:
        return "—"
    return f"{x:.{nd}f}{unit}"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f} %"


def _target(name: str, items: list[dict[str, Any]], fmt: Any) -> dict[str, Any]:
    measured = [i for i in items if i["now"] is not None]
    status = "N/A" if not measured or len(measured) < len(items) and not any(i["ok"] is False for i in measured) \
        else ("MET" if all(i["ok"] for i in measured) else "MISSED")
    value = ", ".join(f"{i['what']} {fmt(i['now'])}" for i in items)
    before = ", ".join(f"{i['what']} {fmt(i['before'])}" for i in items) if any(i["before"] is not None for i in items) else None
    return {"target": name, "status": status, "value": value, "before": before, "items": items}


def issue11(doc: dict[str, Any], before: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Issue 11's targets on ``doc``, with the same figures of ``before`` beside them."""
    out: list[dict[str, Any]] = []

    items = []
    for k in PAGE_OPS:
        now = p50_overhead(doc, k)
        items.append({"what": k, "now": now, "before": p50_overhead(before, k), "limit": 1.0,
                      "ok": None if now is None else now <= 1.0})
    out.append(_target("W1, W2, W7 at c=1: GraphQL p50 − statement p50 ≤ 1.0 ms", items, lambda x: _fmt(x, " ms")))

    items = []
    for k in PAGE_OPS:
        now = throughput_share(doc, k)
        items.append({"what": k, "now": now, "before": throughput_share(before, k), "limit": 0.60,
                      "ok": None if now is None else now >= 0.60})
    out.append(_target("W1, W2, W7 at c=8: GraphQL req/s ≥ 60 % of statement-only req/s", items, _pct))

    items = []
    for k, share in CPU_SHARE.items():
        now_ms = g(doc, k, 8, "service_cpu_ms_per_request")
        before_ms = g(before, k, 8, "service_cpu_ms_per_request")
        r = _ratio(now_ms, before_ms)
        items.append({"what": f"{k} (≤ {share * 100:.0f} %)", "now": r, "before": 1.0 if before_ms else None,
                      "limit": share, "ok": None if r is None else r <= share,
                      "now_ms": now_ms, "before_ms": before_ms})
    t = _target("service CPU per request at c=8 vs before: W1 ≤ 30 %, W2/W7 ≤ 15 %, W3 ≤ 25 %, W6 ≤ 8 %", items, _pct)
    t["value"] = ", ".join(f"{i['what'].split()[0]} {_fmt(i['now_ms'], ' ms')} = {_pct(i['now'])}" for i in items)
    t["before"] = (", ".join(f"{i['what'].split()[0]} {_fmt(i['before_ms'], ' ms')}" for i in items)
                   if before is not None else None)
    out.append(t)

    now = w0_scaling(doc)
    out.append(_target("W0 at c=32 ≥ 90 % of W0 at c=8", [
        {"what": "W0", "now": now, "before": w0_scaling(before), "limit": 0.9, "ok": None if now is None else now >= 0.9}],
        _pct))

    items = []
    for k in _ops(doc):
        r = row(doc, k, 32)
        if r and r.get("graphql"):
            n = int(r["graphql"].get("errors") or 0)
            rb = row(before, k, 32)
            nb = int(rb["graphql"].get("errors") or 0) if rb and rb.get("graphql") else None
            items.append({"what": k, "now": float(n), "before": None if nb is None else float(nb), "limit": 0,
                          "ok": n == 0, "codes": r["graphql"].get("error_codes")})
    t = _target("no errors at c=32", items or [{"what": "c=32", "now": None, "before": None, "limit": 0, "ok": None}],
                lambda x: _fmt(x, "", 0))
    bad = [i for i in items if i["now"]]
    t["value"] = ("; ".join(f"{i['what']} {int(i['now'])} {i.get('codes')}" for i in bad) if bad
                  else ("0 errors" if items else "c=32 not measured"))
    if before is not None:
        bad_b = [i for i in items if i["before"]]
        t["before"] = "; ".join(f"{i['what']} {int(i['before'])}" for i in bad_b) if bad_b else "0 errors"
    out.append(t)

    for c, bound in P99_BOUND.items():
        items = []
        for k in _ops(doc):
            now = tail_ratio(doc, k, c)
            if now is None:
                continue
            items.append({"what": k, "now": now, "before": tail_ratio(before, k, c), "limit": bound, "ok": now <= bound})
        t = _target(f"p99 ≤ {bound:g}× p50 at c={c}", items or [{"what": f"c={c}", "now": None, "before": None,
                                                                  "limit": bound, "ok": None}],
                    lambda x: _fmt(x, "×"))
        if items:
            worst = sorted(items, key=lambda i: -i["now"])
            bad = [i for i in worst if not i["ok"]]
            t["value"] = (("missed by " + ", ".join(f"{i['what']} {i['now']:.2f}×" for i in bad)) if bad
                          else f"worst {worst[0]['what']} {worst[0]['now']:.2f}×")
            if before is not None:
                bb = [i for i in worst if i["before"] is not None and i["before"] > bound]
                t["before"] = ("missed by " + ", ".join(f"{i['what']} {i['before']:.2f}×" for i in bb)) if bb else "met"
        out.append(t)

    rss = (doc.get("server") or {}).get("peak_rss_bytes")
    heavy = all(row(doc, k, 8) and (row(doc, k, 8) or {}).get("graphql") for k in ("W4", "W6"))
    rss_b = ((before or {}).get("server") or {}).get("peak_rss_bytes")
    out.append({"target": "peak RSS < 1 GB through the bench, W4 and W6 at c=8",
                "status": "N/A" if not rss or not heavy else ("MET" if rss < 1024 ** 3 else "MISSED"),
                "value": (f"{rss / 2 ** 20:.0f} MiB" if rss else "—") + ("" if heavy else " (W4/W6 at c=8 not measured)"),
                "before": f"{rss_b / 2 ** 20:.0f} MiB" if rss_b else None,
                "items": [{"what": "peak RSS", "now": rss, "before": rss_b, "limit": 1024 ** 3,
                           "ok": None if not rss else rss < 1024 ** 3}]})

    items = []
    for k in ONE_STATEMENT_OPS:
        op = next((o for o in doc.get("operations", []) if o["key"] == k and o.get("available", True)), None)
        if not op:
            continue
        sts = [r["statements"] for r in op["levels"] if r.get("statements")]
        if not sts:
            continue
        lo, hi = min(s["min"] for s in sts), max(s["max"] for s in sts)
        items.append({"what": k, "now": float(hi), "before": None, "limit": 1, "ok": lo == 1 and hi == 1, "min": lo})
    t = _target("every root field exactly one statement (W1–W7n, from the service's access log)",
                items or [{"what": "—", "now": None, "before": None, "limit": 1, "ok": None}], lambda x: _fmt(x, "", 0))
    t["value"] = ", ".join(f"{i['what']} {i['min']}–{int(i['now'])}" for i in items) or "no data"
    out.append(t)
    return out


def median_other_cores(doc: dict[str, Any] | None) -> float | None:
    """Median cores used by other processes over a run's GraphQL rows (how busy the machine was)."""
    xs = sorted(float(((r.get("graphql") or {}).get("machine") or {}).get("other_cores"))
                for o in (doc or {}).get("operations", []) for r in o["levels"]
                if ((r.get("graphql") or {}).get("machine") or {}).get("other_cores") is not None)
    return xs[len(xs) // 2] if xs else None


def comparison_rows(doc: dict[str, Any], before: dict[str, Any]) -> list[dict[str, Any]]:
    """Per operation and concurrency present in both: p50, req/s and service CPU per request, before and now."""
    out = []
    for op in doc.get("operations", []):
        for r in op["levels"]:
            k, c = op["key"], r["concurrency"]
            if row(before, k, c) is None or not r.get("graphql"):
                continue
            item = {"op": k, "c": c}
            for f in ("p50_ms", "p99_ms", "throughput_per_s", "service_cpu_ms_per_request"):
                item[f] = (g(before, k, c, f), g(doc, k, c, f))
            out.append(item)
    return out
