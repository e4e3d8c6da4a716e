"""The cached bench stores under ``data/`` as the single-purpose benches use them: a missing one is
named with the command that makes it, and a bench that writes works on a fresh copy, so the cache
(generated once, minutes of work) never changes."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


def missing(store: Path) -> bool:
    """True (after saying how to make it) when ``store`` is not there; the caller exits 2."""
    if store.exists():
        return False
    print(f"{store} does not exist; run `make bench` (or cobuild generate --scale city) first", file=sys.stderr)
    return True


def working_copy(store: Path, name: str) -> Path:
    """``data/bench-<name>.lbdb``: a fresh copy of ``store`` (any write-ahead log of an earlier run removed)."""
    work = DATA / f"bench-{name}.lbdb"
    for suffix in ("", ".wal"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    shutil.copyfile(store, work)
    return work
