"""The model drawn as a Mermaid diagram, generated so the README can never drift from model.py."""

from __future__ import annotations

from cobuild.graph import model


def mermaid() -> str:
    lines = ["flowchart LR"]
    for lab in model.LABELS:
        lines.append(f'  {lab.name}["{lab.name}<br/>{lab.zh.split("(")[0]}"]')
    for rel in model.RELATIONSHIPS:
        arrow = "-.->" if rel.derived else "-->"
        for a, b in rel.endpoints:
            lines.append(f"  {a} {arrow}|{rel.name}| {b}")
    return "\n".join(lines)
