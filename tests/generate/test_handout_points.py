"""Each handout's "How it is graded" lists every check with its points, from the registry."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder import catalog
from autograder.generate.grading_table import MARKER, with_points_table
from autograder.shipped import feedback

TEMPLATE = Path(__file__).resolve().parents[2] / "student_template"


@pytest.mark.parametrize("name", catalog.assignment_names())
def test_each_handout_lists_every_check_with_its_points(name):
    handout = (TEMPLATE / "handouts" / f"{name}.md").read_text(encoding="utf-8")
    graded = handout.split("## How it is graded", 1)[1]
    checks = catalog.get(name).registry().checks
    for check in checks:
        cell = check.name.replace("|", "\\|")
        row = next((line for line in graded.splitlines() if line.startswith(f"| {cell} |")), None)
        assert row is not None, f"{name}.md does not list {check.name!r}"
        assert f"| {check.points:g} |" in row
        assert ("**public**" in row) == check.public, row
    total = sum(c.points for c in checks if not c.gpu)
    assert f"| **{total:g}** |" in graded


def test_the_table_goes_at_the_marker_or_closes_how_it_is_graded():
    checks = catalog.get("grad_forces").registry().checks
    marked = with_points_table(f"# A\n\n## How it is graded\n\n{MARKER}\n\nAfter.\n", checks)
    assert MARKER not in marked and marked.index("| Check |") < marked.index("After.")
    closed = with_points_table("# A\n\n## How it is graded\n\nText.\n\n## Hints\n\nH.\n", checks)
    assert closed.index("Text.") < closed.index("| Check |") < closed.index("## Hints")


def test_a_missing_helper_module_gets_its_own_hint():
    for type_name, message in (("ModuleNotFoundError", "No module named 'helper'"),
                               ("ImportError", "cannot import name 'helper' from 'assignments' (unknown location)")):
        hint = feedback.explain_error(type_name, message)
        assert "upload helper.py too, or keep your helpers in the same file" in hint, hint
    assert "upload" not in feedback.explain_error("ModuleNotFoundError", "No module named 'scipy'")
