"""Name search across labels: one statement, a ``UNION ALL`` block per label.

Each block finds the label's matches through the dialect (Neo4j: the CJK full-text index;
LadybugDB: substring on name and aliases) and keeps its best ``first``; Python merges the blocks by
score. Hits are brief (id, label, name, aliases, score): the blocks of a ``UNION`` must return the
same columns, and a client follows a hit with ``node(id)`` or the label's lookup for details. Persons, evaluations and service
records are not searchable: searching persons by name would reveal personal data, and scoped
records have no public names.
"""

from __future__ import annotations

from typing import Any, Sequence

from cobuild.errors import ValidationError
from cobuild.graph import compile as gc
from cobuild.graph import model
from cobuild.graph.cypher import Params, Statement, Vars

SEARCHABLE: tuple[str, ...] = tuple(lab.name for lab in model.LABELS if not lab.scoped and not lab.personal)
MAX_TEXT = 100


def check_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError("text must not be empty", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"text is longer than {MAX_TEXT} characters", field="text")
    return text


def search_statement(text: str, labels: Sequence[str], first: int, dialect: Any) -> Statement:
    params, vars = Params(), Vars()
    limit = params.add(first)
    blocks = []
    for label_name in labels:
        n = vars.new("n")
        blocks.append(
            f"{dialect.name_search(n, label_name, text, params)} ORDER BY score DESC, size({n}.`name`), {n}.`id` LIMIT {limit} "
            f"RETURN {n}.`id` AS id, {params.add(label_name)} AS label, {n}.`name` AS name, "
            f"{n}.`aliases` AS aliases, score AS score")
    return Statement(" UNION ALL ".join(blocks), params.values, label="search")


async def search(info: Any, text: str, labels: Sequence[str] | None, first: int) -> list[dict[str, Any]]:
    """The best ``first`` matches ``{id, label, name, aliases, score}``, best first."""
    text = check_text(text)
    first = gc.check_first(first)
    chosen = list(dict.fromkeys(labels or SEARCHABLE))
    if not chosen or first == 0:
        return []
    from cobuild.resolvers.entities import run_read

    rows = await run_read(info, search_statement(text, chosen, first, info.context.dialect))
    rows.sort(key=lambda r: (-float(r["score"]), len(r["name"] or ""), r["id"]))  # ties: the shorter name is closer
    return rows[:first]
