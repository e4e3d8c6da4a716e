"""The only module that knows how Neo4j 5 and LadybugDB 0.22 differ.

Callers write Cypher in the subset both engines run (MATCH / OPTIONAL MATCH / WITH / UNWIND /
MERGE / ``collect({k: v})`` / ``COUNT { MATCH … }`` / ``EXISTS { MATCH … }``) and ask the dialect
for the rest:

* schema: LadybugDB needs ``CREATE NODE TABLE`` / ``CREATE REL TABLE`` before any write; Neo4j takes
  uniqueness constraints, range indexes and a CJK full-text index;
* shortest paths: ``shortestPath((a)-[:R*..n]-(b))`` vs ``(a)-[:R* SHORTEST 1..n]-(b)``, and every
  shortest path (to choose among ties by a rule of cobuild's own): ``allShortestPaths(…)`` vs
  ``(a)-[:R* ALL SHORTEST 1..n]-(b)``;
* a relationship's type: ``type(r)`` vs ``label(r)``; path parts: ``relationships(p)`` vs ``rels(p)``;
* search candidates: the ``cobuild_names`` full-text index (analyzer ``cjk``, a phrase per term) vs
  every node of the label (the fts extension downloads at run time, which these machines cannot
  do); the filter and ranking that follow are shared (``cobuild.resolvers.search``);
* a list of strings as one string: ``reduce`` vs ``list_to_string``.

Known gaps of LadybugDB handled elsewhere (see shared/ladybug-notes.md): no relationship-uniqueness
per match (compare ids), no ``n {.a}`` map projections, pattern comprehensions, ``CALL {}``, list
comprehensions or ``FOREACH``; UNWIND rows need identical keys; ``WITH … ORDER BY`` needs a LIMIT.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, Sequence

from cobuild.graph import model
from cobuild.graph.cypher import Params, name
from cobuild.graph.model import PropType

FULLTEXT_INDEX = "cobuild_names"

_LADYBUG_TYPES = {
    PropType.STRING: "STRING",
    PropType.INT: "INT64",
    PropType.FLOAT: "DOUBLE",
    PropType.BOOL: "BOOLEAN",
    PropType.DATE: "DATE",
    PropType.DATETIME: "TIMESTAMP",
    PropType.STRING_LIST: "STRING[]",
}


class Dialect(Protocol):
    name: Literal["neo4j", "ladybug"]

    def schema_statements(self) -> list[str]: ...
    def internal_schema_statements(self) -> list[str]: ...
    def evolve_statements(self) -> list[str]: ...
    def rel_type(self, var: str) -> str: ...
    def shortest_path(self, path_var: str, a: str, b: str, rel_types: list[str], max_hops: int) -> str: ...
    def all_shortest_paths(self, path_var: str, a: str, b: str, rel_types: list[str], max_hops: int) -> str: ...
    def path_rels(self, path_var: str) -> str: ...
    def name_search(self, var: str, label: str, terms: Sequence[str], params: Params) -> str: ...
    def lower_aliases(self, var: str, sep: str) -> str: ...
    def list_overlaps(self, list_expr: str, param: str) -> str: ...
    def typed(self, expr: str, prop_type: PropType) -> str: ...
    def lock_node(self, var: str) -> str: ...


@dataclass(frozen=True)
class Neo4jDialect:
    name: Literal["neo4j"] = "neo4j"

    def schema_statements(self) -> list[str]:
        out: list[str] = []
        for lab in model.LABELS:
            out.append(
                f"CREATE CONSTRAINT {lab.name.lower()}_id_unique IF NOT EXISTS "
                f"FOR (n:{name(lab.name)}) REQUIRE n.`id` IS UNIQUE"
            )
            for p in lab.all_props:
                if p.indexed:
                    out.append(
                        f"CREATE INDEX {lab.name.lower()}_{p.name.lower()} IF NOT EXISTS "
                        f"FOR (n:{name(lab.name)}) ON (n.{name(p.name)})"
                    )
        for rel in model.RELATIONSHIPS:
            for p in rel.props:
                if p.name in ("status", "role", "side"):
                    out.append(
                        f"CREATE INDEX rel_{rel.name.lower()}_{p.name.lower()} IF NOT EXISTS "
                        f"FOR ()-[r:{name(rel.name)}]-() ON (r.{name(p.name)})"
                    )
        labels = "|".join(name(lab.name) for lab in model.LABELS)
        out.append(
            f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (n:{labels}) ON EACH [n.`name`, n.`aliases`] "
            "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}"
        )
        return out

    def internal_schema_statements(self) -> list[str]:
        """Uniqueness on each internal label's key (MERGE on it takes the index lock, so concurrent
        claims of one idempotency key or one counter wait for each other) and its range indexes."""
        out: list[str] = []
        for lab in model.INTERNAL_LABELS:
            out.append(f"CREATE CONSTRAINT {lab.name.lower()}_{lab.key.lower()}_unique IF NOT EXISTS "
                       f"FOR (n:{name(lab.name)}) REQUIRE n.{name(lab.key)} IS UNIQUE")
            out += [f"CREATE INDEX {lab.name.lower()}_{p.lower()} IF NOT EXISTS FOR (n:{name(lab.name)}) ON (n.{name(p)})"
                    for p in lab.indexed]
        return out

    def evolve_statements(self) -> list[str]:
        """Neo4j properties need no columns: a model that gained properties needs no DDL beyond
        :meth:`schema_statements` (new indexes)."""
        return []

    def rel_type(self, var: str) -> str:
        return f"type({var})"

    def shortest_path(self, path_var: str, a: str, b: str, rel_types: list[str], max_hops: int) -> str:
        types = "|".join(name(t) for t in rel_types)
        return f"MATCH {path_var} = shortestPath(({a})-[:{types}*..{int(max_hops)}]-({b}))"

    def all_shortest_paths(self, path_var: str, a: str, b: str, rel_types: list[str], max_hops: int) -> str:
        """One row per shortest path (all of the fewest hops), so the caller chooses among ties."""
        types = "|".join(name(t) for t in rel_types)
        return f"MATCH {path_var} = allShortestPaths(({a})-[:{types}*..{int(max_hops)}]-({b}))"

    def path_rels(self, path_var: str) -> str:
        return f"relationships({path_var})"

    def list_overlaps(self, list_expr: str, param: str) -> str:
        return f"any(x IN {list_expr} WHERE x IN {param})"

    def name_search(self, var: str, label: str, terms: Sequence[str], params: Params) -> str:
        """Clauses binding ``var`` to the search candidates of ``label``: the CJK full-text index,
        asked for a Lucene phrase per term, all required (:func:`lucene_phrases`). The caller
        filters and ranks the candidates with the same Cypher on both stores."""
        q = params.add(lucene_phrases(terms))
        return (f"CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', {q}) YIELD node AS {var} "
                f"WHERE {var}:{name(label)}")

    def lower_aliases(self, var: str, sep: str) -> str:
        """``var``'s aliases lower-cased in one string, each followed by the separator ``sep``
        (a parameter), which also leads: ``␟a␟b␟``."""
        return f"reduce(s = {sep}, a IN coalesce({var}.`aliases`, []) | s + toLower(a) + {sep})"

    def typed(self, expr: str, prop_type: PropType) -> str:
        return expr

    def lock_node(self, var: str) -> str:
        """A clause that takes ``var``'s write lock before the statement reads it further: concurrent
        writers of the same node queue here and then read what the first one committed. Rewriting
        the (unchanging) id leaves every other property, ``updatedAt`` included, as committed."""
        return f"SET {var}.`id` = {var}.`id`"


@dataclass(frozen=True)
class LadybugDialect:
    name: Literal["ladybug"] = "ladybug"

    def schema_statements(self) -> list[str]:
        out: list[str] = [
            "CREATE NODE TABLE IF NOT EXISTS `_SchemaVersion`(id STRING PRIMARY KEY, version INT64, "
            "fingerprint STRING, appliedAt TIMESTAMP, description STRING)"
        ]
        for lab in model.LABELS:
            cols = []
            for p in lab.all_props:
                col = f"{name(p.name)} {_LADYBUG_TYPES[p.type]}"
                cols.append(col + (" PRIMARY KEY" if p.name == "id" else ""))
            out.append(f"CREATE NODE TABLE IF NOT EXISTS {name(lab.name)}({', '.join(cols)})")
        for rel in model.RELATIONSHIPS:
            parts = [f"FROM {name(a)} TO {name(b)}" for a, b in rel.endpoints]
            parts += [f"{name(p.name)} {_LADYBUG_TYPES[p.type]}" for p in rel.props]
            out.append(f"CREATE REL TABLE IF NOT EXISTS {name(rel.name)}({', '.join(parts)})")
        return out

    def internal_schema_statements(self) -> list[str]:
        """One node table per internal label, its key the primary key."""
        out: list[str] = []
        for lab in model.INTERNAL_LABELS:
            cols = [f"{name(p.name)} {_LADYBUG_TYPES[p.type]}" + (" PRIMARY KEY" if p.name == lab.key else "")
                    for p in lab.props]
            out.append(f"CREATE NODE TABLE IF NOT EXISTS {name(lab.name)}({', '.join(cols)})")
        return out

    def evolve_statements(self) -> list[str]:
        """Columns for properties added to the model after a store's tables were created
        (``CREATE … IF NOT EXISTS`` leaves an existing table as it was)."""
        out: list[str] = []
        for internal in model.INTERNAL_LABELS:
            out += [f"ALTER TABLE {name(internal.name)} ADD IF NOT EXISTS {name(p.name)} {_LADYBUG_TYPES[p.type]}"
                    for p in internal.props if p.name != internal.key]
        for lab in model.LABELS:
            out += [f"ALTER TABLE {name(lab.name)} ADD IF NOT EXISTS {name(p.name)} {_LADYBUG_TYPES[p.type]}"
                    for p in lab.all_props if p.name != "id"]
        for rel in model.RELATIONSHIPS:
            out += [f"ALTER TABLE {name(rel.name)} ADD IF NOT EXISTS {name(p.name)} {_LADYBUG_TYPES[p.type]}"
                    for p in rel.props]
        return out

    def rel_type(self, var: str) -> str:
        return f"label({var})"

    def shortest_path(self, path_var: str, a: str, b: str, rel_types: list[str], max_hops: int) -> str:
        types = "|".join(name(t) for t in rel_types)
        return f"MATCH {path_var} = ({a})-[:{types}* SHORTEST 1..{int(max_hops)}]-({b})"

    def all_shortest_paths(self, path_var: str, a: str, b: str, rel_types: list[str], max_hops: int) -> str:
        """One row per shortest path (all of the fewest hops), so the caller chooses among ties."""
        types = "|".join(name(t) for t in rel_types)
        return f"MATCH {path_var} = ({a})-[:{types}* ALL SHORTEST 1..{int(max_hops)}]-({b})"

    def path_rels(self, path_var: str) -> str:
        return f"rels({path_var})"

    def list_overlaps(self, list_expr: str, param: str) -> str:
        # LadybugDB cannot bind a parameter inside any(… WHERE …); list_has_any is its native form.
        return f"list_has_any({list_expr}, {param})"

    def name_search(self, var: str, label: str, terms: Sequence[str], params: Params) -> str:
        """Every node of ``label`` is a candidate: the shared filter that follows keeps those whose
        name or aliases contain every term (LadybugDB's fts extension downloads at run time, so
        it is not used; a scan of one label is fast at city scale)."""
        return f"MATCH ({var}:{name(label)})"

    def lower_aliases(self, var: str, sep: str) -> str:
        """As :meth:`Neo4jDialect.lower_aliases` (``reduce`` does not exist in LadybugDB)."""
        return f"{sep} + toLower(coalesce(list_to_string({sep}, {var}.`aliases`), '')) + {sep}"

    def typed(self, expr: str, prop_type: PropType) -> str:
        """LadybugDB infers a parameter's type from its values: an all-NULL column arrives as STRING
        and will not bind to a DATE or STRING[] property, so values are cast to the model's type."""
        return f"CAST({expr} AS {_LADYBUG_TYPES[prop_type]})"

    def lock_node(self, var: str) -> str:
        """Nothing: LadybugDB runs one write transaction at a time (and refuses writes to a primary key)."""
        return ""


def lucene_phrases(terms: Sequence[str]) -> str:
    """A Lucene query requiring every term as a phrase: ``"双流区" AND "医院"``.

    Inside quotes every character is literal but ``"`` and ``\\`` (escaped here), so no query
    syntax can be injected. The CJK analyzer turns a quoted CJK term into its consecutive bigrams
    at consecutive positions — the term as a substring, not any of its bigrams (which is what an
    unquoted term asks for: ``双流区第一人民医院`` found 18 units that share a bigram with it).
    Latin text is matched by whole words (the analyzer's tokens), lower-cased."""
    quoted = ['"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"' for t in terms]
    return " AND ".join(quoted)


DIALECTS: dict[str, Dialect] = {"neo4j": Neo4jDialect(), "ladybug": LadybugDialect()}
