"""A new student's first hour, end to end.

Copy student_template/ into a fresh folder and `git init` it (as a clone
would be); set up the environment the README's way; see the public tests fail
with "Not implemented yet" on the stubs; write one assignment (the reference
body of grad_forces); see its public tests pass and `jaxgrade grade` on the
folder give full marks.

Setting up: the README's commands (`python3 -m venv .venv`, then
`pip install -r requirements.txt`) are followed literally when they can run
offline (pip with --no-index, finding the pinned wheels through PIP_FIND_LINKS
or pip's configuration). Where they cannot, the public tests run with the
project's own interpreter, which has the same pinned jax, numpy, pytest and
hypothesis; the route taken is printed and recorded in the test report.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.checks import load_registry
from autograder.packaging.bundle import PROJECT_ROOT

from .conftest import RUN_AS

TEMPLATE = PROJECT_ROOT / "student_template"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (TEMPLATE / "README.md").is_file(), reason="student_template/ has not been generated"),
]


def readme_setup_commands() -> list[str]:
    """The POSIX commands of the README's first bash block (venv, activate, pip install)."""
    readme = (TEMPLATE / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, flags=re.S)
    assert block, "the student README should show its set-up commands in a ```bash block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def clone_template(dest: Path) -> Path:
    shutil.copytree(TEMPLATE, dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".venv"))
    if shutil.which("git"):
        git = ["git", "-c", "user.name=Student", "-c", "user.email=student@example.edu",
               "-c", "init.defaultBranch=main"]
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "Initial commit"]):
            subprocess.run(git + args, cwd=dest, check=True, capture_output=True)
    return dest


def set_up_environment(repo: Path) -> tuple[str, str]:
    """(python to run the tests with, which route was taken)."""
    script = " && ".join(readme_setup_commands())
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    venv_python = repo / ".venv" / "bin" / "python"
    if done.returncode == 0 and venv_python.exists():
        return str(venv_python), "the README's commands, offline"
    reason = (done.stderr.strip().splitlines() or ["unknown"])[-1][:200]
    return sys.executable, f"the project's interpreter (the README's install cannot run offline here: {reason})"


def run_public_tests(python: str, repo: Path, *selection: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *selection],
        cwd=repo, capture_output=True, text=True, timeout=1800,
    )


def test_a_student_goes_from_stubs_to_full_marks(tmp_path, record_property):
    repo = clone_template(tmp_path / "jax-physics-assignments")
    python, route = set_up_environment(repo)
    record_property("environment", route)
    print(f"public tests run with {route}")

    stubs = run_public_tests(python, repo)
    assert stubs.returncode == 1, f"the public tests should fail on the stubs:\n{stubs.stdout[-3000:]}"
    assert "Not implemented yet" in stubs.stdout, stubs.stdout[-3000:]
    assert not re.search(r"\d+ errors?\b", stubs.stdout.splitlines()[-1]), f"collection errors:\n{stubs.stdout[-3000:]}"

    shutil.copyfile(PROJECT_ROOT / "solutions" / "grad_forces.py", repo / "assignments" / "grad_forces.py")
    written = run_public_tests(python, repo, "tests/test_grad_forces.py")
    assert written.returncode == 0, f"grad_forces' public tests should pass once written:\n{written.stdout[-3000:]}"

    results_path = tmp_path / "results.json"
    graded = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(repo), "-a", "grad_forces",
         "--results", str(results_path), "--run-as", RUN_AS],
        capture_output=True, text=True, timeout=1800,
    )
    assert graded.returncode == 0, graded.stderr[-3000:]
    results = json.loads(results_path.read_text())
    failed = [f"{t['name']}: {t['output'][:300]}" for t in results["tests"] if t["status"] != "passed"]
    assert not failed, "the student's repo should get full marks:\n" + "\n".join(failed)
    assert results["score"] == pytest.approx(load_registry("grad_forces").max_score)
