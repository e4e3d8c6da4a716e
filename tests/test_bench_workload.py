"""The bench sends an operation renamed by issue 10 under its earlier name to an older service, so a
before/after pair measures the same question (bench/workload.py)."""

from __future__ import annotations

import dataclasses

from bench import workload as wl


def test_an_older_schema_gets_the_earlier_root_field_name() -> None:
    op = dataclasses.replace(wl.W1)
    wl.adapt_to_schema([op], {"query": {"coBuilders", "units"}})
    assert op.root_field == "coBuilders"
    assert "coBuilders(communityId: $id" in op.query and "communityCoBuilders" not in op.query


def test_a_schema_with_the_current_name_or_neither_is_left_alone() -> None:
    current, missing = dataclasses.replace(wl.W1), dataclasses.replace(wl.W1)
    wl.adapt_to_schema([current], {"query": {"communityCoBuilders", "coBuilders"}})
    wl.adapt_to_schema([missing], {"query": {"units"}})
    for op in (current, missing):
        assert op.root_field == "communityCoBuilders" and op.query == wl.W1.query  # missing: reported "not available"
