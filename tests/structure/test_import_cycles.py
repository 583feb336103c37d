"""No module of the grader imports, at load time, a module that imports it back."""
from __future__ import annotations

import textwrap

from autograder.packaging.bundle import PROJECT_ROOT

from .import_graph import find_cycle, import_graph


def test_the_grader_has_no_import_cycles():
    graph = import_graph(PROJECT_ROOT / "autograder")
    assert "autograder.child.programs" in graph and graph["autograder.child.programs"], "the graph is empty"
    cycle = find_cycle(graph)
    assert cycle is None, (
        "import cycle: " + " -> ".join(cycle) + "\nMove what both modules need into a third module that "
        "imports neither (as child/program_registry.py does for the harness programs)."
    )


def test_a_cycle_through_a_relative_import_is_found(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text(textwrap.dedent("""
        def later():
            from . import c  # inside a function: not a load-time import
        from .a import something
    """))
    (package / "c.py").write_text("from .b import later\n")
    assert find_cycle(import_graph(package)) == ["pkg.a", "pkg.b", "pkg.a"]
    (package / "b.py").write_text("def later():\n    from . import a\n")
    assert find_cycle(import_graph(package)) is None
    (package / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n")
    assert find_cycle(import_graph(package)) is None, "an import only a type checker runs makes no cycle"
