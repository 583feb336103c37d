"""The one place that builds Gradescope's results dictionary, and the one
place that writes it.

Schema: https://gradescope-autograders.readthedocs.io/en/latest/specs/ —
top-level ``score``, ``execution_time``, ``output``, ``output_format``,
``visibility``, ``stdout_visibility``, ``extra_data``, ``tests[]`` with
``name``, ``number``, ``score``, ``max_score``, ``status``, ``output``,
``visibility``, ``tags``. There is no top-level ``max_score``.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_OUTPUT_CHARS = 20_000  # per test; Gradescope itself cuts at 100k


@dataclass(frozen=True)
class CheckResult:
    name: str
    score: float
    max_score: float
    output: str
    visibility: str = "visible"
    tags: tuple = ()
    status: str | None = None  # None: passed iff score == max_score

    @property
    def passed(self) -> bool:
        return self.status == "passed" if self.status else self.score >= self.max_score


@dataclass(frozen=True)
class GradingOutcome:
    assignment: str
    checks: list
    output: str = ""
    execution_time: float = 0.0
    extra_data: dict = field(default_factory=dict)


def _cap(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    text = text.replace("\x00", "?")
    if len(text) <= limit:
        return text
    half = limit // 2 - 40
    return text[:half] + "\n... [output truncated] ...\n" + text[-half:]


def build_results(outcome: GradingOutcome) -> dict:
    """The Gradescope dictionary for one graded submission (crash path included:
    a crash is a set of failed checks with the reason in their output)."""
    tests = []
    for number, check in enumerate(outcome.checks, start=1):
        score = round(max(0.0, min(float(check.score), float(check.max_score))), 6)
        tests.append(
            {
                "name": check.name,
                "number": str(number),
                "score": score,
                "max_score": float(check.max_score),
                "status": check.status or ("passed" if score >= check.max_score else "failed"),
                "output": _cap(check.output),
                "visibility": check.visibility,
                "tags": list(check.tags),
            }
        )
    return {
        "score": round(sum(t["score"] for t in tests), 6),
        "execution_time": round(float(outcome.execution_time), 3),
        "output": _cap(outcome.output),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": dict(outcome.extra_data, assignment=outcome.assignment),
        "tests": tests,
    }


def possible_score(results: dict) -> float:
    """The most a results dict could award on the runner that wrote it
    (GPU-tier checks skipped on a CPU runner carry no points there)."""
    return round(sum(float(t["max_score"]) for t in results["tests"]), 6)


def crash_outcome(*, assignment: str, check_specs, reason: str, execution_time: float = 0.0, extra_data=None) -> GradingOutcome:
    """Every check failed for one reason (no submission, import error, ...)."""
    checks = [
        CheckResult(name=spec.name, score=0.0, max_score=spec.points, output=reason, visibility=visibility, tags=spec.tags)
        for spec, visibility in check_specs
    ]
    return GradingOutcome(assignment=assignment, checks=checks, output=reason, execution_time=execution_time, extra_data=extra_data or {})


def write_results(path: Path, results: dict) -> None:
    """Atomically replace ``path`` with the results (a stale file or folder there is removed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=2, sort_keys=False, allow_nan=False)
        fh.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
