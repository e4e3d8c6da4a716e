"""LadybugDB (embedded, on disk): the zero-setup default and the engine every test runs on.

LadybugDB's traps (shared/ladybug-notes.md) are absorbed here so no caller can meet them:

1. One write transaction at a time, database-wide → every write goes through one writer
   connection under the exclusive side of an :class:`RWLock`, so ``BEGIN`` never meets another writer.
2. A connection whose ``BEGIN`` failed is poisoned (its next query segfaults) → if ``BEGIN`` ever
   fails the writer connection is discarded and a new one opened, never reused.
3. An error inside a transaction silently ends it and later statements autocommit → :class:`_LadybugTx`
   stops at the first error and refuses further statements; the engine then rolls back (ignoring
   "no active transaction") and re-raises.
4. Torn reads across a multi-statement commit → readers hold the shared side of the same lock.
5. One process per directory → opening a locked store raises :class:`StoreLockedError` with a
   message that says which process to stop.

Queries run on a small thread pool (one thread per query is fastest for small queries).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
from decimal import Decimal
import os
import queue
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Mapping, TypeVar

import ladybug

from cobuild.errors import (
    ConstraintViolationError,
    EngineError,
    EngineUnavailableError,
    QueryTimeoutError,
    StoreLockedError,
)
from cobuild.graph import model
from cobuild.graph.cypher import Statement, name
from cobuild.graph.dialect import DIALECTS
from cobuild.graph.engines.base import GraphEngine, Mode, ProgressFn, Row, RWLock, params_for_engine, to_utc

T = TypeVar("T")


def _convert(value: Any) -> Any:
    if isinstance(value, Decimal):  # LadybugDB's sum() is DECIMAL; Neo4j gives int/float
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return to_utc(value)
    if isinstance(value, list):
        return [_convert(v) for v in value]
    if isinstance(value, dict):
        if "_LABEL" in value and ("_ID" in value or "_SRC" in value):
            return _graph_element(value)
        if "_NODES" in value:
            return {"nodes": [_convert(n) for n in value["_NODES"]], "rels": [_convert(r) for r in value["_RELS"]]}
        return {k: _convert(v) for k, v in value.items()}
    return value


def _graph_element(value: dict[str, Any]) -> dict[str, Any]:
    props = {k: _convert(v) for k, v in value.items() if not k.startswith("_")}
    if "_SRC" in value:
        return {"type": value["_LABEL"], "props": props, "_src": _key(value["_SRC"]), "_dst": _key(value["_DST"])}
    return {"label": value["_LABEL"], "props": props, "_key": _key(value["_ID"])}


def _key(internal: Any) -> str:
    return f"{internal['table']}:{internal['offset']}" if isinstance(internal, dict) else str(internal)


def map_error(exc: BaseException, engine: str = "ladybug") -> EngineError:
    """Map a LadybugDB error to cobuild's tree. Every LadybugDB error is a ``RuntimeError`` whose
    text begins with its kind; the text stays in ``original`` for the log, never for clients."""
    text = str(exc)
    if "Interrupted" in text:
        return QueryTimeoutError("the query was interrupted (timeout)", engine=engine, original=exc)
    if "duplicated primary key" in text or "violates" in text:
        return ConstraintViolationError("a uniqueness rule was violated", engine=engine, original=exc)
    if "Could not set lock" in text:
        return StoreLockedError(
            "the embedded store is open in another process (is `cobuild serve` running?); stop it or use the API",
            engine=engine,
            original=exc,
        )
    return EngineError("the graph store rejected a statement", engine=engine, original=exc)


class _LadybugTx:
    """A unit of work's view of the writer: stops at the first error (trap 3)."""

    def __init__(self, engine: "LadybugEngine", conn: Any) -> None:
        self._engine = engine
        self._conn = conn
        self.failed: BaseException | None = None

    async def run(self, stmt: Statement) -> list[Row]:
        if self.failed is not None:
            raise EngineError("this transaction already failed; nothing more is sent", engine="ladybug")
        try:
            return await self._engine._execute(self._conn, stmt, None)
        except BaseException as exc:
            self.failed = exc
            raise


class LadybugEngine(GraphEngine):
    name = "ladybug"
    dialect = DIALECTS["ladybug"]

    def __init__(self, path: str | Path, *, readers: int = 4, read_only: bool = False) -> None:
        super().__init__()
        self.path = str(path)
        self.readers = readers
        self.read_only = read_only
        self._db: Any = None
        self._pool: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer: Any = None
        self._lock = RWLock()
        self._exec = ThreadPoolExecutor(max_workers=readers + 1, thread_name_prefix="ladybug")
        self._open_lock = threading.Lock()

    # ---- lifecycle -------------------------------------------------------------------------
    async def open(self) -> None:
        if self._db is not None:
            return
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = await asyncio.get_running_loop().run_in_executor(
                self._exec, lambda: ladybug.Database(self.path, read_only=self.read_only)
            )
        except RuntimeError as exc:
            raise map_error(exc) from exc
        for _ in range(self.readers):
            self._pool.put(self._new_conn())
        self._writer = self._new_conn()

    def _new_conn(self) -> Any:
        conn = ladybug.Connection(self._db, num_threads=1)
        return conn

    async def close(self) -> None:
        if self._db is None:
            return
        async with self._lock.write():
            while not self._pool.empty():
                self._pool.get().close()
            if self._writer is not None:
                self._writer.close()
            self._db.close()
            self._db = None
            self._writer = None

    async def ping(self) -> None:
        if self._db is None:
            raise EngineUnavailableError("the embedded store is not open", engine=self.name)
        await self.run(Statement("RETURN 1 AS ok", label="ping"))

    # ---- execution -------------------------------------------------------------------------
    async def _execute(self, conn: Any, stmt: Statement, timeout: float | None) -> list[Row]:
        self.counter.record(stmt)
        params = params_for_engine(stmt.params, naive_utc=True)

        def work() -> list[Row]:
            if timeout is not None:
                conn.set_query_timeout(int(timeout * 1000))
            try:
                result = conn.execute(stmt.text, params) if params else conn.execute(stmt.text)
                results = result if isinstance(result, list) else [result]
                last = results[-1]
                cols = last.get_column_names()
                rows = [dict(zip(cols, (_convert(v) for v in r))) for r in last.get_all()]
                for r in results:
                    r.close()
                return rows
            finally:
                if timeout is not None:
                    conn.set_query_timeout(0)

        fut = asyncio.get_running_loop().run_in_executor(self._exec, work)
        try:
            return await asyncio.shield(fut)
        except asyncio.CancelledError:
            # Cancel the database work, not just the waiting, and keep the connection out of the
            # pool until its thread has really stopped.
            conn.interrupt()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(fut), 10)
            raise
        except RuntimeError as exc:
            raise map_error(exc) from exc

    async def run(self, stmt: Statement, mode: Mode = "read", *, timeout: float | None = None) -> list[Row]:
        if self._db is None:
            raise EngineUnavailableError("the embedded store is not open", engine=self.name)
        if mode == "write":
            return await self.write(lambda tx: tx.run(stmt), timeout=timeout)
        async with self._lock.read():
            conn = self._pool.get()
            try:
                return await self._execute(conn, stmt, timeout)
            finally:
                self._pool.put(conn)

    async def write(self, work: Callable[[Any], Awaitable[T]], *, timeout: float | None = None) -> T:
        if self._db is None:
            raise EngineUnavailableError("the embedded store is not open", engine=self.name)
        async with self._lock.write():
            conn = self._writer
            try:
                await self._raw(conn, "BEGIN TRANSACTION")
            except BaseException as exc:
                # Trap 2: never touch a connection whose BEGIN failed.
                self._writer = self._new_conn()
                raise map_error(exc) if isinstance(exc, RuntimeError) else exc
            tx = _LadybugTx(self, conn)
            try:
                if timeout is not None:
                    result = await asyncio.wait_for(work(tx), timeout)
                else:
                    result = await work(tx)
            except BaseException:
                await self._rollback(conn)
                raise
            try:
                await self._raw(conn, "COMMIT")
            except RuntimeError as exc:
                await self._rollback(conn)
                raise map_error(exc) from exc
            return result

    async def _raw(self, conn: Any, text: str) -> None:
        await asyncio.get_running_loop().run_in_executor(self._exec, lambda: conn.execute(text).close())

    async def _rollback(self, conn: Any) -> None:
        try:
            await self._raw(conn, "ROLLBACK")
        except Exception:  # "No active transaction": the failed statement already ended it
            pass

    # ---- bulk ------------------------------------------------------------------------------
    async def bulk_load(
        self,
        nodes: Mapping[str, Iterable[Row]],
        rels: Mapping[str, Iterable[Row]],
        progress: ProgressFn | None = None,
    ) -> dict[str, int]:
        """COPY FROM CSV files written to a temporary folder: ~100× faster than UNWIND batches."""
        counts: dict[str, int] = {}
        async with self._lock.write():
            with tempfile.TemporaryDirectory(prefix="cobuild-copy-") as tmp:
                for label_name, rows in nodes.items():
                    lab = model.label(label_name)
                    cols = list(lab.prop_names)
                    path = os.path.join(tmp, f"n_{label_name}.csv")
                    n = _write_csv(path, cols, rows, {p.name: p for p in lab.all_props})
                    if n:
                        text = f"COPY {name(label_name)}({', '.join(name(c) for c in cols)}) FROM '{path}' (header=true)"
                        await self._copy(text)
                    counts[label_name] = n
                    if progress:
                        progress(label_name, n)
                for rel_name, rows in rels.items():
                    rt = model.rel(rel_name)
                    groups: dict[tuple[str, str], list[Row]] = {}
                    for r in rows:
                        groups.setdefault((r["fromLabel"], r["toLabel"]), []).append(r)
                    total = 0
                    for (a, b), grp in groups.items():
                        cols = ["from", "to"] + [p.name for p in rt.props]
                        path = os.path.join(tmp, f"r_{rel_name}_{a}_{b}.csv")
                        n = _write_csv(path, cols, grp, {p.name: p for p in rt.props})
                        target = name(rel_name)
                        opts = "header=true" + (f", from='{a}', to='{b}'" if len(rt.endpoints) > 1 else "")
                        await self._copy(f"COPY {target} FROM '{path}' ({opts})")
                        total += n
                    counts[rel_name] = total
                    if progress:
                        progress(rel_name, total)
        return counts

    async def _copy(self, text: str) -> None:
        self.counter.record(Statement(text, label="copy"))
        try:
            await self._raw(self._writer, text)
        except RuntimeError as exc:
            raise map_error(exc) from exc


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return to_utc(v).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(str(x).replace(",", "，") for x in v) + "]"
    return str(v)


def _write_csv(path: str, cols: list[str], rows: Iterable[Row], _props: Mapping[str, Any]) -> int:
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in rows:
            w.writerow([_csv_value(r.get(c)) for c in cols])
            n += 1
    return n
