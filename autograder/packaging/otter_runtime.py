"""Runs inside Otter's kernel: each Otter test asks here for one jaxgrade check.

Otter executes the student's file and then the test files in one Jupyter
kernel. The first test to ask grades the submitted file with the real grader,
``jaxgrade grade``, in a process of its own (which starts the usual sandboxed
child); every test then reads its own check from that one results file. So an
Otter score is the jaxgrade score by construction, partial credit included.

What this cannot do is protect the tests: the student's code ran first in this
very process and could have replaced anything here. See docs/otter.md.

Standard library only (plus :mod:`.fallback`): the kernel has the grader's
dependencies, but nothing here should need them.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import fallback

GRADER_ROOT = Path(__file__).resolve().parents[2]  # <autograder>/source/jaxgrade
TIME_LIMIT_SECONDS = 1200.0
_graded: dict[tuple[str, str], dict] = {}


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    score: float
    max_score: float
    message: str

    @property
    def earned(self) -> float:
        return float(self.score)

    @property
    def missed(self) -> float:
        return float(self.max_score) - float(self.score)


def submitted_file(autograder_dir: Path) -> Path:
    """The one top-level .py file Otter accepted as the submission."""
    files = sorted(p for p in (autograder_dir / "submission").glob("*.py") if p.name != "__init__.py")
    if len(files) != 1:
        raise FileNotFoundError(f"expected one .py file in the submission, found {[p.name for p in files]}")
    return files[0]


def _grade(source: Path, assignment: str) -> dict:
    """Run ``jaxgrade grade`` on ``source`` (staged as ``<assignment>.py``); return its results."""
    with tempfile.TemporaryDirectory(prefix="jaxgrade-otter-") as scratch:
        stage = Path(scratch) / "submission"
        stage.mkdir()
        shutil.copyfile(source, stage / f"{assignment}.py")
        results = Path(scratch) / "results.json"
        argv = [sys.executable, "-m", "autograder.cli", "grade", str(stage), "-a", assignment, "--results", str(results)]
        env = dict(os.environ, PYTHONPATH=str(GRADER_ROOT))
        with open(Path(scratch) / "grader.log", "w+b") as log:
            grader = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
            try:
                grader.wait(timeout=TIME_LIMIT_SECONDS)
            except subprocess.TimeoutExpired:
                fallback.stop_grader(grader)
            log.seek(0)
            tail = log.read()[-2000:].decode("utf-8", "replace")
        try:
            return json.loads(results.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise RuntimeError(f"the grader left no results; its last output:\n{tail}") from None


def graded_results(assignment: str) -> dict:
    """The jaxgrade results for the submitted file (graded once per file content)."""
    source = submitted_file(GRADER_ROOT.parents[1])
    key = (assignment, hashlib.sha256(source.read_bytes()).hexdigest())
    if key not in _graded:
        _graded[key] = _grade(source, assignment)
    return _graded[key]


def check_outcome(*, assignment: str, name: str, max_score: float) -> CheckOutcome:
    """This check's score and message; a grader failure scores 0 and says why."""
    try:
        tests = {t["name"]: t for t in graded_results(assignment)["tests"]}
    except Exception as exc:  # anything that stops grading must cost only points, never the run
        return CheckOutcome(name, 0.0, max_score, f"The autograder could not grade this file: {exc}")
    test = tests.get(name)
    if test is None:
        return CheckOutcome(name, 0.0, max_score, "The grader did not report this check; tell your instructor.")
    return CheckOutcome(name, float(test["score"]), float(test["max_score"]), str(test.get("output", "")))
