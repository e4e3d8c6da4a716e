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
6. A unit of work past its timeout (the request's, for mutations) → its running statement is
   interrupted (``Connection.interrupt()``; an interrupt also ends the transaction, as any error does)
   and the engine rolls back. The writer connection is kept: an interrupt does not poison it (its next
   ``BEGIN`` and statements run normally — a test writes right after a timed-out write).

Faults: once :meth:`LadybugEngine.open` has been called the engine keeps trying to be open. If the
first open fails (store locked by another process, unreadable, missing) or the store fails under a
running engine ("Database is closed", an IO error), the engine is *down*: statements raise
:class:`EngineUnavailableError` (or :class:`StoreLockedError`) and the next statement after a back-off
delay (0.05 s doubling to 2 s) discards every old connection and opens the store again, under the
exclusive lock so no statement is in flight. A failed statement is never re-sent: a reopen happens
only before a statement or ``BEGIN``, so a write cannot be applied twice. A store that was open once
is reopened only if its path still exists (a vanished volume must not become a fresh, empty store).

Queries run on a small thread pool (one thread per query is fastest for small queries).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from decimal import Decimal
import os
import re
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Mapping, Sequence, TypeVar

import ladybug

from cobuild.errors import (
    ConstraintViolationError,
    EngineError,
    EngineUnavailableError,
    QueryTimeoutError,
    ReadOnlyViolationError,
    StoreBusyError,
    StoreLockedError,
    WriteTimeoutError,
)
from cobuild.graph import model
from cobuild.graph.cypher import Statement, name
from cobuild.graph.dialect import DIALECTS
from cobuild.graph.engines.base import (
    GraphEngine, Mode, ProgressFn, ReadOnlyResult, Row, RWLock, params_for_engine, to_utc,
)
from cobuild.graph.lexer import LexError, split_statements, tokenize

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
    if "buffer pool is full" in text:
        return StoreBusyError("the store's query memory is in use by other statements", engine=engine, original=exc)
    if "duplicated primary key" in text or "violates" in text:
        return ConstraintViolationError("a uniqueness rule was violated", engine=engine, original=exc)
    if "Could not set lock" in text:
        return StoreLockedError(
            "the embedded store is open in another process (is `cobuild serve` running?); stop it or use the API",
            engine=engine,
            original=exc,
        )
    return EngineError("the graph store rejected a statement", engine=engine, original=exc)


_STORE_GONE = ("Database is closed", "Connection is closed", "IO exception")


def store_gone(exc: BaseException) -> bool:
    """True when ``exc`` says the store itself is unusable (closed under us, its files failing), not
    that a statement was wrong: cobuild's own statements never read or write files."""
    text = str(exc)
    return any(marker in text for marker in _STORE_GONE)


def open_error(exc: BaseException, engine: str = "ladybug") -> EngineError:
    """Why the store could not be opened: locked by another process, or unavailable."""
    mapped = map_error(exc, engine)
    if isinstance(mapped, StoreLockedError):
        return mapped
    return EngineUnavailableError("the embedded store cannot be opened", engine=engine, original=exc)


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

    def __init__(self, path: str | Path, *, readers: int = 4, read_only: bool = False,
                 retry_min_s: float = 0.05, retry_max_s: float = 2.0, buffer_pool_mb: int = 0) -> None:
        super().__init__()
        self.path = str(path)
        self.readers = readers
        self.buffer_pool_mb = buffer_pool_mb  # 0 = LadybugDB's default (a share of the machine's memory)
        self.read_only = read_only
        self._db: Any = None
        self._pool: asyncio.Queue[Any] = asyncio.Queue()  # never block the event loop waiting for a connection
        self._writer: Any = None
        self._lock = RWLock()
        self._exec = ThreadPoolExecutor(max_workers=readers + 1, thread_name_prefix="ladybug")
        self._open_lock = threading.Lock()
        # fault handling (module docstring, "Faults")
        self.retry_min_s = retry_min_s
        self.retry_max_s = retry_max_s
        self._wanted = False  # open() was called and close() was not: keep (re)opening
        self._opened_once = False
        self._broken = False  # the store failed under us: reopen before the next statement
        self._down_error: EngineError | None = None
        self._retry_delay = retry_min_s
        self._next_try = 0.0
        self._reopen = asyncio.Lock()
        self._console_exec: ThreadPoolExecutor | None = None  # one thread: console statements never starve readers

    # ---- lifecycle -------------------------------------------------------------------------
    @property
    def is_up(self) -> bool:
        return self._db is not None and not self._broken

    async def open(self) -> None:
        """Open the store, or raise :class:`StoreLockedError` / :class:`EngineUnavailableError`; the
        engine then stays *down* and retries on later statements (see "Faults")."""
        self._wanted = True
        if self.is_up:
            return
        async with self._reopen:
            if not self.is_up:
                await self._open_now()

    async def _ensure_open(self) -> None:
        """Before every statement: reopen a down store, at most once per back-off delay."""
        if self.is_up:
            return
        if not self._wanted:
            raise EngineUnavailableError("the embedded store is not open", engine=self.name)
        async with self._reopen:
            if self.is_up:
                return
            if time.monotonic() < self._next_try:
                down = self._down_error
                if isinstance(down, StoreLockedError):
                    raise StoreLockedError(str(down), engine=self.name, original=down.original)
                raise EngineUnavailableError("the embedded store is unavailable; retrying shortly", engine=self.name,
                                             original=down)
            await self._open_now()

    async def _open_now(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._lock.write():  # no statement is in flight while connections are replaced
            await loop.run_in_executor(self._exec, self._discard)
            try:
                if self._opened_once and (self.path == ":memory:" or not os.path.exists(self.path)):
                    raise EngineUnavailableError(
                        f"the embedded store {self.path} has gone (not reopened as a new, empty store)", engine=self.name)
                if self.path != ":memory:":
                    Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                db, readers, writer = await loop.run_in_executor(self._exec, self._connect)
            except EngineError as exc:
                self._went_down(exc)
                raise
            except (RuntimeError, OSError) as exc:
                err = open_error(exc, self.name)
                self._went_down(err)
                raise err from exc
            self._db, self._writer = db, writer
            self._pool = asyncio.Queue()
            for conn in readers:
                self._pool.put_nowait(conn)
            self._opened_once = True
            self._broken = False
            self._down_error = None
            self._retry_delay = self.retry_min_s
            self._next_try = 0.0

    def _connect(self) -> tuple[Any, list[Any], Any]:
        db = ladybug.Database(self.path, read_only=self.read_only, buffer_pool_size=self.buffer_pool_mb * 1024 * 1024,
                              max_num_threads=self.query_threads)
        try:
            readers = [self._new_conn(db) for _ in range(self.readers)]
            writer = self._new_conn(db)
        except BaseException:
            with contextlib.suppress(Exception):
                db.close()
            raise
        return db, readers, writer

    @property
    def query_threads(self) -> int:
        """LadybugDB's query scheduler threads. Its default (one per core) is a hidden bound below the
        connections: on 2 cores two running statements made every other one — a page question, the
        writer's — wait in LadybugDB's queue until one ended, however many readers were free. One
        thread per connection that can run at once (the readers, the writer, the Cypher console's; at
        least one per core, for COPY) lets every one of them run; the operating system then shares the
        cores among them."""
        return max(self.readers + 2, os.cpu_count() or 1)

    def _discard(self) -> None:
        """Close every connection and the database (each may already be dead), releasing the file lock."""
        conns = [self._writer]
        while not self._pool.empty():
            conns.append(self._pool.get_nowait())
        for conn in conns:
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
        if self._db is not None:
            with contextlib.suppress(Exception):
                self._db.close()
        self._db = None
        self._writer = None

    def _went_down(self, err: EngineError) -> None:
        self._down_error = err
        self._next_try = time.monotonic() + self._retry_delay
        self._retry_delay = min(self._retry_delay * 2, self.retry_max_s)

    def _mark_broken(self, exc: BaseException) -> EngineUnavailableError:
        """The store failed under a statement: refuse until a reopen succeeds (tried by the next statement)."""
        self._broken = True
        err = EngineUnavailableError("the embedded store failed; it is reopened on the next request", engine=self.name,
                                     original=exc)
        self._down_error = err
        return err

    def _new_conn(self, db: Any = None) -> Any:
        """One thread per query: the fastest for the small queries the service sends (ladybug-notes)."""
        return ladybug.Connection(db if db is not None else self._db, num_threads=1)

    async def close(self) -> None:
        self._wanted = False
        if self._db is None:
            return
        async with self._lock.write():
            await asyncio.get_running_loop().run_in_executor(self._exec, self._discard)

    async def ping(self) -> None:
        await self._ensure_open()
        await self.run(Statement("RETURN 1 AS ok", label="ping"))

    # ---- execution -------------------------------------------------------------------------
    async def _execute(self, conn: Any, stmt: Statement, timeout: float | None) -> list[Row]:
        self.counter.record(stmt)
        params = params_for_engine(stmt.params, naive_utc=True)

        def work() -> list[Row]:
            if timeout is not None:
                conn.set_query_timeout(max(1, int(timeout * 1000)))  # 0 would mean "no timeout"
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
            if store_gone(exc):
                raise self._mark_broken(exc) from exc
            raise map_error(exc) from exc

    async def run(self, stmt: Statement, mode: Mode = "read", *, timeout: float | None = None) -> list[Row]:
        await self._ensure_open()
        if mode == "write":
            return await self.write(lambda tx: tx.run(stmt), timeout=timeout)
        async with self._lock.read(heavy=stmt.heavy):
            conn = await self._pool.get()
            try:
                return await self._execute(conn, stmt, timeout)
            finally:
                self._pool.put_nowait(conn)

    async def write(self, work: Callable[[Any], Awaitable[T]], *, timeout: float | None = None) -> T:
        await self._ensure_open()
        async with self._lock.write():
            if not self.is_up:  # went down while this writer waited for the lock
                raise EngineUnavailableError("the embedded store is unavailable; retrying shortly", engine=self.name,
                                             original=self._down_error)
            conn = self._writer
            try:
                await self._raw(conn, "BEGIN TRANSACTION")
            except BaseException as exc:
                # Trap 2: never touch a connection whose BEGIN failed.
                if isinstance(exc, RuntimeError) and store_gone(exc):
                    raise self._mark_broken(exc) from exc
                try:
                    self._writer = self._new_conn()
                except RuntimeError as exc2:
                    raise self._mark_broken(exc2) from exc
                raise map_error(exc) if isinstance(exc, RuntimeError) else exc
            tx = _LadybugTx(self, conn)
            try:
                if timeout is not None:
                    # Past the timeout the running statement is interrupted (_execute) and all is rolled back.
                    result = await asyncio.wait_for(work(tx), timeout)
                else:
                    result = await work(tx)
            except BaseException as exc:
                await self._rollback(conn)
                if isinstance(exc, asyncio.TimeoutError) and timeout is not None:
                    raise WriteTimeoutError(f"the write ran longer than {timeout:g} s; it was interrupted and rolled "
                                            "back", engine=self.name, original=exc) from None
                raise
            try:
                await self._raw(conn, "COMMIT")
            except RuntimeError as exc:
                await self._rollback(conn)
                if store_gone(exc):
                    raise self._mark_broken(exc) from exc
                raise map_error(exc) from exc
            return result

    async def _raw(self, conn: Any, text: str) -> None:
        await asyncio.get_running_loop().run_in_executor(self._exec, lambda: conn.execute(text).close())

    async def _rollback(self, conn: Any) -> None:
        try:
            await self._raw(conn, "ROLLBACK")
        except Exception:  # "No active transaction": the failed statement already ended it
            pass

    # ---- the Cypher console ----------------------------------------------------------------
    async def run_read_only(self, stmt: Statement, *, timeout: float | None = None,
                            max_rows: int | None = None) -> ReadOnlyResult:
        """``BEGIN TRANSACTION READ ONLY`` on a connection of its own, closed afterwards (a ``CALL
        threads = …`` or a failed ``BEGIN`` cannot touch the service's connections); LadybugDB refuses
        every write there ("Can not execute a write query inside a read-only transaction"). Exactly
        one statement: LadybugDB runs ``…; COMMIT; CREATE …`` as three, past the transaction's end.
        Console statements take turns on one thread of their own, so they never hold a reader."""
        try:
            count = len(split_statements(tokenize(stmt.text)))
        except LexError as exc:
            raise EngineError(f"the statement cannot be read: {exc}", engine=self.name) from None
        if count != 1:
            raise EngineError("a read-only statement must be exactly one statement", engine=self.name)
        await self._ensure_open()
        if self._console_exec is None:
            self._console_exec = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ladybug-console")
        self.counter.record(stmt)
        params = params_for_engine(stmt.params, naive_utc=True)
        opened: list[Any] = []

        def work(db: Any) -> ReadOnlyResult:
            conn = ladybug.Connection(db, num_threads=1)
            opened.append(conn)
            conn.execute("BEGIN TRANSACTION READ ONLY").close()  # trap 2: if this fails, conn is never used again
            try:
                if timeout is not None:
                    conn.set_query_timeout(max(1, int(timeout * 1000)))
                result = conn.execute(stmt.text, params) if params else conn.execute(stmt.text)
                results = result if isinstance(result, list) else [result]
                last = results[-1]
                rows: list[list[Any]] = []
                truncated = False
                while last.has_next():
                    if max_rows is not None and len(rows) >= max_rows:
                        truncated = True
                        break
                    rows.append([_convert(v) for v in last.get_next()])
                out = ReadOnlyResult(list(last.get_column_names()), rows, truncated)
                for r in results:
                    r.close()
                return out
            finally:
                with contextlib.suppress(Exception):
                    conn.execute("ROLLBACK").close()
                conn.close()

        async with self._lock.read():
            fut = asyncio.get_running_loop().run_in_executor(self._console_exec, work, self._db)
            try:
                return await asyncio.shield(fut)
            except asyncio.CancelledError:
                if opened:
                    opened[0].interrupt()
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(asyncio.shield(fut), 10)
                raise
            except RuntimeError as exc:
                if "read-only transaction" in str(exc):
                    raise ReadOnlyViolationError("the store refused a write: the console is read-only",
                                                 engine=self.name, original=exc) from exc
                if store_gone(exc):
                    raise self._mark_broken(exc) from exc
                raise map_error(exc) from exc

    def pool_stats(self) -> dict[str, int]:
        up = self.is_up
        return {"readers": self.readers, "readers_in_use": self.readers - self._pool.qsize() if up else 0,
                "writer_busy": int(self._lock._writer)}

    # ---- bulk ------------------------------------------------------------------------------
    async def bulk_load(
        self,
        nodes: Mapping[str, Iterable[Row]],
        rels: Mapping[str, Iterable[Row]],
        progress: ProgressFn | None = None,
    ) -> dict[str, int]:
        """``COPY FROM`` CSV files written to a temporary folder: ~100× faster than UNWIND batches.

        Rows are streamed to one CSV file per label and per (relationship type, from label, to
        label) — nothing is held in memory — and each file is copied as soon as it is written,
        while the next one is being written. The CSV dialect was checked against LadybugDB 0.22:

        * a string is quoted (``"`` doubled inside) when it needs it — empty, a comma, a quote
          (``"`` or ``'``), a backslash, a line break, or space at either end — so those survive;
          ``""`` is the empty string and an unquoted empty field is NULL. Other strings (ids,
          enum values, most names) go bare: LadybugDB's reader is ~3× slower on quoted fields;
        * a file holding a quoted line break is copied with ``parallel=false`` (the parallel
          reader refuses it);
        * ``STRING[]`` is written as ``"[a,b]"``; list items are trimmed and split on ``,``
          without any quoting, so a row whose list holds an item LadybugDB cannot read back
          unchanged (``,``, ``"``, ``'``, brackets or braces, surrounding spaces, empty) is kept
          out of the CSV and written afterwards by a parameterised ``UNWIND … CREATE``;
        * a relationship table with several (from, to) pairs takes ``from='A', to='B'`` options.

        ``progress(name, n)`` receives the running row count of each label/type (on the event
        loop). Returns rows loaded per label/type. Not idempotent: for fresh, generated data.
        """
        await self._ensure_open()
        loop = asyncio.get_running_loop()
        report: Callable[[str, int], None] | None = None
        if progress is not None:
            cb = progress

            def report(what: str, n: int) -> None:
                loop.call_soon_threadsafe(cb, what, n)

        counts: dict[str, int] = {}
        jobs: list[tuple[str, str, Iterable[Row]]] = [("node", k, v) for k, v in nodes.items()]
        jobs += [("rel", k, v) for k, v in rels.items()]
        for kind, what, _ in jobs:  # unknown names fail before anything is written
            if kind == "node":
                model.label(what)
            else:
                model.rel(what)

        async with self._lock.write():
            # COPY on a connection of its own with every core (the writer runs one thread per query).
            conn = await loop.run_in_executor(
                self._exec, lambda: ladybug.Connection(self._db, num_threads=_COPY_THREADS or (os.cpu_count() or 2))
            )
            pending: asyncio.Future[None] | None = None
            try:
                with tempfile.TemporaryDirectory(prefix="cobuild-copy-") as tmp:
                    for i, (kind, what, rows) in enumerate(jobs):
                        writer = _write_node_csv if kind == "node" else _write_rel_csv
                        batch = await loop.run_in_executor(
                            self._exec, writer, os.path.join(tmp, f"{i:03d}_{what}"), what, rows, report
                        )
                        if pending is not None:  # copies run in order: nodes before relationships
                            await pending
                            pending = None
                        counts[what] = batch.rows
                        pending = asyncio.ensure_future(self._copy(conn, batch, report))
                    if pending is not None:
                        await pending
                        pending = None
            finally:
                if pending is not None:  # writing a later file failed: let the running COPY finish
                    with contextlib.suppress(BaseException):
                        await pending
                await loop.run_in_executor(self._exec, conn.close)
        return counts

    async def _copy(self, conn: Any, batch: "_CsvBatch", report: Callable[[str, int], None] | None) -> None:
        """COPY each file of ``batch``, then write the rows CSV cannot carry through Cypher."""
        loop = asyncio.get_running_loop()
        copied = 0
        for f in batch.files:
            if batch.kind == "node":
                cols = ", ".join(name(c) for c in batch.cols)
                opts = "header=true"
                text = f"COPY {name(batch.what)}({cols}) FROM '{f.path}' ({opts}"
            else:
                opts = "header=true"
                if len(model.rel(batch.what).endpoints) > 1:
                    opts += f", from='{f.from_label}', to='{f.to_label}'"
                text = f"COPY {name(batch.what)} FROM '{f.path}' ({opts}"
            text += (", parallel=false" if f.line_breaks else "") + ")"
            stmt = Statement(text, label=f"copy {batch.what}")
            self.counter.record(stmt)
            try:
                message = await loop.run_in_executor(self._exec, _execute_text, conn, text, None)
            except RuntimeError as exc:
                raise map_error(exc) from exc
            n = _copied_count(message)
            if n is not None and n != f.rows:
                raise EngineError(
                    f"COPY {batch.what} loaded {n} of {f.rows} rows from {os.path.basename(f.path)}", engine=self.name
                )
            copied += f.rows
        for text, chunk in _overflow_statements(batch):
            self.counter.record(Statement(text, label=f"bulk {batch.what} (non-CSV rows)"))
            params = params_for_engine({"rows": chunk}, naive_utc=True)
            try:
                message = await loop.run_in_executor(self._exec, _execute_text, conn, text, params)
            except RuntimeError as exc:
                raise map_error(exc) from exc
            if batch.kind == "rel" and message != str(len(chunk)):  # MATCH … CREATE skips a missing endpoint silently
                raise EngineError(f"{batch.what}: {len(chunk) - int(message or 0)} rows name a missing node", engine=self.name)
            copied += len(chunk)
        if copied != batch.rows:
            raise EngineError(f"{batch.what}: loaded {copied} of {batch.rows} rows", engine=self.name)
        if report is not None:
            report(batch.what, batch.rows)


_PROGRESS_EVERY = 50_000
_COPY_THREADS = 0  # threads of the COPY connection; 0: one per core
_OVERFLOW_BATCH = 2_000
_LIST_UNSAFE = frozenset(',"\'[]{}\r\n')


class _Overflow(Exception):
    """A value CSV cannot carry to LadybugDB unchanged; its row goes through Cypher instead."""


class _CsvFile:
    """One CSV file: rows written, and whether a value holds a line break (→ ``parallel=false``)."""

    def __init__(self, path: str, from_label: str | None = None, to_label: str | None = None) -> None:
        self.path = path
        self.from_label = from_label
        self.to_label = to_label
        self.rows = 0
        self.line_breaks = False


class _CsvBatch:
    """The files of one label or relationship type, plus the rows kept out of them."""

    def __init__(self, kind: str, what: str, cols: list[str]) -> None:
        self.kind = kind  # "node" | "rel"
        self.what = what
        self.cols = cols
        self.files: list[_CsvFile] = []
        self.overflow: dict[tuple[str, str], list[Row]] = {}  # (from label, to label); ("", "") for nodes
        self.rows = 0


def _quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


_QUOTE_CHARS = re.compile(r'[,"\'\\\r\n]').search


def _f_str(v: Any) -> str:
    s = v if v.__class__ is str else str(v)
    if s and not s[0].isspace() and not s[-1].isspace() and _QUOTE_CHARS(s) is None:
        return s  # bare: COPY reads unquoted fields ~3× faster than quoted ones
    return '"' + s.replace('"', '""') + '"'


def _f_int(v: Any) -> str:
    if isinstance(v, float):
        if not v.is_integer():
            raise ValueError(f"{v!r} is not an integer")
        v = int(v)
    return str(int(v))


def _f_float(v: Any) -> str:
    return repr(float(v))


def _f_bool(v: Any) -> str:
    if isinstance(v, str):
        return v.strip().lower()
    return "true" if v else "false"


def _f_date(v: Any) -> str:
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return dt.date.fromisoformat(str(v)).isoformat()


def _f_datetime(v: Any) -> str:
    if isinstance(v, str):
        v = dt.datetime.fromisoformat(v)
    elif isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        v = dt.datetime(v.year, v.month, v.day)
    return to_utc(v).replace(tzinfo=None).isoformat(sep=" ")


def _f_list(v: Any) -> str:
    if isinstance(v, str):
        raise TypeError(f"a list is expected, got the string {v!r}")
    items = [x if x.__class__ is str else str(x) for x in v]
    for x in items:
        # LadybugDB trims list items, splits them on "," and reads quotes and brackets literally
        if not x or x != x.strip() or not _LIST_UNSAFE.isdisjoint(x):
            raise _Overflow
    return '"[' + ",".join(items) + ']"'


def _cached(fn: Callable[[Any], str], key: Callable[[Any], Any]) -> Callable[[Any], str]:
    """``fn`` memoised per file: list, enum and timestamp values repeat a lot in bulk data."""
    cache: dict[Any, str] = {}

    def f(v: Any) -> str:
        k = key(v)
        try:
            return cache[k]
        except KeyError:
            pass
        except TypeError:  # unhashable item
            return fn(v)
        s = cache[k] = fn(v)
        if len(cache) > 4096:
            cache.clear()
        return s

    return f


def _csv_value(t: "model.PropType") -> Callable[[Any], str]:
    """The CSV field writer for a column of type ``t`` (see :meth:`LadybugEngine.bulk_load`).

    A writer turns a non-null value into the field text (an unquoted empty field is NULL); it raises
    :class:`_Overflow` when the value cannot travel through CSV unchanged, ``TypeError`` or
    ``ValueError`` when it does not fit the column type.
    """
    P = model.PropType
    if t is P.STRING:
        return _f_str
    if t is P.STRING_LIST:
        return _cached(_f_list, lambda v: v if isinstance(v, str) else tuple(v))
    if t is P.INT:
        return _f_int
    if t is P.FLOAT:
        return _f_float
    if t is P.BOOL:
        return _f_bool
    if t is P.DATE:
        return _f_date
    if t is P.DATETIME:
        return _cached(_f_datetime, lambda v: v)
    raise TypeError(f"unsupported property type {t}")


class _RowWriter:
    """Formats rows of fixed columns into CSV lines for one open file."""

    def __init__(self, f: _CsvFile, fh: Any, cols: list[str], types: list["model.PropType"], where: str) -> None:
        self.f = f
        self.fh = fh
        self.cols = cols
        self.convs = [_csv_value(t) for t in types]
        self.where = where
        fh.write(",".join(cols) + "\n")

    def write(self, values: Sequence[Any]) -> bool:
        """Append a row given as its values in column order; False when it must go through Cypher
        instead (see ``_Overflow``)."""
        try:
            line = ",".join(["" if v is None else c(v) for c, v in zip(self.convs, values)])
        except _Overflow:
            return False
        except (TypeError, ValueError, AttributeError) as exc:
            key = values[0] if self.cols[0] == "id" else (values[0], values[1])
            raise EngineError(f"{self.where}: row {key!r}: {exc}", engine="ladybug") from None
        if "\n" in line or "\r" in line:
            self.f.line_breaks = True
        self.fh.write(line + "\n")
        self.f.rows += 1
        return True


def _node_values(rows: Iterable[Row], cols: list[str]) -> Iterable[Sequence[Any]]:
    """Each row's values in ``cols`` order: ``rows.bulk_values(cols)`` when the source offers it (the
    generator does — no dict per row), else read from the row dicts."""
    fast = getattr(rows, "bulk_values", None)
    values = fast(cols) if fast is not None else None
    if values is not None:
        return values
    return (tuple(map(r.get, cols)) for r in rows)


def _rel_values(rows: Iterable[Row], cols: list[str]) -> Iterable[tuple[Any, Any, Sequence[Any]]]:
    """``(fromLabel, toLabel, values in cols order)`` per row; see :func:`_node_values`."""
    fast = getattr(rows, "bulk_values", None)
    values = fast(cols) if fast is not None else None
    if values is not None:
        return values
    return ((r.get("fromLabel"), r.get("toLabel"), tuple(map(r.get, cols))) for r in rows)


def _write_node_csv(
    base: str, label_name: str, rows: Iterable[Row], report: Callable[[str, int], None] | None
) -> _CsvBatch:
    lab = model.label(label_name)
    cols = list(lab.prop_names)
    batch = _CsvBatch("node", label_name, cols)
    f = _CsvFile(base + ".csv")
    with open(f.path, "w", encoding="utf-8", newline="", buffering=1 << 20) as fh:
        w = _RowWriter(f, fh, cols, [p.type for p in lab.all_props], label_name)
        n = 0
        id_at = cols.index("id")
        for values in _node_values(rows, cols):
            if values[id_at] is None:
                raise EngineError(f"{label_name}: a row has no id", engine="ladybug")
            if not w.write(values):
                batch.overflow.setdefault(("", ""), []).append(dict(zip(cols, values)))
            n += 1
            if report is not None and n % _PROGRESS_EVERY == 0:
                report(label_name, n)
        batch.rows = n
    if f.rows:
        batch.files.append(f)
    return batch


def _write_rel_csv(
    base: str, rel_name: str, rows: Iterable[Row], report: Callable[[str, int], None] | None
) -> _CsvBatch:
    rt = model.rel(rel_name)
    cols = ["from", "to"] + [p.name for p in rt.props]
    types = [model.PropType.STRING, model.PropType.STRING] + [p.type for p in rt.props]
    batch = _CsvBatch("rel", rel_name, cols)
    writers: dict[tuple[str, str], _RowWriter] = {}
    n = 0
    try:
        for from_label, to_label, values in _rel_values(rows, cols):
            pair = (from_label, to_label)
            w = writers.get(pair)  # type: ignore[arg-type]
            if w is None:
                if pair not in rt.endpoints:
                    raise EngineError(
                        f"{rel_name} does not connect {pair[0]} to {pair[1]}; allowed: "
                        + ", ".join(f"{a}->{b}" for a, b in rt.endpoints),
                        engine="ladybug",
                    )
                f = _CsvFile(f"{base}_{pair[0]}_{pair[1]}.csv", pair[0], pair[1])
                fh = open(f.path, "w", encoding="utf-8", newline="", buffering=1 << 20)
                w = writers[pair] = _RowWriter(f, fh, cols, types, rel_name)  # type: ignore[index]
            if values[0] is None or values[1] is None:
                raise EngineError(f"{rel_name}: a row lacks from/to", engine="ladybug")
            if not w.write(values):
                batch.overflow.setdefault(pair, []).append(dict(zip(cols, values)))  # type: ignore[arg-type]
            n += 1
            if report is not None and n % _PROGRESS_EVERY == 0:
                report(rel_name, n)
    finally:
        for w in writers.values():
            w.fh.close()
    batch.rows = n
    batch.files = [w.f for w in writers.values() if w.f.rows]
    return batch


def _overflow_statements(batch: _CsvBatch) -> Iterable[tuple[str, list[Row]]]:
    """Parameterised ``UNWIND $rows … CREATE`` statements for the rows kept out of the CSV."""
    from cobuild.graph.dialect import DIALECTS as _D

    typed = _D["ladybug"].typed
    for (a, b), rows in batch.overflow.items():
        if batch.kind == "node":
            lab = model.label(batch.what)
            props = ", ".join(
                f"{name(p.name)}: " + ("r.`id`" if p.name == "id" else typed(f"r.{name(p.name)}", p.type))
                for p in lab.all_props
            )
            text = f"UNWIND $rows AS r CREATE (:{name(batch.what)} {{{props}}})"
        else:
            rt = model.rel(batch.what)
            props = ", ".join(f"{name(p.name)}: {typed(f'r.{name(p.name)}', p.type)}" for p in rt.props)
            text = (
                f"UNWIND $rows AS r MATCH (a:{name(a)}) WHERE a.`id` = r.`from` "
                f"MATCH (b:{name(b)}) WHERE b.`id` = r.`to` "
                f"CREATE (a)-[:{name(batch.what)}" + (f" {{{props}}}" if props else "") + "]->(b) "
                "RETURN count(*) AS n"
            )
        for i in range(0, len(rows), _OVERFLOW_BATCH):
            yield text, rows[i : i + _OVERFLOW_BATCH]


def _execute_text(conn: Any, text: str, params: dict[str, Any] | None) -> str:
    """Run one statement; the first cell of its result (COPY reports "N tuples have been copied")."""
    result = conn.execute(text, params) if params else conn.execute(text)
    results = result if isinstance(result, list) else [result]
    try:
        rows = results[-1].get_all()
        return str(rows[0][0]) if rows and rows[0] else ""
    finally:
        for r in results:
            r.close()


def _copied_count(message: str) -> int | None:
    head = message.split(" ", 1)[0]
    return int(head) if head.isdigit() and "copied" in message else None
