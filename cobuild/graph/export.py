"""Read the whole graph back out, label by label and type by type: ``cobuild export``, ``cobuild
import`` (which reads these files back) and the seed-idempotency tests use it.

The ``neo4j-admin`` format (``csv`` is the same) is what ``neo4j-admin database import full``
accepts: one ``nodes_<Label>.csv`` per label and one ``rels_<TYPE>.csv`` per relationship type,
headers ``id:ID`` (one global id space: cobuild ids carry their label's prefix and are unique),
typed property columns (``year:long``, ``score:double``, ``since:date``, ``updatedAt:datetime``,
``aliases:string[]``, ``synthetic:boolean``), ``:LABEL``, ``:START_ID``, ``:END_ID``, ``:TYPE``;
arrays are ``;``-separated (``--array-delimiter=';'``); descriptions may hold line breaks
(``--multiline-fields=true``). An absent value is an empty unquoted field, an empty string ``""``.
A list item holding the array delimiter cannot be written in this format: the export stops and names
the record (use ``--format jsonl``, which carries every value exactly). The ``jsonl`` format is one
``graph.jsonl``: every node, then every relationship, one JSON object a line.
Only the published network is exported: cobuild's internal records (change feed, idempotency keys,
import checkpoints) are not."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any, AsyncIterator

from cobuild.graph import model
from cobuild.graph.cypher import Statement, name
from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.model import PropType

ADMIN_TYPES = {
    PropType.STRING: "string", PropType.INT: "long", PropType.FLOAT: "double", PropType.BOOL: "boolean",
    PropType.DATE: "date", PropType.DATETIME: "datetime", PropType.STRING_LIST: "string[]",
}
ARRAY_DELIMITER = ";"
FORMATS = ("neo4j-admin", "csv", "jsonl")  # csv: the neo4j-admin layout under its older name


async def node_rows(engine: GraphEngine, label_name: str) -> list[dict[str, Any]]:
    lab = model.label(label_name)
    cols = ", ".join(f"n.{name(p)} AS {name(p)}" for p in lab.prop_names)
    return await engine.run(Statement(f"MATCH (n:{name(label_name)}) RETURN {cols}", label=f"export {label_name}"))


async def rel_rows(engine: GraphEngine, rel_name: str) -> AsyncIterator[tuple[str, str, list[dict[str, Any]]]]:
    rt = model.rel(rel_name)
    props = "".join(f", r.{name(p.name)} AS {name(p.name)}" for p in rt.props)
    for a, b in rt.endpoints:
        rows = await engine.run(Statement(
            f"MATCH (x:{name(a)})-[r:{name(rel_name)}]->(y:{name(b)}) RETURN x.`id` AS `from`, y.`id` AS `to`{props}",
            label=f"export {rel_name}",
        ))
        yield a, b, rows


async def snapshot(engine: GraphEngine) -> dict[str, list[tuple]]:
    """Every node and relationship as sorted tuples: equal snapshots mean an unchanged graph."""
    out: dict[str, list[tuple]] = {}
    for lab in model.LABELS:
        rows = await node_rows(engine, lab.name)
        out[lab.name] = sorted(tuple((k, _plain(v)) for k, v in r.items()) for r in rows)
    for rt in model.RELATIONSHIPS:
        acc: list[tuple] = []
        async for _a, _b, rows in rel_rows(engine, rt.name):
            acc += [tuple((k, _plain(v)) for k, v in r.items()) for r in rows]
        out[rt.name] = sorted(acc)
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


class ExportError(ValueError):
    """A value the chosen format cannot carry (named with its record)."""


def _quoted(text: str) -> str:
    if text == "" or any(c in text for c in ',"\r\n') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_cell(v: Any, where: str = "") -> str:
    """One CSV field: NULL is an empty unquoted field, the empty string ``""`` (neo4j-admin reads them
    so too), other strings quoted only when they need it."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        items = [str(x) for x in v]
        bad = next((x for x in items if ARRAY_DELIMITER in x), None)
        if bad is not None:
            raise ExportError(f"{where}: list item {bad!r} holds the array delimiter {ARRAY_DELIMITER!r}; "
                              "export with --format jsonl")
        return _quoted(ARRAY_DELIMITER.join(items)) if items else ""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, (int, float)):
        return repr(v) if isinstance(v, float) else str(v)
    return _quoted(str(v))


def _line(cells: list[str]) -> str:
    return ",".join(cells) + "\n"


def node_header(lab: model.NodeLabel) -> list[str]:
    return ["id:ID"] + [f"{p.name}:{ADMIN_TYPES[p.type]}" for p in lab.all_props if p.name != "id"] + [":LABEL"]


def rel_header(rt: model.RelType) -> list[str]:
    return [":START_ID", ":END_ID"] + [f"{p.name}:{ADMIN_TYPES[p.type]}" for p in rt.props] + [":TYPE"]


async def export(engine: GraphEngine, out_dir: Path, fmt: str = "neo4j-admin") -> dict[str, int]:
    """Write ``nodes_<Label>.csv`` / ``rels_<TYPE>.csv`` (neo4j-admin headers) or ``graph.jsonl``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    jsonl = (out_dir / "graph.jsonl").open("w", encoding="utf-8") if fmt == "jsonl" else None
    try:
        for lab in model.LABELS:
            rows = await node_rows(engine, lab.name)
            counts[lab.name] = len(rows)
            if jsonl:
                for r in rows:
                    jsonl.write(json.dumps({"kind": "node", "label": lab.name, "props": r}, ensure_ascii=False, default=_json) + "\n")
                continue
            props = [p.name for p in lab.all_props if p.name != "id"]
            with (out_dir / f"nodes_{lab.name}.csv").open("w", newline="", encoding="utf-8") as fh:
                fh.write(_line(node_header(lab)))
                for r in rows:
                    where = f"{lab.name} {r['id']}"
                    fh.write(_line([_csv_cell(r["id"])] + [_csv_cell(r[p], where) for p in props] + [lab.name]))
        for rt in model.RELATIONSHIPS:
            n = 0
            fh = None if jsonl else (out_dir / f"rels_{rt.name}.csv").open("w", newline="", encoding="utf-8")
            if fh:
                fh.write(_line(rel_header(rt)))
            try:
                async for _a, _b, rows in rel_rows(engine, rt.name):
                    n += len(rows)
                    for r in rows:
                        if jsonl:
                            props = {k: v for k, v in r.items() if k not in ("from", "to")}
                            jsonl.write(json.dumps({"kind": "rel", "type": rt.name, "from": r["from"], "to": r["to"], "props": props},
                                                   ensure_ascii=False, default=_json) + "\n")
                        else:
                            assert fh is not None
                            where = f"{rt.name} {r['from']}->{r['to']}"
                            fh.write(_line([_csv_cell(r["from"]), _csv_cell(r["to"])]
                                           + [_csv_cell(r[p.name], where) for p in rt.props] + [rt.name]))
            finally:
                if fh:
                    fh.close()
            counts[rt.name] = n
    finally:
        if jsonl:
            jsonl.close()
    return counts


def _json(v: Any) -> str:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    raise TypeError(type(v).__name__)
