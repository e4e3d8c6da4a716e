"""The package's layout holds (issue 11 part 6): no import circle anywhere in ``cobuild/``, no
oversized module where the schema and the resolvers live, and every network question answered from
its own home in ``cobuild/resolvers/questions/``.

The import graph is read from the source with :mod:`ast`, so an import that only runs later counts
as much as one at the top: every ``import`` / ``from … import`` statement of a module — at module
level, inside a function, under ``if TYPE_CHECKING`` — is an edge. ``from x import y`` is an edge
to ``x.y`` when ``y`` is a submodule, else to ``x``. Importing ``a.b.c`` also runs the packages
``a`` and ``a.b`` (their ``__init__``), so it is an edge to them too, except to the importing
module's own packages, which are always running already.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cobuild"
MAX_LINES = 500  # per file under cobuild/schema and cobuild/resolvers


def _modules() -> dict[str, tuple[Path, bool]]:
    """Module name → (file, whether it is a package's ``__init__``)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: from the module's package, one level up per extra dot
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([base] if base else [])])
    return [base] + [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, (path, is_package) in modules.items():
        own_packages = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in _targets(name, is_package, node, known):
                parts = target.split(".")
                for i in range(1, len(parts) + 1):  # the module and every package above it
                    dep = ".".join(parts[:i])
                    if dep in known and dep != name and dep not in own_packages:
                        graph[name].add(dep)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as ``[a, b, …, a]``, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    for start in sorted(graph):
        if state.get(start):
            continue
        path = [start]
        stack = [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def test_the_graph_reader_sees_lazy_imports_submodules_and_packages() -> None:
    graph = import_graph()
    # a function-level import (PEP 8 would put it at the top; the circle check must not miss it)
    assert "cobuild.resolvers.mutations" in graph["cobuild.resolvers.upserts"]
    # ``from cobuild.resolvers.questions import coverage, …`` names submodules
    assert {"cobuild.resolvers.questions.partners", "cobuild.resolvers.questions.network"} <= graph["cobuild.schema.questions.query"]
    # importing cobuild.schema.questions.partners runs cobuild/schema/__init__.py and cobuild/schema/questions/__init__.py
    assert {"cobuild.schema", "cobuild.schema.questions"} <= graph["cobuild.resolvers.questions.partners"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_circle_in_cobuild() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " → ".join(cycle or [])


def test_schema_and_resolver_modules_stay_small() -> None:
    too_big = {}
    for folder in ("schema", "resolvers"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                too_big[str(path.relative_to(ROOT))] = lines
    assert not too_big, f"split these by concern (at most {MAX_LINES} lines each): {too_big}"


def test_every_question_field_is_bound_to_its_family_resolver() -> None:
    """``QuestionQuery`` only declares: each field's resolver is a function of a family module of
    cobuild.resolvers.questions, and the schema's question modules define no async functions."""
    from cobuild.schema.questions.query import QuestionQuery

    fields = QuestionQuery.__strawberry_definition__.fields
    assert len(fields) == 18
    for f in fields:
        func = f.base_resolver.wrapped_func
        assert func.__module__.startswith("cobuild.resolvers.questions."), (f.python_name, func.__module__)
        assert func.__name__ == f.python_name
    for path in (PACKAGE / "schema" / "questions").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not [n.name for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef)], path
