"""A child that dies at import with no sign of the submission at fault is retried once.

An abort inside the runtime (XLA failing to start a thread on a busy machine)
must not cost a correct submission its points; a submission that aborts in
every fresh child is reported as such, and the instructor's log keeps what
the child printed.
"""
from __future__ import annotations

import json

import pytest

from autograder.grading import _runtime_death
from autograder.sandbox.session import ChildCrashed

ABORT = ChildCrashed("the process running your code was killed by SIGABRT")


def test_an_abort_without_a_traceback_is_the_runtimes():
    assert _runtime_death(ABORT, "F external/xla/...: pthread_create failed: Resource temporarily unavailable")


def test_a_traceback_or_a_kill_points_at_the_submission():
    assert not _runtime_death(ABORT, 'Traceback (most recent call last):\n  File "grad_forces.py", line 3')
    assert not _runtime_death(ChildCrashed("the process running your code was killed by SIGKILL (often: ...)"), "")
    assert not _runtime_death(ChildCrashed("the process running your code exited with status 3"), "")


@pytest.mark.slow
def test_a_submission_that_aborts_at_every_import_is_retried_once_then_reported(tmp_path, capsys):
    from autograder.grading import grade_submission

    package = tmp_path / "submission" / "assignments"
    package.mkdir(parents=True)
    (package / "grad_forces.py").write_text("import os\n\nos.abort()\n")
    results = grade_submission(submission=tmp_path / "submission", assignment="grad_forces",
                               results_path=tmp_path / "results.json", run_gpu_checks=False)
    log = capsys.readouterr().err
    assert log.count("the child died importing assignments.grad_forces") == 2, log
    assert "retrying once in a fresh child" in log and "on the retry too" in log, log
    assert results["score"] == 0
    assert "SIGABRT, twice" in results["output"], results["output"]
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 0
