"""The shape of the code: imports flow ros -> agent -> sim with no cycles, and packages stay small
enough to find things in.

Imports are read from the source (every `import`, at module level or inside a function, except
under `if TYPE_CHECKING:`), so a cycle hidden in a function-level import is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "agent", "ros")
ALLOWED = {"sim": {"sim"}, "agent": {"agent", "sim"}, "ros": {"ros", "agent", "sim"}}


def _modules() -> dict[str, Path]:
    mods = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            mods[".".join(parts)] = path
    return mods


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or \
        (isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _imported_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (a name resolves to its longest module prefix:
    `from sim.grid import MAP` is `sim.grid`; `from agent.runtime import X` is the package)."""
    mods = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for mod, path in mods.items():
        deps = {resolve(n) for n in _imported_names(ast.parse(path.read_text(), str(path)))}
        graph[mod] = {d for d in deps if d and d != mod}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return cycles


def test_find_cycles_finds_a_planted_cycle():
    graph = {"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}, "a.w": {"a.x"}}
    assert find_cycles(graph) == [["a.x", "a.y", "a.z"]]
    assert find_cycles({"a.x": {"a.y"}, "a.y": set()}) == []


def test_type_checking_imports_are_not_runtime_imports():
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import sim.home\n"
                     "def f():\n    import sim.grid\n")
    assert "sim.home" not in _imported_names(tree)
    assert "sim.grid" in _imported_names(tree)


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles (move the shared part into a module both can import): " + \
        "; ".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_flow_ros_agent_sim(package):
    wrong = sorted(f"{mod} imports {dep}" for mod, deps in import_graph().items()
                   if mod.split(".")[0] == package
                   for dep in deps if dep.split(".")[0] not in ALLOWED[package])
    assert not wrong, f"{package} may import only {sorted(ALLOWED[package])}: {wrong}"


def test_agent_is_a_few_packages():
    top = sorted(p.name for p in (ROOT / "agent").glob("*.py"))
    assert len(top) <= 8, f"agent/ has {len(top)} top-level modules {top}: put them in a package"
    for pkg in (ROOT / "agent").iterdir():
        if (pkg / "__init__.py").exists():
            mods = [p.name for p in pkg.glob("*.py")
                    if p.name not in ("__init__.py", "__main__.py")]
            assert len(mods) <= 12, f"agent/{pkg.name} holds {len(mods)} modules: split it"
