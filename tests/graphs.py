"""Small hand-made graphs and copies of the seeded store, shared by the test modules."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any, Sequence

from cobuild.graph import model, tallies
from cobuild.graph.derive import rederive
from cobuild.graph.engines.base import GraphEngine
from cobuild.graph.upsert import merge_rels, upsert_nodes
from cobuild.graph.validate import node_row

Nodes = dict[str, list[dict[str, Any]]]
Rels = Sequence[tuple[str, str, str, list[dict[str, Any]]]]  # (type, from label, to label, rows)


def copy_store(template: Path, target: Path) -> Path:
    """A private copy of a LadybugDB store (a directory, or a file with its side files)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if template.is_dir():
        shutil.copytree(template, target)
    else:
        shutil.copy2(template, target)
        for extra in template.parent.glob(template.name + ".*"):
            shutil.copy2(extra, target.parent / extra.name)
    return target


async def write_graph(engine: GraphEngine, nodes: Nodes, rels: Rels, now: dt.datetime, *,
                      derive: bool = True) -> None:
    """Write ``nodes`` (validated against the model) and ``rels`` in one transaction, checking every
    relationship found both ends; then recompute the derived co-building edges of the pairings and
    the community tallies (what every write through the service keeps up to date)."""
    async def work(tx: Any) -> None:
        for label_name, rows in nodes.items():
            lab = model.label(label_name)
            await tx.run(upsert_nodes(engine.dialect, label_name, [node_row(lab, r, "test") for r in rows], now))
        for rel_name, a, b, rows in rels:
            full = [{k: r.get(k) for k in ["from", "to", *[p.name for p in model.rel(rel_name).props]]} for r in rows]
            res = await tx.run(merge_rels(engine.dialect, rel_name, a, b, full))
            assert int(res[0]["n"]) == len(rows), (rel_name, a, b)
        if derive and nodes.get("Pairing"):
            await rederive(tx, engine.dialect, [p["id"] for p in nodes["Pairing"]])
        await tallies.rebuild_in(tx, engine.dialect)

    await engine.write(work)
