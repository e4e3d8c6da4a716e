"""The structures cobuild keeps up to date on write, together: rebuild them, or check them against a
recount (``cobuild maintain``, the migrations, the bulk loads).

* **Community tallies** (:mod:`cobuild.graph.tallies`): what each community adds to the roll-ups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cobuild.graph import tallies


@dataclass
class Report:
    tallies: int = 0
    differences: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.tallies:,} community tallies"


async def rebuild(engine: Any, progress: tallies.RebuildProgress | None = None) -> Report:
    """Store a recount of every maintained structure."""
    return Report(tallies=await tallies.rebuild(engine, progress))


async def check(engine: Any) -> Report:
    """Every difference between the stored structures and a recount (none: they are equal)."""
    diffs = await tallies.check(engine)
    return Report(tallies=len(await tallies.stored(engine)), differences=diffs)
