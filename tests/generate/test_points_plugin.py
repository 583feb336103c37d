"""The points a local run puts at stake (the template's tests/jaxgrade_points.py plugin)."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from autograder import catalog
from autograder.checks import load_registry

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "student_template" / "tests"


def _plugin():
    spec = importlib.util.spec_from_file_location("jaxgrade_points_under_test", TESTS / "jaxgrade_points.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PLUGIN = _plugin()
POINTS = json.loads((TESTS / "jaxgrade_points.json").read_text())


@pytest.mark.parametrize("assignment", catalog.assignment_names())
def test_points_are_the_registrys_and_every_link_resolves(assignment):
    registry = load_registry(assignment)
    table = POINTS[assignment]
    assert table["total"] == sum(check.points for check in registry.checks if not check.gpu)
    for check in registry.checks:
        by_title = PLUGIN.find_check(assignment, check.name, POINTS)
        by_id = PLUGIN.find_check(assignment, check.fn.__name__, POINTS)
        if not check.gpu:
            assert by_title == by_id and by_title["points"] == check.points and by_title["public"] == check.public
    source = (TESTS / f"test_{assignment}.py").read_text(encoding="utf-8")
    for link in re.findall(r'@graded_as\("([^"]+)"\)', source):
        assert PLUGIN.find_check(assignment, link, POINTS) is not None, link


def test_the_summary_counts_public_points_earned_and_the_graders_share():
    public = [c for c in POINTS["grad_forces"]["checks"] if c["public"]]
    outcomes = {("grad_forces", public[0]["id"]): [True], ("grad_forces", public[1]["id"]): [True, False]}
    public_total = sum(c["points"] for c in public)
    hidden = POINTS["grad_forces"]["total"] - public_total
    assert PLUGIN.summary_lines(POINTS, outcomes) == [
        f"grad_forces: {public[0]['points']:g} / {public_total:g} public points; "
        f"{hidden:g} more points are checked only by the grader"
    ]
    assert PLUGIN.summary_lines(POINTS, {}) == []  # nothing ran, nothing said


def test_classroom_counts_each_public_check_at_its_points():
    public = [c for c in POINTS["hmc"]["checks"] if c["public"]]
    outcomes = {("hmc", public[0]["id"]): [True]}
    result = PLUGIN.classroom_result("hmc", POINTS, outcomes)
    assert result["max_score"] == sum(c["points"] for c in public)
    assert [t["score"] for t in result["tests"]] == [public[0]["points"]] + [0] * (len(public) - 1)
    assert result["status"] == "fail"
