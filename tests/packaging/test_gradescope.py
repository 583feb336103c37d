"""The Gradescope zip: what it holds, and run_autograder end to end.

Gradescope unpacks the zip into /autograder/source, puts the student's files in
/autograder/submission and runs /autograder/run_autograder as root. Here the
same layout lives in a temporary folder (JAXGRADE_AUTOGRADER_ROOT) and the
project's interpreter stands in for the one setup.sh installs (JAXGRADE_PYTHON).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.checks import load_registry
from autograder.packaging.bundle import PROJECT_ROOT
from autograder.packaging.gradescope import build_gradescope_zip

from .conftest import RUN_AS, assert_valid_results

METADATA = {
    "id": 123456,
    "created_at": "2026-03-01T14:22:32.365935-08:00",
    "assignment": {"id": 25828, "course_id": 1234, "title": "Homework 1: forces by autodiff", "total_points": "10.0"},
    "submission_method": "upload",
    "users": [{"email": "ada@example.edu", "id": 1234, "name": "Ada Lovelace"}],
    "previous_submissions": [],
}


@pytest.fixture(scope="module")
def grad_forces_zip(tmp_path_factory) -> Path:
    return build_gradescope_zip(
        assignment="grad_forces", out_dir=tmp_path_factory.mktemp("dist"), hidden_visibility="after_due_date"
    )


def make_autograder_root(tmp_path: Path, zip_path: Path, submission: dict[str, str]) -> Path:
    """/autograder as Gradescope lays it out: source/, submission/, metadata; results/ made by run_autograder."""
    root = tmp_path / "autograder"
    source = root / "source"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(source)
        for info in archive.infolist():  # zipfile does not restore permission bits
            os.chmod(source / info.filename, (info.external_attr >> 16) & 0o777)
    for name, text in submission.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text)
    (root / "submission").mkdir(exist_ok=True)
    (root / "submission_metadata.json").write_text(json.dumps(METADATA))
    return root


def run_autograder(root: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "JAXGRADE_AUTOGRADER_ROOT": str(root),
        "JAXGRADE_PYTHON": sys.executable,
        "JAXGRADE_RUN_AS": RUN_AS,
        **env,
    }
    return subprocess.run(
        [str(root / "source" / "run_autograder")], cwd=root, env=environment, capture_output=True, text=True,
        timeout=600,
    )


def read_results(root: Path) -> dict:
    path = root / "results" / "results.json"
    assert path.is_file(), f"run_autograder left no results file at {path}"
    return json.loads(path.read_text())


def test_zip_holds_the_grader_and_nothing_else(grad_forces_zip):
    with zipfile.ZipFile(grad_forces_zip) as archive:
        infos = {info.filename: info for info in archive.infolist()}
    names = set(infos)
    for required in ("setup.sh", "run_autograder", "pyproject.toml", "autograder/cli.py", "autograder/results.py",
                     "autograder/checks/grad_forces.py", "autograder/checks/physics/nbody_systems.py",
                     "autograder/checking/framework.py", "autograder/shipped/feedback.py",
                     "solutions/grad_forces.py", "solutions/jla.py"):
        assert required in names, f"the zip lacks {required}"
    for name in ("setup.sh", "run_autograder"):
        mode = (infos[name].external_attr >> 16) & 0o777
        assert mode & 0o111, f"{name} must be executable in the zip (mode {oct(mode)})"
    unwanted = sorted(
        n for n in names
        if n.startswith(("tests/", "student_template/", "assignments/", "autograder/generate/",
                         "solutions/public_tests/",
                         "solutions/handouts/", "benchmarks/", "docs/"))
        or "__pycache__" in n or n.endswith(".pyc")
    )
    assert not unwanted, f"the zip should carry only what grading needs; also found: {unwanted[:10]}"


def test_zip_is_reproducible(grad_forces_zip, tmp_path):
    again = build_gradescope_zip(assignment="grad_forces", out_dir=tmp_path, hidden_visibility="after_due_date")
    assert again.read_bytes() == grad_forces_zip.read_bytes(), "building the same tree twice gave different zips"


def test_run_autograder_is_rendered_for_its_assignment(grad_forces_zip):
    with zipfile.ZipFile(grad_forces_zip) as archive:
        script = archive.read("run_autograder").decode()
    assert "ASSIGNMENT=grad_forces" in script and "HIDDEN_VISIBILITY=after_due_date" in script
    assert "@" not in script.replace("$@", ""), "a template placeholder was left in run_autograder"


def test_every_check_module_imports_from_the_unpacked_zip(grad_forces_zip, tmp_path):
    """What the zip leaves out (generate/, public tests) must not be needed by any check."""
    with zipfile.ZipFile(grad_forces_zip) as archive:
        archive.extractall(tmp_path)
    code = (
        "import importlib, pathlib, autograder\n"
        "assert pathlib.Path(autograder.__file__).is_relative_to(pathlib.Path.cwd()), autograder.__file__\n"
        "from autograder.checks import ASSIGNMENTS\n"
        "for name in ASSIGNMENTS:\n"
        "    try:\n"
        "        importlib.import_module('autograder.checks.' + name)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        if exc.name != 'autograder.checks.' + name: raise\n"  # checks not written yet
        "import autograder.grading, autograder.packaging.gradescope_entry\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"importing the grader from the unpacked zip failed:\n{done.stderr[-3000:]}"


@pytest.mark.slow
def test_correct_submission_scores_full_marks(grad_forces_zip, tmp_path, results_validator):
    solution = (PROJECT_ROOT / "solutions" / "grad_forces.py").read_text()
    root = make_autograder_root(tmp_path, grad_forces_zip, {"grad_forces.py": solution})  # a flat upload
    done = run_autograder(root)
    assert done.returncode == 0, done.stderr[-3000:]
    results = read_results(root)
    assert_valid_results(results_validator, results)
    registry = load_registry("grad_forces")
    failed = [t["name"] for t in results["tests"] if t["status"] != "passed"]
    assert not failed, f"a correct submission failed: {failed}\n{done.stdout[-2000:]}"
    assert [t["name"] for t in results["tests"]] == [c.name for c in registry.checks]
    assert results["score"] == pytest.approx(registry.max_score)
    visibility = {t["name"]: t["visibility"] for t in results["tests"]}
    assert all(visibility[c.name] == ("visible" if c.public else "after_due_date") for c in registry.checks), visibility
    assert 'Grading "Homework 1: forces by autodiff" (grad_forces) for Ada Lovelace <ada@example.edu>' in done.stdout


@pytest.mark.slow
def test_a_colab_notebook_upload_scores_full_marks(grad_forces_zip, tmp_path, results_validator):
    notebook = PROJECT_ROOT / "tests" / "corpus" / "correct" / "grad_forces" / "colab_notebook_magics_and_plot"
    root = make_autograder_root(tmp_path, grad_forces_zip, {"grad_forces.ipynb": (notebook / "grad_forces.ipynb")
                                                            .read_text()})
    done = run_autograder(root)
    assert done.returncode == 0, done.stderr[-3000:]
    results = read_results(root)
    assert_valid_results(results_validator, results)
    assert results["score"] == pytest.approx(load_registry("grad_forces").max_score), results["output"]
    assert "is an IPython shell command; the grader skipped it" in results["output"]


def test_missing_submission_still_gives_valid_results(grad_forces_zip, tmp_path, results_validator):
    root = make_autograder_root(tmp_path, grad_forces_zip, {"notes.txt": "forgot the code"})
    done = run_autograder(root)
    assert done.returncode == 0, done.stderr[-3000:]
    results = read_results(root)
    assert_valid_results(results_validator, results)
    assert results["score"] == 0
    assert "grad_forces.py" in results["output"], "the message should name the file that was expected"


def test_broken_grading_environment_still_gives_valid_results(grad_forces_zip, tmp_path, results_validator):
    root = make_autograder_root(tmp_path, grad_forces_zip, {"grad_forces.py": "x = 1\n"})
    done = run_autograder(root, JAXGRADE_PYTHON=str(tmp_path / "no-such-python"))
    assert done.returncode == 0, done.stderr[-3000:]
    results = read_results(root)
    assert_valid_results(results_validator, results)
    assert results["score"] == 0
    assert "could not finish grading" in results["output"] and "did not start" in results["output"]


def test_grading_past_the_time_limit_still_gives_valid_results(tmp_path, results_validator):
    zip_path = build_gradescope_zip(assignment="grad_forces", out_dir=tmp_path / "dist", time_limit=1)
    solution = (PROJECT_ROOT / "solutions" / "grad_forces.py").read_text()
    root = make_autograder_root(tmp_path, zip_path, {"grad_forces.py": solution})
    done = run_autograder(root)
    assert done.returncode == 0, done.stderr[-3000:]
    results = read_results(root)
    assert_valid_results(results_validator, results)
    assert results["score"] == 0
    assert "took longer than the 1 s allowed" in results["output"] and "lax.scan" in results["output"]
    names = [t["name"] for t in results["tests"]]
    assert names == [c.name for c in load_registry("grad_forces").checks], "every check should be listed as failed"


def test_stale_results_file_is_replaced(grad_forces_zip, tmp_path):
    root = make_autograder_root(tmp_path, grad_forces_zip, {"grad_forces.py": "raise SystemExit(0)\n"})
    (root / "results").mkdir()
    (root / "results" / "results.json").write_text(json.dumps({"score": 1e9, "tests": []}))
    run_autograder(root)
    assert read_results(root)["score"] == 0



FALLBACK_MODULES = ("autograder/__init__.py", "autograder/packaging/__init__.py", "autograder/results.py",
                    "autograder/vocabulary.py", "autograder/grader_process.py",
                    "autograder/packaging/fallback.py", "autograder/packaging/gradescope_entry.py")
FALLBACK_IMPORTS = ("results", "vocabulary", "fallback", "GraderSettings", "run_grader")


@pytest.mark.parametrize("relative", FALLBACK_MODULES)
def test_failure_path_runs_on_gradescopes_system_python(relative):
    """When the venv is broken, run_autograder falls back to Ubuntu 22.04's python3 (3.10):
    these modules must parse as 3.10 and import only the standard library at module level."""
    import ast

    source = (PROJECT_ROOT / relative).read_text()
    tree = ast.parse(source, feature_version=(3, 10))
    allowed = set(sys.stdlib_module_names) | {"__future__", "autograder"}
    for node in tree.body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        outside = [n for n in names if n.split(".")[0] not in allowed]
        assert not outside, f"{relative} imports {outside} at module level; the fallback path cannot rely on it"
        if names and names[0].startswith("autograder"):
            assert node.module in ("autograder", "autograder.packaging", "autograder.grader_process") and all(
                a.name in FALLBACK_IMPORTS for a in node.names), f"{relative}: {ast.unparse(node)}"


def test_submission_is_described_from_gradescope_metadata():
    from autograder.packaging.gradescope_entry import describe_submission

    line = describe_submission(METADATA, "grad_forces")
    assert line == ('Grading "Homework 1: forces by autodiff" (grad_forces) for Ada Lovelace <ada@example.edu>, '
                    "submitted 2026-03-01T14:22:32.365935-08:00")
    assert describe_submission({}, "hmc") == 'Grading "hmc" (hmc)'
