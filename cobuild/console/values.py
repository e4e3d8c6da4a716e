"""Console values: what the store returns, as JSON, and as a table, CSV or JSON for people.

Both engines hand back nodes as ``{"label", "props", "_key"}``, relationships as ``{"type", "props",
"_src", "_dst"}`` and paths as ``{"nodes", "rels"}`` (``engines/*._convert``). The console shows them as
``{"label", "properties"}``, ``{"type", "properties"}`` and ``{"nodes", "relationships"}`` — the same
JSON whether the statement ran on this machine or through ``/admin/cypher``, so both print the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any, Sequence

from rich.table import Table

FORMATS = ("table", "csv", "json")


def _is_node(v: dict[str, Any]) -> bool:
    return set(v) == {"label", "props", "_key"}


def _is_rel(v: dict[str, Any]) -> bool:
    return set(v) == {"type", "props", "_src", "_dst"}


def to_json(value: Any) -> Any:
    """An engine value as plain JSON (dates and times as ISO 8601 text)."""
    if isinstance(value, dict):
        if _is_node(value):
            return {"label": value["label"], "properties": to_json(value["props"])}
        if _is_rel(value):
            return {"type": value["type"], "properties": to_json(value["props"])}
        if set(value) == {"nodes", "rels"} and isinstance(value["nodes"], list):
            return {"nodes": to_json(value["nodes"]), "relationships": to_json(value["rels"])}
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, bytes):
        return value.hex()
    return str(value)  # durations, points …: their own text


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def cell(value: Any) -> str:
    """A JSON value as one readable cell: nodes as ``(:Unit {…})``, relationships as ``[:TYPE {…}]``."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if set(value) == {"label", "properties"}:
            return f"(:{value['label']} {_compact(value['properties'])})"
        if set(value) == {"type", "properties"}:
            props = value["properties"]
            return f"[:{value['type']}{' ' + _compact(props) if props else ''}]"
        if set(value) == {"nodes", "relationships"}:
            parts: list[str] = []
            for i, n in enumerate(value["nodes"]):
                if i:
                    rel = value["relationships"][i - 1] if i - 1 < len(value["relationships"]) else None
                    parts.append(f"-{cell(rel) if rel else ''}-")
                parts.append(cell(n))
            return "".join(parts)
    if isinstance(value, (dict, list)):
        return _compact(value)
    return str(value)


def as_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    table = Table(show_lines=False, header_style="bold")
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*(cell(v) for v in r))
    return table


def as_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """RFC 4180 CSV: null as an empty field, strings as they are, anything else as JSON."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if v is None else v if isinstance(v, str) else cell(v) if isinstance(v, (bool, int, float))
                    else _compact(v) for v in r])
    return buf.getvalue()


def as_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A JSON array with one object per row (keys in column order)."""
    return json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, indent=2)
