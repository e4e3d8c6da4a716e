"""Query limits: tokens, nesting depth, aliases, estimated cost and the persisted-query allow-list.

Each refusal is a GraphQL error (HTTP 200) with a stable ``extensions.code`` and the numbers that
tripped it (``limit``, ``actual``), never a 500:

=========================== ===================================================================
``QUERY_TOO_LARGE``         more lexical tokens than ``COBUILD_MAX_TOKENS`` (2,000), counted
                            before parsing; or so many validation errors that graphql-core gave up
                            (100): listed first, before the errors found
``QUERY_TOO_DEEP``          fields nested deeper than ``COBUILD_MAX_DEPTH`` (10; the root field is
                            level 1; introspection subtrees ``__schema``/``__type`` are not counted
                            but their brackets may nest at most ``2 × depth + 20`` levels)
``TOO_MANY_ALIASES``        more aliased fields than ``COBUILD_MAX_ALIASES`` (30)
``QUERY_TOO_COSTLY``        estimated cost above ``COBUILD_MAX_COST`` (10,000)
``PERSISTED_QUERY_REQUIRED`` ``COBUILD_PERSISTED_ONLY=true`` and the document's sha256 is not in
                            ``COBUILD_PERSISTED_QUERIES_PATH`` (documents resolved from that file by
                            id, see :mod:`cobuild.http.persisted`, are admitted)
=========================== ===================================================================

**Cost.** Every field costs 1. A connection (a field returning a ``…Connection`` type) multiplies
the cost of its ``edges`` and ``nodes`` by its page size — the ``first``/``last`` value (literal or
variable, at most ``COBUILD_MAX_PAGE_SIZE``), else the argument's default, else
``COBUILD_DEFAULT_PAGE_SIZE`` (20); its ``totalCount`` and ``pageInfo`` count once. Another field
that pages (it takes ``first``/``last``, e.g. ``search``) multiplies its whole selection the same way.
To-one fields (``parent``, ``employer``, ``publisher`` …) and plain lists without paging arguments
(question results bounded by their own arguments) count once. So ``adminArea(id: …) { parent {
parent { parent { name } } } }`` costs 5; ``units(first: 100) { edges { node { children(first: 100)
{ edges { node { name } } } } } }`` costs 1 + 100 × (2 + (1 + 100 × 3)) = 30,301 and is refused,
while the same query with default pages costs 1 + 20 × (2 + (1 + 20 × 3)) = 1,261. Fragments are
costed once per type and page size (memoised), so fragment fan-out cannot blow up the analysis.

The checks run before validation (validation itself costs CPU on hostile documents); tokens and the
allow-list are checked before parsing. Limits come from ``info.context.settings``.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from graphql import GraphQLError, parse, validate
from graphql.language import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    Lexer,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Source,
    TokenKind,
    VariableNode,
)
from graphql.type import (
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

log = logging.getLogger("cobuild.limits")

_VALIDATION_ABORTED = "Too many validation errors, error limit reached."
_OPENERS = (TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L)
_CLOSERS = (TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R)


@dataclass(frozen=True)
class Limits:
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 10_000
    default_page_size: int = 20
    max_page_size: int = 100
    persisted_only: bool = False
    persisted_hashes: frozenset[str] = field(default_factory=frozenset)

    @property
    def max_nesting(self) -> int:
        """Bracket nesting allowed before parsing (covers introspection and argument values)."""
        return 2 * self.max_depth + 20

    @classmethod
    def from_settings(cls, settings: Any) -> "Limits":
        if settings is None:
            return DEFAULT_LIMITS
        persisted_only = bool(getattr(settings, "persisted_only", False))
        return cls(
            max_depth=settings.max_depth, max_aliases=settings.max_aliases, max_tokens=settings.max_tokens,
            max_cost=settings.max_cost, default_page_size=settings.default_page_size,
            max_page_size=settings.max_page_size, persisted_only=persisted_only,
            persisted_hashes=load_persisted(settings.persisted_queries_path) if persisted_only else frozenset(),
        )


DEFAULT_LIMITS = Limits()


class LimitError(GraphQLError):
    """A refused document: message for the client, ``extensions.code`` plus the numbers."""

    def __init__(self, code: str, message: str, **numbers: Any) -> None:
        super().__init__(message, extensions={"code": code, **numbers})


# --- persisted queries ------------------------------------------------------------------------
def query_hash(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


def load_persisted(path: Path | str) -> frozenset[str]:
    """Allowed sha256 hashes: the ids and the documents' hashes of the allow-list file (a JSON object
    ``{id: document}`` or a list of hashes; see :mod:`cobuild.http.persisted`). Re-read when the file
    changes; a missing file allows nothing."""
    from cobuild.http.persisted import AllowList

    return AllowList(path).hashes()


# --- lexical checks -----------------------------------------------------------------------------
def lexical_stats(query: str, max_tokens: int) -> tuple[int, int]:
    """(tokens, deepest bracket nesting), counting stops just past ``max_tokens``. Syntax errors
    end the count silently: the parser reports them."""
    lexer = Lexer(Source(query))
    tokens = nesting = deepest = 0
    try:
        tok = lexer.advance()
        while tok.kind != TokenKind.EOF:
            tokens += 1
            if tok.kind in _OPENERS:
                nesting += 1
                deepest = max(deepest, nesting)
            elif tok.kind in _CLOSERS:
                nesting -= 1
            if tokens > max_tokens:
                break
            tok = lexer.advance()
    except GraphQLError:
        pass
    return tokens, deepest


_CACHED_CHARS = 16_384  # documents up to this size keep their counts (frontends resend the same few documents)


def lexical_stats_cached(query: str, max_tokens: int) -> tuple[int, int]:
    """:func:`lexical_stats`, remembered per (document, limit) for documents up to 16 KiB: lexing a page
    query in Python cost ~0.3 ms on every request (the view's operation check and ``QueryLimits``)."""
    if len(query) > _CACHED_CHARS:
        return lexical_stats(query, max_tokens)
    return _lexical_stats_memo(query, max_tokens)


@functools.lru_cache(maxsize=1024)
def _lexical_stats_memo(query: str, max_tokens: int) -> tuple[int, int]:
    return lexical_stats(query, max_tokens)


# --- structural analysis ------------------------------------------------------------------------
class _TooDeepError(Exception):
    pass


@dataclass
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0


class _Analyzer:
    def __init__(self, doc: DocumentNode, schema: GraphQLSchema | None, variables: dict[str, Any], limits: Limits) -> None:
        self.schema = schema
        self.variables = variables or {}
        self.limits = limits
        self.fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
        self._memo: dict[tuple[str, str], tuple[int, int]] = {}
        self._stack: set[str] = set()

    def _page(self, node: FieldNode, parent: GraphQLNamedType | None, field_def: Any) -> int:
        for arg in node.arguments or ():
            if arg.name.value in ("first", "last"):
                value: Any = None
                if isinstance(arg.value, IntValueNode):
                    value = int(arg.value.value)
                elif isinstance(arg.value, VariableNode):
                    value = self.variables.get(arg.value.name.value)
                if isinstance(value, int) and not isinstance(value, bool):
                    return max(0, min(value, self.limits.max_page_size))
                return self.limits.default_page_size
        if field_def is None:
            return 1
        named = get_named_type(field_def.type)
        if named is not None and named.name.endswith("Connection"):
            return self.limits.default_page_size
        pages = any(a in field_def.args for a in ("first", "last"))
        in_connection = parent is not None and parent.name.endswith("Connection")
        if pages and not in_connection and node.selection_set is not None:
            default = next((field_def.args[a].default_value for a in ("first", "last") if a in field_def.args), None)
            if isinstance(default, int) and not isinstance(default, bool):
                return max(0, min(default, self.limits.max_page_size))
            return self.limits.default_page_size
        return 1

    def _field_def(self, parent: GraphQLNamedType | None, name: str) -> Any:
        if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return parent.fields.get(name)
        return None

    def _type(self, name: str | None, fallback: GraphQLNamedType | None) -> GraphQLNamedType | None:
        if name is None or self.schema is None:
            return fallback
        return self.schema.get_type(name) or fallback

    def selection(self, sel: SelectionSetNode | None, parent: GraphQLNamedType | None, level: int,
                  page: int = 1) -> tuple[int, int]:
        """(depth below, cost at multiplier 1) of a selection set whose fields sit at ``level``;
        ``page``: the page size of the connection this is the selection of (multiplies only its
        ``edges`` and ``nodes``)."""
        if sel is None:
            return 0, 0
        if level > self.limits.max_depth:
            raise _TooDeepError
        depth = cost = 0
        for s in sel.selections:
            if isinstance(s, FieldNode):
                fname = s.name.value
                if fname.startswith("__"):  # introspection: bounded by the lexical nesting check
                    continue
                fdef = self._field_def(parent, fname)
                child_type = get_named_type(fdef.type) if fdef else None
                if _is_connection(child_type):
                    child_d, child_c = self.selection(s.selection_set, child_type, level + 1, self._page(s, parent, fdef))
                    field_cost = 1 + child_c
                else:
                    child_d, child_c = self.selection(s.selection_set, child_type, level + 1)
                    field_cost = 1 + (1 if _is_connection(parent) else self._page(s, parent, fdef)) * child_c
                depth = max(depth, 1 + child_d)
                cost += field_cost * (page if fname in ("edges", "nodes") and _is_connection(parent) else 1)
            elif isinstance(s, InlineFragmentNode):
                cond = s.type_condition.name.value if s.type_condition else None
                d, c = self.selection(s.selection_set, self._type(cond, parent), level, page)
                depth, cost = max(depth, d), cost + c
            elif isinstance(s, FragmentSpreadNode):
                d, c = self.spread(s.name.value, level, page)
                depth, cost = max(depth, d), cost + c
        return depth, cost

    def spread(self, name: str, level: int, page: int = 1) -> tuple[int, int]:
        frag = self.fragments.get(name)
        if frag is None or name in self._stack:  # unknown or cyclic: validation reports it
            return 0, 0
        key = (name, f"{level}:{page}")
        if key not in self._memo:
            self._stack.add(name)
            try:
                self._memo[key] = self.selection(frag.selection_set, self._type(frag.type_condition.name.value, None), level, page)
            finally:
                self._stack.discard(name)
        return self._memo[key]


def _is_connection(t: GraphQLNamedType | None) -> bool:
    return t is not None and t.name.endswith("Connection")


def _count_aliases(doc: DocumentNode) -> int:
    n = 0
    stack: list[Any] = [d.selection_set for d in doc.definitions if hasattr(d, "selection_set")]
    while stack:
        sel = stack.pop()
        if sel is None:
            continue
        for s in sel.selections:
            if isinstance(s, FieldNode) and s.alias is not None:
                n += 1
            stack.append(getattr(s, "selection_set", None))
    return n


def _root_type(schema: GraphQLSchema | None, op: OperationDefinitionNode) -> GraphQLNamedType | None:
    if schema is None:
        return None
    return {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }.get(op.operation)


def check_document(doc: DocumentNode, schema: GraphQLSchema | None, variables: dict[str, Any] | None,
                   operation_name: str | None, limits: Limits) -> tuple[Measure, LimitError | None]:
    """Measure the operation that would run (every operation if the name does not pick one)."""
    m = Measure(aliases=_count_aliases(doc))
    if m.aliases > limits.max_aliases:
        return m, LimitError("TOO_MANY_ALIASES", f"the document uses {m.aliases} aliases; at most {limits.max_aliases} are allowed",
                             limit=limits.max_aliases, actual=m.aliases)
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        ops = [o for o in ops if o.name is not None and o.name.value == operation_name] or ops
    analyzer = _Analyzer(doc, schema, variables or {}, limits)
    for op in ops:
        try:
            d, c = analyzer.selection(op.selection_set, _root_type(schema, op), 1)
        except _TooDeepError:
            m.depth = limits.max_depth + 1
            return m, LimitError("QUERY_TOO_DEEP", f"the query nests deeper than {limits.max_depth} levels; split it or use fragments less deeply",
                                 limit=limits.max_depth)
        m.depth, m.cost = max(m.depth, d), max(m.cost, c)
    if m.cost > limits.max_cost:
        return m, LimitError("QUERY_TOO_COSTLY", f"the query's estimated cost is {m.cost}, above the limit of {limits.max_cost}; "
                             "ask for smaller pages (`first`) in nested connections", limit=limits.max_cost, actual=m.cost)
    return m, None


def _request_state(ctx: Any) -> dict[str, Any] | None:
    request = getattr(ctx, "request", None)
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict):
        return scope.setdefault("state", {})
    return None


@functools.lru_cache(maxsize=512)
def _parse_cached(query: str, max_tokens: int) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


@functools.lru_cache(maxsize=512)
def _is_valid(schema: Any, document: DocumentNode, rules: tuple[Any, ...]) -> bool:
    """Only the verdict is cached: an invalid document is validated again by Strawberry, so its
    errors are fresh objects per request (extensions add the request id to them)."""
    return not validate(schema, document, list(rules))


class QueryLimits(SchemaExtension):
    """Strawberry extension applying :class:`Limits`; list it after ``ErrorCodes`` so its errors
    are refined before ``ErrorCodes`` adds the request id.

    It also caches parsing and validation of documents it admitted (frontends send the same few
    documents over and over; parse + full validation were ~30 % of a page's service time). The
    caches live here, not in Strawberry's ParserCache/ValidationCache, because the limits must run
    first on every request — on a cache hit too — and ValidationCache would overwrite a limit error.
    A document that fails to parse is left to Strawberry's own parse, which reports the error."""

    def __init__(self, *, execution_context: Any = None) -> None:
        super().__init__(execution_context=execution_context)
        self.violation: LimitError | None = None
        self.limits = DEFAULT_LIMITS

    def on_operation(self) -> Iterator[None]:
        ec = self.execution_context
        self.limits = Limits.from_settings(getattr(ec.context, "settings", None))
        yield
        result = ec.result
        if self.violation is not None and result is not None:
            result.data = None
            result.errors = [self.violation]
        elif result is not None and result.errors and any(e.message.startswith(_VALIDATION_ABORTED) for e in result.errors):
            # graphql-core stops validating after 100 errors: the document is too large to check
            found = [e for e in result.errors if not e.message.startswith(_VALIDATION_ABORTED)]
            result.errors = [LimitError("QUERY_TOO_LARGE", f"validation stopped after {len(found)} errors: the document is "
                                        "too large or too broken to check; fix the errors listed after this one or send a "
                                        "smaller document", limit=len(found)), *found]
        state = _request_state(ec.context)
        if state is not None:
            state["graphql_operation"] = _operation_label(ec)

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        query = ec.query or ""
        limits = self.limits
        tokens, nesting = lexical_stats_cached(query, limits.max_tokens)
        state = _request_state(ec.context)
        from_allow_list = bool(state and state.get("persisted_document"))  # resolved by id from the operators' file
        if limits.persisted_only and not from_allow_list and query_hash(query) not in limits.persisted_hashes:
            self.violation = LimitError("PERSISTED_QUERY_REQUIRED", "only registered (persisted) operations run on this server; "
                                        "register the document's sha256 with the operators", hash=query_hash(query))
        elif tokens > limits.max_tokens:
            self.violation = LimitError("QUERY_TOO_LARGE", f"the document has more than {limits.max_tokens} tokens; send a smaller query",
                                        limit=limits.max_tokens)
        elif nesting > limits.max_nesting:
            self.violation = LimitError("QUERY_TOO_DEEP", f"the document nests brackets {nesting} deep; at most {limits.max_nesting} are allowed",
                                        limit=limits.max_depth)
        # a refused document is not parsed at all: a zero-token budget aborts the parser at once
        ec.parse_options["max_lexical_tokens"] = 0 if self.violation else limits.max_tokens
        if self.violation is None and query and ec.graphql_document is None:
            try:
                ec.graphql_document = _parse_cached(query, limits.max_tokens)
            except GraphQLError:
                pass  # Strawberry parses again and reports the syntax error
        yield

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        doc = ec.graphql_document
        if doc is not None and ec.pre_execution_errors is None and self.violation is None:
            try:
                _m, error = check_document(doc, ec.schema._schema, ec.variables, ec.operation_name, self.limits)
            except Exception:  # never let the analysis itself fail a request; validation still runs
                log.exception("query limit analysis failed")
                error = None
            if error is not None:
                ec.pre_execution_errors = [error]
            elif ec.validation_rules and _is_valid(ec.schema._schema, doc, tuple(ec.validation_rules)):
                ec.pre_execution_errors = []  # valid: Strawberry skips its own validation
        yield


def _operation_label(ec: Any) -> dict[str, Any]:
    """Operation name and type for the access log (names only, never the document)."""
    name = ec.operation_name
    op_type = None
    doc = ec.graphql_document
    if doc is not None:
        ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
        chosen = [o for o in ops if name is None or (o.name is not None and o.name.value == name)]
        if len(chosen) == 1:
            op_type = chosen[0].operation.value
            if name is None and chosen[0].name is not None:
                name = chosen[0].name.value
    # the chosen definition and its document: metrics read the root fields from them (cobuild.observe)
    return {"name": (name or "")[:100] or None, "type": op_type,
            "definition": chosen[0] if doc is not None and len(chosen) == 1 else None, "document": doc}
