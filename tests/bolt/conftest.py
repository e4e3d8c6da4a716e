"""Bolt stub fixtures: scripted servers the real ``neo4j`` driver connects to, and helpers that
write the parts of a script every conversation shares."""

from __future__ import annotations

import contextlib
import json
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest

from tests.bolt.stub import BoltStub, ScriptError

PASSWORD = "secret"
FILTERS = '"notifications_minimum_severity": "WARNING"'


def hello(version: str = "5.8", *, hints: dict | None = None, routing: str | None = None, filters: bool = True,
          handshake: str = "manifest", restart: bool = False) -> str:
    """Directives, HELLO + LOGON as cobuild's engine sends them for ``version``, and their replies.

    ``routing`` is the address the client was given (``neo4j://`` URIs send it in HELLO)."""
    major, minor = (int(x) for x in version.split("."))
    fields = ['"user_agent": "cobuild"']
    if (major, minor) >= (5, 3):
        fields.append('"bolt_agent": "*"')
    if routing == "*":
        fields.append('"routing": "*"')
    elif routing is not None:
        fields.append(f'"routing": {{"address": "{routing}"}}')
    if filters:
        key = "notifications_disabled_classifications" if (major, minor) >= (5, 5) else "notifications_disabled_categories"
        fields += [FILTERS, f'"{key}": ["UNRECOGNIZED"]']
    return f"""
!: BOLT {version}
!: HANDSHAKE {handshake}
!: AUTO RESET
!: AUTO GOODBYE
{'!: ALLOW RESTART' if restart else ''}
C: HELLO {{{", ".join(fields)}}}
C: LOGON {{"scheme": "basic", "principal": "neo4j", "credentials": "{PASSWORD}"}}
S: SUCCESS {{"server": "Neo4j/5.26.0", "connection_id": "bolt-1", "hints": {json.dumps(hints or {})}}}
   SUCCESS {{}}
"""


def read_one(text: str = "RETURN 1 AS n", value: Any = 1, *, begin: str = '{"mode": "r", "db": "neo4j"}',
             commit: str = "{}") -> str:
    """A managed read transaction: ``text`` (no parameters) answering one row ``{n: value}``."""
    return f"""
C: BEGIN {begin}
S: SUCCESS {{}}
C: RUN {json.dumps(text)} {{}} {{}}
C: PULL {{"n": 1000}}
S: SUCCESS {{"fields": ["n"]}}
   RECORD [{json.dumps(value)}]
   SUCCESS {{"type": "r"}}
C: COMMIT
S: SUCCESS {commit}
"""


BEGIN_WRITE = """
C: BEGIN {"db": "neo4j"}
S: SUCCESS {}
"""


def failure(code: str, message: str, version: str = "5.8") -> str:
    """A FAILURE message's metadata in the form ``version`` uses (GQL errors from Bolt 5.7 on)."""
    major, minor = (int(x) for x in version.split("."))
    if (major, minor) >= (5, 7):
        return json.dumps({"neo4j_code": code, "message": message, "gql_status": "50N42",
                           "description": "error: general processing exception - unexpected error. " + message},
                          ensure_ascii=False)
    return json.dumps({"code": code, "message": message}, ensure_ascii=False)


@pytest.fixture
async def bolt_stub() -> AsyncIterator[Callable[[str], Awaitable[BoltStub]]]:
    """``await bolt_stub(script)`` starts a stub server; all are closed after the test."""
    started: list[BoltStub] = []

    async def start(script: str) -> BoltStub:
        stub = await BoltStub(script).start()
        started.append(stub)
        return stub

    yield start
    for stub in started:
        await stub.close()


@contextlib.asynccontextmanager
async def talking(engine: Any, *stubs: BoltStub) -> AsyncIterator[Any]:
    """Yield ``engine``; afterwards close it and fail unless every stub's script was played to the
    end. When the block raised, the stubs' view (what the client sent instead) comes first: it
    says what the driver did wrong, where the engine's exception only says that something did."""
    try:
        yield engine
    except BaseException as exc:
        await engine.close()
        problems = []
        for stub in stubs:
            try:
                await stub.assert_done(timeout=1.0)
            except ScriptError as err:
                problems.append(str(err))
        if problems:
            raise ScriptError("\n".join(problems) + f"\n(the engine raised {type(exc).__name__}: {exc})") from exc
        raise
    await engine.close()
    for stub in stubs:
        await stub.assert_done()
