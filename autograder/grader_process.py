"""The grader process: every route starts, supervises and reads ``jaxgrade grade`` here.

Gradescope's entry point, batch grading and the Otter plugin all grade a
submission the same way: ``python -m autograder.cli grade`` in a process of
its own and a session of its own, stopped at a time limit, and then its
results file read back. Whatever went wrong (a time-out, a signal, an exit
status, a missing or incomplete results file) comes back as one sentence in
:attr:`GraderRun.problem`; the caller decides what a student sees.

Standard library plus :mod:`autograder.results` and :mod:`autograder.vocabulary`
only: Gradescope's system ``python3`` imports this module (through the entry
point) when the grading environment itself is broken.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from autograder import results as results_mod
from autograder import vocabulary

GRACE_SECONDS = 20  # after an interrupt, time for the grader to kill its child and exit


@dataclass(frozen=True)
class GraderSettings:
    """How one deployment grades: the same for every submission it sees."""

    assignment: str
    run_as: str | None = vocabulary.RUN_AS  # None or "": keep the grader's user
    budget: float = vocabulary.CALL_BUDGET_SECONDS
    hidden_visibility: str = vocabulary.HIDDEN_VISIBILITY
    hidden_feedback: str = vocabulary.HIDDEN_FEEDBACK  # the visible summary of hidden checks
    gpu_tier: bool = False  # the GPU-tier checks count (the instructor's choice)
    time_limit: float = vocabulary.GRADESCOPE_TIME_LIMIT_SECONDS


@dataclass(frozen=True)
class GraderRun:
    """What one grading left: complete results, or the reason there are none."""

    results: dict | None
    problem: str | None = None  # for the log: why there are no results
    timed_out: bool = False


def grader_argv(settings: GraderSettings, *, submission: Path, results_path: Path,
                python: str = sys.executable) -> list[str]:
    """The command line of ``jaxgrade grade`` for one submission folder."""
    argv = [
        python, "-m", "autograder.cli", "grade", str(submission), "-a", settings.assignment,
        "--results", str(results_path), "--run-as", settings.run_as or "",
        "--budget", repr(float(settings.budget)), "--hidden-visibility", settings.hidden_visibility,
        "--hidden-feedback", settings.hidden_feedback,
    ]
    return argv + (["--gpu"] if settings.gpu_tier else [])


def stop_grader(grader: subprocess.Popen) -> None:
    """Interrupt the grader's session first (it then kills its sandboxed child), then kill it.

    ``grader`` must have been started with ``start_new_session=True``.
    """
    for sig, wait in ((signal.SIGINT, GRACE_SECONDS), (signal.SIGKILL, 5)):
        try:
            os.killpg(grader.pid, sig)
        except ProcessLookupError:
            return
        try:
            grader.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_grader(
    settings: GraderSettings,
    *,
    submission: Path,
    results_path: Path,
    python: str = sys.executable,
    log: IO[bytes] | None = None,
    env: dict | None = None,
    check_ids: list[str] | None = None,
) -> GraderRun:
    """Grade ``submission`` into ``results_path`` and read the results back.

    ``log``: where the grader's output goes (None: this process's own stdout
    and stderr). ``env``: the grader's environment (None: this process's).
    ``check_ids``: when given, results must list exactly these checks (identifiers).
    """
    results_path = Path(results_path)
    results_path.unlink(missing_ok=True)  # a stale file must never pass for this grading's
    argv = grader_argv(settings, submission=submission, results_path=results_path, python=python)
    # A session of its own, so that a time-out can interrupt the grader and
    # everything under it without touching this process.
    output = {} if log is None else {"stdout": log, "stderr": subprocess.STDOUT}
    grader = subprocess.Popen(argv, stdin=subprocess.DEVNULL, env=env, start_new_session=True, **output)
    try:
        code = grader.wait(timeout=settings.time_limit)
    except subprocess.TimeoutExpired:
        stop_grader(grader)
        return GraderRun(None, f"grading took longer than {settings.time_limit:.0f} s", timed_out=True)
    if code < 0:
        return GraderRun(None, f"the grader was killed by signal {-code} (out of memory is the usual cause)")
    if code != 0:
        return GraderRun(None, f"the grader stopped with exit status {code}")
    data = results_mod.read_results(results_path, assignment=settings.assignment, check_ids=check_ids)
    if data is None:
        return GraderRun(None, "the grader finished without a complete results file")
    return GraderRun(data)
