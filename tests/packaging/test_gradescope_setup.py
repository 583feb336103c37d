"""setup.sh and run_autograder: valid shell, pinned installs, a Python that
leaves the system one alone, and pins that match what the project tests with."""
from __future__ import annotations

import re
import shlex
import subprocess
from importlib.metadata import PackageNotFoundError, distribution

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from autograder.packaging.bundle import read_pinned_requirements
from autograder.packaging.gradescope import render_run_autograder, render_setup_sh

# pip/uv/apt options that take a value (the value is not a package).
VALUE_OPTIONS = {"--python", "-p", "--target", "-t", "--only-binary", "--no-binary", "--index-url", "-i",
                 "--extra-index-url", "--constraint", "-c", "--editable", "-e", "--prefix", "--root", "-o"}
PIP_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+$")
APT_PIN = re.compile(r"^[a-z0-9][a-z0-9.+-]*=[A-Za-z0-9.+:~-]+$")


def _logical_lines(script: str) -> list[str]:
    """Lines with backslash continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", script)
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _variables(script: str) -> dict[str, str]:
    return dict(re.findall(r"^([A-Z_]+)=([^\s$`]+)$", script, flags=re.M))


def unpinned_installs(script: str) -> list[str]:
    """Every package a pip, uv pip or apt install in ``script`` names without an exact version."""
    variables = _variables(script)
    problems = []
    for line in _logical_lines(script):
        words = shlex.split(line)
        kind = "apt" if re.search(r"\bapt(-get)?\b", line) else "pip" if re.search(r"\bpip3?\b", line) else None
        if kind is None or "install" not in words:
            continue
        args = words[words.index("install") + 1:]
        skip_next = False
        for word in args:
            if skip_next:
                skip_next = False
                continue
            if word.startswith("-"):
                skip_next = word in VALUE_OPTIONS
                continue
            spec = re.sub(r"\$\{?([A-Z_]+)\}?", lambda m: variables.get(m.group(1), m.group(0)), word)
            if not (PIP_PIN if kind == "pip" else APT_PIN).match(spec):
                problems.append(f"{kind}: {word!r} in: {line.strip()[:120]}")
    return problems


@pytest.fixture(scope="module")
def setup_sh() -> str:
    return render_setup_sh()


@pytest.mark.parametrize("script_name", ["setup.sh", "run_autograder"])
def test_scripts_are_valid_bash(script_name, tmp_path, setup_sh):
    text = setup_sh if script_name == "setup.sh" else render_run_autograder(assignment="grad_forces", time_limit=540)
    path = tmp_path / script_name
    path.write_text(text)
    done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, f"{script_name} is not valid bash:\n{done.stderr}"
    assert text.startswith("#!/usr/bin/env bash\n")


def test_every_installed_package_is_pinned(setup_sh):
    problems = unpinned_installs(setup_sh)
    assert not problems, "setup.sh installs packages without an exact version:\n" + "\n".join(problems)
    installed = {w.split("==")[0].strip("'\"").lower() for w in setup_sh.split() if "==" in w}
    for needed in ("uv", "jax", "jaxlib", "numpy", "setuptools"):
        assert needed in installed, f"setup.sh should install {needed} with a pinned version"


def test_pin_checker_catches_unpinned_packages():
    script = (
        "V=1.2\n"
        "apt-get install -y python3.11 curl=7.81.0-1ubuntu1.16\n"
        "pip install --target /x 'uv==$V' numpy jax>=0.4 \\\n    scipy==1.0\n"
        "uv pip install --python /v/bin/python rich\n"
    )
    flagged = {problem.split(" in: ")[0] for problem in unpinned_installs(script)}
    assert flagged == {"apt: 'python3.11'", "pip: 'numpy'", "pip: 'jax>=0.4'", "pip: 'rich'"}, flagged


def test_setup_keeps_the_system_python_and_hides_the_source(setup_sh):
    commands = "\n".join(_logical_lines(setup_sh))
    for forbidden in ("update-alternatives", "/usr/bin/python3 ", "conda", "miniforge", "chromium", "/root/"):
        assert forbidden not in commands.lower(), f"setup.sh should not touch {forbidden!r}"
    assert re.search(r"^PYTHON_VERSION=3\.\d+\.\d+$", setup_sh, flags=re.M), "the Python build must be pinned exactly"
    assert "PREFIX=/opt/jaxgrade" in setup_sh, "the interpreter must live where the student user can run it"
    assert re.search(r"useradd .*student", commands), "setup.sh should create the unprivileged student user"
    assert 'chmod -R go= "$SOURCE"' in commands, "hidden checks and references must be readable by root only"


def test_pinned_requirements_match_the_tested_environment():
    mismatched = []
    for line in read_pinned_requirements():
        name, version = line.split("==")
        try:
            here = distribution(name).version
        except PackageNotFoundError:
            here = "not installed"
        if here != version:
            mismatched.append(f"{name}: pinned {version}, tested with {here}")
    assert not mismatched, "requirements-grader.txt drifted from the development environment:\n" + "\n".join(mismatched)


def test_pinned_requirements_are_a_closed_set():
    """Every dependency of every pinned package is itself pinned, so nothing floats."""
    pins = {Requirement(line).name.lower().replace("_", "-") for line in read_pinned_requirements()}
    environment = {**default_environment(), "python_version": "3.11", "python_full_version": "3.11.18", "extra": ""}
    missing = []
    for name in sorted(pins):
        for text in distribution(name).requires or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate(environment):
                continue
            if requirement.name.lower().replace("_", "-") not in pins:
                missing.append(f"{requirement.name} (needed by {name})")
    assert not missing, "requirements-grader.txt lacks: " + ", ".join(missing)
