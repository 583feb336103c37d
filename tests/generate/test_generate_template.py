"""The student template's own files: README promises, pins, CI, shared wording."""
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from autograder.checks import ASSIGNMENTS
from autograder.generate.regenerate import SHARED_MODULES
from autograder.generate.template import PINNED_REQUIREMENTS, PYTHON_VERSION

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "student_template"


@pytest.mark.parametrize(
    "promise",
    [
        "python3 -m venv .venv",
        "python -m pip install -r requirements.txt",
        "python -m pip install -e .",
        "python -m pytest",
        "jax_enable_x64",
        "60 seconds, **compilation\n  included**",
        "subset of the graded checks",
        "Gradescope",
        "upload `assignments/<name>.py`",
        "GitHub",
        "Otter",
    ],
)
def test_readme_tells_students(promise):
    assert promise in (TEMPLATE / "README.md").read_text(encoding="utf-8")


def test_readme_links_every_handout():
    readme = (TEMPLATE / "README.md").read_text(encoding="utf-8")
    for name in ASSIGNMENTS:
        assert f"(handouts/{name}.md)" in readme
        assert (TEMPLATE / "handouts" / f"{name}.md").is_file()


def test_pins_are_the_versions_the_autograder_runs():
    for pin in PINNED_REQUIREMENTS:
        package, version = pin.split("==")
        assert metadata.version(package) == version, f"{pin} pinned, {metadata.version(package)} installed"


def test_packaging_files_pin_the_same_versions():
    requirements = [
        line for line in (TEMPLATE / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert requirements == list(PINNED_REQUIREMENTS)
    project = tomllib.loads((TEMPLATE / "pyproject.toml").read_text())
    assert project["project"]["dependencies"] == list(PINNED_REQUIREMENTS)
    assert project["project"]["requires-python"] == f">={PYTHON_VERSION}"
    assert project["tool"]["setuptools"]["packages"] == ["assignments"]
    assert project["tool"]["pytest"]["ini_options"]["pythonpath"] == ["."]


def test_classroom_workflow_runs_the_public_tests_on_push():
    workflow = (TEMPLATE / ".github" / "workflows" / "classroom.yml").read_text()
    for step in ("push", "actions/checkout@", "actions/setup-python@", f'python-version: "{PYTHON_VERSION}"',
                 "python -m pip install -r requirements.txt", "python -m pytest"):
        assert step in workflow, f"classroom.yml lacks {step!r}"


def test_classroom_workflow_has_one_status_per_assignment_and_pinned_versions():
    import yaml

    from autograder.catalog import assignment_names
    from autograder.generate.template import RUNNER_IMAGE

    workflow = yaml.safe_load((TEMPLATE / ".github" / "workflows" / "classroom.yml").read_text())
    per_assignment = workflow["jobs"]["public-tests"]
    assert per_assignment["strategy"]["fail-fast"] is False
    assert sorted(per_assignment["strategy"]["matrix"]["assignment"]) == sorted(assignment_names())
    points = workflow["jobs"]["classroom-points"]["steps"]
    graders = [step for step in points if "autograding-command-grader" in step.get("uses", "")]
    assert sorted(step["with"]["test-name"] for step in graders) == sorted(assignment_names())
    reporter = points[-1]
    assert "autograding-grading-reporter" in reporter["uses"]
    assert reporter["with"]["runners"].split(",") == [step["id"] for step in graders]
    for step in graders:
        assert reporter["env"][f"{step['id'].upper()}_RESULTS"] == f"${{{{ steps.{step['id']}.outputs.result }}}}"
    for job in workflow["jobs"].values():
        assert job["runs-on"] == RUNNER_IMAGE and not RUNNER_IMAGE.endswith("latest")
        for step in job["steps"]:
            if "uses" in step:  # a full commit SHA, never a moving tag
                assert re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def test_public_tests_share_the_autograders_wording():
    assert {"feedback.py", "diagnosis.py", "diagnosis_pytrees.py", "diagnosis_sampling.py"} <= set(SHARED_MODULES)
    for module, shipped in SHARED_MODULES.items():
        copied = (TEMPLATE / "tests" / shipped).read_bytes()
        assert copied == (REPO / "autograder" / module).read_bytes()


def test_generated_text_names_no_machine_paths():
    for path in sorted(TEMPLATE.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".md", ".toml", ".txt", ".yml", ""}:
            text = path.read_text(encoding="utf-8")
            for marker in ("/work/", "/tmp/", "/root/", "SOLUTION"):
                assert marker not in text, f"{path.relative_to(REPO)} contains {marker!r}"
