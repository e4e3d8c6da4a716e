"""Name search across labels: one statement, a ``UNION ALL`` block per label, one contract on both stores.

The contract (docs/entities.md § Search):

* the text is split on whitespace into terms, lower-cased; **every term must occur** in the name or
  in an alias, as a consecutive string (a CJK term is a phrase: ``双流区第一人民医院`` does not match
  a name that merely shares ``医院``);
* candidates come from the dialect (Neo4j: the CJK full-text index asked for a phrase per term;
  LadybugDB: every node of the label); the filter and the ranking that follow are the same Cypher
  on both stores, so both return the same hits for the same data wherever the index finds the
  candidates;
* ranking — a tier computed in Cypher from the name and aliases, then shorter name, name, id:
  exact name (score 1.0) > exact alias (0.9) > name starts with the text (0.7–0.8) > name contains
  it (0.5–0.6) > an alias contains it (0.3–0.4) > the terms occur apart (0.1–0.2); within a band
  the score grows with the share of the name the text covers. Scores are in [0, 1] and computed in
  Python from the tier and the name (:func:`score`), identically for both stores.

Hits are brief (id, label, name, aliases, score): the blocks of a ``UNION`` must return the same
columns, and a client follows a hit with ``node(id)`` or the label's lookup for details. Persons,
evaluations and service records are not searchable: searching persons by name would reveal
personal data, and scoped records have no public names.
"""

from __future__ import annotations

from typing import Any, Sequence

from cobuild.errors import ValidationError
from cobuild.graph import compile as gc
from cobuild.graph import model
from cobuild.graph.cypher import Params, Statement, Vars

SEARCHABLE: tuple[str, ...] = tuple(lab.name for lab in model.LABELS if not lab.scoped and not lab.personal)
MAX_TEXT = 100
SEP = "\u241f"  # joins aliases into one string; removed from search text so no term can span two aliases

# tier -> (lowest score, band width): the score is lowest + width × the share of the name covered
BANDS: dict[int, tuple[float, float]] = {
    6: (1.0, 0.0),  # exact name
    5: (0.9, 0.0),  # exact alias
    4: (0.7, 0.1),  # name starts with the text
    3: (0.5, 0.1),  # name contains the text
    2: (0.3, 0.1),  # an alias contains the text
    1: (0.1, 0.1),  # every term occurs, but not as one string
}


def check_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError("text must not be empty", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"text is longer than {MAX_TEXT} characters", field="text")
    return text


def terms_of(text: str) -> list[str]:
    """The terms every hit must contain: whitespace-separated, lower-cased, each once."""
    return list(dict.fromkeys(text.replace(SEP, " ").lower().split()))


def search_statement(text: str, labels: Sequence[str], first: int, dialect: Any) -> Statement:
    terms = terms_of(text)
    whole = " ".join(terms)
    params, vars = Params(), Vars()
    limit, sep, q, exact_alias = params.add(first), params.add(SEP), params.add(whole), params.add(SEP + whole + SEP)
    term_ps = [params.add(t) for t in terms]
    blocks = []
    for label_name in labels:
        n = vars.new("n")
        every_term = " AND ".join(f"(nm CONTAINS {t} OR al CONTAINS {t})" for t in term_ps) or "false"
        blocks.append(
            f"{dialect.name_search(n, label_name, terms, params)} "
            f"WITH {n}, toLower({n}.`name`) AS nm, {dialect.lower_aliases(n, sep)} AS al "
            f"WHERE {every_term} "
            f"WITH {n}, CASE WHEN nm = {q} THEN 6 WHEN al CONTAINS {exact_alias} THEN 5 WHEN nm STARTS WITH {q} THEN 4 "
            f"WHEN nm CONTAINS {q} THEN 3 WHEN al CONTAINS {q} THEN 2 ELSE 1 END AS tier "
            f"ORDER BY tier DESC, size({n}.`name`), {n}.`name`, {n}.`id` LIMIT {limit} "
            f"RETURN {n}.`id` AS id, {params.add(label_name)} AS label, {n}.`name` AS name, "
            f"{n}.`aliases` AS aliases, tier AS tier")
    return Statement(" UNION ALL ".join(blocks), params.values, label="search")


def score(tier: int, name: str | None, text: str) -> float:
    """The hit's score in [0, 1]: its tier's band, placed by the share of the name the text covers."""
    lowest, width = BANDS[int(tier)]
    if not width:
        return lowest
    whole = " ".join(terms_of(text))
    covered = min(1.0, len(whole) / max(1, len(name or "")))
    return round(lowest + width * covered, 4)


def rank_key(hit: dict[str, Any]) -> tuple[Any, ...]:
    """The order of the statement's ``ORDER BY``: tier, then shorter name, name, id."""
    name = hit["name"] or ""
    return (-int(hit["tier"]), len(name), name, hit["id"])


async def search(info: Any, text: str, labels: Sequence[str] | None, first: int) -> list[dict[str, Any]]:
    """The best ``first`` matches ``{id, label, name, aliases, score}``, best first."""
    text = check_text(text)
    first = gc.check_first(first)
    chosen = list(dict.fromkeys(labels or SEARCHABLE))
    if not chosen or first == 0 or not terms_of(text):
        return []
    from cobuild.resolvers.entities import run_read

    rows = await run_read(info, search_statement(text, chosen, first, info.context.dialect))
    rows.sort(key=rank_key)
    return [{"id": r["id"], "label": r["label"], "name": r["name"], "aliases": r["aliases"],
             "score": score(r["tier"], r["name"], text)} for r in rows[:first]]
