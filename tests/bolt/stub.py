"""A scripted Bolt 5 server for tests: the real ``neo4j`` driver talks to it as to a Neo4j server.

Modelled on the "boltstub" of the official drivers' test kit: a script lists the messages the
client must send, in order, with field matchers, and the replies the server sends. The test fails
(:meth:`BoltStub.assert_done`) when the client sends anything else, sends it in another order,
closes the connection early, or leaves steps of the script unsent.

Script lines (indented lines continue the line above)::

    !: BOLT 5.8                 the protocol version agreed in the handshake (default 5.8)
    !: HANDSHAKE legacy         answer the handshake in the four-byte style even when the client offers
                                the manifest style (default: manifest when offered)
    !: AUTO RESET               answer RESET with SUCCESS {} wherever it comes (any message name)
    !: AUTO GOODBYE             GOODBYE is never answered; it ends the conversation
    !: ALLOW RESTART            a later connection plays the script again from the top (a connection
                                closed right after the handshake, without a message, is counted in
                                :attr:`BoltStub.empty_connections` and does not play it)
    C: BEGIN {"mode": "r"}      the client sends this next (name and fields must match)
    ?: ROLLBACK                 the client may send this here; answered with SUCCESS {}
    S: SUCCESS {"fields": ["n"]}    the server sends this
    S: <EXIT>                   the server closes the connection

Fields are JSON. In ``C:`` lines: ``"*"`` matches any value; ``"/regex/"`` matches a string in full;
a map matches a map with the same keys, except keys written ``"[key]"``, which may be missing;
``{"$date": "2026-01-02"}`` and ``{"$datetime": "2026-01-02T03:04:05+00:00"}`` match temporal values
and are sent as Bolt dates and date-times in ``S:`` lines; ``{"$node": {...}}`` sends a node
(``id``, ``labels``, ``props``, ``element_id``).

Every client message is kept in :attr:`BoltStub.received` as ``(connection, name, fields)``, so a
test can also assert on the exact values the driver sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import struct
from dataclasses import dataclass, field
from typing import Any

from tests.bolt.packstream import PackStreamError, Structure, pack, unpack

MAGIC = b"\x60\x60\xb0\x17"
CLIENT_MESSAGES = {
    0x01: "HELLO", 0x02: "GOODBYE", 0x0F: "RESET", 0x10: "RUN", 0x11: "BEGIN", 0x12: "COMMIT",
    0x13: "ROLLBACK", 0x2F: "DISCARD", 0x3F: "PULL", 0x54: "TELEMETRY", 0x66: "ROUTE", 0x6A: "LOGON",
    0x6B: "LOGOFF",
}
SERVER_MESSAGES = {"SUCCESS": 0x70, "RECORD": 0x71, "IGNORED": 0x7E, "FAILURE": 0x7F}
_DECODER = json.JSONDecoder()


class ScriptError(AssertionError):
    pass


@dataclass
class Step:
    kind: str  # "C" client must send, "?" client may send, "S" server sends, "EXIT"
    name: str
    fields: list[Any] = field(default_factory=list)
    line: int = 0

    def describe(self) -> str:
        return f"line {self.line}: {self.kind}: {self.name} {' '.join(json.dumps(f, ensure_ascii=False, default=str) for f in self.fields)}".rstrip()


@dataclass
class Script:
    version: tuple[int, int] = (5, 8)
    handshake: str = "manifest"
    auto: set[str] = field(default_factory=set)
    allow_restart: bool = False
    steps: list[Step] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> "Script":
        script = cls()
        prefix = None
        for lineno, raw in enumerate(text.splitlines(), start=1):
            line = raw.rstrip()
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[:1].isspace():
                if prefix is None:
                    raise ScriptError(f"line {lineno}: continuation line without a message line above")
                body = line.strip()
            else:
                prefix, sep, body = line.partition(":")
                if not sep or prefix not in ("!", "C", "S", "?"):
                    raise ScriptError(f"line {lineno}: expected '!:', 'C:', 'S:' or '?:' in {line!r}")
                body = body.strip()
            if prefix == "!":
                script._directive(body, lineno)
            else:
                script.steps.append(_parse_message(prefix, body, lineno))
        return script

    def _directive(self, body: str, lineno: int) -> None:
        words = body.split()
        if words[:1] == ["BOLT"] and len(words) == 2:
            major, minor = words[1].split(".")
            self.version = (int(major), int(minor))
        elif words[:1] == ["HANDSHAKE"] and len(words) == 2 and words[1] in ("legacy", "manifest"):
            self.handshake = words[1]
        elif words[:1] == ["AUTO"] and len(words) == 2:
            self.auto.add(words[1])
        elif words == ["ALLOW", "RESTART"]:
            self.allow_restart = True
        else:
            raise ScriptError(f"line {lineno}: unknown directive {body!r}")


def _parse_message(prefix: str, body: str, lineno: int) -> Step:
    if body == "<EXIT>":
        return Step("EXIT", "<EXIT>", [], lineno)
    name, _, rest = body.partition(" ")
    if prefix in ("C", "?") and name not in CLIENT_MESSAGES.values():
        raise ScriptError(f"line {lineno}: {name!r} is not a client message")
    if prefix == "S" and name not in SERVER_MESSAGES:
        raise ScriptError(f"line {lineno}: {name!r} is not a server message")
    fields: list[Any] = []
    rest = rest.strip()
    while rest:
        try:
            value, end = _DECODER.raw_decode(rest)
        except json.JSONDecodeError as exc:
            raise ScriptError(f"line {lineno}: bad JSON field in {body!r}: {exc}") from None
        fields.append(value)
        rest = rest[end:].strip()
    return Step(prefix, name, fields, lineno)


# ---------------------------------------------------------------------------------------------
# matching client fields, building server fields
# ---------------------------------------------------------------------------------------------
def _typed(pattern: dict[str, Any]) -> tuple[str, Any] | None:
    if len(pattern) == 1:
        (k, v), = pattern.items()
        if k in ("$date", "$datetime", "$node"):
            return k, v
    return None


def matches(pattern: Any, value: Any) -> bool:
    if pattern == "*":
        return True
    if isinstance(pattern, str) and len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/"):
        return isinstance(value, str) and re.fullmatch(pattern[1:-1], value, re.S) is not None
    if isinstance(pattern, dict):
        typed = _typed(pattern)
        if typed is not None:
            return value == server_value(pattern)
        if not isinstance(value, dict):
            return False
        required = {k for k in pattern if not (k.startswith("[") and k.endswith("]"))}
        optional = {k[1:-1] for k in pattern if k not in required}
        if not required <= set(value) or not set(value) <= required | optional:
            return False
        for k, p in pattern.items():
            key = k[1:-1] if k not in required else k
            if key in value and not matches(p, value[key]):
                return False
        return True
    if isinstance(pattern, list):
        return isinstance(value, list) and len(pattern) == len(value) and all(matches(p, v) for p, v in zip(pattern, value))
    if isinstance(pattern, bool) or isinstance(value, bool):
        return pattern is value
    return pattern == value


def server_value(v: Any) -> Any:
    if isinstance(v, dict):
        typed = _typed(v)
        if typed is not None:
            kind, arg = typed
            if kind == "$date":
                return dt.date.fromisoformat(arg)
            if kind == "$datetime":
                return dt.datetime.fromisoformat(arg)
            return Structure(b"N", [arg["id"], arg["labels"], server_value(arg.get("props", {})), arg["element_id"]])
        return {k: server_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [server_value(x) for x in v]
    return v


# ---------------------------------------------------------------------------------------------
# the server
# ---------------------------------------------------------------------------------------------
class _Conversation:
    def __init__(self, stub: "BoltStub", number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stub, self.number, self.reader, self.writer = stub, number, reader, writer
        self.script = stub.script
        self.pos = 0
        self.finished = False

    # -- framing ------------------------------------------------------------------------------
    async def read_message(self) -> tuple[str, list[Any]] | None:
        data = bytearray()
        while True:
            try:
                head = await self.reader.readexactly(2)
            except (asyncio.IncompleteReadError, ConnectionError):
                return None
            (size,) = struct.unpack(">H", head)
            if size == 0:
                if data:
                    break
                continue  # a NOOP chunk between messages
            data += await self.reader.readexactly(size)
        msg = unpack(bytes(data))
        if not isinstance(msg, Structure) or msg.tag[0] not in CLIENT_MESSAGES:
            raise ScriptError(f"connection {self.number}: not a Bolt client message: {msg!r}")
        name = CLIENT_MESSAGES[msg.tag[0]]
        self.stub.received.append((self.number, name, msg.fields))
        return name, msg.fields

    def send(self, name: str, fields: list[Any]) -> None:
        data = pack(Structure(bytes((SERVER_MESSAGES[name],)), [server_value(f) for f in fields]))
        out = bytearray()
        for i in range(0, len(data), 0xFFFF):
            chunk = data[i:i + 0xFFFF]
            out += struct.pack(">H", len(chunk)) + chunk
        out += b"\x00\x00"
        self.writer.write(bytes(out))

    # -- handshake ------------------------------------------------------------------------------
    async def handshake(self) -> None:
        magic = await self.reader.readexactly(4)
        if magic != MAGIC:
            raise ScriptError(f"connection {self.number}: bad magic preamble {magic.hex()}")
        offers = await self.reader.readexactly(16)
        slots = [offers[i:i + 4] for i in range(0, 16, 4)]
        self.stub.handshakes.append([s.hex() for s in slots])
        major, minor = self.script.version
        manifest = any(s == b"\x00\x00\x01\xff" for s in slots)
        if manifest and self.script.handshake == "manifest":
            self.writer.write(b"\x00\x00\x01\xff" + bytes((1,)) + bytes((0, 0, minor, major)) + b"\x00")
            await self.writer.drain()
            chosen = await self.reader.readexactly(4)
            await self.reader.readexactly(1)  # the client's capabilities (none defined yet)
            if (chosen[3], chosen[2]) != (major, minor):
                raise ScriptError(f"connection {self.number}: client chose Bolt {chosen[3]}.{chosen[2]}, "
                                  f"not the offered {major}.{minor}")
            return
        for s in slots:
            s_major, s_minor, s_range = s[3], s[2], s[1]
            if s == b"\x00\x00\x01\xff":
                continue
            if s_major == major and s_minor - s_range <= minor <= s_minor:
                self.writer.write(bytes((0, 0, minor, major)))
                await self.writer.drain()
                return
        self.writer.write(b"\x00\x00\x00\x00")
        raise ScriptError(f"connection {self.number}: client did not offer Bolt {major}.{minor}: {offers.hex()}")

    # -- the script -------------------------------------------------------------------------------
    async def play(self) -> None:
        await self.handshake()
        steps = self.script.steps
        pending: tuple[str, list[Any]] | None = None
        while self.pos < len(steps):
            step = steps[self.pos]
            if step.kind == "S":
                self.send(step.name, step.fields)
                self.pos += 1
                continue
            if step.kind == "EXIT":
                await self.writer.drain()
                self.pos += 1
                self.finished = True
                return
            await self.writer.drain()
            msg = pending or await self._next_client_message(step)
            pending = None
            if msg is None and self.pos == 0 and self.script.allow_restart and not self._said_anything():
                self.stub.empty_connections += 1  # opened and closed without a word (a probe): not a conversation
                self.finished = True
                return
            if msg is None:
                raise ScriptError(f"connection {self.number}: the client ended the conversation; the script still "
                                  f"expected {step.describe()}")
            name, fields = msg
            if name == step.name and len(fields) == len(step.fields) and all(map(matches, step.fields, fields)):
                self.pos += 1
                if step.kind == "?":
                    self.send("SUCCESS", [{}])
                continue
            if step.kind == "?":
                self.pos += 1
                pending = msg  # the optional step did not happen: try the message on the next step
                continue
            raise ScriptError(f"connection {self.number}: expected {step.describe()}\n"
                              f"  but the client sent {name} {_show(fields)}")
        await self.writer.drain()
        self.finished = True
        while True:  # the script is done: only automatic messages may follow
            msg = await self._next_client_message(None)
            if msg is None:
                return
            name, fields = msg
            raise ScriptError(f"connection {self.number}: the script is finished but the client sent {name} {_show(fields)}")

    def _said_anything(self) -> bool:
        return any(c == self.number for c, _n, _f in self.stub.received)

    async def _next_client_message(self, step: Step | None) -> tuple[str, list[Any]] | None:
        """The next message that the script must judge: automatic ones are answered here, unless
        the current step expects exactly that message."""
        while True:
            msg = await self.read_message()
            if msg is None:
                return None
            name, _fields = msg
            if step is not None and name == step.name:
                return msg
            if name == "GOODBYE" and "GOODBYE" in self.script.auto:
                return None  # the client ends the conversation
            if name in self.script.auto:
                self.send("SUCCESS", [{}])
                await self.writer.drain()
                continue
            return msg


def _show(fields: list[Any]) -> str:
    return " ".join(json.dumps(f, ensure_ascii=False, default=repr) for f in fields)


class BoltStub:
    """A scripted Bolt server on 127.0.0.1 (a free port unless given)."""

    def __init__(self, script: str | Script, port: int = 0) -> None:
        self.script = script if isinstance(script, Script) else Script.parse(script)
        self.port = port
        self.received: list[tuple[int, str, list[Any]]] = []
        self.handshakes: list[list[str]] = []
        self.errors: list[str] = []
        self.connections = 0
        self.empty_connections = 0  # connections closed right after the handshake (ALLOW RESTART only)
        self._conversations: list[_Conversation] = []
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def load(self, script: str | Script) -> None:
        """Replace the script before the first connection (a script may need the stub's own port)."""
        assert not self._conversations, "the stub is already talking"
        self.script = script if isinstance(script, Script) else Script.parse(script)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> "BoltStub":
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        if number > 1 and not (self.script.allow_restart and all(c.finished for c in self._conversations)):
            self.errors.append(f"connection {number}: unexpected (the script allows one connection at a time"
                               f"{'' if self.script.allow_restart else ' and no restart'})")
            writer.close()
            return
        conv = _Conversation(self, number, reader, writer)
        self._conversations.append(conv)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await conv.play()
        except ScriptError as exc:
            self.errors.append(str(exc))
        except (PackStreamError, asyncio.IncompleteReadError, ConnectionError) as exc:
            self.errors.append(f"connection {number}: {type(exc).__name__}: {exc}")
        finally:
            with contextlib.suppress(Exception):
                writer.close()
            if task is not None:
                self._tasks.discard(task)

    def messages(self, name: str | None = None) -> list[list[Any]]:
        """Fields of every client message (of ``name``), in arrival order."""
        return [f for _c, n, f in self.received if name is None or n == name]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def assert_done(self, timeout: float = 5.0) -> None:
        """Fail unless every connection played its script to the end without a deviation."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._tasks and loop.time() < deadline:
            await asyncio.sleep(0.01)
        await self.close()
        problems = list(self.errors)
        if not self._conversations:
            problems.append("the client never connected")
        for conv in self._conversations:
            if not conv.finished and not any(e.startswith(f"connection {conv.number}:") for e in self.errors):
                rest = conv.script.steps[conv.pos:]
                problems.append(f"connection {conv.number}: script not finished; next: "
                                + (rest[0].describe() if rest else "(end)"))
        if problems:
            raise ScriptError("Bolt stub: " + "\n".join(problems))

    async def __aenter__(self) -> "BoltStub":
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()
