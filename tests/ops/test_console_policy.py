"""The Cypher console's statement policy, on tokens: one statement, no state changes or files, and the
analyst rule (no way to bind a person). Writes themselves are refused by the store (see
test_console_engine.py), not here."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from cobuild.console.policy import ConsoleRefusal, check, mask_personal, personal_only_keys, reaches_personal
from cobuild.graph.lexer import LexError, split_statements, tokenize


def refused(text: str, role: str = "admin") -> ConsoleRefusal:
    with pytest.raises(ConsoleRefusal) as info:
        check(text, role)
    return info.value


# --- the lexer ---------------------------------------------------------------------------------------
def test_lexer_keeps_strings_comments_and_quoted_names_apart() -> None:
    tokens = tokenize("MATCH (u:`Un``it`) // a; CREATE\n WHERE u.name = 'a;CREATE' /* ; */ RETURN u.`load` AS x;")
    kinds = [(t.kind, t.text) for t in tokens]
    assert ("quoted", "Un`it") in kinds and ("string", "a;CREATE") in kinds
    assert not any(t.text.upper() == "CREATE" and t.kind == "ident" for t in tokens)
    assert len(split_statements(tokens)) == 1
    assert [t.text for t in tokenize("RETURN 1..3, .5, 1.5e3, $p, $`q r`")][1:] == \
        ["1", "..", "3", ",", ".5", ",", "1.5e3", ",", "$p", ",", "$q r"]


@pytest.mark.parametrize("text", ["RETURN 'open", "RETURN /* open", "MATCH (`open) RETURN 1", "RETURN #"])
def test_lexer_names_what_it_cannot_read(text: str) -> None:
    with pytest.raises(LexError):
        tokenize(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("MATCH(u:Unit)-[*]->{};'\"`/$ .1CREATEPerson\n")), max_size=60))
def test_policy_never_fails_other_than_by_a_refusal(text: str) -> None:
    """Any text either passes or is refused with a code; the checker itself never crashes."""
    for role in ("admin", "analyst"):
        try:
            checked = check(text, role)
        except ConsoleRefusal as exc:
            assert exc.code in {"VALIDATION", "READ_ONLY", "FORBIDDEN"}
        else:
            assert checked.text.strip()


# --- every role ---------------------------------------------------------------------------------------
def test_one_statement_at_a_time() -> None:
    assert refused("MATCH (u:Unit) RETURN u; CREATE (:Unit {id: 'x'})").code == "VALIDATION"
    assert refused("  ;  ").code == "VALIDATION"
    # the trailing ';' and text in strings or comments do not make a second statement
    assert check("MATCH (u:Unit) WHERE u.name <> ';' RETURN u.id; // done;", "admin").text == \
        "MATCH (u:Unit) WHERE u.name <> ';' RETURN u.id"


@pytest.mark.parametrize("text, code", [
    ("BEGIN TRANSACTION", "READ_ONLY"),
    ("MATCH (u:Unit) RETURN u.id COMMIT", "READ_ONLY"),
    ("CHECKPOINT", "READ_ONLY"),
    ("CALL threads = 8", "READ_ONLY"),
    ("INSTALL fts", "READ_ONLY"),
    ("ATTACH 'other.lbdb' AS o (dbtype lbug)", "READ_ONLY"),
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "READ_ONLY"),
    ("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line", "FORBIDDEN"),
    ("LOAD FROM '/etc/hostname' RETURN *", "FORBIDDEN"),
    ("COPY Unit FROM 'units.csv'", "FORBIDDEN"),
    ("USE system SHOW USERS", "FORBIDDEN"),
])
def test_state_changes_and_files_are_refused_for_every_role(text: str, code: str) -> None:
    assert refused(text, "admin").code == code
    assert refused(text, "analyst").code in (code, "FORBIDDEN")


def test_keywords_used_as_names_are_not_clauses() -> None:
    for text in ("MATCH (start:Unit) RETURN start.name AS load",
                 "MATCH (u:Unit) RETURN {use: u.id, copy: u.name} AS m",
                 "MATCH (u:Unit) RETURN u.`load` AS x"):
        check(text, "analyst")


# --- analysts -----------------------------------------------------------------------------------------
ALLOWED = [
    "MATCH (u:Unit)-[:PAIRED_WITH]-(c:AdminArea) RETURN c.name AS community, count(u) AS units",
    "MATCH (u:Unit|PartyOrganization) RETURN u.name AS name LIMIT 5",
    "MATCH (a:Unit {id: $a}) MATCH (a:Unit)-[r]-(b:Unit) RETURN type(r) AS t, b",
    "MATCH p = (a:Unit)-[:PAIRED_WITH* SHORTEST 1..6]-(b:Unit) RETURN length(p) AS hops",
    "MATCH (c:AdminArea) WHERE EXISTS { MATCH (c:AdminArea)<-[:PAIRED_WITH]-(u:Unit) } RETURN count(c) AS n",
    "MATCH (c:AdminArea) RETURN c.name AS name, size(c.name) AS length ORDER BY length DESC LIMIT 3",
]


@pytest.mark.parametrize("text", ALLOWED)
def test_analysts_may_ask_about_the_network(text: str) -> None:
    assert check(text, "analyst").text == text


REFUSED = [
    ("MATCH (p:Person) RETURN p.name", "names 'Person'"),
    ("MATCH (p:`Person`) RETURN count(p)", "names 'Person'"),
    ("MATCH (u:Unit) WHERE u:Person RETURN u", "names 'Person'"),
    ("MATCH (x:Unit|Person) RETURN x.name", "names 'Person'"),
    ("MATCH (u:Unit) RETURN u.phone", "personal property 'phone'"),
    ("MATCH (n) RETURN n.name", "has no label"),
    ("MATCH (u:Unit)<-[:EMPLOYED_BY]-(p) RETURN p.name", "has no label"),
    ("MATCH (u:Unit)<-[:EMPLOYED_BY]-() RETURN count(*)", "has no label"),
    ("MATCH (u:Unit) WHERE (u)<--() RETURN u.name", "has no label"),
    ("MATCH (x:!Unit) RETURN x.name", "label expression"),
    ("MATCH (x:%) RETURN x.name", "label expression"),
    ("MATCH (x:$($label)) RETURN x.name", "label expression"),
    ("MATCH (x WHERE x.name STARTS WITH '张') RETURN x.name", "has no label"),
    ("MATCH p = (a:Unit)-[*1..3]-(b:Unit) RETURN nodes(p)", "names no type"),
    ("MATCH p = (a:Unit)-[:EMPLOYED_BY|PAIRED_WITH*1..3]-(b:Unit) RETURN nodes(p)", "pass through a person"),
    ("MATCH (a:Unit)-[:EMPLOYED_BY]-{1,3}(b:Unit) RETURN b", "pass through a person"),
    ("MATCH (a:Unit)-->+(b:Unit) RETURN b", "names no type"),
    ("CALL db.labels() YIELD label RETURN label", "admin credentials only"),
    ("MATCH (u:Unit) CALL { MATCH (c:AdminArea) RETURN c } RETURN u", "admin credentials only"),
    ("SHOW TRANSACTIONS YIELD currentQuery, parameters", "admin credentials only"),
    ("RETURN apoc.text.join(['a'], ',') AS x", "namespaced functions"),
    ("MATCH (u:Unit) RETURN db.index.fulltext.queryNodes('x', 'y') AS n", "namespaced functions"),
]


@pytest.mark.parametrize("text, why", REFUSED)
def test_analysts_cannot_reach_a_person(text: str, why: str) -> None:
    refusal = refused(text, "analyst")
    assert refusal.code == "FORBIDDEN"
    assert why in str(refusal)
    if "Person" not in text and "phone" not in text and "CALL" not in text and "SHOW" not in text \
            and "apoc" not in text and "db." not in text:
        check(text, "admin")  # the same statement is an admin's to run


def test_the_rule_is_derived_from_the_model() -> None:
    assert "phone" in personal_only_keys() and "name" not in personal_only_keys()
    assert reaches_personal("EMPLOYED_BY") and not reaches_personal("PAIRED_WITH")


def test_personal_values_in_answers_are_masked() -> None:
    person = {"label": "Person", "properties": {"id": "person:1", "name": "张三", "aliases": ["小张"], "phone": None}}
    unit = {"label": "Unit", "properties": {"id": "unit:1", "name": "医院"}}
    masked = mask_personal([[person, {"nodes": [unit, person], "relationships": []}, [unit]]])
    p, path, units = masked[0]
    assert p["properties"] == {"id": "person:1", "name": "***", "aliases": ["***"], "phone": None}
    assert path["nodes"][0] == unit and path["nodes"][1]["properties"]["name"] == "***"
    assert units == [unit]
