"""The framework stands apart from the assignments, and what ships to students stands alone.

``autograder/checking/`` is written once for every assignment: none of its
modules imports an assignment's checks. ``autograder/shipped/`` is copied into
the student template, where only NumPy, JAX, the standard library and its own
siblings exist.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

from autograder.generate.regenerate import SHARED_MODULES
from autograder.packaging.bundle import PROJECT_ROOT

from .import_graph import import_graph

AUTOGRADER = PROJECT_ROOT / "autograder"


def test_the_framework_imports_no_assignment():
    graph = import_graph(AUTOGRADER)
    framework = {name: deps for name, deps in graph.items() if name.startswith("autograder.checking")}
    assert "autograder.checking.framework" in framework, sorted(graph)
    reaching = {name: sorted(d for d in deps if d.startswith("autograder.checks")) for name, deps in framework.items()}
    reaching = {name: deps for name, deps in reaching.items() if deps}
    assert not reaching, f"framework modules importing assignments' checks: {reaching}"


def _imported_roots(path) -> set[str]:
    """Top-level names of everything ``path`` imports (anywhere in the file); relative imports as '.'."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add("." if node.level else (node.module or "").split(".")[0])
    return roots


def test_the_shipped_modules_need_nothing_the_template_lacks():
    shipped = {AUTOGRADER / module: name for module, name in SHARED_MODULES.items()}
    assert all(path.parent.name == "shipped" for path in shipped), "every shipped module lives in autograder/shipped/"
    allowed = {"numpy", "jax", "__future__", "."} | {Path(name).stem for name in shipped.values()}
    for path in shipped:
        extra = _imported_roots(path) - allowed - set(sys.stdlib_module_names)
        assert not extra, f"autograder/shipped/{path.name} imports {sorted(extra)}: the template has none of them"
