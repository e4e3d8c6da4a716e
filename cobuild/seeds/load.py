"""Load the document-derived seed network (``cobuild/seeds/data``) — all of it or nothing.

Files are read in name order: YAML files with ``nodes:`` and ``rels:`` lists, and
``statistics.csv`` with the figures the articles report. Every record names its source article
(``source: F001``) or ``SYNTHETIC``. The whole dataset is validated against the model first —
types, enums, required properties, id prefixes, endpoint labels, references — and any bad row
stops the load with its file, row and field named before anything is written. Then everything is
upserted by id in one write transaction and the derived co-building edges are recomputed, so
loading twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from cobuild.errors import ValidationError
from cobuild.graph import changes, model, tallies
from cobuild.graph.cypher import Params, Statement, name
from cobuild.graph.derive import rederive
from cobuild.graph.engines.base import GraphEngine, Tx
from cobuild.graph.upsert import merge_rels, upsert_nodes
from cobuild.graph.validate import node_row, rel_row
from cobuild.seeds.regions import fill_regions

DATA_DIR = Path(__file__).parent / "data"
SOURCES = ("F000", "F001", "F002", "F003", "F004", "SYNTHETIC")
BATCH = 500  # rows per upsert statement unless the engine says otherwise (``GraphEngine.write_batch``)
STAT_COLUMNS = ("id", "scope", "metric", "name", "value", "valueMax", "unit", "qualifier", "asOf", "quote", "source")


@dataclass
class Dataset:
    nodes: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    rels: dict[tuple[str, str, str], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    where: dict[str, str] = field(default_factory=dict)  # id -> "file row N"

    @property
    def node_count(self) -> int:
        return sum(len(v) for v in self.nodes.values())

    @property
    def rel_count(self) -> int:
        return sum(len(v) for v in self.rels.values())


def _source(rec: dict[str, Any], where: str) -> str:
    src = rec.pop("source", None)
    if src not in SOURCES:
        raise ValidationError(f"{where}: source must be one of {', '.join(SOURCES)}; got {src!r}", field="source")
    return str(src)


def _add_node(ds: Dataset, label_name: str, rec: dict[str, Any], where: str) -> None:
    if label_name not in model.LABELS_BY_NAME:
        raise ValidationError(f"{where}: unknown label {label_name!r}", field="label")
    src = _source(rec, where)
    refs = list(rec.pop("sourceRefs", None) or [])
    rec["sourceRefs"] = list(dict.fromkeys([src, *refs]))
    if src == "SYNTHETIC":
        rec.setdefault("synthetic", True)
    row = node_row(model.label(label_name), rec, where)
    if row["id"] in ds.where:
        raise ValidationError(f"{where}: id {row['id']!r} already defined at {ds.where[row['id']]}", field="id")
    ds.where[row["id"]] = where
    ds.nodes[label_name].append(row)


def _add_rel(ds: Dataset, rel_name: str, rec: dict[str, Any], where: str) -> None:
    if rel_name not in model.RELS_BY_NAME:
        raise ValidationError(f"{where}: unknown relationship type {rel_name!r}", field="type")
    rt = model.rel(rel_name)
    if rt.derived:
        raise ValidationError(f"{where}: {rel_name} is derived from pairings and cannot be loaded", field="type", code="DERIVED_EDGE_READONLY")
    src = _source(rec, where)
    if any(p.name == "sourceRefs" for p in rt.props):  # relationships that keep their sources (PART_OF)
        rec["sourceRefs"] = list(dict.fromkeys([src, *(rec.pop("sourceRefs", None) or [])]))
    row = rel_row(rt, rec, where)
    ds.rels[(rel_name, row["fromLabel"], row["toLabel"])].append(row)


def read_yaml(path: Path, ds: Dataset) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(doc, dict) or set(doc) - {"nodes", "rels"}:
        raise ValidationError(f"{path.name}: top level must have only 'nodes' and 'rels'", field="top-level")
    for i, raw in enumerate(doc.get("nodes") or [], start=1):
        where = f"{path.name} nodes row {i}"
        if not isinstance(raw, dict):
            raise ValidationError(f"{where}: a node must be a mapping", field="row")
        rec = dict(raw)
        _add_node(ds, str(rec.pop("label", "")), rec, where + (f" ({rec.get('id')})" if rec.get("id") else ""))
    for i, raw in enumerate(doc.get("rels") or [], start=1):
        where = f"{path.name} rels row {i}"
        if not isinstance(raw, dict):
            raise ValidationError(f"{where}: a relationship must be a mapping", field="row")
        rec = dict(raw)
        _add_rel(ds, str(rec.pop("type", "")), rec, where)


def read_statistics(path: Path, ds: Dataset) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != STAT_COLUMNS:
            raise ValidationError(f"{path.name}: columns must be {','.join(STAT_COLUMNS)}", field="header")
        for i, raw in enumerate(reader, start=2):  # row 1 is the header
            where = f"{path.name} row {i}"
            rec: dict[str, Any] = {k: (v if v != "" else None) for k, v in raw.items()}
            scope, src = rec.pop("scope"), rec.get("source")
            _add_node(ds, "Statistic", rec, where)
            _add_rel(ds, "HAS_STATISTIC", {"from": scope, "to": rec["id"], "source": src}, where)


def read_dataset(data_dir: Path = DATA_DIR) -> Dataset:
    """Parse and validate every file; raise on the first bad row, naming file, row and field."""
    ds = Dataset()
    files = sorted(p for p in data_dir.iterdir() if p.suffix in (".yaml", ".yml", ".csv"))
    if not files:
        raise ValidationError(f"no seed files in {data_dir}", field="files")
    for path in files:
        if path.suffix == ".csv":
            read_statistics(path, ds)
        else:
            read_yaml(path, ds)
    for (rel_name, _, _), rows in ds.rels.items():
        for row in rows:
            for end in ("from", "to"):
                if row[end] not in ds.where:
                    raise ValidationError(f"{rel_name} row refers to {row[end]!r}, which no seed file defines", field=end)
    fill_regions(ds.nodes, ((t, r) for (t, _, _), rows in ds.rels.items() for r in rows))
    return ds


def drop_other_parents(rows: list[dict[str, Any]]) -> Statement:
    """Delete a seed area's PART_OF edges to any parent other than the dataset's: the tree is strict
    (one parent), and a store loaded before a placement was corrected (the seed audit moved 花样年·别样城
    from 双流区 to a community) would otherwise keep the old parent beside the new one."""
    params = Params()
    rows_p = params.add([{"from": r["from"], "to": r["to"]} for r in rows])
    area, part_of = name("AdminArea"), name("PART_OF")
    return Statement(f"UNWIND {rows_p} AS r MATCH (a:{area} {{`id`: r.`from`}})-[e:{part_of}]->(b:{area}) "
                     f"WHERE b.`id` <> r.`to` DELETE e", params.values, label="seed: drop stale parents")


@dataclass(frozen=True)
class LoadReport:
    nodes: int
    rels: int
    changed: int
    derived: dict[str, int]


async def load(engine: GraphEngine, data_dir: Path = DATA_DIR, progress: Callable[[str], None] | None = None) -> LoadReport:
    ds = read_dataset(data_dir)
    now = dt.datetime.now(dt.timezone.utc)
    pairing_ids = [r["id"] for r in ds.nodes.get("Pairing", [])]

    batch = engine.write_batch or BATCH

    async def work(tx: Tx) -> LoadReport:
        changed = 0
        for label_name, rows in ds.nodes.items():
            for i in range(0, len(rows), batch):
                res = await tx.run(upsert_nodes(engine.dialect, label_name, rows[i : i + batch], now))
                changed += int(res[0]["changed"] or 0)
            if progress:
                progress(f"{label_name}: {len(rows)}")
        for (rel_name, a, b), rows in ds.rels.items():
            rows = sorted(rows, key=lambda r: (r["from"], r["to"]))  # by start node: locks taken in one order
            for i in range(0, len(rows), batch):
                chunk = rows[i : i + batch]
                res = await tx.run(merge_rels(engine.dialect, rel_name, a, b, chunk))
                if int(res[0]["n"]) != len(chunk):
                    raise ValidationError(f"{rel_name} {a}->{b}: some endpoints were not written", field="from")
            if progress:
                progress(f"{rel_name} {a}->{b}: {len(rows)}")
        parents = ds.rels.get(("PART_OF", "AdminArea", "AdminArea"), [])
        if parents:
            await tx.run(drop_other_parents(parents))
        derived = await rederive(tx, engine.dialect, pairing_ids)
        await tallies.rebuild_in(tx, engine.dialect)  # the roll-ups' per-community facts (cobuild.graph.tallies)
        await changes.record(tx, engine.dialect, [changes.reloaded()], "seed", now)  # one marker, not one event per row
        return LoadReport(ds.node_count, ds.rel_count, changed, derived)

    return await engine.write(work)
