"""PackStream v1, written from the Bolt specification for the stub server: it must not share code
with the driver it checks, or a bug in the driver's codec would be a bug the stub agrees with.

Values: None, bool, int (tiny / 8 / 16 / 32 / 64 bit), float (64 bit), str, bytes, list, dict and
:class:`Structure` (tag byte + fields). Bolt 5 temporal structures are mapped to Python values both
ways: ``D`` (days since the epoch) ⇄ :class:`datetime.date`; ``I`` (UTC seconds, nanoseconds, offset
seconds) ⇄ an aware :class:`datetime.datetime`; ``d`` (local date-time) ⇄ a naive one.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field
from typing import Any

_EPOCH_DATE = dt.date(1970, 1, 1)
_EPOCH_DT = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass
class Structure:
    tag: bytes
    fields: list[Any] = field(default_factory=list)


class PackStreamError(ValueError):
    pass


def pack(value: Any) -> bytes:
    out = bytearray()
    _pack(value, out)
    return bytes(out)


def _pack_header(size: int, tiny: int, m8: int | None, m16: int, m32: int, out: bytearray) -> None:
    if size < 0x10:
        out.append(tiny + size)
    elif m8 is not None and size < 0x100:
        out += bytes((m8, size))
    elif size < 0x10000:
        out.append(m16)
        out += struct.pack(">H", size)
    else:
        out.append(m32)
        out += struct.pack(">I", size)


def _pack(v: Any, out: bytearray) -> None:
    if v is None:
        out.append(0xC0)
    elif v is True:
        out.append(0xC3)
    elif v is False:
        out.append(0xC2)
    elif isinstance(v, int):
        if -0x10 <= v < 0x80:
            out += struct.pack(">b", v)
        elif -0x80 <= v < 0x80:
            out += b"\xC8" + struct.pack(">b", v)
        elif -0x8000 <= v < 0x8000:
            out += b"\xC9" + struct.pack(">h", v)
        elif -0x80000000 <= v < 0x80000000:
            out += b"\xCA" + struct.pack(">i", v)
        else:
            out += b"\xCB" + struct.pack(">q", v)
    elif isinstance(v, float):
        out += b"\xC1" + struct.pack(">d", v)
    elif isinstance(v, str):
        data = v.encode("utf-8")
        _pack_header(len(data), 0x80, 0xD0, 0xD1, 0xD2, out)
        out += data
    elif isinstance(v, (bytes, bytearray)):
        n = len(v)
        if n < 0x100:
            out += bytes((0xCC, n))
        elif n < 0x10000:
            out += b"\xCD" + struct.pack(">H", n)
        else:
            out += b"\xCE" + struct.pack(">I", n)
        out += v
    elif isinstance(v, (list, tuple)):
        _pack_header(len(v), 0x90, 0xD4, 0xD5, 0xD6, out)
        for x in v:
            _pack(x, out)
    elif isinstance(v, dict):
        _pack_header(len(v), 0xA0, 0xD8, 0xD9, 0xDA, out)
        for k, x in v.items():
            _pack(str(k), out)
            _pack(x, out)
    elif isinstance(v, Structure):
        if len(v.fields) > 15:
            raise PackStreamError("a structure has at most 15 fields")
        out.append(0xB0 + len(v.fields))
        out += v.tag
        for x in v.fields:
            _pack(x, out)
    elif isinstance(v, dt.datetime):
        if v.tzinfo is None:
            secs = (v - dt.datetime(1970, 1, 1)) // dt.timedelta(seconds=1)
            _pack(Structure(b"d", [secs, v.microsecond * 1000]), out)
        else:
            offset = int(v.utcoffset().total_seconds())  # type: ignore[union-attr]
            secs = (v - _EPOCH_DT) // dt.timedelta(seconds=1)
            _pack(Structure(b"I", [secs, v.microsecond * 1000, offset]), out)
    elif isinstance(v, dt.date):
        _pack(Structure(b"D", [(v - _EPOCH_DATE).days]), out)
    else:
        raise PackStreamError(f"cannot pack {type(v).__name__}")


class Unpacker:
    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0

    def _take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise PackStreamError("truncated PackStream value")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def _u(self, fmt: str, n: int) -> int:
        return struct.unpack(fmt, self._take(n))[0]

    def unpack(self) -> Any:
        m = self._take(1)[0]
        if m < 0x80:
            return m
        if m >= 0xF0:
            return m - 0x100
        hi = m & 0xF0
        if hi == 0x80:
            return self._str(m & 0x0F)
        if hi == 0x90:
            return [self.unpack() for _ in range(m & 0x0F)]
        if hi == 0xA0:
            return self._map(m & 0x0F)
        if hi == 0xB0:
            return self._struct(m & 0x0F)
        simple = {0xC0: None, 0xC2: False, 0xC3: True}
        if m in simple:
            return simple[m]
        if m == 0xC1:
            return struct.unpack(">d", self._take(8))[0]
        ints = {0xC8: (">b", 1), 0xC9: (">h", 2), 0xCA: (">i", 4), 0xCB: (">q", 8)}
        if m in ints:
            return self._u(*ints[m])
        sizes = {0: (">B", 1), 1: (">H", 2), 2: (">I", 4)}
        if m in (0xCC, 0xCD, 0xCE):
            return bytes(self._take(self._u(*sizes[m - 0xCC])))
        if m in (0xD0, 0xD1, 0xD2):
            return self._str(self._u(*sizes[m - 0xD0]))
        if m in (0xD4, 0xD5, 0xD6):
            return [self.unpack() for _ in range(self._u(*sizes[m - 0xD4]))]
        if m in (0xD8, 0xD9, 0xDA):
            return self._map(self._u(*sizes[m - 0xD8]))
        raise PackStreamError(f"unknown PackStream marker 0x{m:02X}")

    def _str(self, n: int) -> str:
        return bytes(self._take(n)).decode("utf-8")

    def _map(self, n: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for _ in range(n):
            k = self.unpack()
            if not isinstance(k, str):
                raise PackStreamError("map keys must be strings")
            out[k] = self.unpack()
        return out

    def _struct(self, n: int) -> Any:
        tag = bytes(self._take(1))
        fields = [self.unpack() for _ in range(n)]
        if tag == b"D" and n == 1:
            return _EPOCH_DATE + dt.timedelta(days=fields[0])
        if tag == b"I" and n == 3:
            secs, nanos, offset = fields
            tz = dt.timezone(dt.timedelta(seconds=offset))
            return (_EPOCH_DT + dt.timedelta(seconds=secs, microseconds=nanos // 1000)).astimezone(tz)
        if tag == b"d" and n == 2:
            return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=fields[0], microseconds=fields[1] // 1000)
        return Structure(tag, fields)


def unpack(data: bytes) -> Any:
    u = Unpacker(data)
    value = u.unpack()
    if u.pos != len(data):
        raise PackStreamError(f"{len(data) - u.pos} bytes left after the value")
    return value
