"""``jaxgrade new`` gives a complete, working assignment without editing the framework.

The commands are the worked example of docs/authoring.md, read from the guide
and run in a copy of the repository (tracked files and new untracked ones),
so the guide cannot drift from what works. One grading of the reference, one
of the stub, one run of the new public tests.
"""
from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "authoring.md"
EXAMPLE_MARK = "<!-- worked example: tests/generate/test_scaffold.py runs these commands -->"
NAME = "orbit_demo"


def guide_commands() -> list[list[str]]:
    """The ``jaxgrade`` command lines of the guide's worked example, in order."""
    text = GUIDE.read_text(encoding="utf-8")
    assert EXAMPLE_MARK in text, f"docs/authoring.md lost its worked example marker {EXAMPLE_MARK!r}"
    block = text.split(EXAMPLE_MARK, 1)[1].split("```", 2)[1]
    lines = [line.strip().removeprefix("$ ") for line in block.splitlines()[1:]]
    return [shlex.split(line, comments=True) for line in lines if line.startswith("jaxgrade ")]


def copy_repository(target: Path) -> Path:
    """Every tracked or new (not ignored) file of the repository, copied to ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    """The copy after running the guide's commands; (root, {command: completed process})."""
    # Not under pytest's private temporary folder: the sandboxed child runs as an
    # unprivileged user and must be able to read the grader's code from the copy.
    root = copy_repository(Path(tempfile.mkdtemp(prefix="jaxgrade-scaffold-")))
    root.chmod(0o755)
    try:
        yield _run_guide(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_guide(root: Path):
    before = digests(root / "autograder")
    env = dict(os.environ, PYTHONPATH=str(root), JAX_PLATFORMS="cpu")
    runs = {}
    for argv in guide_commands():
        done = subprocess.run([sys.executable, "-m", "autograder.cli", *argv[1:]], cwd=root, env=env,
                              capture_output=True, text=True, timeout=600)
        runs[" ".join(argv)] = done
        assert done.returncode == 0, f"`{' '.join(argv)}` failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return root, before, runs


@pytest.mark.slow
def test_the_guide_runs_every_step(scaffolded):
    _, _, runs = scaffolded
    steps = list(runs)
    assert steps[0] == f"jaxgrade new {NAME}"
    for needed in ("jaxgrade regenerate", "jaxgrade regenerate --check", f"jaxgrade build gradescope {NAME}"):
        assert any(step.startswith(needed) for step in steps), f"the guide's example lacks {needed!r}"
    assert "Generated files match solutions/." in runs["jaxgrade regenerate --check"].stdout
    listed = runs["jaxgrade list"].stdout.splitlines()
    assert any(NAME in line and "7 points" in line for line in listed), listed


@pytest.mark.slow
def test_no_framework_file_changes(scaffolded):
    root, before, _ = scaffolded
    after = digests(root / "autograder")
    changed = sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))
    assert changed == [f"checks/{NAME}.py"], changed


@pytest.mark.slow
def test_reference_scores_full_marks_and_stub_zero(scaffolded):
    root, _, _ = scaffolded
    reference = json.loads((root / "reference.json").read_text())
    stub = json.loads((root / "stub.json").read_text())
    assert reference["score"] == sum(t["max_score"] for t in reference["tests"]) > 0, reference["tests"]
    assert stub["score"] == 0 and all(t["score"] == 0 for t in stub["tests"])
    assert any("Not implemented yet" in t["output"] for t in stub["tests"])


@pytest.mark.slow
def test_gradescope_zip_carries_the_new_assignment(scaffolded):
    root, _, _ = scaffolded
    with zipfile.ZipFile(root / "dist" / f"{NAME}-autograder.zip") as archive:
        names = set(archive.namelist())
        run_autograder = archive.read("run_autograder").decode()
    assert {f"autograder/checks/{NAME}.py", f"solutions/{NAME}.py"} <= names
    assert NAME in run_autograder


@pytest.mark.slow
def test_new_public_tests_pass_on_the_reference(scaffolded, tmp_path):
    root, _, _ = scaffolded
    template = tmp_path / "template"
    shutil.copytree(root / "student_template", template)
    shutil.copy2(root / "solutions" / f"{NAME}.py", template / "assignments" / f"{NAME}.py")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"tests/test_{NAME}.py"],
        cwd=template, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(template), "JAX_PLATFORMS": "cpu"},
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert " 4 passed" in done.stdout or "4 passed" in done.stdout, done.stdout[-500:]


@pytest.mark.slow
def test_the_wrong_case_fails_as_its_expect_json_says(scaffolded, tmp_path):
    """The scaffold's own corpus expectation holds (its checks, failures and words)."""
    root, _, _ = scaffolded
    case = root / "tests" / "corpus" / "wrong" / NAME / "forces_sign_flipped"
    expect = json.loads((case / "expect.json").read_text())
    env = dict(os.environ, PYTHONPATH=str(root), JAX_PLATFORMS="cpu")
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(case), "-a", NAME,
                           "--results", str(tmp_path / "wrong.json")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    tests = {t["extra_data"]["check"]: t for t in json.loads((tmp_path / "wrong.json").read_text())["tests"]}
    assert sorted(n for n, t in tests.items() if t["score"] < t["max_score"]) == sorted(expect["failed"])
    for name, words in expect["says"].items():
        assert words in tests[name]["output"], tests[name]["output"]


def test_generated_python_passes_the_project_linter(scaffolded):
    root, _, _ = scaffolded
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.is_file():
        pytest.skip("ruff is not installed in this environment")
    files = [f"autograder/checks/{NAME}.py", f"solutions/{NAME}.py", f"solutions/public_tests/test_{NAME}.py"]
    done = subprocess.run([str(ruff), "check", "--no-cache", *files], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_the_reference_case_follows_the_reference(tmp_path):
    """`new`'s correct case is derived: regenerate plans it as a copy of solutions/NAME.py, so --check sees drift."""
    from autograder.generate.regenerate import _reference_copies

    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "demo.py").write_text("x = 2\n")
    case = tmp_path / "tests" / "corpus" / "correct" / "demo" / "reference"
    case.mkdir(parents=True)
    (case / "expect.json").write_text('{"score": "full", "submission": "reference"}')
    assert _reference_copies(tmp_path) == {"tests/corpus/correct/demo/reference/assignments/demo.py": b"x = 2\n"}
    (case / "expect.json").write_text('{"score": "full"}')  # a hand-written case is left alone
    assert _reference_copies(tmp_path) == {}
