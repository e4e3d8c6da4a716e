"""The Bolt stub itself: its PackStream codec against the specification's byte strings, its script
language, and that it fails a test when the client deviates — a stub that accepted anything would
prove nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cobuild.graph.cypher import Statement
from cobuild.graph.engines.neo4j import Neo4jEngine
from tests.bolt.conftest import PASSWORD, hello, read_one
from tests.bolt.packstream import Structure, pack, unpack
from tests.bolt.stub import BoltStub, Script, ScriptError, matches


@pytest.mark.parametrize(("value", "hex_"), [
    (None, "c0"), (True, "c3"), (False, "c2"), (1, "01"), (-16, "f0"), (-17, "c8ef"), (127, "7f"), (128, "c90080"),
    (-129, "c9ff7f"), (32768, "ca00008000"), (2**31, "cb0000000080000000"), (1.1, "c13ff199999999999a"),
    ("", "80"), ("a", "8161"), ("é", "82c3a9"), ("x" * 16, "d010" + "78" * 16), ([], "90"), ([1, 2], "920102"),
    ({}, "a0"), ({"a": 1}, "a1816101"), (b"\x01", "cc0101"), (dt.date(1970, 1, 2), "b14401"),
    (dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.timezone.utc), "b349010000"),
    (Structure(b"\x70", [{}]), "b170a0"),
])
def test_packstream_matches_the_specification(value: Any, hex_: str) -> None:
    assert pack(value).hex() == hex_
    assert unpack(bytes.fromhex(hex_)) == value


values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=False) | st.text() | st.binary(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=5),
    max_leaves=20)


@given(values)
def test_packstream_round_trips(value: Any) -> None:
    assert unpack(pack(value)) == value


def test_matchers() -> None:
    assert matches("*", {"anything": [1]})
    assert matches("/MATCH .* RETURN n/", "MATCH (n) RETURN n") and not matches("/MATCH/", "MATCH (n)")
    assert matches({"mode": "r", "[bookmarks]": "*"}, {"mode": "r"})
    assert matches({"mode": "r", "[bookmarks]": "*"}, {"mode": "r", "bookmarks": ["b"]})
    assert not matches({"mode": "r"}, {"mode": "r", "bookmarks": ["b"]})  # an unexpected key is a deviation
    assert not matches({"n": 1}, {"n": True}) and not matches([1], [1, 2])
    assert matches({"$date": "2026-01-02"}, dt.date(2026, 1, 2))


@pytest.mark.parametrize("bad", ["X: HELLO {}", "C: NOPE {}", "S: HELLO {}", "C: RUN {bad json}", "   S: SUCCESS {}",
                                 "!: WHATEVER"])
def test_bad_scripts_are_refused(bad: str) -> None:
    with pytest.raises(ScriptError):
        Script.parse(bad)


async def test_a_client_that_deviates_from_the_script_fails_the_test() -> None:
    stub = await BoltStub(hello() + read_one()).start()
    engine = Neo4jEngine(f"bolt://{stub.address}", "neo4j", PASSWORD, max_retry_s=0)
    with pytest.raises(Exception):
        await engine.run(Statement("RETURN 2 AS n", label="not the scripted one"))
    await engine.close()
    with pytest.raises(ScriptError, match=r'expected line \d+: C: RUN "RETURN 1 AS n" \{\} \{\}\n  but the client sent RUN "RETURN 2 AS n"'):
        await stub.assert_done()


async def test_an_unfinished_script_fails_the_test() -> None:
    stub = await BoltStub(hello() + read_one() + """
C: BEGIN {"mode": "r", "db": "neo4j"}
""").start()
    engine = Neo4jEngine(f"bolt://{stub.address}", "neo4j", PASSWORD, max_retry_s=0)
    assert await engine.run(Statement("RETURN 1 AS n", label="one")) == [{"n": 1}]
    await engine.close()
    with pytest.raises(ScriptError, match="the client ended the conversation; the script still expected line"):
        await stub.assert_done()


async def test_discard_logoff_and_a_second_logon_through_the_raw_driver() -> None:
    """Messages cobuild's engine does not send today but a driver may: the rest of a consumed
    result is DISCARDed, a session with other credentials re-authenticates the connection (LOGOFF,
    LOGON)."""
    import neo4j

    stub = await BoltStub(hello() + """
C: RUN "RETURN 1 AS n" {} {"db": "neo4j"}
C: PULL {"n": 1000}
S: SUCCESS {"fields": ["n"]}
   RECORD [1]
   SUCCESS {"has_more": true}
C: DISCARD {"n": -1}
S: SUCCESS {"type": "r"}
C: LOGOFF
C: LOGON {"scheme": "basic", "principal": "analyst", "credentials": "other"}
S: SUCCESS {}
   SUCCESS {}
C: RUN "RETURN 2 AS n" {} {"db": "neo4j"}
C: PULL {"n": 1000}
S: SUCCESS {"fields": ["n"]}
   RECORD [2]
   SUCCESS {"type": "r"}
""").start()
    driver = neo4j.AsyncGraphDatabase.driver(f"bolt://{stub.address}", auth=("neo4j", PASSWORD), user_agent="cobuild",
                                             notifications_min_severity="WARNING",
                                             notifications_disabled_classifications=["UNRECOGNIZED"])
    try:
        async with driver.session(database="neo4j") as session:
            await (await session.run("RETURN 1 AS n")).consume()
        async with driver.session(database="neo4j", auth=("analyst", "other")) as session:
            assert [r["n"] async for r in await session.run("RETURN 2 AS n")] == [2]
    finally:
        await driver.close()
        await stub.assert_done()
