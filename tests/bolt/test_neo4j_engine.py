"""The REAL :class:`Neo4jEngine` through the REAL ``neo4j`` driver against scripted Bolt servers.

No Neo4j server runs in CI, so these conversations are what catches driver misuse: each script is
what a Neo4j 5 server says and what the driver must send for cobuild's engine to be right (managed
transactions, the unit of work's timeout in ``BEGIN``, retries, bookmarks, routing, notification
filters). A deviation, an extra message or an unfinished script fails the test.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest

from cobuild.errors import ConstraintViolationError, QueryTimeoutError, ReadOnlyViolationError, StoreBusyError, ValidationError
from cobuild.graph.cypher import Statement
from cobuild.graph.engines.neo4j import Neo4jEngine
from tests.bolt.conftest import BEGIN_WRITE, PASSWORD, failure, hello, read_one, talking

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
READ = Statement("MATCH (u:Unit) WHERE u.id = $id AND u.validFrom >= $since RETURN u.name AS name, "
                 "u.validFrom AS since, u.updatedAt AS at, u AS node", {"id": "unit:a", "since": dt.date(2020, 1, 1)},
                 label="test read")
PULL = 'C: PULL {"n": 1000}'


def engine_for(address: str, scheme: str = "bolt", **kw: Any) -> Neo4jEngine:
    return Neo4jEngine(f"{scheme}://{address}", "neo4j", PASSWORD, "neo4j", max_retry_s=kw.pop("max_retry_s", 1.0), **kw)


def ok_write(text: str, n: int = 1) -> str:
    return f"""
C: RUN {text} "*" {{}}
{PULL}
S: SUCCESS {{"fields": ["n"], "t_first": 1}}
   RECORD [{n}]
   SUCCESS {{"type": "w", "t_last": 1, "db": "neo4j"}}
"""


async def test_a_read_is_a_managed_read_transaction_with_the_unit_of_works_timeout(bolt_stub: Any) -> None:
    stub = await bolt_stub(hello(hints={"telemetry.enabled": True}) + """
C: TELEMETRY 0
C: BEGIN {"mode": "r", "db": "neo4j", "tx_timeout": 2500}
S: SUCCESS {}
   SUCCESS {}
C: RUN "MATCH (u:Unit) WHERE u.id = $id AND u.validFrom >= $since RETURN u.name AS name, u.validFrom AS since, u.updatedAt AS at, u AS node" {"id": "unit:a", "since": {"$date": "2020-01-01"}} {}
C: PULL {"n": 1000}
S: SUCCESS {"fields": ["name", "since", "at", "node"], "t_first": 2}
   RECORD ["双流区第一人民医院", {"$date": "2021-06-01"}, {"$datetime": "2026-01-02T11:04:05+08:00"}, {"$node": {"id": 7, "labels": ["Unit"], "props": {"id": "unit:a", "name": "医院"}, "element_id": "4:db:7"}}]
   SUCCESS {"type": "r", "t_last": 1, "db": "neo4j"}
C: COMMIT
S: SUCCESS {"bookmark": "FB:read-1"}
""")
    async with talking(engine_for(stub.address), stub) as engine:
        rows = await engine.run(READ, timeout=2.5)
    assert rows == [{"name": "双流区第一人民医院", "since": dt.date(2021, 6, 1), "at": NOW,
                     "node": {"label": "Unit", "props": {"id": "unit:a", "name": "医院"}, "_key": "4:db:7"}}]
    assert rows[0]["at"].tzinfo == dt.timezone.utc
    assert engine.counter.total == 1
    assert stub.handshakes[0][0] == "000001ff"  # the driver offered the manifest handshake, and got Bolt 5.8


async def test_a_multi_statement_write_is_one_transaction_committed_once(bolt_stub: Any) -> None:
    stub = await bolt_stub(hello() + BEGIN_WRITE + ok_write('"CREATE (a:Unit {id: $id}) RETURN 1 AS n"') + ok_write('"/MATCH \\\\(a:Unit\\\\).*/"') + """
C: COMMIT
S: SUCCESS {"bookmark": "FB:w-1"}
""")
    async with talking(engine_for(stub.address), stub) as engine:
        async def work(tx: Any) -> int:
            a = await tx.run(Statement("CREATE (a:Unit {id: $id}) RETURN 1 AS n", {"id": "unit:x"}, label="one"))
            b = await tx.run(Statement("MATCH (a:Unit) WHERE a.id = $id SET a.at = $at RETURN 1 AS n",
                                       {"id": "unit:x", "at": NOW}, label="two"))
            return a[0]["n"] + b[0]["n"]

        assert await engine.write(work) == 2
    runs = stub.messages("RUN")
    assert runs[0][1] == {"id": "unit:x"} and runs[1][1] == {"id": "unit:x", "at": NOW}
    assert [n for _c, n, _f in stub.received].count("COMMIT") == 1
    assert engine.counter.total == 2


async def test_a_transient_error_is_retried_and_then_succeeds(bolt_stub: Any) -> None:
    deadlock = failure("Neo.TransientError.Transaction.DeadlockDetected", "ForsetiClient[1] can't acquire ExclusiveLock")
    stub = await bolt_stub(hello() + BEGIN_WRITE + ok_write('"CREATE (a) RETURN 1 AS n"') + f"""
C: RUN "CREATE (b) RETURN 1 AS n" {{}} {{}}
{PULL}
S: FAILURE {deadlock}
   IGNORED
C: RESET
S: SUCCESS {{}}
C: BEGIN {{"db": "neo4j"}}
S: SUCCESS {{}}
""" + ok_write('"CREATE (a) RETURN 1 AS n"') + ok_write('"CREATE (b) RETURN 1 AS n"') + """
C: COMMIT
S: SUCCESS {"bookmark": "FB:w-2"}
""")
    async with talking(engine_for(stub.address), stub) as engine:
        calls = 0

        async def work(tx: Any) -> str:
            nonlocal calls
            calls += 1
            await tx.run(Statement("CREATE (a) RETURN 1 AS n", label="a"))
            await tx.run(Statement("CREATE (b) RETURN 1 AS n", label="b"))
            return "done"

        assert await engine.write(work) == "done"
    assert calls == 2  # the whole unit of work ran again, in a new transaction


async def test_a_transient_error_that_outlasts_the_retries_is_DB_BUSY(bolt_stub: Any) -> None:
    deadlock = failure("Neo.TransientError.Transaction.DeadlockDetected", "deadlock")
    attempt = f"""
C: BEGIN {{"mode": "r", "db": "neo4j"}}
S: SUCCESS {{}}
C: RUN "RETURN 1 AS n" {{}} {{}}
{PULL}
S: FAILURE {deadlock}
   IGNORED
C: RESET
S: SUCCESS {{}}
"""
    stub = await bolt_stub(hello() + attempt + attempt)
    # max_retry_s=0.5: one retry (about a second after the first attempt), then the driver gives up
    async with talking(engine_for(stub.address, max_retry_s=0.5), stub) as engine:
        with pytest.raises(StoreBusyError):
            await engine.run(Statement("RETURN 1 AS n", label="busy"))


async def test_the_timeout_goes_in_BEGIN_and_a_timed_out_transaction_answers_TIMEOUT(bolt_stub: Any, tmp_path: Path) -> None:
    from tests.client import serve

    timed_out = failure("Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
                        "The transaction has been terminated. Retry your operation in a new transaction, and you should "
                        "see a successful result. The transaction has not completed within the timeout specified at its "
                        "start by the client. You may want to retry with a longer timeout.")
    stub = await bolt_stub(hello() + f"""
C: BEGIN {{"mode": "r", "db": "neo4j", "tx_timeout": 3000}}
S: SUCCESS {{}}
C: RUN "*" "*" {{}}
{PULL}
S: FAILURE {timed_out}
   IGNORED
C: RESET
S: SUCCESS {{}}
""")
    async with talking(engine_for(stub.address), stub) as engine:
        async with serve(engine, tmp_path, query_timeout_s=3.0) as gql:
            body = await gql('{ node(id: "unit:sl-first-hospital") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "TIMEOUT", body
    assert "terminated" not in body["errors"][0]["message"]  # the server's text stays in the log


async def test_timed_out_maps_to_QueryTimeoutError_on_the_engine(bolt_stub: Any) -> None:
    stub = await bolt_stub(hello() + f"""
C: BEGIN {{"db": "neo4j", "tx_timeout": 500}}
S: SUCCESS {{}}
C: RUN "CREATE (a) RETURN 1 AS n" {{}} {{}}
{PULL}
S: FAILURE {failure("Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration", "timed out")}
   IGNORED
C: RESET
S: SUCCESS {{}}
""")
    async with talking(engine_for(stub.address), stub) as engine:
        with pytest.raises(QueryTimeoutError):
            await engine.run(Statement("CREATE (a) RETURN 1 AS n", label="slow"), "write", timeout=0.5)


async def test_a_failure_mid_transaction_commits_nothing_and_is_mapped(bolt_stub: Any) -> None:
    violated = failure("Neo.ClientError.Schema.ConstraintValidationFailed",
                       "Node(1) already exists with label `Unit` and property `id` = 'unit:x'")
    stub = await bolt_stub(hello() + BEGIN_WRITE + ok_write('"CREATE (a:Unit {id: $id}) RETURN 1 AS n"') + f"""
C: RUN "CREATE (b:Unit {{id: $id}}) RETURN 1 AS n" {{"id": "unit:x"}} {{}}
{PULL}
S: FAILURE {violated}
   IGNORED
C: RESET
S: SUCCESS {{}}
""")
    async with talking(engine_for(stub.address), stub) as engine:
        async def work(tx: Any) -> None:
            await tx.run(Statement("CREATE (a:Unit {id: $id}) RETURN 1 AS n", {"id": "unit:y"}, label="a"))
            await tx.run(Statement("CREATE (b:Unit {id: $id}) RETURN 1 AS n", {"id": "unit:x"}, label="b"))

        with pytest.raises(ConstraintViolationError):
            await engine.write(work)
    assert "COMMIT" not in [n for _c, n, _f in stub.received]


async def test_an_error_raised_by_the_unit_of_work_rolls_back(bolt_stub: Any) -> None:
    stub = await bolt_stub(hello() + BEGIN_WRITE + ok_write('"CREATE (a) RETURN 1 AS n"') + """
C: ROLLBACK
S: SUCCESS {}
""")
    async with talking(engine_for(stub.address), stub) as engine:
        async def work(tx: Any) -> None:
            await tx.run(Statement("CREATE (a) RETURN 1 AS n", label="a"))
            raise ValidationError("a business rule refused the change", field="x")

        with pytest.raises(ValidationError):
            await engine.write(work)
    assert "COMMIT" not in [n for _c, n, _f in stub.received]


async def test_a_read_after_a_write_carries_the_writes_bookmark(bolt_stub: Any) -> None:
    stub = await bolt_stub(hello() + BEGIN_WRITE + ok_write('"CREATE (a) RETURN 1 AS n"') + """
C: COMMIT
S: SUCCESS {"bookmark": "FB:after-write-1"}
""" + read_one(begin='{"mode": "r", "db": "neo4j", "bookmarks": ["FB:after-write-1"]}', commit='{"bookmark": "FB:after-read-2"}') + """
C: BEGIN {"db": "neo4j", "bookmarks": ["FB:after-read-2"]}
S: SUCCESS {}
""" + ok_write('"CREATE (a) RETURN 1 AS n"') + """
C: COMMIT
S: SUCCESS {"bookmark": "FB:after-write-3"}
""")
    async with talking(engine_for(stub.address), stub) as engine:
        await engine.run(Statement("CREATE (a) RETURN 1 AS n", label="w"), "write")
        assert await engine.run(Statement("RETURN 1 AS n", label="r")) == [{"n": 1}]
        await engine.run(Statement("CREATE (a) RETURN 1 AS n", label="w"), "write")


async def test_neo4j_uri_routes_reads_to_readers_and_writes_to_writers(bolt_stub: Any) -> None:
    reader = await bolt_stub(hello(routing="*") + read_one("MATCH (n) RETURN count(n) AS n", 42, commit='{"bookmark": "FB:on-reader"}',
                                                         begin='{"mode": "r", "db": "neo4j", "bookmarks": ["FB:on-writer"]}'))
    writer = await bolt_stub(hello(routing="*") + BEGIN_WRITE + ok_write('"CREATE (a) RETURN 1 AS n"') + """
C: COMMIT
S: SUCCESS {"bookmark": "FB:on-writer"}
""")
    router = await bolt_stub("")
    table = {"rt": {"ttl": 300, "db": "neo4j", "servers": [
        {"addresses": [router.address], "role": "ROUTE"},
        {"addresses": [reader.address], "role": "READ"},
        {"addresses": [writer.address], "role": "WRITE"}]}}
    router.load(hello(routing=router.address) + f"""
C: ROUTE {{"address": "{router.address}"}} [] {{"db": "neo4j"}}
S: SUCCESS {__import__("json").dumps(table)}
""")
    async with talking(engine_for(router.address, scheme="neo4j"), router, writer, reader) as engine:
        await engine.run(Statement("CREATE (a) RETURN 1 AS n", label="w"), "write")
        assert await engine.run(Statement("MATCH (n) RETURN count(n) AS n", label="r")) == [{"n": 42}]
    assert reader.messages("HELLO")[0][0]["routing"] == {"address": router.address}


@pytest.mark.parametrize("version", ["5.2", "5.8"])
async def test_notifications_are_filtered_by_the_server_and_logged_once(
        bolt_stub: Any, caplog: pytest.LogCaptureFixture, version: str) -> None:
    """Bolt 5.2 is Neo4j 5.7–5.8 (four-byte handshake, ``notifications`` in the summary); Bolt 5.8 is
    Neo4j 5.26 (GQL ``statuses``). HELLO asks the server to leave UNRECOGNIZED notifications and
    anything below WARNING out; what still comes is logged once per (code, statement label)."""
    deprecated = ("Neo.ClientNotification.Statement.FeatureDeprecationWarning", "01N00", "DEPRECATION",
                  "feature deprecated: the procedure is deprecated")
    unknown = ("Neo.ClientNotification.Statement.UnknownPropertyKeyWarning", "01N52", "UNRECOGNIZED",
               "warn: property key does not exist. The property `validTo` does not exist in database `neo4j`.")
    if version == "5.8":
        meta = {"statuses": [
            {"gql_status": "00000", "status_description": "note: successful completion"},
            *({"gql_status": g, "status_description": d, "neo4j_code": c, "title": "t",
               "diagnostic_record": {"_severity": "WARNING", "_classification": k, "OPERATION": "", "OPERATION_CODE": "0",
                                     "CURRENT_SCHEMA": "/"}} for c, g, k, d in (deprecated, unknown))]}
    else:
        meta = {"notifications": [{"code": c, "title": "t", "description": d, "severity": "WARNING", "category": k}
                                  for c, _g, k, d in (deprecated, unknown)]}
    import json

    once = f"""
C: BEGIN {{"mode": "r", "db": "neo4j"}}
S: SUCCESS {{}}
C: RUN "RETURN 1 AS n" {{}} {{}}
{PULL}
S: SUCCESS {{"fields": ["n"]}}
   RECORD [1]
   SUCCESS {json.dumps({"type": "r", **meta})}
C: COMMIT
S: SUCCESS {{}}
"""
    stub = await bolt_stub(hello(version, handshake="legacy" if version == "5.2" else "manifest") + once * 5)
    async with talking(engine_for(stub.address), stub) as engine:
        label = f"noisy {uuid.uuid4().hex[:6]}"  # the once-per-label memory is per process
        with caplog.at_level(logging.INFO):
            for _ in range(5):
                await engine.run(Statement("RETURN 1 AS n", label=label))
    ours = [r for r in caplog.records if r.name == "cobuild.neo4j.notifications"]
    assert sorted(r.fields["code"] for r in ours) == sorted([deprecated[0], unknown[0]])  # type: ignore[attr-defined]
    assert all(r.fields["statement"] == label and r.levelno == logging.WARNING for r in ours)  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.name == "neo4j.notifications"]
    hello_fields = stub.messages("HELLO")[0][0]
    assert hello_fields["notifications_minimum_severity"] == "WARNING"
    assert "UNRECOGNIZED" in (hello_fields.get("notifications_disabled_classifications")
                              or hello_fields["notifications_disabled_categories"])


async def test_a_server_without_notification_filters_is_used_without_them(bolt_stub: Any) -> None:
    """Neo4j 5.0–5.6 speaks Bolt 5.0/5.1, where the driver refuses notification filters before
    HELLO: the engine reconnects without them (and still logs each notification once)."""
    stub = await bolt_stub(hello("5.1", filters=False, handshake="legacy", restart=True) + read_one())
    async with talking(engine_for(stub.address), stub) as engine:
        assert await engine.run(Statement("RETURN 1 AS n", label="old server")) == [{"n": 1}]
    assert stub.empty_connections == 1  # the first connection, closed by the driver after the handshake


async def test_search_sends_a_required_phrase_per_term(bolt_stub: Any, tmp_path: Path) -> None:
    """The Neo4j statement of ``search`` asks the full-text index for every term as a phrase and
    ranks what comes back with the shared rule."""
    from tests.client import serve

    stub = await bolt_stub(hello() + """
C: BEGIN {"mode": "r", "db": "neo4j", "tx_timeout": 10000}
S: SUCCESS {}
C: RUN "/CALL db.index.fulltext.queryNodes\\\\('cobuild_names', \\\\$p\\\\d+\\\\) YIELD node AS n\\\\d* WHERE n\\\\d*:`Unit` WITH .*/" "*" {}
C: PULL {"n": 1000}
S: SUCCESS {"fields": ["id", "label", "name", "aliases", "tier"]}
   RECORD ["unit:sl-first-hospital", "Unit", "区第一人民医院", ["双流区第一人民医院"], 1]
   SUCCESS {"type": "r"}
C: COMMIT
S: SUCCESS {}
""")
    async with talking(engine_for(stub.address), stub) as engine:
        async with serve(engine, tmp_path) as gql:
            body = await gql('{ search(text: "双流区  第一人民医院", labels: [Unit]) { id score } }')
    assert body == {"data": {"search": [{"id": "unit:sl-first-hospital", "score": 0.2}]}}
    params = stub.messages("RUN")[0][1]
    assert '"双流区" AND "第一人民医院"' in params.values()


async def test_the_read_only_console_is_a_read_transaction_and_a_refused_write_is_READ_ONLY(bolt_stub: Any) -> None:
    """``run_read_only`` (the Cypher console) once had the ``Query``-in-``tx.run`` bug too: its
    conversation is scripted like every other statement path."""
    refused = failure("Neo.ClientError.Statement.AccessMode", "Writing in read access mode not allowed.")
    stub = await bolt_stub(hello() + """
C: BEGIN {"mode": "r", "db": "neo4j", "tx_timeout": 1500}
S: SUCCESS {}
C: RUN "MATCH (u:Unit) RETURN u.name AS name" {} {}
C: PULL {"n": 1000}
S: SUCCESS {"fields": ["name"], "t_first": 1}
   RECORD ["甲"]
   RECORD ["乙"]
   SUCCESS {"type": "r", "t_last": 1, "db": "neo4j"}
C: COMMIT
S: SUCCESS {"bookmark": "FB:console-1"}
""" + f"""
C: BEGIN {{"mode": "r", "db": "neo4j", "bookmarks": ["FB:console-1"]}}
S: SUCCESS {{}}
C: RUN "CREATE (u:Unit {{id: 'unit:z'}})" {{}} {{}}
{PULL}
S: FAILURE {refused}
   IGNORED
C: RESET
S: SUCCESS {{}}
""")
    async with talking(engine_for(stub.address), stub) as engine:
        got = await engine.run_read_only(Statement("MATCH (u:Unit) RETURN u.name AS name", label="console"),
                                         timeout=1.5, max_rows=1)
        assert (got.columns, got.rows, got.truncated) == (["name"], [["甲"]], True)
        with pytest.raises(ReadOnlyViolationError):
            await engine.run_read_only(Statement("CREATE (u:Unit {id: 'unit:z'})", label="console"))
