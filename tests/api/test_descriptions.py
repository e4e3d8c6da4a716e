"""Issue 10 part 4: every type, field, argument, input field and enum value of the schema carries a
中文 + English description — walked over the schema the app serves (introspection), so a gap anywhere
(roots, scalars, PageInfo, interfaces, question results, mutation inputs) fails and is named."""

from __future__ import annotations

from typing import Any

from graphql import build_client_schema, get_introspection_query

from cobuild.graph import model, vocabulary


def bilingual(text: str | None) -> bool:
    """``中文 / English``: a CJK character and a Latin word on either side of the separator."""
    if not text or " / " not in text:
        return False
    zh, _, en = text.partition(" / ")
    return any("\u4e00" <= ch <= "\u9fff" for ch in zh) and any(ch.isascii() and ch.isalpha() for ch in en)


async def test_every_schema_element_is_described_in_chinese_and_english(gql: Any) -> None:
    body = await gql(get_introspection_query(descriptions=True, input_value_deprecation=True))
    assert "errors" not in body, body
    schema = build_client_schema(body["data"])
    gaps: list[str] = []
    for name, t in sorted(schema.type_map.items()):
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):  # the spec's own scalars
            continue
        if not bilingual(t.description):
            gaps.append(name)
        for fname, f in (getattr(t, "fields", None) or {}).items():
            if not bilingual(f.description):
                gaps.append(f"{name}.{fname}")
            for aname, a in (getattr(f, "args", None) or {}).items():
                if not bilingual(a.description):
                    gaps.append(f"{name}.{fname}({aname})")
        for vname, v in (getattr(t, "values", None) or {}).items():
            if not bilingual(v.description):
                gaps.append(f"{name}.{vname}")
    assert not gaps, f"{len(gaps)} schema elements lack a '中文 / English' description: {gaps[:60]}"
    for name in ("Query", "Mutation", "Date", "DateTime", "PageInfo", "Node", "Entity", "Actor", "ActorType"):
        assert name in schema.type_map and bilingual(schema.type_map[name].description), name


def test_enum_values_carry_the_terms_of_the_vocabulary() -> None:
    """The ~500 enum values are described from one table beside the model (vocabulary.py)."""
    from cobuild.schema.root import build_schema

    schema = build_schema()._schema
    level = schema.type_map["AreaLevel"]
    assert level.values["COMMUNITY"].description == "社区 / Urban or agriculture-related community (社区)"
    assert schema.type_map["ClaimMode"].values["DUAL_LEAD"].description.startswith("双向领办 / ")
    assert schema.type_map["EvaluationOutcome"].values["CIRCULATED_CRITICISM"].description.startswith("通报批评 / ")
    total = sum(len(v) for v in vocabulary.VOCABULARY.values())
    assert total == sum(len(v) for v in vocabulary.enum_constants().values()) and total > 200
    for const, values in vocabulary.enum_constants().items():
        assert set(vocabulary.VOCABULARY[const]) == set(values), const
    assert model  # the constants are the model's


def test_vocabulary_gap_fails_at_import() -> None:
    import subprocess
    import sys

    script = ("from cobuild.graph import model\n"
              "model.AREA_LEVELS = model.AREA_LEVELS + ('PLANET',)\n"
              "import cobuild.graph.vocabulary\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "AREA_LEVELS: no term for PLANET" in out.stderr and "vocabulary.py" in out.stderr
