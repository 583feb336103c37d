"""When a grading run gives no results: stopping it, and saying so in a results file.

Shared by Gradescope's entry point and batch grading. Standard library plus
:mod:`autograder.results` only, so it also runs under Gradescope's system
``python3`` when the grading environment itself is broken.
"""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from autograder import results as results_mod

GRACE_SECONDS = 20  # after an interrupt, time for the grader to kill its child and exit


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


def check_specs(assignment: str) -> list:
    """(check, visibility) pairs, or [] when the checks cannot even be loaded."""
    try:
        from autograder.checks import load_registry
        from autograder.grading import HIDDEN_VISIBILITY

        return [(c, "visible" if c.public else HIDDEN_VISIBILITY) for c in load_registry(assignment).checks]
    except Exception:  # the environment that would load them may be what failed
        return []


def write_crash_results(*, results_path: Path, assignment: str, message: str, extra_data: dict | None = None) -> dict:
    """A results file in which every check failed for one stated reason."""
    outcome = results_mod.crash_outcome(
        assignment=assignment, check_specs=check_specs(assignment), reason=message, extra_data=dict(extra_data or {})
    )
    data = results_mod.build_results(outcome)
    results_mod.write_results(Path(results_path), data)
    return data


def autograder_failure_message(reason: str) -> str:
    """For a failure of the autograder, not of the submission."""
    return (
        f"The autograder could not finish grading this submission: {reason}.\n"
        "This says nothing about your code. Please tell your instructor, who can see the "
        "details in the autograder's log, and resubmit once they say so."
    )


def time_limit_message(seconds: float) -> str:
    """For a grading stopped at the time limit: most often the submission is too slow."""
    return (
        f"Grading this submission took longer than the {seconds:.0f} s allowed, so it was stopped "
        "before any result could be recorded. The usual cause is code that runs or compiles for a very "
        "long time: a Python loop that jax.jit unrolls over many steps (use lax.scan or "
        "lax.fori_loop), or a loop that never ends for some inputs. Check that the public tests finish "
        "quickly on your machine; if they do, tell your instructor."
    )
