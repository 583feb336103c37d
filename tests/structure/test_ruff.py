"""The project is clean under ruff, configured in pyproject.toml ([tool.ruff]).

ruff is a dev dependency (``pip install -e ".[dev]"``), so it is always there
when the tests run; a missing ruff is a failure, not a skip.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from autograder.packaging.bundle import PROJECT_ROOT

RUFF = Path(sys.executable).with_name("ruff")


def ruff(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    assert RUFF.exists(), f"ruff is not installed beside {sys.executable}: pip install -e '.[dev]'"
    return subprocess.run([str(RUFF), "check", "--no-cache", "--output-format", "concise", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_project_is_clean_under_ruff():
    done = ruff(".")
    assert done.returncode == 0, (
        f"ruff found violations (fix them; `ruff check --fix` fixes many):\n{done.stdout[-6000:]}")


def test_ruff_applies_the_project_s_rules(tmp_path):
    """A too-long line, an unused import and unsorted imports are reported under the project's config."""
    sample = tmp_path / "sample.py"
    sample.write_text("import sys\nimport os\n\nx = '" + "a" * 130 + "'\n")
    done = ruff("--config", str(PROJECT_ROOT / "pyproject.toml"), str(sample), cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    for rule in ("E501", "F401", "I001"):
        assert rule in done.stdout, f"{rule} not reported:\n{done.stdout}"
