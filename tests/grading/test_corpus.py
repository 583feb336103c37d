"""Grade every submission in tests/corpus and hold it to its expectation.

Each case is a folder ``tests/corpus/<kind>/<assignment>/<case>/`` holding a
submission (``assignments/<module>.py``, flat ``<module>.py`` or a notebook
``<module>.ipynb``) and an
``expect.json``:

- ``{"score": "full"}``: every check passes;
- ``{"failed": ["check_id", ...]}``: exactly these checks fail, all others pass
  (checks are named by identifier, the name of their function, never by title);
- ``{"score": 0}``: nothing scores (unchanged stubs, hostile submissions).

Optional, with any of the above: ``"max_fraction"`` bounds the score as a fraction
of the most this runner could award (junk that looks like a solution must not
collect the points of properties it only seems to have), and ``"first_line"`` is
the first line of the top-level feedback (what to fix first), and ``"says"``
maps a check identifier (``"*"``: every check) to words its output must contain; the
student template's own tests are held to the same words where they apply;
``"output_says"`` lists words the top-level feedback must contain.

``"description"`` says what the case is; ``"budget"`` (seconds per call) shortens
the time limit for cases that hang on purpose. Every case must yield a valid
results file, and no process the submission started may outlive grading.

Every case is graded as production grades it (``production.grade_like_production``:
``jaxgrade grade`` in its own process, with the grader's own settings).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.checks import load_registry
from autograder.results import by_check

from .processes import leftover_child_processes
from .production import grade_like_production

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CASES = sorted(p.parent for p in CORPUS.glob("*/*/*/expect.json"))


def _case_id(path: Path) -> str:
    return "/".join(path.relative_to(CORPUS).parts)


def expectation(case: Path) -> dict:
    """The case's expect.json, its checks named by identifier (a title fails, naming the identifier to use)."""
    expect = json.loads((case / "expect.json").read_text())
    checks = load_registry(case.parent.name).checks
    ids, by_title = {c.id for c in checks}, {c.name: c.id for c in checks}
    named = list(expect.get("failed", ())) + [k for k in expect.get("says", {}) if k != "*"]
    titles = [f"{name!r} -> {by_title[name]!r}" for name in named if name not in ids and name in by_title]
    assert not titles, f"{_case_id(case)}/expect.json names checks by title; use their identifiers: {titles}"
    unknown = sorted(name for name in named if name not in ids)
    assert not unknown, f"{_case_id(case)}/expect.json names checks that do not exist: {unknown}; known: {sorted(ids)}"
    return expect


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_corpus_case(case: Path, tmp_path: Path):
    expect = expectation(case)
    results = grade_like_production(
        case, assignment=case.parent.name, results_path=tmp_path / "results.json",
        budget=float(expect.get("budget", 60)),
    )
    assert not leftover_child_processes(), f"processes outlived grading: {leftover_child_processes()}"
    hold_to_expectation(case, results, expect)


def hold_to_expectation(case: Path, results: dict, expect: dict) -> None:
    tests = by_check(results)
    failed = sorted(check for check, t in tests.items() if t["score"] < t["max_score"])
    report = "\n".join(f"- {c} ({tests[c]['name']}): {tests[c]['output'][:600]}" for c in failed)
    if expect.get("score") == "full":
        assert not failed, f"{_case_id(case)} should score full marks; failed:\n{report}"
    elif expect.get("score") == 0:
        assert results["score"] == 0, f"{_case_id(case)} should score 0, got {results['score']}"
    else:
        assert failed == sorted(expect["failed"]), (
            f"{_case_id(case)}: expected exactly {sorted(expect['failed'])} to fail; failed:\n{report}"
        )
    if "max_fraction" in expect:
        possible = sum(t["max_score"] for t in results["tests"])
        assert results["score"] <= expect["max_fraction"] * possible, (
            f"{_case_id(case)} should score at most {expect['max_fraction']:.0%} of {possible}, got {results['score']}"
        )
    if "first_line" in expect:
        assert results["output"].splitlines()[0] == expect["first_line"], results["output"]
    for check, t in tests.items():
        if t["score"] < t["max_score"]:
            assert t["output"].strip(), f"failing check {check!r} has no message"
    for words in expect.get("output_says", []):  # the top-level feedback (notebook cells, IPython notices)
        assert words in results["output"], f"the feedback should say {words!r}:\n{results['output']}"
    for check, words in expect.get("says", {}).items():
        outputs = [t["output"] for c, t in tests.items() if check in ("*", c)]
        assert outputs and all(words in output for output in outputs), f"{check!r} should say {words!r}:\n{outputs}"


def test_every_expectation_names_checks_by_identifier():
    """Cheap, not slow: every expect.json is read as the corpus reads it (no grading)."""
    for case in CASES:
        expectation(case)


def test_corpus_has_cases_for_every_assignment():
    from autograder.checks import ASSIGNMENTS

    kinds = {(c.parent.parent.name, c.parent.name) for c in CASES}
    missing = [a for a in ASSIGNMENTS for kind in ("correct", "wrong") if (kind, a) not in kinds]
    assert not missing, f"corpus lacks cases: {missing}"
