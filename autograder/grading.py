"""Grading one submission for one assignment, end to end.

Stage the student's files, start a sandboxed child, run every check of the
assignment against it, kill everything the submission started, and only then
write the results file. Whatever the submission does, a valid results file
comes out.
"""
from __future__ import annotations

import dataclasses
import importlib
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path

from . import results as results_mod
from .checking import framework
from .checks import load_registry
from .gpu_tier import GpuTier, devices_from_import_reply
from .notebook import describe_cell_errors
from .sandbox import Limits, describe_protections
from .sandbox.session import ChildCrashed, ChildError, ChildSession, StudentError
from .submission import SubmissionNotFound, read_student_source, stage_submission
from .verifier import Verifier, submission_digest, verifier_user, wanted_by
from .vocabulary import GRADING_BUDGETS, HIDDEN_FEEDBACK, HIDDEN_VISIBILITY, RUN_AS, check_visibility


def _visibility(check: framework.Check, hidden_visibility: str) -> str:
    return check_visibility(check.public, hidden_visibility)


def _run_check(check: framework.Check, ctx: framework.Context, visibility: str) -> results_mod.CheckResult:
    def result(score, output, status=None, max_score=check.points):
        return results_mod.CheckResult(
            name=check.name, score=score, max_score=max_score, output=output, visibility=visibility, tags=check.tags,
            status=status, check_id=check.id,
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
    run_as: str | None = RUN_AS,
    budget: float = framework.DEFAULT_BUDGET_SECONDS,
    hidden_visibility: str = HIDDEN_VISIBILITY,
    run_gpu_checks: bool = False,
    limits: Limits | None = None,
    gpu_scale: str = "full",
    hidden_feedback: str = HIDDEN_FEEDBACK,
) -> dict:
    """Grade ``submission`` for ``assignment`` and write Gradescope results to ``results_path``.

    ``run_gpu_checks``: the GPU tier is part of this grading (``--gpu``). Its checks then
    count in the maximum everywhere and run where the sandboxed child sees a GPU; without
    one they are reported not run (0 points, failed). Off, they are left out entirely.
    ``gpu_scale``: "reduced" runs the GPU tier at test size on any device (tests only).
    ``hidden_feedback``: what the always-visible summary says about the hidden checks
    (``vocabulary.HIDDEN_FEEDBACK_MODES``).
    """
    started = time.perf_counter()
    registry = load_registry(assignment).for_grading(gpu_tier=bool(run_gpu_checks))
    gpu_tier = GpuTier(scale=gpu_scale) if run_gpu_checks else None
    specs = [(c, _visibility(c, hidden_visibility)) for c in registry.checks]
    extra = {}
    with tempfile.TemporaryDirectory(prefix="jaxgrade-stage-") as stage_dir:
        try:
            staged = stage_submission(submission=Path(submission), module=assignment, dest=Path(stage_dir))
        except SubmissionNotFound as exc:
            outcome = results_mod.crash_outcome(
                assignment=assignment, check_specs=specs, reason=str(exc), extra_data=extra
            )
            return _finish(outcome, results_path, started)
        session = ChildSession(staged_dir=staged.package_root, limits=limits, run_as=run_as, gpu=gpu_tier is not None,
                               total_seconds=GRADING_BUDGETS * budget)  # slow calls add up to a bounded total
        # Exported programs are read and run only in this second confined process, started on first need.
        verifier = Verifier(run_as=verifier_user(run_as), seed_material=submission_digest(staged.package_root))
        try:
            outcome = _grade_staged(
                session=session,
                staged_source=read_student_source(staged, assignment),
                assignment=assignment,
                registry=registry,
                specs=specs,
                budget=budget,
                gpu_tier=gpu_tier,
                extra=extra,
                hidden_feedback=hidden_feedback,
                verifier=verifier,
            )
            if staged.notices:  # how the files were read: which one was graded, IPython syntax skipped
                outcome = dataclasses.replace(outcome, output=outcome.output + "\n\n" + "\n\n".join(staged.notices))
        finally:
            session.close()  # every process the submission started is gone before we write
            verifier.close()
        output_tail = session.output_tail()
        session.discard_output()
        if output_tail:
            outcome = dataclasses.replace(
                outcome, output=outcome.output + "\n\nWhat your code printed:\n" + output_tail
            )
        return _finish(outcome, results_path, started)


def _grade_staged(*, session, staged_source, assignment, registry, specs, budget, gpu_tier, extra,
                  hidden_feedback=HIDDEN_FEEDBACK, verifier=None):
    reference = importlib.import_module(f"solutions.{assignment}")
    ctx = framework.Context(
        assignment=assignment, session=session, reference=reference, source=staged_source, budget=budget,
        verifier=verifier,
    )
    if verifier is not None and wanted_by(registry):
        try:
            verifier.start()  # its JAX import overlaps the child's; programs arrive later
        except Exception:
            pass  # started again, and reported, when the first program needs it
    try:
        imported = _import_submission(session, assignment, budget)
    except (StudentError, ChildError) as exc:
        reason = f"Importing assignments.{assignment} failed, so no check could run.\n" + framework.explain_failure(exc)
        extra = dict(extra, protections=session.protections)
        return results_mod.crash_outcome(assignment=assignment, check_specs=specs, reason=reason, extra_data=extra)
    extra = dict(extra, protections=session.protections)
    cell_errors = describe_cell_errors(imported.get("cell_errors") or []) if isinstance(imported, dict) else ""
    print(describe_protections(session.protections))  # run_autograder's stdout: instructors only
    not_run_reason = None
    if gpu_tier is not None:
        gpu_tier = ctx.gpu_tier = dataclasses.replace(gpu_tier, devices=devices_from_import_reply(imported))
        not_run_reason = gpu_tier.not_run_reason()
        extra = dict(extra, gpu_tier=gpu_tier.describe())
    checks, not_run = [], 0
    for check, visibility in specs:
        if check.gpu and not_run_reason:  # in the maximum, never a pass: every row keeps the same total
            checks.append(
                results_mod.CheckResult(
                    name=check.name, score=0.0, max_score=check.points, visibility=visibility, tags=check.tags,
                    status="failed", output=not_run_reason, check_id=check.id,
                )
            )
            not_run += 1
            continue
        checks.append(_run_check(check, ctx, visibility))
    passed = sum(c.passed for c in checks)
    summary = f"{assignment}: {passed} of {len(checks)} checks passed."
    if not_run:
        summary += f" {not_run} GPU-tier check{'s' if not_run > 1 else ''} not run: no GPU visible inside the sandbox."
    closed = ctx.closed_gates()  # what to fix first: the properties of a non-solution do not count
    if closed:
        summary = "Fix first: " + closed[0] + "\n" + "\n".join(["Also: " + line for line in closed[1:]] + [summary])
    if cell_errors:
        summary += "\n\n" + cell_errors
    hidden = results_mod.hidden_summary(checks, hidden_feedback)  # visible before the hidden details are
    if hidden:
        summary += "\n\n" + hidden
    return results_mod.GradingOutcome(assignment=assignment, checks=checks, output=summary, extra_data=extra)


_RUNTIME_SIGNALS = ("SIGABRT", "SIGSEGV", "SIGBUS")  # how a runtime (XLA, glibc) dies when a thread or lock fails


def _import_submission(session, assignment: str, budget: float):
    """Import the submission in the child; one retry in a fresh child when the runtime, not the code, died.

    A child killed by an abort or a fault while importing, with no traceback on its
    stderr, points at the machine (a thread XLA could not start) rather than at the
    submission: it is retried once, and the log says so. Twice is reported as such.
    """
    request = {"op": "import", "module": assignment}
    # Starting the child pays for Python and JAX imports before the student's own
    # import runs; on a loaded machine that alone can take seconds, so allow double.
    try:
        return session.request(request, timeout=2 * budget)
    except ChildCrashed as exc:
        tail = session.output_tail()  # before a fresh child replaces it
        runtime = _runtime_death(exc, tail)
        _log_import_death(assignment, exc, tail, "retrying once in a fresh child" if runtime else "not retried")
        if not runtime:
            raise
    try:
        return session.request(request, timeout=2 * budget)
    except ChildCrashed as again:
        tail = session.output_tail()
        _log_import_death(assignment, again, tail, "on the retry too")
        if _runtime_death(again, tail):
            raise ChildCrashed(f"{again}, twice, each time in a fresh process, before any of your code "
                               "raised an error; your instructor has the details") from None
        raise


def _runtime_death(exc: ChildCrashed, tail: str) -> bool:
    match = re.search(r"killed by (SIG[A-Z]+)", str(exc))
    return bool(match) and match.group(1) in _RUNTIME_SIGNALS and "Traceback (most recent call last)" not in tail


def _log_import_death(assignment: str, exc: ChildCrashed, tail: str, what: str) -> None:
    # The grader's stderr is for instructors only (Gradescope's autograder output).
    print(f"grader: the child died importing assignments.{assignment}: {exc}; {what}.\n"
          f"{tail or '(it printed nothing)'}", file=sys.stderr, flush=True)


def _finish(outcome: results_mod.GradingOutcome, results_path: Path, started: float) -> dict:
    # The most a grading can award is read from its tests (results.possible_score), never
    # written twice: GPU-tier checks that did not run still carry their max_score there.
    outcome = dataclasses.replace(outcome, execution_time=time.perf_counter() - started)
    data = results_mod.build_results(outcome)
    results_mod.write_results(Path(results_path), data)
    return data
