"""The template's GitHub Classroom workflow: cheap (one install, cached, one run per push),
fair (Classroom counts each public check's points from the handouts' tables), and made of
what students have (no file outside their repository)."""
from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from autograder.catalog import assignment_names
from autograder.checks import load_registry
from autograder.generate.template import CLASSROOM_VARIABLE, RUNNER_IMAGE

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "student_template"
WORKFLOW_TEXT = (TEMPLATE / ".github" / "workflows" / "classroom.yml").read_text(encoding="utf-8")
WORKFLOW = yaml.safe_load(WORKFLOW_TEXT)
STEPS = [step for job in WORKFLOW["jobs"].values() for step in job["steps"]]


def _triggers() -> list[str]:
    on = WORKFLOW.get("on", WORKFLOW.get(True))  # YAML 1.1 reads a bare `on` as True
    return sorted(on) if isinstance(on, (list, dict)) else [on]


def test_one_run_per_push_and_none_for_the_feedback_pull_request():
    assert "push" in _triggers()
    assert "pull_request" not in _triggers() and "pull_request_target" not in _triggers()
    for job in WORKFLOW["jobs"].values():
        assert "github-classroom[bot]" in job.get("if", "")


def test_the_dependencies_install_once_per_run_from_a_cache():
    installs = [step for step in STEPS if "pip install" in step.get("run", "")]
    assert len(installs) == 1, installs
    setup = next(step for step in STEPS if "actions/setup-python@" in step.get("uses", ""))
    assert setup["with"]["cache"] == "pip"
    assert setup["with"]["cache-dependency-path"] == "requirements.txt"
    assert len(WORKFLOW["jobs"]) == 1, "every job would install the ~650 MB again"


def test_each_assignment_reports_its_points_to_classroom():
    tests = {step["env"][CLASSROOM_VARIABLE]: step for step in STEPS if CLASSROOM_VARIABLE in step.get("env", {})}
    assert list(tests) == list(assignment_names())
    for name, step in tests.items():
        assert step["run"] == f"python -m pytest tests/test_{name}.py"
        assert step["id"] == name and step["continue-on-error"] is True
    reporter = STEPS[-1]
    assert "autograding-grading-reporter" in reporter["uses"] and reporter["if"] == "always()"
    assert reporter["with"]["runners"].split(",") == list(tests)
    for name in tests:
        assert reporter["env"][f"{name.upper()}_RESULTS"] == f"${{{{ steps.{name}.outputs.result }}}}"


def test_actions_are_pinned_and_the_runner_does_not_float():
    for job in WORKFLOW["jobs"].values():
        assert job["runs-on"] == RUNNER_IMAGE and not RUNNER_IMAGE.endswith("latest")
    for step in STEPS:
        if "uses" in step:  # a full commit SHA, never a moving tag
            assert re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def test_the_workflow_names_only_files_students_have():
    for path in re.findall(r"[\w./-]+\.(?:py|txt|yml|md|json)\b", WORKFLOW_TEXT):
        assert (TEMPLATE / path).exists(), f"classroom.yml names {path}, which the student repository lacks"
    for foreign in ("autograder/", "solutions/", "jaxgrade regenerate"):
        assert foreign not in WORKFLOW_TEXT


@pytest.mark.slow
def test_classroom_points_match_the_handout_table(tmp_path):
    """The points step output of a real run: each public check, worth what the registry (and so the
    handout's table) says; on the stubs every check scores 0."""
    output = tmp_path / "github_output"
    name = "grad_forces"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"tests/test_{name}.py"],
        cwd=TEMPLATE, capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "JAX_PLATFORMS": "cpu",
             CLASSROOM_VARIABLE: name, "GITHUB_OUTPUT": str(output), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    key, _, value = output.read_text().strip().partition("=")
    assert key == "result"
    result = json.loads(base64.b64decode(value))
    public = {check.name: check.points for check in load_registry(name).checks if check.public}
    assert {test["name"]: test["max_score"] for test in result["tests"]} == public
    assert result["max_score"] == sum(public.values())
    assert result["status"] == "fail" and all(test["score"] == 0 for test in result["tests"])
    # The same run, as the student sees it: the points of each failing linked test, and the summary line.
    hidden = sum(check.points for check in load_registry(name).checks if not check.gpu) - sum(public.values())
    assert f"{name}: 0 / {sum(public.values()):g} public points; {hidden:g} more points" in run.stdout
    assert f"of {name}'s" in run.stdout and "points at stake]" in run.stdout
