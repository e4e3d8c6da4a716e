"""Read the whole graph back out, label by label and type by type: ``cobuild export`` and the
seed-idempotency tests use it. CSV files carry neo4j-admin import headers so the same dataset can
be loaded into Neo4j (``neo4j-admin database import full --nodes=… --relationships=…``)."""

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


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ARRAY_DELIMITER.join(str(x) for x in v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(v)


async def export(engine: GraphEngine, out_dir: Path, fmt: str = "csv") -> dict[str, int]:
    """Write ``nodes_<Label>.csv`` / ``rels_<TYPE>.csv`` (neo4j-admin headers) or ``graph.jsonl``."""
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
            with (out_dir / f"nodes_{lab.name}.csv").open("w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(["id:ID"] + [f"{p.name}:{ADMIN_TYPES[p.type]}" for p in lab.all_props if p.name != "id"] + [":LABEL"])
                for r in rows:
                    w.writerow([r["id"]] + [_csv_cell(r[p.name]) for p in lab.all_props if p.name != "id"] + [lab.name])
        for rt in model.RELATIONSHIPS:
            n = 0
            fh = None if jsonl else (out_dir / f"rels_{rt.name}.csv").open("w", newline="", encoding="utf-8")
            w = csv.writer(fh) if fh else None
            if w:
                w.writerow([":START_ID", ":END_ID"] + [f"{p.name}:{ADMIN_TYPES[p.type]}" for p in rt.props] + [":TYPE"])
            async for _a, _b, rows in rel_rows(engine, rt.name):
                n += len(rows)
                for r in rows:
                    if jsonl:
                        props = {k: v for k, v in r.items() if k not in ("from", "to")}
                        jsonl.write(json.dumps({"kind": "rel", "type": rt.name, "from": r["from"], "to": r["to"], "props": props},
                                               ensure_ascii=False, default=_json) + "\n")
                    else:
                        assert w is not None
                        w.writerow([r["from"], r["to"]] + [_csv_cell(r[p.name]) for p in rt.props] + [rt.name])
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
