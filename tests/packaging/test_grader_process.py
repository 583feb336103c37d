"""The one launcher and results reader every route uses, and the crash path's results.

The grader here is a stand-in script (``python`` is the launcher's argv[0]),
so these tests start no JAX and no sandbox.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from autograder.grader_process import GraderSettings, grader_argv, run_grader
from autograder.packaging import fallback
from autograder.results import read_results
from tests.grading.production import grade_like_production


def stand_in(tmp_path: Path, body: str) -> str:
    """An executable that plays the grader: ``$8`` is the --results path in the launcher's argv."""
    script = tmp_path / "fake-python"
    script.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    script.chmod(0o755)
    return str(script)


def test_the_argv_carries_every_setting(tmp_path):
    settings = GraderSettings(assignment="hmc", run_as="", budget=7.5, hidden_visibility="hidden", gpu_tier=True)
    argv = grader_argv(settings, submission=tmp_path, results_path=tmp_path / "r.json", python="py")
    assert argv[:4] == ["py", "-m", "autograder.cli", "grade"]
    assert argv[argv.index("--budget") + 1] == "7.5" and argv[argv.index("--hidden-visibility") + 1] == "hidden"
    assert argv[argv.index("--run-as") + 1] == "" and argv[-1] == "--gpu"
    assert "--gpu" not in grader_argv(GraderSettings(assignment="hmc"), submission=tmp_path, results_path=tmp_path)


def test_a_time_out_a_signal_an_exit_status_and_missing_results_each_say_why(tmp_path):
    results = tmp_path / "results.json"
    settings = GraderSettings(assignment="grad_forces", time_limit=1)
    slow = run_grader(settings, submission=tmp_path, results_path=results, python=stand_in(tmp_path, "sleep 30\n"))
    assert slow.timed_out and slow.results is None and "longer than 1 s" in slow.problem
    killed = run_grader(settings, submission=tmp_path, results_path=results, python=stand_in(tmp_path, "kill -9 $$\n"))
    assert "killed by signal 9" in killed.problem
    failed = run_grader(settings, submission=tmp_path, results_path=results, python=stand_in(tmp_path, "exit 3\n"))
    assert "exit status 3" in failed.problem
    results.write_text('{"score": 1e9, "tests": []}')  # stale: must not pass for this grading's
    silent = run_grader(settings, submission=tmp_path, results_path=results, python=stand_in(tmp_path, "exit 0\n"))
    assert silent.results is None and "without a complete results file" in silent.problem


def test_complete_results_are_read_back(tmp_path):
    data = {"score": 1.0, "extra_data": {"assignment": "grad_forces"},
            "tests": [{"name": "a", "score": 1.0, "max_score": 2.0}]}
    source = tmp_path / "made.json"
    source.write_text(json.dumps(data))
    writer = stand_in(tmp_path, f'cp {source} "$8"\n')
    run = run_grader(GraderSettings(assignment="grad_forces"), submission=tmp_path, results_path=tmp_path / "r.json",
                     python=writer)
    assert run.problem is None and run.results == data


@pytest.mark.parametrize("change, complete", [
    ({}, True),
    ({"score": None}, False),
    ({"score": True}, False),
    ({"extra_data": {"assignment": "hmc"}}, False),
    ({"tests": [{"name": "a", "extra_data": {"check": "b"}, "score": 1, "max_score": 1}]}, False),
    ({"tests": [{"name": "a", "extra_data": {"check": "a"}, "score": 1}]}, False),
])
def test_the_reader_accepts_only_a_finished_grading_of_the_expected_checks(tmp_path, change, complete):
    data = {"score": 1, "extra_data": {"assignment": "grad_forces"},
            "tests": [{"name": "a", "extra_data": {"check": "a"}, "score": 1, "max_score": 1}]}
    path = tmp_path / "results.json"
    path.write_text(json.dumps(dict(data, **change)))
    assert (read_results(path, assignment="grad_forces", check_ids=["a"]) is not None) == complete
    path.write_text('{"score": 1, "tes')
    assert read_results(path) is None


@pytest.mark.parametrize("gpu_tier", [False, True])
def test_a_crash_lists_what_a_grading_of_the_same_configuration_lists(tmp_path, gpu_tier):
    """Same checks, visibility and maximum: a crashed row does not change the gradebook's maximum."""
    empty = tmp_path / "empty"
    empty.mkdir()
    graded = grade_like_production(empty, assignment="scan_integrator", results_path=tmp_path / "graded.json",
                                   hidden_visibility="hidden", gpu_tier=gpu_tier)
    crashed = fallback.write_crash_results(results_path=tmp_path / "crash.json", assignment="scan_integrator",
                                           message="stopped", hidden_visibility="hidden", gpu_tier=gpu_tier)

    def shape(results):
        return [(t["name"], t["visibility"], t["max_score"]) for t in results["tests"]]

    assert shape(crashed) == shape(graded)
    assert {t["visibility"] for t in crashed["tests"]} == {"visible", "hidden"}
