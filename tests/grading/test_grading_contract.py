"""The promises `jaxgrade grade` makes whatever the submission: deterministic
results, a valid file at the path asked for, exit status 0, and no free points."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.checks import ASSIGNMENTS
from autograder.grading import grade_submission

ROOT = Path(__file__).resolve().parents[2]
CORRECT = sorted((ROOT / "tests" / "corpus" / "correct" / "grad_forces").glob("*/expect.json"))[0].parent


def _checks(results: dict) -> list:
    return [(t["name"], t["score"], t["max_score"], t["status"], t["output"]) for t in results["tests"]]


@pytest.mark.slow
def test_the_same_submission_gets_the_same_results_every_run(tmp_path):
    first = grade_submission(submission=CORRECT, assignment="grad_forces", results_path=tmp_path / "a.json", run_gpu_checks=False)
    second = grade_submission(submission=CORRECT, assignment="grad_forces", results_path=tmp_path / "b.json", run_gpu_checks=False)
    assert _checks(first) == _checks(second)
    assert first["score"] == second["score"] == sum(t["max_score"] for t in first["tests"])


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_an_unchanged_stub_scores_zero(assignment, tmp_path):
    stub = tmp_path / "submission" / "assignments"
    stub.mkdir(parents=True)
    (stub / f"{assignment}.py").write_text((ROOT / "assignments" / f"{assignment}.py").read_text())
    results = grade_submission(submission=stub.parent, assignment=assignment, results_path=tmp_path / "r.json", run_gpu_checks=False)
    assert results["score"] == 0
    # Checks that call the stub say so; structural checks may explain themselves otherwise.
    assert any("Not implemented yet" in t["output"] for t in results["tests"]), [t["output"][:200] for t in results["tests"]]


@pytest.mark.slow
def test_cli_exits_zero_and_replaces_a_stale_results_folder(tmp_path):
    results_path = tmp_path / "results.json"
    results_path.mkdir()  # stale folder where the file should go
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(empty), "-a", "grad_forces", "--results", str(results_path)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(results_path.read_text())
    assert results["score"] == 0 and "Could not find grad_forces.py" in results["tests"][0]["output"]


def test_cli_exits_nonzero_when_the_grader_itself_fails(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(tmp_path), "-a", "grad_forces", "--results", "/proc/forbidden/results.json"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode != 0 and "grading failed" in done.stderr
