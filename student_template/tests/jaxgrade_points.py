"""The points at stake in a local run: a pytest plugin of the public tests.

A public test marked ``graded_as(check)`` runs the same verdict as that graded
check, so its result tells what the check will score. This plugin adds the
check's points to each failing test's report, and ends a run with one line per
assignment, e.g.::

    grad_forces: 7 / 10 public points; 6 more points are checked only by the grader

The points come from ``jaxgrade_points.json``, which the course's
``jaxgrade regenerate`` writes from the grader's own check registry (the same
numbers as each handout's "How it is graded" table). A check is linked by
what ``graded_as`` receives: its identifier or its title.
"""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

POINTS_FILE = Path(__file__).with_name("jaxgrade_points.json")
CLASSROOM_VARIABLE = "JAXGRADE_CLASSROOM"
"""Set to an assignment's name in GitHub Actions: the run then reports that assignment's public
points to GitHub Classroom's autograding reporter (the step output ``result``)."""


def load_points() -> dict:
    """``{assignment: {"total": points, "checks": [{"id", "title", "points", "public"}, ...]}}``."""
    return json.loads(POINTS_FILE.read_text(encoding="utf-8"))


def find_check(assignment: str, link: str, points: dict) -> dict | None:
    """The check of ``assignment`` that ``graded_as(link)`` names: by identifier or by title."""
    for check in points.get(assignment, {}).get("checks", []):
        if link in (check["id"], check["title"]):
            return check
    return None


def assignment_of(item) -> str | None:
    """``grad_forces`` for tests/test_grad_forces.py."""
    stem = Path(str(item.fspath)).stem
    return stem[len("test_"):] if stem.startswith("test_") else None


def linked_check(item, points: dict) -> dict | None:
    link = getattr(getattr(item, "function", None), "graded_check", None)
    assignment = assignment_of(item)
    return find_check(assignment, link, points) if link and assignment else None


def at_stake_line(assignment: str, check: dict, total: float) -> str:
    """What a failing linked test puts at stake, e.g. ``[1.5 of hmc's 10 points at stake]``."""
    return f"[{check['points']:g} of {assignment}'s {total:g} points at stake]"


def summary_lines(points: dict, outcomes: dict) -> list[str]:
    """One line per assignment that ran: public points earned, and what only the grader checks.

    ``outcomes``: ``{(assignment, check id): [passed, ...]}`` over the linked tests that ran.
    """
    lines = []
    for assignment, table in points.items():
        public = [check for check in table["checks"] if check["public"]]
        ran = [check for check in public if (assignment, check["id"]) in outcomes]
        if not ran:
            continue
        earned = sum(check["points"] for check in ran if all(outcomes[(assignment, check["id"])]))
        public_total = sum(check["points"] for check in public)
        hidden = table["total"] - public_total
        line = (
            f"{assignment}: {earned:g} / {public_total:g} public points; "
            f"{hidden:g} more points are checked only by the grader"
        )
        if len(ran) < len(public):
            line += f" (only {len(ran)} of the {len(public)} public checks ran)"
        lines.append(line)
    return lines


def classroom_result(assignment: str, points: dict, outcomes: dict) -> dict:
    """The public checks of ``assignment`` as GitHub Classroom's autograding reporter reads them.

    One test per public check, worth its points in the handout's table; ``max_score`` is the
    assignment's public points (the rest is graded by the autograder). A check whose tests did
    not all run and pass scores 0.
    """
    tests = []
    for check in points[assignment]["checks"]:
        if not check["public"]:
            continue
        results = outcomes.get((assignment, check["id"]), [])
        passed = bool(results) and all(results)
        tests.append({
            "name": check["title"], "status": "pass" if passed else "fail",
            "score": check["points"] if passed else 0, "max_score": check["points"],
            "message": "" if passed else "Run the public tests locally: they say what to fix.",
            "line_no": 0, "test_code": f"python -m pytest tests/test_{assignment}.py",
        })
    status = "pass" if tests and all(test["status"] == "pass" for test in tests) else "fail"
    return {"version": 1, "status": status, "max_score": sum(test["max_score"] for test in tests), "tests": tests}


class PointsPlugin:
    """Collects the linked tests' outcomes; reports points per failing test and per assignment."""

    def __init__(self):
        self.points = load_points()
        self.outcomes: dict[tuple[str, str], list[bool]] = {}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        check = linked_check(item, self.points)
        if check is None:
            return report
        # A test counts once: by its call, or by a setup that failed or skipped (then no call follows).
        if report.when == "call" or (report.when == "setup" and not report.passed):
            passed = report.when == "call" and report.passed
            self.outcomes.setdefault((assignment_of(item), check["id"]), []).append(passed)
        if report.failed:
            assignment = assignment_of(item)
            report.sections.append(("points", at_stake_line(assignment, check, self.points[assignment]["total"])))
        return report

    def pytest_terminal_summary(self, terminalreporter):
        lines = summary_lines(self.points, self.outcomes)
        if lines:
            terminalreporter.section("points at stake")
            for line in lines:
                terminalreporter.write_line(line)

    def pytest_sessionfinish(self, session):
        assignment, output = os.environ.get(CLASSROOM_VARIABLE), os.environ.get("GITHUB_OUTPUT")
        if assignment in self.points and output:
            result = json.dumps(classroom_result(assignment, self.points, self.outcomes))
            with open(output, "a", encoding="utf-8") as step_output:
                step_output.write(f"result={base64.b64encode(result.encode()).decode()}\n")


def register(config) -> None:
    """Called from conftest.py's ``pytest_configure``."""
    if not config.pluginmanager.has_plugin("jaxgrade_points"):
        config.pluginmanager.register(PointsPlugin(), "jaxgrade_points")
