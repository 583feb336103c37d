"""Grade one submission as production does: the one place tests do it.

Production never grades in the test's own process: Gradescope's entry point,
batch grading and the Otter plugin all start ``jaxgrade grade`` in a process
of its own through :func:`autograder.grader_process.run_grader`, with the
grader's own settings (64-bit mode off in the grader, on in the sandboxed
child). A check that silently relied on the test process's settings (the
reference computed in float32 when called outside ``reference64``) fails here
as it would in production.

Every end-to-end grading in the tests goes through :func:`grade_like_production`,
so a faster route (a long-lived grading worker, say) replaces it here alone.
"""
from __future__ import annotations

import os
from pathlib import Path

from autograder import vocabulary
from autograder.grader_process import GraderSettings, run_grader
from autograder.sandbox.reaper import become_subreaper

REPO_ROOT = Path(__file__).resolve().parents[2]


class GradingFailed(AssertionError):
    """The grader produced no complete results file; the message holds its log's tail."""


def grade_like_production(
    submission: Path, *, assignment: str, results_path: Path, budget: float = vocabulary.CALL_BUDGET_SECONDS,
    hidden_visibility: str = vocabulary.HIDDEN_VISIBILITY, hidden_feedback: str = vocabulary.HIDDEN_FEEDBACK,
    gpu_tier: bool = False, time_limit: float = 600,
) -> dict:
    """Grade ``submission`` with ``jaxgrade grade`` in its own process; the results file read back."""
    results_path = Path(results_path)
    settings = GraderSettings(
        assignment=assignment, budget=budget, hidden_visibility=hidden_visibility,
        hidden_feedback=hidden_feedback, gpu_tier=gpu_tier, time_limit=time_limit,
    )
    # This checkout's grader, whatever the test process's working directory.
    path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    # Anything the submission started that outlives the grader is re-parented to this
    # process, where tests/grading/processes.py finds it.
    become_subreaper()
    log_path = results_path.with_suffix(".log")
    with open(log_path, "wb") as log:
        run = run_grader(settings, submission=Path(submission), results_path=results_path, log=log,
                         env=dict(os.environ, PYTHONPATH=path))
    if run.results is None:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise GradingFailed(f"grading {submission} gave no results: {run.problem}\n--- grader log ---\n{tail}")
    return run.results
