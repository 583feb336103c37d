"""The one place that builds Gradescope's results dictionary, and the one
place that writes it.

Schema: https://gradescope-autograders.readthedocs.io/en/latest/specs/ —
top-level ``score``, ``execution_time``, ``output``, ``output_format``,
``visibility``, ``stdout_visibility``, ``extra_data``, ``tests[]`` with
``name``, ``number``, ``score``, ``max_score``, ``status``, ``output``,
``visibility``, ``tags``, ``extra_data``. There is no top-level ``max_score``.

A test's ``name`` is its check's title, shown to students; its
``extra_data["check"]`` is the check's stable identifier, the key every
program reading results back uses (:func:`check_id_of`).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import vocabulary

MAX_OUTPUT_CHARS = 20_000  # per test; Gradescope itself cuts at 100k


@dataclass(frozen=True)
class CheckResult:
    name: str  # the check's title
    score: float
    max_score: float
    output: str
    visibility: str = vocabulary.VISIBLE
    tags: tuple = ()
    status: str | None = None  # None: passed iff score == max_score
    check_id: str = ""  # the check's stable identifier (Check.id)

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
                "extra_data": {"check": check.check_id},
            }
        )
    return {
        "score": round(sum(t["score"] for t in tests), 6),
        "execution_time": round(float(outcome.execution_time), 3),
        "output": _cap(outcome.output),
        "output_format": "text",
        "visibility": vocabulary.VISIBLE,
        "stdout_visibility": "hidden",
        "extra_data": dict(outcome.extra_data, assignment=outcome.assignment),
        "tests": tests,
    }


def possible_score(results: dict) -> float:
    """The most a results dict could award: the same for every submission of one deployment
    (GPU-tier checks are in it exactly when the deployment grades them, run or not)."""
    return round(sum(float(t["max_score"]) for t in results["tests"]), 6)


def crash_outcome(
    *, assignment: str, check_specs, reason: str, execution_time: float = 0.0, extra_data=None
) -> GradingOutcome:
    """Every check failed for one reason (no submission, import error, ...)."""
    checks = [
        CheckResult(
            name=spec.name, score=0.0, max_score=spec.points, output=reason, visibility=visibility, tags=spec.tags,
            check_id=spec.id,
        )
        for spec, visibility in check_specs
    ]
    return GradingOutcome(
        assignment=assignment, checks=checks, output=reason, execution_time=execution_time, extra_data=extra_data or {}
    )


# -- the visible summary of the hidden checks --------------------------------------
_FIX_MARKERS = ("how to fix:", "common causes:")
# Numbers that could come from a hidden input or its expected value: anything with
# a decimal point or an exponent, and integers of two or more digits. Single
# digits stay ("dt/2", "argnums=1"); digits inside names stay ("float32").
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d{2,}|\d(?=[eE]))(?:[eE][-+]?\d+)?(?![\w])")
_SUMMARY_LINE_CHARS = 400
_WHEN_SHOWN = {"after_published": "once grades are published", "after_due_date": "after the due date",
               "hidden": "not shown"}


def teaching_text(output: str) -> str:
    """How to fix a failed check, from its output, with every number taken out.

    The output of a hidden check holds its inputs and expected values; only the
    advice after "How to fix:" (or a leading "Fix X first" line) survives, and
    any number in it is replaced by "…".
    """
    first_line = output.strip().splitlines()[0] if output.strip() else ""
    first = first_line.split(":", 1)[0] + "." if first_line.startswith("Fix ") and " first" in first_line else ""
    advice = ""
    lowered = output.lower()
    for marker in _FIX_MARKERS:
        at = lowered.rfind(marker)
        if at >= 0:
            advice = " ".join(output[at + len(marker):].split())
            break
    advice = _NUMBER.sub("…", f"{first} Then: {advice}" if first and advice else first or advice)
    if len(advice) > _SUMMARY_LINE_CHARS:
        advice = advice[: _SUMMARY_LINE_CHARS - 1].rsplit(" ", 1)[0] + " …"
    return advice or "see this check's details when they are shown."


def hidden_summary(checks, mode: str = vocabulary.HIDDEN_FEEDBACK) -> str:
    """The always-visible summary of the checks whose own results are not visible yet.

    ``mode`` (see ``vocabulary.HIDDEN_FEEDBACK_MODES``): "fix" lists each hidden
    check as passed or failed with how to fix it, "status" only passed or failed,
    "off" nothing. Never an input, an expected value or a number from either.
    """
    if mode not in vocabulary.HIDDEN_FEEDBACK_MODES:
        raise ValueError(f"hidden feedback must be one of {', '.join(vocabulary.HIDDEN_FEEDBACK_MODES)}, not {mode!r}")
    hidden = [c for c in checks if c.visibility != vocabulary.VISIBLE and c.max_score > 0]
    if mode == "off" or not hidden:
        return ""
    when = _WHEN_SHOWN.get(hidden[0].visibility, "later")
    passed = sum(c.passed for c in hidden)
    heading = f"Hidden checks: {passed} of {len(hidden)} passed (their inputs and details: {when})."
    lines = [heading]
    for check in hidden:
        points = f"{_points(check.score)}/{_points(check.max_score)}"
        if check.passed:
            lines.append(f"  passed  {check.name} ({points})")
            continue
        if check.output.startswith(vocabulary.NOT_RUN):  # not the student's mistake: say why, no advice
            why = check.output[len(vocabulary.NOT_RUN):].split("(", 1)[0].strip()
            lines.append(f"  NOT RUN {check.name} ({points}): {why}")
            continue
        line = f"  FAILED  {check.name} ({points})"
        if mode == "fix":
            line += f"\n          how to fix: {teaching_text(check.output)}"
        lines.append(line)
    return "\n".join(lines)


def _points(value: float) -> str:
    return f"{float(value):g}"


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


def check_id_of(test: dict) -> str | None:
    """The stable identifier of the check a results test reports (None if it names none)."""
    extra = test.get("extra_data")
    return extra.get("check") if isinstance(extra, dict) else None


def by_check(results: dict) -> dict[str, dict]:
    """A results dict's tests keyed by check identifier."""
    return {check_id_of(t): t for t in results["tests"]}


def read_results(path: Path, *, assignment: str | None = None, check_ids: list[str] | None = None) -> dict | None:
    """The results in ``path`` if they are one finished grading, else None.

    Finished: a JSON object whose score and every test's score and max_score
    are numbers. ``assignment``: it must be that assignment's grading;
    ``check_ids``: its tests must be exactly these checks (identifiers), in order. Every
    route reads results back through here (Gradescope's entry point, batch
    grading and its resume, the Otter plugin).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("extra_data", {}), dict):
        return None
    if assignment is not None and data.get("extra_data", {}).get("assignment") != assignment:
        return None
    tests = data.get("tests")
    if not isinstance(tests, list) or not all(isinstance(t, dict) for t in tests):
        return None
    if check_ids is not None and [check_id_of(t) for t in tests] != list(check_ids):
        return None
    numbers = [data.get("score")] + [t.get(k) for t in tests for k in ("score", "max_score")]
    return data if all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers) else None
