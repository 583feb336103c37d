"""Grading one submission for one assignment, end to end.

Stage the student's files, start a sandboxed child, run every check of the
assignment against it, kill everything the submission started, and only then
write the results file. Whatever the submission does, a valid results file
comes out.
"""
from __future__ import annotations

import dataclasses
import importlib
import sys
import tempfile
import time
import traceback
from pathlib import Path

from . import results as results_mod
from .checks import framework, load_registry
from .sandbox import Limits, describe_protections
from .sandbox.session import ChildError, ChildSession, StudentError
from .submission import SubmissionNotFound, read_student_source, stage_submission

HIDDEN_VISIBILITY = "after_published"


def _gpu_available() -> bool:
    import jax

    return any(d.platform == "gpu" for d in jax.devices())


def _visibility(check: framework.Check, hidden_visibility: str) -> str:
    return "visible" if check.public else hidden_visibility


def _run_check(check: framework.Check, ctx: framework.Context, visibility: str) -> results_mod.CheckResult:
    def result(score, output, status=None, max_score=check.points):
        return results_mod.CheckResult(
            name=check.name, score=score, max_score=max_score, output=output, visibility=visibility, tags=check.tags, status=status
        )

    try:
        outcome = check.fn(ctx)
    except (framework.Fail, StudentError, ChildError) as exc:
        return result(0.0, framework.explain_failure(exc))
    except Exception:  # a bug in the grader, not the student's fault: say so plainly
        print(f"grader error in check {check.name!r}:\n{traceback.format_exc()}", file=sys.stderr)
        return result(0.0, "The grader itself failed on this check; your instructor has the details.")
    if isinstance(outcome, framework.Partial):
        fraction = min(max(outcome.fraction, 0.0), 1.0)
        return result(check.points * fraction, outcome.message)
    return result(check.points, outcome or "Passed.")


def grade_submission(
    *,
    submission: Path,
    assignment: str,
    results_path: Path,
    run_as: str | None = "nobody",
    budget: float = framework.DEFAULT_BUDGET_SECONDS,
    hidden_visibility: str = HIDDEN_VISIBILITY,
    run_gpu_checks: bool | None = None,
    limits: Limits | None = None,
) -> dict:
    """Grade ``submission`` for ``assignment`` and write Gradescope results to ``results_path``."""
    started = time.perf_counter()
    registry = load_registry(assignment)
    specs = [(c, _visibility(c, hidden_visibility)) for c in registry.checks]
    extra = {}
    with tempfile.TemporaryDirectory(prefix="jaxgrade-stage-") as stage_dir:
        try:
            staged = stage_submission(submission=Path(submission), module=assignment, dest=Path(stage_dir))
        except SubmissionNotFound as exc:
            outcome = results_mod.crash_outcome(assignment=assignment, check_specs=specs, reason=str(exc), extra_data=extra)
            return _finish(outcome, results_path, started)
        session = ChildSession(staged_dir=staged.package_root, limits=limits, run_as=run_as)
        try:
            outcome = _grade_staged(
                session=session,
                staged_source=read_student_source(staged, assignment),
                assignment=assignment,
                registry=registry,
                specs=specs,
                budget=budget,
                run_gpu_checks=_gpu_available() if run_gpu_checks is None else run_gpu_checks,
                extra=extra,
            )
        finally:
            session.close()  # every process the submission started is gone before we write
        output_tail = session.output_tail()
        session.discard_output()
        if output_tail:
            outcome = dataclasses.replace(outcome, output=outcome.output + "\n\nWhat your code printed:\n" + output_tail)
        return _finish(outcome, results_path, started)


def _grade_staged(*, session, staged_source, assignment, registry, specs, budget, run_gpu_checks, extra):
    reference = importlib.import_module(f"solutions.{assignment}")
    ctx = framework.Context(assignment=assignment, session=session, reference=reference, source=staged_source, budget=budget)
    try:
        # Starting the child pays for Python and JAX imports before the student's own
        # import runs; on a loaded machine that alone can take seconds, so allow double.
        session.request({"op": "import", "module": assignment}, timeout=2 * budget)
    except (StudentError, ChildError) as exc:
        reason = f"Importing assignments.{assignment} failed, so no check could run.\n" + framework.explain_failure(exc)
        extra = dict(extra, protections=session.protections)
        return results_mod.crash_outcome(assignment=assignment, check_specs=specs, reason=reason, extra_data=extra)
    extra = dict(extra, protections=session.protections)
    print(describe_protections(session.protections))  # run_autograder's stdout: instructors only
    checks = []
    for check, visibility in specs:
        if check.gpu and not run_gpu_checks:
            checks.append(
                results_mod.CheckResult(
                    name=check.name, score=0.0, max_score=0.0, visibility=visibility, tags=check.tags, status="passed",
                    output="Skipped: this runner has no GPU, so this GPU-tier check did not run and carries no points here.",
                )
            )
            continue
        checks.append(_run_check(check, ctx, visibility))
    passed = sum(c.passed for c in checks)
    summary = f"{assignment}: {passed} of {len(checks)} checks passed."
    return results_mod.GradingOutcome(assignment=assignment, checks=checks, output=summary, extra_data=extra)


def _finish(outcome: results_mod.GradingOutcome, results_path: Path, started: float) -> dict:
    outcome = dataclasses.replace(
        outcome,
        execution_time=time.perf_counter() - started,
        # The most this runner could award: GPU-tier checks it skipped carry no points here.
        extra_data=dict(outcome.extra_data, max_score=sum(c.max_score for c in outcome.checks)),
    )
    data = results_mod.build_results(outcome)
    results_mod.write_results(Path(results_path), data)
    return data
