"""The README's commands work beyond the one interpreter and folder CI runs in.

CI runs the README's blocks verbatim (tests/test_readme_commands.py) with one
interpreter in one folder. These two tests cover what that run cannot see:

- the lock resolves for another interpreter on this machine (Debian 12's
  /usr/bin/python3.11, 3.11.2, where there is one): pip's own resolver,
  `pip install --dry-run -c constraints.txt ".[dev]"`, in a throwaway venv;
- the sandbox tests pass from a checkout inside a private (0700) folder, with
  its virtual environment inside it too, as `git clone` into `mktemp -d` or a
  root home folder gives: the mount namespace that makes such a Python
  reachable for the child's user hides everything else under that folder.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
OTHER_PYTHONS = ["/usr/bin/python3.11", "/usr/bin/python3.12", "/usr/bin/python3.13", "/usr/bin/python3"]


def _version(python: str) -> str | None:
    try:
        done = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                              capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _other_interpreter() -> tuple[str, str] | None:
    """An interpreter on this machine other than the one running the tests, with its version."""
    mine = ".".join(map(str, sys.version_info[:3]))
    for python in OTHER_PYTHONS:
        version = _version(python) if os.path.exists(python) else None
        if version and version != mine and tuple(map(int, version.split(".")[:2])) >= (3, 11):
            return python, version
    return None


@pytest.mark.slow
def test_the_lock_resolves_for_another_interpreter(tmp_path):
    found = _other_interpreter()
    if found is None:
        pytest.skip(f"no Python >= 3.11 other than this one among {OTHER_PYTHONS}")
    python, version = found
    venv = tmp_path / "venv"
    made = subprocess.run([python, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=120)
    if made.returncode != 0:
        pytest.skip(f"{python} ({version}) cannot make a venv (on Debian: apt install python3-venv): "
                    f"{made.stderr[-300:]}")
    done = subprocess.run([str(venv / "bin" / "pip"), "install", "--dry-run", "--ignore-installed",
                           "-c", "constraints.txt", ".[dev]"],
                          cwd=CHECKOUT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "Would install" in done.stdout, (
        f"the README's install does not resolve with {python} (Python {version}):\n"
        + "\n".join(line for line in (done.stdout + done.stderr).splitlines()
                    if "ignored: it is neither" not in line)[-3000:])


def _private_checkout(private: Path) -> Path:
    """What the sandbox tests need of this checkout, copied under `private` (mode 0700)."""
    repo = private / "repo"
    skip = shutil.ignore_patterns("__pycache__", ".pytest_cache")
    for folder in ("autograder", "tests/sandbox"):
        shutil.copytree(CHECKOUT / folder, repo / folder, ignore=skip)
    for name in ("pyproject.toml", "tests/__init__.py", "tests/conftest.py"):
        shutil.copy(CHECKOUT / name, repo / name)
    return repo


def _private_venv(private: Path) -> Path:
    """A venv inside `private` that sees this environment's packages: its Python lives in the private folder."""
    venv = private / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    query = "import sysconfig; print(sysconfig.get_path('purelib'))"
    inner = Path(subprocess.run([str(venv / "bin" / "python"), "-c", query],
                                capture_output=True, text=True, check=True).stdout.strip())
    (inner / "outer.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv / "bin" / "python"


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox's separate user and mount namespace need root")
def test_sandbox_tests_pass_from_a_private_checkout_folder():
    private = Path(tempfile.mkdtemp(prefix="jaxgrade-private-"))  # mode 0700, as mktemp -d makes it
    try:
        repo = _private_checkout(private)
        python = _private_venv(private)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        env["PYTHONPATH"] = str(repo)
        done = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                               "tests/sandbox/test_table.py", "tests/sandbox/test_reaper.py"],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (
            f"the sandbox tests fail from a checkout in a private folder ({private}, mode 0700):\n"
            f"{done.stdout[-3000:]}{done.stderr[-1000:]}")
    finally:
        shutil.rmtree(private, ignore_errors=True)
