"""The always-visible summary of the hidden checks: before grades are published a
student learns which hidden properties fail and how to fix them, and nothing of
their inputs or expected values."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autograder import results
from autograder.checks import grad_forces

from .production import grade_like_production

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SIGN_FLIP = CORPUS / "wrong" / "grad_forces" / "forces_opposite_sign"
FORCE_CHECK = "grad_forces matches the analytic force to machine precision (float64)"
NUMBER = re.compile(r"-?\d+\.\d{3,}(?:e[-+]?\d+)?")  # what an input or an expected value prints as


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("hidden-summary") / "results.json"
    grade_like_production(SIGN_FLIP, assignment="grad_forces", results_path=path)
    return json.loads(path.read_text())  # the file on disk is what Gradescope reads


def _visible_text(data: dict) -> str:
    return "\n".join([data["output"], *(t["output"] for t in data["tests"] if t["visibility"] == "visible")])


def test_the_summary_names_failed_hidden_checks_with_how_to_fix(graded):
    force = results.by_check(graded)["force_values"]
    assert force["visibility"] == "after_published" and force["score"] == 0
    output = graded["output"]
    hidden = [t for t in graded["tests"] if t["visibility"] != "visible"]
    passed = sum(t["score"] >= t["max_score"] for t in hidden)
    assert f"Hidden checks: {passed} of {len(hidden)} passed" in output
    failed_line = output.split(f"FAILED  {FORCE_CHECK} (0/", 1)[1].splitlines()[1]
    assert "how to fix: Your result has the opposite sign." in failed_line
    assert "passed  Newton's third law: the forces on all particles sum to zero (1/1)" in output


def test_no_number_from_a_hidden_check_reaches_the_visible_parts(graded):
    hidden_numbers = set()
    for test in graded["tests"]:
        if test["visibility"] != "visible":
            hidden_numbers |= set(NUMBER.findall(test["output"]))
    assert len(hidden_numbers) > 10, "the hidden check's output should hold its inputs and expected values"
    # A public check may print the same number for its own reasons (an error ratio of 2): not a leak.
    public = set(NUMBER.findall("\n".join(t["output"] for t in graded["tests"] if t["visibility"] == "visible")))
    visible = _visible_text(graded)
    leaked = sorted(n for n in hidden_numbers - public if n in visible)
    assert not leaked, f"hidden numbers in the visible output: {leaked}"
    # The hidden systems themselves, as any message might print them.
    for system in grad_forces._drawn_systems():
        for value in (system.G, system.eps2, *system.x.ravel()[:6], *system.m[:3]):
            if value:
                for text in {f"{value:.4g}", f"{value:.6g}", repr(value)}:
                    if len(text) >= 4:  # "2" or "0.5" say nothing about an input
                        assert text not in graded["output"], f"hidden input {text} in the summary"


def test_instructors_choose_how_much_the_summary_says(graded):
    checks = [results.CheckResult(name=t["name"], score=t["score"], max_score=t["max_score"], output=t["output"],
                                  visibility=t["visibility"]) for t in graded["tests"]]
    status = results.hidden_summary(checks, "status")
    assert f"FAILED  {FORCE_CHECK}" in status and "how to fix" not in status
    assert results.hidden_summary(checks, "off") == ""
    shown = [c for c in checks if c.name != FORCE_CHECK] + [
        results.CheckResult(name=FORCE_CHECK, score=0, max_score=2, output="x", visibility="visible")]
    assert FORCE_CHECK not in results.hidden_summary(shown, "fix"), "visible checks speak for themselves"
    with pytest.raises(ValueError):
        results.hidden_summary(checks, "everything")


def test_teaching_text_keeps_the_advice_and_drops_every_number():
    output = ("grad_forces (N = 32, eps2 = 0.01234, G = 2.5): max-normalised error 3.1e-01 exceeds 1.0e-12.\n"
              "  expected: [[ 0.161712, -0.211202]]\n"
              "  how to fix: Your result is 1.37 times the reference everywhere: look for a constant factor "
              "(dt/2 in float32 stays).")
    text = results.teaching_text(output)
    assert text.startswith("Your result is … times the reference everywhere")
    assert "dt/2" in text and "float32" in text
    assert not re.search(r"\d\.\d|(?<!\w)\d\d", text), text
    gated = "Fix leapfrog_step first: it does not match yet.\n\nwhatever 0.123\nHow to fix: use half kicks."
    assert results.teaching_text(gated) == "Fix leapfrog_step first. Then: use half kicks."
    assert "details" in results.teaching_text("no advice here, 0.5 only")
