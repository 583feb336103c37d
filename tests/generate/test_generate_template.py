"""The student template's own files: README promises, pins, CI, shared wording."""
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


def test_public_tests_share_the_autograders_wording():
    names = ("feedback", "diagnosis", "diagnosis_pytrees", "diagnosis_sampling", "diagnosis_chain")
    assert {f"shipped/{name}.py" for name in names} <= set(SHARED_MODULES)
    for module, shipped in SHARED_MODULES.items():
        copied = (TEMPLATE / "tests" / shipped).read_bytes()
        assert copied == (REPO / "autograder" / module).read_bytes()


def test_generated_text_names_no_machine_paths():
    for path in sorted(TEMPLATE.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".md", ".toml", ".txt", ".yml", ""}:
            text = path.read_text(encoding="utf-8")
            for marker in ("/work/", "/tmp/", "/root/", "SOLUTION"):
                assert marker not in text, f"{path.relative_to(REPO)} contains {marker!r}"
