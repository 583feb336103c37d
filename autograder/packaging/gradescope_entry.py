"""What Gradescope's ``run_autograder`` runs for every submission.

``jaxgrade grade`` runs in a process of its own, so that whatever goes wrong
inside the grader (an exception, an out-of-memory kill, running past the time
limit) still ends with a valid ``results.json`` that says what happened.

Only the standard library and :mod:`.fallback` are imported up front:
when the grading environment itself is broken, ``run_autograder`` calls
``--failure`` with the system ``python3`` (3.10 on Gradescope's image), and
that path must still work there.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

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


class GradingStopped(Exception):
    """The grader did not finish; ``message`` is for the student, ``reason`` for the log."""

    def __init__(self, reason: str, message: str):
        super().__init__(reason)
        self.reason, self.message = reason, message


def run_grader(*, python: str, root: Path, assignment: str, run_as: str, time_limit: float,
               hidden_visibility: str = "after_published") -> None:
    """Run ``jaxgrade grade``; raise GradingStopped if it did not finish."""
    argv = [
        python, "-m", "autograder.cli", "grade", str(root / "submission"),
        "-a", assignment, "--results", str(root / "results" / "results.json"), "--run-as", run_as,
        "--hidden-visibility", hidden_visibility,
    ]
    # A session of its own, so that a time-out can interrupt the grader and
    # everything under it without touching this process.
    grader = subprocess.Popen(argv, start_new_session=True)
    try:
        code = grader.wait(timeout=time_limit)
    except subprocess.TimeoutExpired:
        fallback.stop_grader(grader)
        reason = f"grading took longer than the {time_limit:.0f} s this autograder allows"
        raise GradingStopped(reason, fallback.time_limit_message(time_limit)) from None
    if code != 0:
        reason = (f"the grader was killed by signal {-code} (out of memory is the usual cause)" if code < 0
                  else f"the grader stopped with exit status {code}")
        raise GradingStopped(reason, fallback.autograder_failure_message(reason))


def results_are_valid(path: Path) -> bool:
    """A results file Gradescope can read: a JSON object with a score or scored tests."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    tests = data.get("tests", [])
    if not isinstance(tests, list) or not all(isinstance(t, dict) for t in tests):
        return False
    return "score" in data or bool(tests) and all("score" in t for t in tests)


def write_failure(*, results_path: Path, assignment: str, reason: str, message: str) -> None:
    """Every check failed, each with ``message``; ``reason`` goes to the log and extra_data."""
    print(f"jaxgrade: {reason}", file=sys.stderr)
    fallback.write_crash_results(
        results_path=results_path, assignment=assignment, message=message, extra_data={"autograder_failure": reason}
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="Gradescope's /autograder (or a stand-in).")
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--run-as", default="student")
    parser.add_argument("--time-limit", type=float, default=540.0)
    parser.add_argument("--hidden-visibility", default="after_published")
    parser.add_argument("--failure", help="Only write a results file that reports this failure.")
    args = parser.parse_args(argv)

    results_path = args.root / "results" / "results.json"
    if args.failure:
        write_failure(results_path=results_path, assignment=args.assignment, reason=args.failure,
                      message=fallback.autograder_failure_message(args.failure))
        return 0
    print(describe_submission(read_metadata(args.root), args.assignment), flush=True)
    started = time.monotonic()
    try:
        run_grader(
            python=sys.executable, root=args.root, assignment=args.assignment,
            run_as=args.run_as, time_limit=args.time_limit, hidden_visibility=args.hidden_visibility,
        )
        if not results_are_valid(results_path):
            reason = "the grader finished without a valid results file"
            raise GradingStopped(reason, fallback.autograder_failure_message(reason))
    except GradingStopped as stopped:
        write_failure(results_path=results_path, assignment=args.assignment, reason=stopped.reason,
                      message=stopped.message)
    finally:
        print(f"Grading took {time.monotonic() - started:.1f} s.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
