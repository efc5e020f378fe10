"""No import circles: every generator module imports on its own in a fresh interpreter, and the graph of
the package's imports (also those inside functions, which a circle hides behind) has no cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

PACKAGE = REPO / "generator"
MODULES = sorted(
    ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
    for path in PACKAGE.rglob("*.py")
    if path.name != "__main__.py" and "node_modules" not in path.parts
)
ALEMBIC_SCRIPTS = "generator.server.migrations."
"""Scripts Alembic runs inside its migration context (env.py reads `alembic.context.config`; the
revisions' file names start with a number)."""


@pytest.mark.parametrize("module", [m for m in MODULES if not m.startswith(ALEMBIC_SCRIPTS)])
def test_each_module_imports_alone(module: str) -> None:
    result = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _imported(module: str, path: Path) -> set[str]:
    """Generator modules that `module` imports anywhere, except under `if TYPE_CHECKING:`."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = f"{base}.{node.module}" if node.module else base
            for alias in node.names:  # `from . import limits` imports a module
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target)
        elif isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0):
            names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found.update(name for name in names if name and name.startswith("generator."))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {name for name in found if name in MODULES and name != module}


def _graph() -> dict[str, set[str]]:
    graph = {}
    for module in MODULES:
        parts = module.split(".")
        path = REPO.joinpath(*parts).with_suffix(".py")
        if not path.exists():
            path = REPO.joinpath(*parts, "__init__.py")
        graph[module] = _imported(module, path)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_the_import_graph_has_no_cycle() -> None:
    assert _cycle(_graph()) == []


def test_a_cycle_hidden_in_a_function_is_found(tmp_path: Path) -> None:
    module = tmp_path / "fake.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .plan import Site\n"
        "def f():\n    from .load.validate import load_spec\n    from . import limits\n",
        encoding="utf-8",
    )
    assert _imported("generator.fake", module) == {"generator.load.validate", "generator.limits"}
    assert _cycle({"generator.a": {"generator.b"}, "generator.b": {"generator.a"}}) == [
        "generator.a",
        "generator.b",
        "generator.a",
    ]
