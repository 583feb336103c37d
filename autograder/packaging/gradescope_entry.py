"""What Gradescope's ``run_autograder`` runs for every submission.

``jaxgrade grade`` runs in a process of its own, so that whatever goes wrong
inside the grader (an exception, an out-of-memory kill, running past the time
limit) still ends with a valid ``results.json`` that says what happened.

Only the standard library, :mod:`autograder.grader_process` (the one launcher
every route uses) and :mod:`.fallback` are imported up front:
when the grading environment itself is broken, ``run_autograder`` calls
``--failure`` with the system ``python3`` (3.10 on Gradescope's image), and
that path must still work there.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from autograder import vocabulary
from autograder.grader_process import GraderSettings, run_grader
from autograder.packaging import fallback


def read_metadata(root: Path) -> dict:
    """Gradescope's submission_metadata.json, or {} when absent or unreadable."""
    try:
        data = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def describe_submission(metadata: dict, assignment: str) -> str:
    """One line for the autograder log, e.g. 'Grading "HW 1" (grad_forces) for Ada <ada@uni>'."""
    assignment_info = metadata.get("assignment") if isinstance(metadata.get("assignment"), dict) else {}
    title = assignment_info.get("title") or assignment
    people = [
        f"{user.get('name', '?')} <{user.get('email', '?')}>"
        for user in metadata.get("users", [])
        if isinstance(user, dict)
    ]
    line = f'Grading "{title}" ({assignment})'
    if people:
        line += " for " + ", ".join(people)
    if metadata.get("created_at"):
        line += f", submitted {metadata['created_at']}"
    return line


def write_failure(settings: GraderSettings, *, results_path: Path, reason: str, message: str) -> None:
    """Every check failed, each with ``message``; ``reason`` goes to the log and extra_data."""
    print(f"jaxgrade: {reason}", file=sys.stderr)
    fallback.write_crash_results(
        results_path=results_path, assignment=settings.assignment, message=message,
        extra_data={"autograder_failure": reason}, hidden_visibility=settings.hidden_visibility,
        gpu_tier=settings.gpu_tier,
    )


def grade(settings: GraderSettings, root: Path) -> None:
    """Grade ``root/submission`` into ``root/results/results.json``; a failure there says why."""
    results_path = root / "results" / "results.json"
    run = run_grader(settings, submission=root / "submission", results_path=results_path)
    if run.results is not None:
        return
    message = (fallback.time_limit_message(settings.time_limit) if run.timed_out
               else fallback.autograder_failure_message(run.problem))
    write_failure(settings, results_path=results_path, reason=run.problem, message=message)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="Gradescope's /autograder (or a stand-in).")
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--run-as", default=vocabulary.GRADESCOPE_RUN_AS)
    parser.add_argument("--time-limit", type=float, default=float(vocabulary.GRADESCOPE_TIME_LIMIT_SECONDS))
    parser.add_argument("--hidden-visibility", default=vocabulary.HIDDEN_VISIBILITY, choices=vocabulary.VISIBILITIES)
    parser.add_argument("--hidden-feedback", default=vocabulary.HIDDEN_FEEDBACK,
                        choices=vocabulary.HIDDEN_FEEDBACK_MODES)
    parser.add_argument("--gpu", action="store_true", help="The GPU-tier checks count.")
    parser.add_argument("--failure", help="Only write a results file that reports this failure.")
    args = parser.parse_args(argv)

    settings = GraderSettings(
        assignment=args.assignment, run_as=args.run_as, time_limit=args.time_limit,
        hidden_visibility=args.hidden_visibility, hidden_feedback=args.hidden_feedback, gpu_tier=args.gpu,
    )
    if args.failure:
        write_failure(settings, results_path=args.root / "results" / "results.json", reason=args.failure,
                      message=fallback.autograder_failure_message(args.failure))
        return 0
    print(describe_submission(read_metadata(args.root), args.assignment), flush=True)
    started = time.monotonic()
    try:
        grade(settings, args.root)
    finally:
        print(f"Grading took {time.monotonic() - started:.1f} s.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
