"""The shape of the code: no import cycle, thin CLI functions, modules of a readable size.

Each check parses the source with ``ast`` (nothing is imported), so it sees every import a
module can run, function-level ones included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import crisis_screen

PACKAGE = Path(crisis_screen.__file__).resolve().parent
MAX_CLI_FUNCTION_LINES = 80
MAX_MODULE_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every import that can run: ``if TYPE_CHECKING:`` blocks never do."""
    found: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _with_parents(module: str) -> set[str]:
    """A module and the packages Python imports first to reach it."""
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & MODULES.keys()


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (directly, at any depth of its code).

    A module's own enclosing packages are left out: Python has imported them before the
    module runs, so a package's ``__init__`` importing its submodules is no cycle.
    """
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        edges: set[str] = set()
        for module, names in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if not module.startswith("crisis_screen"):
                continue
            edges |= _with_parents(module)
            # `from pkg import sub` imports the submodule `pkg.sub`.
            edges |= {f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES}
        graph[name] = edges - _with_parents(name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle (a path that comes back to its start), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_tree() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_function_level_imports(tmp_path: Path) -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from crisis_screen.screener import Screener\n"
        "def f():\n    from crisis_screen.runs import records\n    import crisis_screen.report\n"
    )
    assert _runtime_imports(tree) == [
        ("typing", ["TYPE_CHECKING"]),
        ("crisis_screen.runs", ["records"]),
        ("crisis_screen.report", []),
    ]


def test_no_import_cycle_among_the_package_modules() -> None:
    graph = import_graph()
    assert "crisis_screen.runs.engine" in graph["crisis_screen.runs.local"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


@pytest.mark.parametrize(
    "low, high",
    [
        ("crisis_screen.screener", "crisis_screen.runs"),
        ("crisis_screen.extract", "crisis_screen.runs"),
        ("crisis_screen.runs.engine", "crisis_screen.report"),
        ("crisis_screen.runs", "crisis_screen.cli"),
        ("crisis_screen.report", "crisis_screen.cli"),
    ],
)
def test_nothing_imports_upward(low: str, high: str) -> None:
    graph = import_graph()
    below = [m for m in graph if m == low or m.startswith(low + ".")]
    upward = {
        (m, dep) for m in below for dep in graph[m] if dep == high or dep.startswith(high + ".")
    }
    assert not upward


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def test_cli_functions_are_short() -> None:
    too_long = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for fn in _functions(ast.parse(path.read_text(encoding="utf-8"))):
            assert fn.end_lineno is not None
            length = fn.end_lineno - fn.lineno + 1  # from `def` to the last line, decorators aside
            if length > MAX_CLI_FUNCTION_LINES:
                too_long.append(f"{path.name}:{fn.name} ({length} lines)")
    assert not too_long


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {name: len(p.read_text(encoding="utf-8").splitlines()) for name, p in MODULES.items()}
    assert not {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
