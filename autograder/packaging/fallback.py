"""When a grading run gives no results: saying so in a results file.

Shared by every route (Gradescope's entry point, batch grading, the Otter
plugin). Standard library plus :mod:`autograder.results` and
:mod:`autograder.vocabulary` only, so it also runs under Gradescope's system
``python3`` when the grading environment itself is broken.

A crash results file lists the same checks, with the same visibility and the
same maximum score, as a normal grading in the same configuration would: the
gradebook's maximum does not depend on whether a row's grading crashed.
"""
from __future__ import annotations

from pathlib import Path

from autograder import results as results_mod
from autograder import vocabulary


def check_specs(assignment: str, *, hidden_visibility: str = vocabulary.HIDDEN_VISIBILITY,
                gpu_tier: bool = False) -> list:
    """(check, visibility) for each check a grading of this configuration includes.

    [] when the checks cannot even be loaded: the environment that would load
    them may be what failed.
    """
    try:
        from autograder.checks import load_registry

        checks = load_registry(assignment).for_grading(gpu_tier=gpu_tier).checks
    except Exception:
        return []
    return [(c, vocabulary.check_visibility(c.public, hidden_visibility)) for c in checks]


def write_crash_results(*, results_path: Path, assignment: str, message: str, extra_data: dict | None = None,
                        hidden_visibility: str = vocabulary.HIDDEN_VISIBILITY, gpu_tier: bool = False) -> dict:
    """A results file in which every check failed for one stated reason."""
    specs = check_specs(assignment, hidden_visibility=hidden_visibility, gpu_tier=gpu_tier)
    outcome = results_mod.crash_outcome(
        assignment=assignment, check_specs=specs, reason=message, extra_data=dict(extra_data or {})
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
