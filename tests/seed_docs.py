"""The five source articles, for tests that check a quote really occurs in the article it names.

They live outside the repository (``shared/seed-docs`` beside the checkout, as in
tests/store/test_seed.py); a test that needs them fails — never skips — when they cannot be found.
"""

from __future__ import annotations

from pathlib import Path

_CANDIDATES = (Path(__file__).resolve().parents[2] / "shared" / "seed-docs",
               Path(__file__).resolve().parents[3] / "shared" / "seed-docs",
               Path("/work/shared/seed-docs"))


def squeeze(text: str) -> str:
    """Whitespace removed: the articles wrap lines mid-sentence."""
    return "".join(text.split())


def seed_docs() -> dict[str, str]:
    """``{"F000": text, …}`` with whitespace removed, in file-name order (F000 = 000_….txt)."""
    for folder in _CANDIDATES:
        files = sorted(folder.glob("*.txt"))
        if len(files) == 5:
            return {f"F00{i}": squeeze(p.read_text(encoding="utf-8")) for i, p in enumerate(files)}
    raise AssertionError(f"the five seed articles were not found in any of {[str(c) for c in _CANDIDATES]}")


def domain_questions() -> dict[str, tuple[str, str]]:
    """``{"Q1": (中文, English), …}`` from domain.md §3 (beside the seed articles, in ``shared/``)."""
    import re

    for folder in _CANDIDATES:
        page = folder.parent / "domain.md"
        if page.exists():
            rows = re.findall(r"^\| (Q\d+) \| ([^|]+) \| ([^|]+) \|", page.read_text(encoding="utf-8"), re.M)
            return {q: (zh.strip(), en.strip()) for q, zh, en in rows}
    raise AssertionError(f"domain.md was not found beside any of {[str(c) for c in _CANDIDATES]}")
