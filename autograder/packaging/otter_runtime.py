"""Runs inside Otter's kernel: each Otter test reads its own jaxgrade check here.

The student's file never runs in this kernel: the zip's Otter plugin
(:mod:`.otter_plugin`) grades it with the real grader in a separate process,
where the student's functions run only inside jaxgrade's sandbox, and has
Otter execute a placeholder instead. The plugin leaves the results in
``<autograder>/results/jaxgrade-results.json``; every test file then reads its
check from there. So an Otter score is the jaxgrade score by construction,
partial credit included (and the plugin sets the scores again after the
tests, from the same file).

Standard library only (plus :mod:`autograder.results`): the kernel has the
grader's dependencies, but nothing here should need them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder import results as results_mod

GRADER_ROOT = Path(__file__).resolve().parents[2]  # <autograder>/source/jaxgrade
RESULTS_NAME = "jaxgrade-results.json"


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    score: float
    max_score: float
    message: str

    @property
    def earned(self) -> float:
        return float(self.score)

    @property
    def missed(self) -> float:
        return float(self.max_score) - float(self.score)


def results_path(autograder_dir: Path) -> Path:
    """Where the plugin leaves jaxgrade's results for the test files."""
    return Path(autograder_dir) / "results" / RESULTS_NAME


def graded_results(assignment: str) -> dict:
    """The jaxgrade results the plugin wrote for the submitted file."""
    path = results_path(GRADER_ROOT.parents[1])
    data = results_mod.read_results(path, assignment=assignment)
    if data is None:
        raise RuntimeError(f"no complete jaxgrade results for {assignment} at {path}")
    return data


def check_outcome(*, assignment: str, check_id: str, max_score: float) -> CheckOutcome:
    """The score and message of the check ``check_id``; a grader failure scores 0 and says why."""
    try:
        tests = results_mod.by_check(graded_results(assignment))
    except Exception as exc:  # anything that stops grading must cost only points, never the run
        return CheckOutcome(check_id, 0.0, max_score, f"The autograder could not grade this file: {exc}")
    test = tests.get(check_id)
    if test is None:
        return CheckOutcome(check_id, 0.0, max_score, "The grader did not report this check; tell your instructor.")
    message = f"{test.get('name', check_id)}\n{test.get('output', '')}"  # the title students know it by
    return CheckOutcome(check_id, float(test["score"]), float(test["max_score"]), message)
