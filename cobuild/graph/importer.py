"""``cobuild import DIR``: read what ``cobuild export`` wrote back into a store, in batches,
resumable, with bad rows refused by file, line and field (issue 12 part 5).

Input: the ``neo4j-admin`` CSV layout (``nodes_<Label>.csv``, ``rels_<TYPE>.csv`` — header types are
checked against the model) or ``graph.jsonl``. Node files are read before relationship files, in
model order, so every relationship finds its ends.

Batches: up to ``batch_size`` records of one file, validated against the model first
(:func:`~cobuild.graph.validate.node_row` / ``rel_row``) — a bad record stops the import before its
batch is written, naming the file, the line and the field — then written in **one transaction**
together with its change-feed record and the job's **checkpoint** (``ImportCheckpoint``: the files
done and the rows of the current file done). A batch is therefore committed exactly once, with its
checkpoint: re-running an interrupted import skips what committed and finishes the job, duplicating
nothing. Nodes are merged by id (an import into a store that has them updates them); relationships
are created as exported, parallel edges included — so an export imported a second time *as another
job* (other files) into the same store would add its relationships again: import into an empty
store, or re-run the same job.

A restore keeps the records as exported, ``createdAt``/``updatedAt`` included; derived edges are
imported as exported. The change feed records each node the import created or changed (operation
``import``) and, for a relationship it added, its start record as UPDATED with the relationship type
— unless this job created that record (its CREATED event already stands for it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from cobuild.errors import ClientSafeError, ValidationError
from cobuild.graph import changes, model, tallies
from cobuild.graph.cypher import Params, Statement, name
from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.export import ADMIN_TYPES, ARRAY_DELIMITER
from cobuild.graph.upsert import merge_nodes_counted
from cobuild.graph.validate import node_row, rel_row

DEFAULT_BATCH = 2000
JSONL = "graph.jsonl"


class ImportRefusedError(ValidationError):
    """A record (or a file) the import refuses: the message names the file, the line and the field."""


@dataclass
class Record:
    kind: str  # "node" | "rel"
    what: str  # label or relationship type
    file: str
    line: int
    row: dict[str, Any]  # validated: node_row / rel_row output
    end: int = 0  # bytes of the file read through this record (progress)


@dataclass
class ImportReport:
    job: str
    files: int = 0
    nodes: int = 0
    relationships: int = 0
    created: int = 0
    changed: int = 0
    batches: int = 0
    resumed: bool = False  # an earlier, interrupted run of the same job had committed batches
    files_skipped: int = 0  # files it had completed
    skipped: int = 0  # records of the file it was in that it had committed
    already_done: bool = False
    created_ids: set[str] = field(default_factory=set, repr=False)  # nodes this run created


# ------------------------------------------------------------------------------------------------
# Files
# ------------------------------------------------------------------------------------------------
def discover(source: Path) -> list[Path]:
    """The files to read, in order: ``graph.jsonl``, or node files then relationship files (model order)."""
    if not source.is_dir():
        raise ImportRefusedError(f"{source} is not a folder (give the folder `cobuild export --out` wrote)", field="source")
    if (source / JSONL).is_file():
        return [source / JSONL]
    present = {p.name for p in source.iterdir() if p.suffix == ".csv"}
    known = {f"nodes_{lab.name}.csv" for lab in model.LABELS} | {f"rels_{rt.name}.csv" for rt in model.RELATIONSHIPS}
    unknown = sorted(n for n in present if (n.startswith("nodes_") or n.startswith("rels_")) and n not in known)
    if unknown:
        raise ImportRefusedError(f"{unknown[0]}: no label or relationship type of the model has this name", field="file")
    files = [source / f"nodes_{lab.name}.csv" for lab in model.LABELS if f"nodes_{lab.name}.csv" in present]
    files += [source / f"rels_{rt.name}.csv" for rt in model.RELATIONSHIPS if f"rels_{rt.name}.csv" in present]
    if not files:
        raise ImportRefusedError(f"{source} holds neither {JSONL} nor nodes_<Label>.csv / rels_<TYPE>.csv files", field="source")
    return files


def job_id(files: Sequence[Path]) -> str:
    """The job's identity: the files' names and contents (a re-export is a new job)."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:32]


# ---- CSV (RFC 4180 with neo4j-admin's conventions) ----------------------------------------------
_FIELD = re.compile(r'"((?:[^"]|"")*)"|([^,\r\n"]*)')


def csv_records(text: str, file: str) -> Iterator[tuple[int, int, list[tuple[str, bool]]]]:
    """``(line, end offset, [(value, quoted)])`` per record; quoted fields may hold line breaks."""
    pos, line, n = 0, 1, len(text)
    while pos < n:
        start = line
        fields: list[tuple[str, bool]] = []
        while True:
            m = _FIELD.match(text, pos)
            if m is None:  # pragma: no cover - the pattern always matches (possibly empty)
                raise ImportRefusedError(f"{file} line {line}: cannot read the field", field="csv")
            if m.group(1) is not None:
                fields.append((m.group(1).replace('""', '"'), True))
                line += m.group(1).count("\n")
            else:
                fields.append((m.group(2), False))
            pos = m.end()
            if pos >= n:
                break
            c = text[pos]
            if c == ",":
                pos += 1
                continue
            if c in "\r\n":
                pos += 2 if text.startswith("\r\n", pos) else 1
                line += 1
                break
            raise ImportRefusedError(f"{file} line {line}: a quote inside an unquoted field (quote the whole field)", field="csv")
        if fields == [("", False)]:
            continue  # a blank line
        yield start, pos, fields


def _column(header: str, file: str) -> tuple[str, str]:
    prop, sep, kind = header.partition(":")
    if not sep:
        raise ImportRefusedError(f"{file} line 1: column {header!r} has no type (neo4j-admin headers look like name:string)",
                           field=header)
    return prop, kind


def _csv_value(value: str, quoted: bool, prop: model.Prop) -> Any:
    if value == "" and not quoted:
        return None
    if prop.is_list:
        return value.split(ARRAY_DELIMITER) if value else []
    return value


def read_csv(path: Path) -> Iterator[Record]:
    """Records of one ``nodes_<Label>.csv`` / ``rels_<TYPE>.csv`` file, validated."""
    file = path.name
    kind, what = ("node", path.stem[len("nodes_"):]) if file.startswith("nodes_") else ("rel", path.stem[len("rels_"):])
    text = path.read_text(encoding="utf-8")
    records = csv_records(text, file)
    head = next(records, None)
    if head is None:
        return
    cols = [_column(h, file) for h, _q in head[2]]
    if kind == "node":
        lab = model.label(what)
        props = {p.name: p for p in lab.all_props}
        expect_id, expect_label = ("id", "ID"), ("", "LABEL")
        if cols[0] != expect_id or expect_label not in cols:
            raise ImportRefusedError(f"{file} line 1: a node file starts with id:ID and has a :LABEL column", field="header")
    else:
        rt = model.rel(what)
        props = {p.name: p for p in rt.props}
        if cols[:2] != [("", "START_ID"), ("", "END_ID")] or ("", "TYPE") not in cols:
            raise ImportRefusedError(f"{file} line 1: a relationship file starts with :START_ID,:END_ID and has a :TYPE column",
                               field="header")
    for name_, kind_ in cols:
        if name_ and name_ != "id":
            if name_ not in props:
                raise ImportRefusedError(f"{file} line 1: {what} has no property {name_!r}", field=name_)
            if ADMIN_TYPES[props[name_].type] != kind_:
                raise ImportRefusedError(f"{file} line 1: {name_} is {ADMIN_TYPES[props[name_].type]} in the model, not {kind_}",
                                   field=name_)
    encoded_upto = 0
    for line, end, fields in records:
        where = f"{file} line {line}"
        if len(fields) != len(cols):
            raise ImportRefusedError(f"{where}: {len(fields)} fields, the header has {len(cols)}", field="csv")
        values: dict[str, Any] = {}
        for (col, kind_), (value, quoted) in zip(cols, fields):
            if kind_ == "LABEL":
                if value != what:
                    raise ImportRefusedError(f"{where}: :LABEL is {value!r} in the file of {what}", field=":LABEL")
            elif kind_ == "TYPE":
                if value != what:
                    raise ImportRefusedError(f"{where}: :TYPE is {value!r} in the file of {what}", field=":TYPE")
            elif kind_ == "ID":
                values["id"] = value
            elif kind_ == "START_ID":
                values["from"] = value
            elif kind_ == "END_ID":
                values["to"] = value
            else:
                values[col] = _csv_value(value, quoted, props[col])
        encoded_upto = end
        yield _record(kind, what, file, line, values, encoded_upto)


def read_jsonl(path: Path) -> Iterator[Record]:
    file = path.name
    offset = 0
    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            offset += len(raw)
            if not raw.strip():
                continue
            where = f"{file} line {line_no}"
            try:
                item = json.loads(raw)
                kind = item["kind"]
                if kind == "node":
                    values, what = dict(item["props"]), item["label"]
                elif kind == "rel":
                    values, what = {"from": item["from"], "to": item["to"], **item.get("props", {})}, item["type"]
                else:
                    raise KeyError("kind")
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ImportRefusedError(f"{where}: not a record cobuild export writes ({exc})", field="json") from None
            yield _record(kind, what, file, line_no, values, offset)


def _record(kind: str, what: str, file: str, line: int, values: dict[str, Any], end: int) -> Record:
    where = f"{file} line {line}"
    try:
        if kind == "node":
            if what not in model.LABELS_BY_NAME:
                raise ImportRefusedError(f"{where}: unknown label {what!r}", field="label")
            row = node_row(model.label(what), values, where)
        else:
            if what not in model.RELS_BY_NAME:
                raise ImportRefusedError(f"{where}: unknown relationship type {what!r}", field="type")
            row = rel_row(model.rel(what), values, where)
    except ClientSafeError as exc:
        message = str(exc) if str(exc).startswith(where) else f"{where}: {exc}"
        raise ImportRefusedError(message, field=exc.extensions.get("field"), file=file, line=line) from None
    return Record(kind, what, file, line, row, end)


def read(path: Path) -> Iterator[Record]:
    return read_jsonl(path) if path.name == JSONL else read_csv(path)


# ------------------------------------------------------------------------------------------------
# Writing one batch
# ------------------------------------------------------------------------------------------------
def rel_statement(dialect: Any, rel_name: str, a: str, b: str, rows: Sequence[dict[str, Any]]) -> Statement:
    """Create the relationships as exported (parallel edges included); rows ``{i, start, path}`` for
    the rows whose two ends exist. Each batch commits exactly once, with its checkpoint, so a re-run
    never creates them twice."""
    rt = model.rel(rel_name)
    params = Params()
    rows_p = params.add([{"i": r["i"], "from": r["from"], "to": r["to"], **{p.name: r.get(p.name) for p in rt.props}}
                         for r in rows])
    props = ", ".join(f"{name(p.name)}: {dialect.typed(f'r.{name(p.name)}', p.type)}" for p in rt.props)
    text = (
        f"UNWIND {rows_p} AS r MATCH (a:{name(a)}) WHERE a.`id` = r.`from` MATCH (b:{name(b)}) WHERE b.`id` = r.`to` "
        f"CREATE (a)-[e:{name(rel_name)}{(' {' + props + '}') if props else ''}]->(b) "
        "RETURN r.`i` AS i, a.`id` AS start, a.`areaPath` AS path"
    )
    return Statement(text, params.values, label=f"import {rel_name}")


def checkpoint_statement(dialect: Any, job: str, source: str, files_done: list[str], file: str | None, rows_done: int,
                         done: bool, now: dt.datetime) -> Statement:
    params = Params()
    text = (
        f"MERGE (c:{name('ImportCheckpoint')} {{`id`: {params.add(job)}}}) "
        f"SET c.`source` = {params.add(source)}, c.`filesDone` = {dialect.typed(params.add(files_done), model.PropType.STRING_LIST)}, "
        f"c.`file` = {params.add(file)}, c.`rowsDone` = {params.add(rows_done)}, c.`done` = {params.add(done)}, "
        f"c.`updatedAt` = {params.add(now)} RETURN c.`id` AS id"
    )
    return Statement(text, params.values, label="import: checkpoint")


async def write_batch(tx: Any, dialect: Any, batch: Sequence[Record], now: dt.datetime, created_ids: set[str] | None = None
                      ) -> tuple[int, int, list[changes.Change]]:
    """One batch's statements (inside the caller's transaction); (created, changed, change-feed
    entries). ``created_ids``: nodes the job created (their CREATED event covers their new edges)."""
    created_ids = created_ids if created_ids is not None else set()
    new_ids: set[str] = set()
    created = changed = 0
    done: list[changes.Change] = []
    by_label: dict[str, list[tuple[int, Record]]] = {}
    by_rel: dict[tuple[str, str, str], list[tuple[int, Record]]] = {}
    for i, rec in enumerate(batch):
        if rec.kind == "node":
            by_label.setdefault(rec.what, []).append((i, rec))
        else:
            by_rel.setdefault((rec.what, rec.row["fromLabel"], rec.row["toLabel"]), []).append((i, rec))
    for label_name, items in by_label.items():
        lab = model.label(label_name)
        rows = [{"i": i, **rec.row} for i, rec in items]
        by_i = {i: rec for i, rec in items}
        stmt = merge_nodes_counted(dialect, label_name, rows, list(lab.prop_names), now, verbatim=True)
        for r in await tx.run(stmt):
            rec = by_i[int(r["i"])]
            fields = [f for f in (r.get("diffs") or []) if f]
            if r["created"]:
                created += 1
                new_ids.add(rec.row["id"])
                done.append(changes.created(label_name, rec.row["id"], rec.row.get("areaPath"), fields))
            elif fields:
                changed += 1
                done.append(changes.updated(label_name, rec.row["id"], rec.row.get("areaPath"), fields))
    for (rel_name, a, b), items in by_rel.items():
        rows = [{"i": i, **rec.row} for i, rec in items]
        found = {}
        for r in await tx.run(rel_statement(dialect, rel_name, a, b, rows)):
            found[int(r["i"])] = r
        missing = [rec for i, rec in items if i not in found]
        if missing:
            rec = missing[0]
            end = "from" if not await _exists(tx, rec.row["fromLabel"], rec.row["from"]) else "to"
            raise ImportRefusedError(f"{rec.file} line {rec.line}: {rel_name} {end} {rec.row[end]!r} does not exist "
                               f"(nodes are imported before relationships; is its node file missing?)",
                               field=end, file=rec.file, line=rec.line)
        starts: dict[str, Any] = {}
        for r in found.values():
            if r["start"] not in created_ids and r["start"] not in new_ids:
                starts.setdefault(r["start"], r.get("path"))
        done += [changes.updated(a, start, path, (), [rel_name]) for start, path in starts.items()]
    created_ids.update(new_ids)  # (the caller's set; a rolled-back batch leaves the job anyway)
    return created, changed, done


async def _exists(tx: Any, label_name: str, node_id: str) -> bool:
    rows = await tx.run(Statement(f"MATCH (n:{name(label_name)}) WHERE n.`id` = $id RETURN count(n) AS n", {"id": node_id},
                                  label="import: endpoint"))
    return bool(rows and int(rows[0]["n"]))


# ------------------------------------------------------------------------------------------------
# The job
# ------------------------------------------------------------------------------------------------
Progress = Callable[[str, int, int, int], None]  # (file, bytes of it read, records committed, batch number)


async def run_import(engine: GraphEngine, source: Path, *, batch_size: int = DEFAULT_BATCH, progress: Progress | None = None,
                     fail_after: int | None = None) -> ImportReport:
    """Import ``source`` into ``engine`` (migrated first). ``fail_after``: raise after that many
    committed batches (tests: an interruption at a known point)."""
    from cobuild.graph.migrate import migrate

    if batch_size < 1:
        raise ValidationError("the batch size must be at least 1", field="batch_size")
    files = discover(source)
    job = job_id(files)
    report = ImportReport(job, files=len(files))
    await migrate(engine)
    rows = await engine.run(Statement("MATCH (c:`ImportCheckpoint`) WHERE c.`id` = $id RETURN c.`filesDone` AS done, "
                                      "c.`file` AS file, c.`rowsDone` AS rows, c.`done` AS finished", {"id": job},
                                      label="import: read checkpoint"))
    state = rows[0] if rows else {}
    if state.get("finished"):
        report.already_done = True
        return report
    files_done: list[str] = list(state.get("done") or [])
    report.resumed = bool(state)
    report.files_skipped = len(files_done)
    for path in files:
        if path.name in files_done:
            continue
        skip = int(state.get("rows") or 0) if state.get("file") == path.name else 0
        report.skipped += skip
        committed = skip
        batch: list[Record] = []
        records = read(path)
        for n, rec in enumerate(records):
            if n < skip:
                continue
            batch.append(rec)
            if len(batch) >= batch_size:
                committed += len(batch)
                await _commit(engine, report, source, job, files_done, path.name, committed, batch, last=False)
                if progress:
                    progress(path.name, rec.end, committed, report.batches)
                batch = []
                if fail_after is not None and report.batches >= fail_after:
                    raise RuntimeError(f"import interrupted after {report.batches} batches (injected)")
        committed += len(batch)
        files_done.append(path.name)
        await _commit(engine, report, source, job, files_done, None, 0, batch, last=path == files[-1])
        if progress:
            progress(path.name, path.stat().st_size, committed, report.batches)
        if fail_after is not None and report.batches >= fail_after and path != files[-1]:
            raise RuntimeError(f"import interrupted after {report.batches} batches (injected)")
    return report


async def _commit(engine: GraphEngine, report: ImportReport, source: Path, job: str, files_done: list[str], file: str | None,
                  rows_done: int, batch: Sequence[Record], *, last: bool) -> None:
    """One transaction: the batch, its change-feed record and the checkpoint that says it is done."""
    now = dt.datetime.now(dt.timezone.utc)
    dialect = engine.dialect
    committed: list[changes.Recorded | None] = [None]

    async def work(tx: Any) -> tuple[int, int]:
        created, changed, done = await write_batch(tx, dialect, batch, now, report.created_ids) if batch else (0, 0, [])
        await tx.run(checkpoint_statement(dialect, job, str(source), list(files_done), file, rows_done, last, now))
        if last:
            # The roll-ups' per-community facts, recounted from what is now in the store, in the
            # transaction that marks the job done: relationships arrive in later batches than the
            # records they join, so one recount at the end beats following every batch (until then
            # the roll-ups count what the tallies held before the import).
            await tallies.rebuild_in(tx, dialect)
        committed[0] = await changes.record(tx, dialect, done, "import", now)  # last: the counter lock until commit
        return created, changed

    created, changed = await engine.write(work)
    changes.notify(engine, committed[0], "import")
    report.batches += 1 if batch else 0
    report.created += created
    report.changed += changed
    report.nodes += sum(1 for r in batch if r.kind == "node")
    report.relationships += sum(1 for r in batch if r.kind == "rel")
