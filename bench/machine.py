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
from typing import Any, Callable

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


def proc_tree(pid: int) -> list[int]:
    """``pid`` and every live descendant (uvicorn's worker processes, py-spy's child), from ``/proc/*/stat``."""
    parent: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", encoding="ascii", errors="replace") as fh:
                parent[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return tree_of(pid, parent)


def tree_of(root: int, parent: dict[int, int]) -> list[int]:
    """``root`` and its descendants given a pid → parent pid map (breadth first, ``root`` first)."""
    kids: dict[int, list[int]] = {}
    for child, ppid in parent.items():
        kids.setdefault(ppid, []).append(child)
    out, todo = [], [root]
    while todo:
        pid = todo.pop(0)
        if pid in out:
            continue
        out.append(pid)
        todo.extend(sorted(kids.get(pid, [])))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds (user + system, all threads, reaped children included) of ``pids`` so far."""
    return sum(_proc_ticks(p) for p in pids) / _TICK


def runqueue_wait_s(pids: list[int]) -> float:
    """Seconds the live threads of ``pids`` spent runnable but waiting for a core (``/proc/<pid>/task/<tid>/schedstat``,
    second field): how much a process was held back by others on the machine rather than by its own work."""
    total = 0
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat", encoding="ascii") as fh:
                    total += int(fh.read().split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return total / 1e9


Group = Callable[[], list[int]]


class CpuWatch:
    """``start()`` … ``stop()`` → ``{"other_cores": …, "own_cores": …, "load1": …}`` plus, per named group of
    processes (``groups={"service": lambda: proc_tree(pid)}``), ``<name>_cpu_s`` (CPU seconds the group used
    meanwhile) and ``<name>_cores``. Groups are resolved at start and at stop, so worker processes count.
    ``pids`` and the groups together are "own"; everything else on the machine is *other*."""

    def __init__(self, pids: list[int] | None = None, groups: dict[str, Group] | None = None) -> None:
        self.pids = list(pids or [])
        self.groups = dict(groups or {})

    def _own(self) -> tuple[int, dict[str, int]]:
        per = {name: sum(_proc_ticks(p) for p in fn()) for name, fn in self.groups.items()}
        return sum(_proc_ticks(p) for p in self.pids) + sum(per.values()), per

    def _waits(self) -> dict[str, float]:
        return {name: runqueue_wait_s(fn()) for name, fn in self.groups.items()}

    def start(self) -> "CpuWatch":
        self.t0 = time.perf_counter()
        self.busy0 = _busy_ticks()
        self.own0, self.per0 = self._own()
        self.wait0 = self._waits()
        return self

    def stop(self) -> dict[str, Any]:
        dt = time.perf_counter() - self.t0
        busy1 = _busy_ticks()
        own1, per1 = self._own()
        wait1 = self._waits()
        la = loadavg()
        out: dict[str, Any] = {"load1": la[0] if la else None}
        if dt > 0:
            for name, t1 in per1.items():
                used = max(0, t1 - self.per0.get(name, 0)) / _TICK
                out[f"{name}_cpu_s"] = round(used, 3)
                out[f"{name}_cores"] = round(used / dt, 3)
                # threads runnable but not running, on average (a worker pool that appears mid-row counts whole)
                out[f"{name}_runqueue_wait_threads"] = round(max(0.0, wait1[name] - self.wait0.get(name, 0.0)) / dt, 3)
        if self.busy0 is None or busy1 is None or dt <= 0:
            return out
        busy = (busy1 - self.busy0) / _TICK / dt
        own = (own1 - self.own0) / _TICK / dt
        out["own_cores"] = round(own, 2)
        out["other_cores"] = round(max(0.0, busy - own), 2)
        return out


def wait_idle(pids: Group, max_cores: float = 0.05, interval: float = 0.25, timeout: float = 120.0) -> float:
    """Wait until the processes ``pids()`` use at most ``max_cores`` over ``interval`` (at most ``timeout``):
    the service finishing the requests a load tool left in flight. Returns the seconds waited."""
    t0 = time.perf_counter()
    prev = cpu_seconds(pids())
    while time.perf_counter() - t0 < timeout:
        time.sleep(interval)
        now = cpu_seconds(pids())
        if now - prev <= max_cores * interval:
            break
        prev = now
    return time.perf_counter() - t0


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
