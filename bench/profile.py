"""Summaries of py-spy's raw (collapsed-stack) output: where the service spends its time.

``python -m bench --profile --ops W7`` records the service with py-spy while the load runs and
writes ``profile.raw`` (one ``frame;frame;… count`` line per stack; feed it to flamegraph.pl or
speedscope.app) and ``profile-top.txt`` (this module's summary). Idle thread-pool workers waiting
for work are left out, so percentages are of the time the service was doing something.
"""

from __future__ import annotations

import collections
from pathlib import Path

# frames that mean "the thread was waiting, not working"
_IDLE = ("_worker (concurrent/futures/thread.py", "select (selectors.py", "EpollSelector.select")

# groups of inclusive time worth naming: (label, substring of a frame)
GROUPS = (
    ("HTTP request handling (uvicorn → starlette → cobuild middleware)", "RequestResponseCycle.run_asgi"),
    ("GraphQL parse", "_parse_operation_document"),
    ("GraphQL validate (graphql-core rules, every request)", "_run_validation"),
    ("GraphQL execute (resolvers, result completion)", "Schema._execute_operation"),
    ("cobuild limits (depth/cost/tokens)", "QueryLimits."),
    ("cobuild compile (selection → Cypher)", "cobuild/graph/compile"),
    ("engine: LadybugDB query (C++, on the reader threads)", "Connection._execute_with_pybind"),
    ("access log (JSON)", "log_request"),
    ("response JSON encoding", "JSONEncoder"),
)


def _frame_key(frame: str) -> str:
    name, _, where = frame.partition(" (")
    return f"{name} ({where.split(':')[0]})" if where else name


def summarize(raw: Path, title: str = "", top: int = 30) -> str:
    total = 0
    idle = 0
    self_t: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    groups: collections.Counter[str] = collections.Counter()
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n_s = line.rpartition(" ")
        if not n_s.isdigit():
            continue
        n = int(n_s)
        frames = stack.split(";")
        if any(marker in frames[-1] for marker in _IDLE):
            idle += n
            continue
        total += n
        self_t[_frame_key(frames[-1])] += n
        for key in {_frame_key(f) for f in frames}:
            incl[key] += n
        for label, marker in GROUPS:
            if any(marker in f for f in frames):
                groups[label] += n
    if not total:
        return "no samples\n"
    out = [f"# {title}".rstrip(), f"{total} busy samples (200 Hz; {idle} idle samples of waiting threads left out)", "",
           "## Where the busy time goes (inclusive, % of busy samples; groups overlap)"]
    for label, _m in GROUPS:
        out.append(f"{groups[label] / total * 100:6.1f}%  {label}")
    out += ["", f"## Top {top} functions by self time"]
    for k, v in self_t.most_common(top):
        out.append(f"{v / total * 100:6.1f}%  {k}")
    out += ["", f"## Top {top} cobuild frames by inclusive time"]
    for k, v in [(k, v) for k, v in incl.most_common() if "cobuild/" in k or k.endswith(("compile.py)", "selection.py)"))][:top]:
        out.append(f"{v / total * 100:6.1f}%  {k}")
    return "\n".join(out) + "\n"
