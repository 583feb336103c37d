"""Grade every submission in tests/corpus and hold it to its expectation.

Each case is a folder ``tests/corpus/<kind>/<assignment>/<case>/`` holding a
submission (``assignments/<module>.py``, flat ``<module>.py`` or a notebook
``<module>.ipynb``) and an
``expect.json``:

- ``{"score": "full"}``: every check passes;
- ``{"failed": ["check name", ...]}``: exactly these checks fail, all others pass;
- ``{"score": 0}``: nothing scores (unchanged stubs, hostile submissions).

Optional, with any of the above: ``"max_fraction"`` bounds the score as a fraction
of the most this runner could award (junk that looks like a solution must not
collect the points of properties it only seems to have), and ``"first_line"`` is
the first line of the top-level feedback (what to fix first), and ``"says"``
maps a check name (``"*"``: every check) to words its output must contain; the
student template's own tests are held to the same words where they apply;
``"output_says"`` lists words the top-level feedback must contain.

``"description"`` says what the case is; ``"budget"`` (seconds per call) shortens
the time limit for cases that hang on purpose. Every case must yield a valid
results file, and no process the submission started may outlive grading.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.grading import grade_submission

from .processes import leftover_child_processes

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CASES = sorted(p.parent for p in CORPUS.glob("*/*/*/expect.json"))


def _case_id(path: Path) -> str:
    return "/".join(path.relative_to(CORPUS).parts)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_corpus_case(case: Path, tmp_path: Path):
    expect = json.loads((case / "expect.json").read_text())
    assignment = case.parent.name
    results_path = tmp_path / "results.json"
    budget = float(expect.get("budget", 60))
    grade_submission(
        submission=case, assignment=assignment, results_path=results_path, run_gpu_checks=False, budget=budget
    )
    assert not leftover_child_processes(), f"processes outlived grading: {leftover_child_processes()}"
    results = json.loads(results_path.read_text())  # the file on disk is what Gradescope reads
    tests = {t["name"]: t for t in results["tests"]}
    failed = sorted(name for name, t in tests.items() if t["score"] < t["max_score"])
    report = "\n".join(f"- {n}: {tests[n]['output'][:600]}" for n in failed)
    if expect.get("score") == "full":
        assert not failed, f"{_case_id(case)} should score full marks; failed:\n{report}"
    elif expect.get("score") == 0:
        assert results["score"] == 0, f"{_case_id(case)} should score 0, got {results['score']}"
    else:
        unknown = set(expect["failed"]) - set(tests)
        assert not unknown, f"expect.json names checks that do not exist: {sorted(unknown)}"
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
    for t in results["tests"]:
        if t["score"] < t["max_score"]:
            assert t["output"].strip(), f"failing check {t['name']!r} has no message"
    for words in expect.get("output_says", []):  # the top-level feedback (notebook cells, IPython notices)
        assert words in results["output"], f"the feedback should say {words!r}:\n{results['output']}"
    for name, words in expect.get("says", {}).items():
        outputs = [t["output"] for t in results["tests"] if name in ("*", t["name"])]
        assert outputs and all(words in output for output in outputs), f"{name!r} should say {words!r}:\n{outputs}"


def test_corpus_has_cases_for_every_assignment():
    from autograder.checks import ASSIGNMENTS

    kinds = {(c.parent.parent.name, c.parent.name) for c in CASES}
    missing = [a for a in ASSIGNMENTS for kind in ("correct", "wrong") if (kind, a) not in kinds]
    assert not missing, f"corpus lacks cases: {missing}"
