"""A student's first hour: clone the template, follow its README, run the tests.

The template is copied alone to a folder outside the repository, a fresh
virtual environment (no system site-packages) is created and the pinned
dependencies installed exactly as the README says. If installing fails the
test fails: there is no fallback to the project's own environment.
"""
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from autograder.checks import ASSIGNMENTS
from autograder.generate.rules import MIN_PUBLIC_TESTS

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "student_template"
INSTALL_TIMEOUT_S = 1500


def readme_commands(readme: str, heading: str) -> str:
    """The first ```bash block under the ``## heading`` section of the README."""
    section = readme.split(f"## {heading}\n", 1)
    assert len(section) == 2, f"README has no '## {heading}' section"
    block = re.search(r"```bash\n(.*?)```", section[1].split("\n## ", 1)[0], re.DOTALL)
    assert block, f"README section '{heading}' has no bash block"
    return block.group(1).strip()


def run_shell(script: str, *, cwd: Path, timeout: int) -> subprocess.CompletedProcess:
    # A clean shell: system Python first on PATH, nothing from the project's venv.
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(Path.home()), "LANG": "C.UTF-8"}
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def outcomes(report: Path) -> dict[str, str | None]:
    result = {}
    for case in ElementTree.parse(report).iter("testcase"):
        problem = case.find("failure") if case.find("failure") is not None else case.find("error")
        passed = problem is None and case.find("skipped") is None
        result[f"{case.get('classname')}::{case.get('name')}"] = None if passed else (
            (problem.get("message") or "") + (problem.text or "") if problem is not None else "skipped"
        )
    return result


@pytest.mark.slow
def test_template_installs_from_its_readme_and_runs_its_tests(tmp_path):
    student_repo = tmp_path / "my-assignments"
    shutil.copytree(TEMPLATE, student_repo)
    readme = (student_repo / "README.md").read_text(encoding="utf-8")
    setup = readme_commands(readme, "Set up")
    run_tests = readme_commands(readme, "Run the public tests")
    assert "venv" in setup and "requirements.txt" in setup

    installed = run_shell(setup, cwd=student_repo, timeout=INSTALL_TIMEOUT_S)
    assert installed.returncode == 0, (
        "following the README's setup commands failed:\n" + installed.stdout[-3000:] + installed.stderr[-3000:]
    )
    venv_config = (student_repo / ".venv" / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in venv_config

    def run_public_tests(report_name: str) -> dict[str, str | None]:
        report = tmp_path / report_name
        script = f"source .venv/bin/activate\n{run_tests} -p no:cacheprovider --junitxml={report}"
        result = run_shell(script + " || true", cwd=student_repo, timeout=600)
        assert report.exists(), "the public tests did not run:\n" + result.stdout[-3000:] + result.stderr[-3000:]
        return outcomes(report)

    on_stubs = run_public_tests("stubs.xml")
    assert len(on_stubs) >= MIN_PUBLIC_TESTS * len(ASSIGNMENTS)
    for test_id, message in on_stubs.items():
        assert message is not None and "Not implemented yet" in message, f"{test_id} on the stub: {message}"

    for name in ASSIGNMENTS:
        shutil.copy2(REPO / "solutions" / f"{name}.py", student_repo / "assignments" / f"{name}.py")
    on_references = run_public_tests("references.xml")
    assert sorted(on_references) == sorted(on_stubs)
    failures = {test_id: message for test_id, message in on_references.items() if message is not None}
    assert not failures, f"public tests fail on the references in a fresh install: {failures}"
