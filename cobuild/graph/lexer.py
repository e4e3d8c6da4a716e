"""A Cypher tokenizer: the lexical grammar of openCypher (plus the few tokens Neo4j 5 and LadybugDB add).

The Cypher console (:mod:`cobuild.console`) reads statements it did not write: it must know where one
statement ends, which words are keywords and which are names, and what a node pattern labels — and a
keyword inside a string, a comment or a backtick-quoted name must not count. Substring tests get each
of those wrong (``'CREATE'`` in a string, ``/* ; */`` in a comment, a property named ``load``), so
the console works on tokens from this lexer instead.

Token kinds: ``ident`` (a name or keyword, unquoted), ``quoted`` (a backtick-quoted name, text without
the backticks, doubled backticks undone), ``string``, ``number``, ``param`` (``$name`` / ``$0`` /
``$`quoted```), ``op`` (punctuation and operators, longest match first). Whitespace and comments are
dropped. An unterminated string, comment or quoted name raises :class:`LexError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Sequence


class LexError(ValueError):
    """Text that is not Cypher at the lexical level (with the character offset)."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(f"{message} (at character {pos + 1})")
        self.pos = pos


@dataclass(frozen=True)
class Token:
    kind: str  # ident | quoted | string | number | param | op
    text: str
    pos: int  # offset of the first character
    end: int  # offset after the last character (quotes included)

    def is_word(self, *words: str) -> bool:
        """An unquoted identifier equal (case-insensitively, as Cypher keywords are) to one of ``words``."""
        return self.kind == "ident" and self.text.upper() in words

    @property
    def name(self) -> str | None:
        """The name this token spells (quoted or not), or None for other kinds."""
        return self.text if self.kind in ("ident", "quoted") else None


_OPS = ("<>", "<=", ">=", "=~", "..", "->", "<-", "+=", "::", "||",
        "(", ")", "[", "]", "{", "}", ",", ";", ":", ".", "|", "=", "<", ">", "+", "-", "*", "/", "%", "^", "!",
        "&", "?", "$")
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"(?:0x[0-9A-Fa-f]+|0o[0-7]+|(?:\d[\d_]*)?\.\d[\d_]*(?:[eE][+-]?\d+)?|\d[\d_]*(?:[eE][+-]?\d+)?)")
_IDENT = re.compile(r"[^\W\d]\w*", re.UNICODE)
_PARAM = re.compile(r"\$(?:[^\W\d]\w*|\d+)", re.UNICODE)


def tokenize(text: str) -> list[Token]:
    return list(_tokens(text))


def _tokens(text: str) -> Iterator[Token]:
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        m = _SPACE.match(text, i)
        if m:
            i = m.end()
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise LexError("unterminated /* comment", i)
            i = j + 2
            continue
        if c in ("'", '"'):
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise LexError("unterminated string", i)
            yield Token("string", text[i + 1:j], i, j + 1)
            i = j + 1
            continue
        if c == "`":
            name, j = _backticked(text, i)
            yield Token("quoted", name, i, j)
            i = j
            continue
        if c == "$":
            if text.startswith("$`", i):
                name, j = _backticked(text, i + 1)
                yield Token("param", "$" + name, i, j)
                i = j
                continue
            m = _PARAM.match(text, i)
            if m:
                yield Token("param", m.group(), i, m.end())
                i = m.end()
                continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUMBER.match(text, i)
            if m and m.end() > i:
                yield Token("number", m.group(), i, m.end())
                i = m.end()
                continue
        m = _IDENT.match(text, i)
        if m:
            yield Token("ident", m.group(), i, m.end())
            i = m.end()
            continue
        for op in _OPS:
            if text.startswith(op, i):
                yield Token("op", op, i, i + len(op))
                i += len(op)
                break
        else:
            raise LexError(f"unexpected character {c!r}", i)


def _backticked(text: str, i: int) -> tuple[str, int]:
    """The name quoted by the backtick at ``i`` (```` `` ```` inside is one backtick) and the index after it."""
    out: list[str] = []
    j = i + 1
    while True:
        k = text.find("`", j)
        if k < 0:
            raise LexError("unterminated `quoted name`", i)
        out.append(text[j:k])
        if text.startswith("``", k):
            out.append("`")
            j = k + 2
            continue
        return "".join(out), k + 1


def split_statements(tokens: Sequence[Token]) -> list[list[Token]]:
    """Tokens grouped per statement (``;`` separates; empty statements dropped)."""
    out: list[list[Token]] = [[]]
    for t in tokens:
        if t.kind == "op" and t.text == ";":
            out.append([])
        else:
            out[-1].append(t)
    return [s for s in out if s]
