"""What the read-only Cypher console lets a statement do, decided on tokens (:mod:`cobuild.graph.lexer`).

Writes are refused by the store itself: every console statement runs in a read-only transaction
(:meth:`~cobuild.graph.engines.base.GraphEngine.run_read_only`), so no keyword list has to be
complete. This module refuses, before anything is sent, what a read-only transaction would *not*
stop:

* more than one statement (LadybugDB runs ``…; COMMIT; CREATE …`` as three statements: the
  ``COMMIT`` ends the read-only transaction and the ``CREATE`` autocommits) → ``VALIDATION``;
* transaction control, settings and store administration (``BEGIN``, ``COMMIT``, ``CHECKPOINT``,
  ``CALL threads = 4``, ``INSTALL``, ``ATTACH``, ``GRANT``, ``TERMINATE`` …) → ``READ_ONLY``;
* files and other databases (``LOAD`` / ``LOAD CSV``, ``COPY``, ``EXPORT``, ``IMPORT``, ``USE``):
  the console answers questions about this graph, ``cobuild export`` / ``import`` move files →
  ``FORBIDDEN``.

**Analysts** read the whole network except personal data (persons' names, aliases, phone: see
:mod:`cobuild.auth.access`). A free Cypher statement could reach a person through any node
pattern, so for an analyst a statement is refused (``FORBIDDEN``) unless

1. it never names a label with personal data (``Person``) or a property that only such labels have
   (``phone``) — anywhere, as a label, variable or key;
2. every node pattern carries a label expression of plain labels (``(u:Unit)``, ``(x:Unit|Alliance)``;
   not ``(x)``, ``(x:!Unit)``, ``(x:%)``, dynamic labels) — so no pattern can bind a person;
3. every variable-length or quantified relationship names its types and none of them can touch a
   person (a path's inner nodes carry no label of their own);
4. it calls no procedure (``CALL``), no namespaced function (``db.…``, ``apoc.…``) and no ``SHOW``
   command (``SHOW TRANSACTIONS`` lists other sessions' parameters).

A node pattern is any parenthesised group with a node's shape (an optional name, an optional label
expression, an optional property map or ``WHERE``) that is not a function's argument list, and any
group joined to a relationship arrow — so an expression like ``(x)`` counts as a pattern too: the
rule errs on the side of refusing. Values that still carry personal properties (a node of a
personal label, inside lists, maps or paths) are masked in the answer (:func:`mask_personal`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from cobuild.auth.access import MASK
from cobuild.graph import model
from cobuild.graph.lexer import LexError, Token, split_statements, tokenize


class ConsoleRefusal(Exception):
    """A statement the console will not run: ``code`` is the stable error code, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- what no role may run from the console --------------------------------------------------------
_STATE = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "CHECKPOINT", "INSTALL", "UNINSTALL", "ATTACH", "DETACH_DATABASE",
                    "GRANT", "DENY", "REVOKE", "ALTER", "TERMINATE", "START", "STOP", "ENABLE", "RENAME",
                    "DEALLOCATE", "DRYRUN"})
_FILES = frozenset({"LOAD", "COPY", "EXPORT", "IMPORT", "USE"})
# words after which "(" opens a pattern or an expression, not a function's arguments
_KEYWORDS = frozenset({
    "MATCH", "OPTIONAL", "MERGE", "CREATE", "WHERE", "AND", "OR", "XOR", "NOT", "WITH", "RETURN", "UNWIND", "AS",
    "IN", "DISTINCT", "WHEN", "THEN", "ELSE", "CASE", "END", "ORDER", "BY", "SKIP", "LIMIT", "UNION", "ALL", "YIELD",
    "IS", "NULL", "STARTS", "ENDS", "CONTAINS", "ON", "SET", "DELETE", "DETACH", "REMOVE", "ASC", "DESC",
    "ASCENDING", "DESCENDING", "TRUE", "FALSE", "OFFSET", "FILTER", "LET", "FINISH", "NEXT", "SHORTEST", "ANY",
})


@dataclass(frozen=True)
class Checked:
    """A statement the console may send: its text without a trailing ``;``."""

    text: str


def personal_labels() -> frozenset[str]:
    return frozenset(lab.name for lab in model.LABELS if lab.personal)


def personal_only_keys() -> frozenset[str]:
    """Property keys that are personal on some label and on no label ordinary (``phone``)."""
    personal = {p for lab in model.LABELS for p in lab.personal}
    ordinary = {p for lab in model.LABELS for p in lab.prop_names if p not in lab.personal}
    ordinary |= {p.name for r in model.RELATIONSHIPS for p in r.props}
    return frozenset(personal - ordinary)


def reaches_personal(rel_type: str) -> bool:
    """True when a relationship of this type can have a node of a personal label at either end."""
    people = personal_labels()
    try:
        rt = model.rel(rel_type)
    except Exception:  # an unknown type: the store answers "no such type"; nothing personal to reach
        return False
    return any(a in people or b in people for a, b in rt.endpoints)


def check(text: str, role: str) -> Checked:
    """Refuse (:class:`ConsoleRefusal`) or return the one statement to send. ``role`` is the principal's."""
    try:
        tokens = tokenize(text)
    except LexError as exc:
        raise ConsoleRefusal("VALIDATION", f"the statement cannot be read: {exc}") from None
    statements = split_statements(tokens)
    if not statements:
        raise ConsoleRefusal("VALIDATION", "the statement is empty")
    if len(statements) > 1:
        raise ConsoleRefusal("VALIDATION", "send one statement at a time (this text holds "
                                           f"{len(statements)}, separated by ';')")
    stmt = statements[0]
    _refuse_denied(stmt, role)
    if role != "admin":
        _analyst_rules(stmt)
    return Checked(text[stmt[0].pos:stmt[-1].end])


def _keyword_position(tokens: Sequence[Token], i: int) -> bool:
    """Token ``i`` stands where a clause keyword would: not a property key, label, alias, variable or
    map key (``n.load``, ``:Copy``, ``AS start``, ``(start:Unit)``, ``{use: 1}``)."""
    prev = tokens[i - 1] if i > 0 else None
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if prev is not None and (prev.text in (".", ":", "$", "|", "&") or prev.is_word("AS")):
        return False
    return nxt is None or nxt.kind in ("ident", "quoted", "string", "param") or nxt.text in ("(", "{", "*")


def _refuse_denied(stmt: Sequence[Token], role: str) -> None:
    for i, t in enumerate(stmt):
        if t.kind != "ident" or not _keyword_position(stmt, i):
            continue
        word = t.text.upper()
        if word == "DETACH" and i + 1 < len(stmt) and stmt[i + 1].is_word("DATABASE"):
            word = "DETACH_DATABASE"
        if word in _STATE:
            raise ConsoleRefusal("READ_ONLY", f"the console is read-only: {t.text} (transactions, settings and "
                                              "store administration) is not allowed")
        if word in _FILES:
            raise ConsoleRefusal("FORBIDDEN", f"{t.text} is not allowed in the console: it answers questions about "
                                              "this graph (move data with `cobuild export` / `cobuild import`)")
        if word == "CALL" and i + 2 < len(stmt) and stmt[i + 1].name and stmt[i + 2].text == "=":
            raise ConsoleRefusal("READ_ONLY", f"the console is read-only: `CALL {stmt[i + 1].text} = …` changes a "
                                              "store setting")
        if role != "admin" and word in ("CALL", "SHOW"):
            raise ConsoleRefusal("FORBIDDEN", f"{t.text} is for admin credentials only: procedures and SHOW commands "
                                              "can return persons and other sessions' data")


# --- analysts --------------------------------------------------------------------------------------
def _forbid(message: str) -> ConsoleRefusal:
    return ConsoleRefusal("FORBIDDEN", "analyst credentials do not read personal data: " + message)


def _analyst_rules(stmt: Sequence[Token]) -> None:
    people = {p.upper() for p in personal_labels()}
    keys = {k.upper() for k in personal_only_keys()}
    for i, t in enumerate(stmt):
        n = t.name
        if n is None:
            continue
        if n.upper() in people:
            raise _forbid(f"the statement names {n!r}; persons cannot be queried from the console with this key")
        if n.upper() in keys:
            raise _forbid(f"the statement names the personal property {n!r}")
    closing = _matching(stmt)
    for i, t in enumerate(stmt):
        if t.kind == "op" and t.text == "(" and i > 1 and stmt[i - 1].name and stmt[i - 2].text == "." \
                and stmt[i - 2].kind == "op":
            raise _forbid(f"namespaced functions (…{stmt[i - 1].text}(…) at character {stmt[i - 1].pos + 1}) are for "
                          "admin credentials only")
        if t.kind == "op" and t.text == "(" and _is_node_pattern(stmt, i, closing[i]):
            _check_node(stmt, i, closing[i])
        if t.kind == "op" and t.text == "[" and i > 0 and stmt[i - 1].text in ("-", "<-"):
            _check_relationship(stmt, i, closing[i])
        if t.kind == "op" and t.text in ("-", "->") and i + 2 < len(stmt):
            _check_bare_quantifier(stmt, i)


def _matching(stmt: Sequence[Token]) -> dict[int, int]:
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[int] = []
    out: dict[int, int] = {}
    for i, t in enumerate(stmt):
        if t.kind != "op":
            continue
        if t.text in pairs:
            stack.append(i)
        elif t.text in pairs.values():
            if not stack or pairs[stmt[stack[-1]].text] != t.text:
                raise ConsoleRefusal("VALIDATION", f"unbalanced {t.text!r} at character {t.pos + 1}")
            out[stack.pop()] = i
    if stack:
        raise ConsoleRefusal("VALIDATION", f"unclosed {stmt[stack[-1]].text!r} at character {stmt[stack[-1]].pos + 1}")
    return out


def _is_arrow(t: Token | None) -> bool:
    return t is not None and t.kind == "op" and t.text in ("-", "->", "<-", "<", ">")


def _is_node_pattern(stmt: Sequence[Token], i: int, j: int) -> bool:
    prev = stmt[i - 1] if i > 0 else None
    nxt = stmt[j + 1] if j + 1 < len(stmt) else None
    if _is_arrow(prev) or _is_arrow(nxt):
        return True
    if prev is not None and (prev.kind == "quoted" or (prev.kind == "ident" and prev.text.upper() not in _KEYWORDS)):
        return False  # a function's (or procedure's) argument list
    inner = stmt[i + 1:j]
    k = 0
    if k < len(inner) and inner[k].name and not inner[k].is_word("WHERE"):
        k += 1  # the variable
    if k < len(inner) and (inner[k].text == ":" or inner[k].is_word("IS")):
        return True
    if k == len(inner):
        return True  # () or (x)
    return inner[k].text == "{" or inner[k].is_word("WHERE")


def _check_node(stmt: Sequence[Token], i: int, j: int) -> None:
    inner = list(stmt[i + 1:j])
    k = 0
    if k < len(inner) and inner[k].name and not inner[k].is_word("WHERE", "IS"):
        k += 1
    where = f"the node pattern at character {stmt[i].pos + 1}"
    if k >= len(inner) or not (inner[k].text == ":" or inner[k].is_word("IS")):
        raise _forbid(f"{where} has no label; label every node pattern, e.g. (u:Unit) — a pattern without one "
                      "could bind a person")
    k += 1
    names = 0
    while k < len(inner):
        t = inner[k]
        if t.text == "{" or t.is_word("WHERE"):
            break
        if t.name:
            names += 1
        elif not (t.kind == "op" and t.text in ("|", ":", "&")):
            raise _forbid(f"{where} uses a label expression ({t.text!r}); use plain labels such as (u:Unit) or "
                          "(x:Unit|Alliance)")
        k += 1
    if names == 0:
        raise _forbid(f"{where} has no label; label every node pattern, e.g. (u:Unit)")


def _check_relationship(stmt: Sequence[Token], i: int, j: int) -> None:
    inner = stmt[i + 1:j]
    var_length = any(t.kind == "op" and t.text == "*" for t in inner)
    after = j + 1
    if after < len(stmt) and stmt[after].text in ("-", "->"):
        after += 1
    if after < len(stmt) and stmt[after].kind == "op" and stmt[after].text in ("{", "+", "*"):
        var_length = True
    if not var_length:
        return
    types: list[str] = []
    for k, t in enumerate(inner):
        if t.name and k > 0 and inner[k - 1].text in (":", "|"):
            types.append(t.name)
    where = f"the variable-length relationship at character {stmt[i].pos + 1}"
    if not types:
        raise _forbid(f"{where} names no type; name the types it may follow, none of which may lead to a person")
    reach = [t for t in types if reaches_personal(t)]
    if reach:
        raise _forbid(f"{where} follows {', '.join(reach)}, which can pass through a person")


def _check_bare_quantifier(stmt: Sequence[Token], i: int) -> None:
    """``-->+`` or ``--{1,3}``: a quantified relationship without a bracket, so without types."""
    prev = stmt[i - 1] if i > 0 else None
    if prev is None or prev.text not in ("-", "<-"):
        return
    nxt = stmt[i + 1]
    if nxt.kind == "op" and nxt.text in ("{", "+", "*"):
        raise _forbid(f"the quantified relationship at character {stmt[i].pos + 1} names no type")


# --- masking of answers ----------------------------------------------------------------------------
def mask_personal(value: Any) -> Any:
    """Console values (see :mod:`cobuild.console.values`) with personal properties of personal labels masked."""
    if isinstance(value, list):
        return [mask_personal(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"label", "properties"} and isinstance(value["properties"], dict):
            lab = model.LABELS_BY_NAME.get(value["label"])
            if lab is not None and lab.personal:
                props = {k: (_masked(v) if k in lab.personal else mask_personal(v)) for k, v in value["properties"].items()}
                return {"label": value["label"], "properties": props}
        return {k: mask_personal(v) for k, v in value.items()}
    return value


def _masked(v: Any) -> Any:
    if v is None:
        return None
    return [MASK] if isinstance(v, list) else MASK
