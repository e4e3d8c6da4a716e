"""What else the machine was doing: CPU used by processes other than the benchmark's own.

The service and the load generator share the machine's cores (2 here) with whatever else runs —
on a shared development box, other people's test runs. ``CpuWatch`` reads ``/proc/stat`` (all CPU
time) and ``/proc/<pid>/stat`` of the bench process and the service at the start and end of a
measurement, and reports how many cores the *other* processes kept busy meanwhile, plus the load
average. A row measured while others used a core is not comparable with a quiet one.
"""

from __future__ import annotations

import os
import time
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _busy_ticks() -> int | None:
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            parts = fh.readline().split()
    except OSError:
        return None
    vals = [int(x) for x in parts[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)  # idle + iowait
    steal = vals[7] if len(vals) > 7 else 0
    return sum(vals[:8]) - idle - steal


def _proc_ticks(pid: int) -> int:
    """utime + stime of ``pid`` and its reaped children; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # fields[0] is state (field 3); utime, stime, cutime, cstime are fields 14–17
    return sum(int(x) for x in fields[11:15])


def loadavg() -> list[float] | None:
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            return [float(x) for x in fh.read().split()[:3]]
    except OSError:
        return None


class CpuWatch:
    """``start()`` … ``stop()`` → ``{"other_cores": …, "own_cores": …, "load1": …}``."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def start(self) -> "CpuWatch":
        self.t0 = time.perf_counter()
        self.busy0 = _busy_ticks()
        self.own0 = sum(_proc_ticks(p) for p in self.pids)
        return self

    def stop(self) -> dict[str, Any]:
        dt = time.perf_counter() - self.t0
        busy1 = _busy_ticks()
        own1 = sum(_proc_ticks(p) for p in self.pids)
        la = loadavg()
        out: dict[str, Any] = {"load1": la[0] if la else None}
        if self.busy0 is None or busy1 is None or dt <= 0:
            return out
        busy = (busy1 - self.busy0) / _TICK / dt
        own = (own1 - self.own0) / _TICK / dt
        out["own_cores"] = round(own, 2)
        out["other_cores"] = round(max(0.0, busy - own), 2)
        return out


def busy_processes(exclude: set[int], min_cpu: float = 0.2, sample_s: float = 1.0) -> list[dict[str, Any]]:
    """Processes (other than ``exclude``) that used at least ``min_cpu`` cores over ``sample_s``."""
    def snap() -> dict[int, tuple[int, str]]:
        out = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            pid = int(d)
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
                    raw = fh.read()
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    cmd = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                continue
            fields = raw.rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12]), cmd[:120])
        return out

    a = snap()
    time.sleep(sample_s)
    b = snap()
    rows = []
    for pid, (t1, cmd) in b.items():
        if pid in exclude or pid not in a:
            continue
        cores = (t1 - a[pid][0]) / _TICK / sample_s
        if cores >= min_cpu:
            rows.append({"pid": pid, "cores": round(cores, 2), "cmd": cmd})
    return sorted(rows, key=lambda r: -r["cores"])
