"""Grade one submission as production does: the one place tests do it.

Production never grades in the test's own process: Gradescope's entry point,
batch grading and the Otter plugin all start ``jaxgrade grade`` in a process
of its own through :func:`autograder.grader_process.run_grader`, with the
grader's own settings (64-bit mode off in the grader, on in the sandboxed
child). A check that silently relied on the test process's settings (the
reference computed in float32 when called outside ``reference64``) fails here
as it would in production.

Every end-to-end grading in the tests goes through :func:`grade_like_production`.
It grades in one long-lived grading worker per test process
(:class:`autograder.batch.worker.GradingWorker`, what ``grade-batch`` uses): the
worker runs exactly what ``jaxgrade grade`` runs, with a fresh sandboxed child per
submission, and pays for Python, JAX and the checks once instead of once per case.
"""
from __future__ import annotations

import atexit
import os
from pathlib import Path

from autograder import vocabulary
from autograder.batch.worker import GradingWorker
from autograder.grader_process import GraderSettings
from autograder.sandbox.reaper import become_subreaper

REPO_ROOT = Path(__file__).resolve().parents[2]


_worker: GradingWorker | None = None


def _grading_worker() -> GradingWorker:
    """This test process's long-lived grader, started on first use (this checkout's grader)."""
    global _worker
    if _worker is None:
        path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
        _worker = GradingWorker(env=dict(os.environ, PYTHONPATH=path), fallback=False)
        atexit.register(_worker.close)
    return _worker


def worker_pids() -> set[int]:
    """The grading worker's own process: a descendant of the tests that is not the submission's."""
    proc = _worker._proc if _worker is not None else None
    return {proc.pid} if proc is not None and proc.poll() is None else set()


class GradingFailed(AssertionError):
    """The grader produced no complete results file; the message holds its log's tail."""


def grade_like_production(
    submission: Path, *, assignment: str, results_path: Path, budget: float = vocabulary.CALL_BUDGET_SECONDS,
    hidden_visibility: str = vocabulary.HIDDEN_VISIBILITY, hidden_feedback: str = vocabulary.HIDDEN_FEEDBACK,
    gpu_tier: bool = False, time_limit: float = 600,
) -> dict:
    """Grade ``submission`` as ``jaxgrade grade`` does, in the grading worker; the results file read back."""
    results_path = Path(results_path)
    settings = GraderSettings(
        assignment=assignment, budget=budget, hidden_visibility=hidden_visibility,
        hidden_feedback=hidden_feedback, gpu_tier=gpu_tier, time_limit=time_limit,
    )
    # Anything the submission started that outlives the grader is re-parented to this
    # process (or to the worker, a subreaper too), where tests/grading/processes.py finds it.
    become_subreaper()
    log_path = results_path.with_suffix(".log")
    run = _grading_worker().grade(Path(submission), assignment, results_path, settings=settings, log_path=log_path)
    if run.results is None:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise GradingFailed(f"grading {submission} gave no results: {run.problem}\n--- grader log ---\n{tail}")
    return run.results
