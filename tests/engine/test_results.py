"""The Gradescope results dictionary and its writer."""
from __future__ import annotations

import json

from autograder import results
from autograder.checking.framework import Check


def _outcome(*checks):
    return results.GradingOutcome(
        assignment="grad_forces", checks=list(checks), output="summary", execution_time=1.23456
    )


def test_scores_are_summed_clamped_and_numbered():
    data = results.build_results(
        _outcome(
            results.CheckResult(name="a", score=2, max_score=2, output="ok"),
            results.CheckResult(name="b", score=5, max_score=1, output="too much"),
            results.CheckResult(name="c", score=-1, max_score=3, output="negative", visibility="after_published"),
        )
    )
    assert [t["number"] for t in data["tests"]] == ["1", "2", "3"]
    assert [t["score"] for t in data["tests"]] == [2, 1, 0]
    assert [t["status"] for t in data["tests"]] == ["passed", "passed", "failed"]
    assert data["score"] == 3
    assert "max_score" not in data  # not part of Gradescope's top level
    assert data["tests"][2]["visibility"] == "after_published"


def test_outputs_are_capped_and_nul_free():
    data = results.build_results(
        _outcome(results.CheckResult(name="a", score=0, max_score=1, output="\x00" + "x" * 10**6))
    )
    output = data["tests"][0]["output"]
    assert len(output) <= results.MAX_OUTPUT_CHARS and "\x00" not in output and "truncated" in output


def test_crash_outcome_fails_every_check_with_the_reason():
    specs = [(Check(name="a", points=2, fn=None), "visible"), (Check(name="b", points=3, fn=None), "hidden")]
    data = results.build_results(
        results.crash_outcome(assignment="x", check_specs=specs, reason="SyntaxError on line 3")
    )
    assert data["score"] == 0 and [t["max_score"] for t in data["tests"]] == [2, 3]
    assert all("SyntaxError" in t["output"] for t in data["tests"])


def test_writer_replaces_stale_files_and_folders(tmp_path):
    target = tmp_path / "results.json"
    target.mkdir()
    (target / "junk").write_text("x")
    results.write_results(target, {"score": 1.0, "tests": []})
    assert json.loads(target.read_text()) == {"score": 1.0, "tests": []}
    results.write_results(target, {"score": 2.0, "tests": []})
    assert json.loads(target.read_text())["score"] == 2.0
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
