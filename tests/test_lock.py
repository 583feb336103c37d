"""The lock (constraints.txt) is the one source of versions, and it is the truth.

These fail when the environment the tests run in, the project's declared
requirements, or any place that ships pins (Gradescope setup.sh, Otter's
requirements, the student template) disagree with the lock, environment
markers evaluated for the interpreter each place installs on.
"""
from __future__ import annotations

import re
import tomllib
from importlib.metadata import distribution

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from autograder import lock
from autograder.generate import template
from autograder.packaging.bundle import read_pinned_requirements
from autograder.packaging.gradescope import PYTHON_VERSION as GRADESCOPE_PYTHON
from autograder.packaging.gradescope import render_setup_sh

SUPPORTED_PYTHONS = ("3.11.2", "3.11.18", "3.12.1", "3.13.0")
"""Debian 12's system Python, Gradescope's managed CPython, and the newest two minor versions the README names."""
PYPROJECT = tomllib.loads((lock.LOCK_FILE.parent / "pyproject.toml").read_text(encoding="utf-8"))


def _declared(extras=("dev",)) -> list[Requirement]:
    """The project's own requirements: dependencies plus the named extras."""
    texts = list(PYPROJECT["project"]["dependencies"])
    for extra in extras:
        texts += PYPROJECT["project"]["optional-dependencies"][extra]
    return [Requirement(text) for text in texts]


def _closure(requirements: list[Requirement]) -> set[str]:
    """Every distribution the requirements pull in on this interpreter (normalised names)."""
    seen: set[str] = set()
    todo = [(r, "") for r in requirements]
    while todo:
        requirement, extra = todo.pop()
        environment = {**default_environment(), "extra": extra}
        if requirement.marker and not requirement.marker.evaluate(environment):
            continue
        name = lock.normalise(requirement.name)
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        for text in distribution(name).requires or []:
            for wanted in [""] + sorted(requirement.extras):
                todo.append((Requirement(text), wanted))
    return {key.split("[")[0] for key in seen}


def test_lock_parses_and_is_loud_on_bad_lines():
    assert lock.locked(), "constraints.txt pins nothing"
    with pytest.raises(lock.LockError, match="expected 'name==version'"):
        lock.parse_lock("numpy>=2\n")
    with pytest.raises(lock.LockError, match="pinned twice"):
        lock.parse_lock("ml_dtypes==0.6.0\nml-dtypes==0.6.0\n")
    with pytest.raises(lock.LockError, match="pinned twice"):
        lock.parse_lock('soupsieve==4.1.4\nsoupsieve==2.10 ; python_full_version < "3.11.5"\n')
    with pytest.raises(lock.LockError, match="no version in constraints.txt"):
        lock.version("a-package-the-project-never-uses")


def test_markers_choose_one_version_per_interpreter(monkeypatch):
    text = 'soupsieve==4.1.4 ; python_full_version >= "3.11.5"\nsoupsieve==2.10 ; python_full_version < "3.11.5"\n'
    monkeypatch.setattr(lock, "locked", lambda: lock.parse_lock(text))
    assert lock.version("soupsieve", "3.11.2") == "2.10"
    assert lock.version("soupsieve", "3.11.18") == lock.version("soupsieve", "3.13.0") == "4.1.4"
    assert lock.universal_pins(["soupsieve"]) == [
        'soupsieve==4.1.4 ; python_full_version >= "3.11.5"', 'soupsieve==2.10 ; python_full_version < "3.11.5"']
    monkeypatch.setattr(lock, "locked", lambda: lock.parse_lock(text.splitlines()[0]))
    with pytest.raises(lock.LockError, match="0 lines of soupsieve for Python 3.11.2"):
        lock.version("soupsieve", "3.11.2")


@pytest.mark.parametrize("python", SUPPORTED_PYTHONS)
def test_every_package_has_exactly_one_line_for_each_supported_interpreter(python):
    """The lock resolves per interpreter: never zero or two versions of a package."""
    problems = []
    for key in lock.locked():
        try:
            lock.version(key, python)
        except lock.LockError as error:
            problems.append(str(error))
    assert not problems, "\n".join(problems)


def test_hypothesis_is_one_version_on_every_interpreter():
    # The grader and the student's local tests draw the same examples only from the same
    # hypothesis version: it must never be split by markers.
    assert {lock.version("hypothesis", python) for python in SUPPORTED_PYTHONS} == {lock.version("hypothesis")}
    assert [m for _, _, m in lock.locked()["hypothesis"]] == [None]


def test_every_installed_dependency_is_locked_at_its_installed_version():
    """What the tests run on is exactly the lock (install with the README's command)."""
    problems = []
    for name in sorted(_closure(_declared())):
        installed = distribution(name).version
        try:
            locked = lock.version(name)
        except lock.LockError:
            problems.append(f"{name} {installed}: not in the lock")
            continue
        if locked != installed:
            problems.append(f"{name}: locked {locked}, installed {installed}")
    assert not problems, (
        "the environment drifted from constraints.txt; reinstall with "
        "`.venv/bin/pip install -c constraints.txt -e \".[dev]\"`:\n" + "\n".join(problems)
    )


def test_declared_requirements_admit_the_locked_versions():
    problems = [
        f"{r} excludes the locked {lock.version(r.name)}"
        for r in _declared(extras=tuple(PYPROJECT["project"]["optional-dependencies"]))
        if lock.normalise(r.name) in lock.locked() and not r.specifier.contains(lock.version(r.name), prereleases=True)
    ]
    assert not problems, "pyproject.toml and constraints.txt disagree:\n" + "\n".join(problems)


def test_every_shipped_pin_is_the_locked_version():
    setup_sh = render_setup_sh()
    shipped = {  # where -> (pins, the interpreter they install on: None for any, markers evaluated)
        "Gradescope setup.sh": (re.findall(r"'([A-Za-z0-9._-]+==[^']+)'", setup_sh)
                                + re.findall(r'"([a-z]+==\$[A-Z_]+)"', setup_sh), GRADESCOPE_PYTHON),
        "Otter requirements / grader set": (read_pinned_requirements(), None),
        "student template": (list(template.PINNED_REQUIREMENTS), None),
    }
    variables = dict(re.findall(r"^([A-Z_]+)=(\S+)$", setup_sh, flags=re.M))
    problems = []
    for where, (pins, target) in shipped.items():
        assert pins, f"found no pins in the {where}"
        for python in [target] if target else SUPPORTED_PYTHONS:
            env = lock.environment(python)
            named, applying = set(), set()
            for pin in pins:
                requirement = Requirement(re.sub(r"\$([A-Z_]+)", lambda m: variables[m.group(1)], pin))
                named.add(lock.normalise(requirement.name))
                if requirement.marker and not requirement.marker.evaluate(env):
                    continue
                applying.add(lock.normalise(requirement.name))
                (version,) = [s.version for s in requirement.specifier]
                if lock.version(requirement.name, python) != version:
                    problems.append(f"{where} on Python {python}: {requirement.name}=={version}, "
                                    f"lock says {lock.version(requirement.name, python)}")
            problems += [f"{where} on Python {python}: no line of {name} applies" for name in sorted(named - applying)]
    assert not problems, "\n".join(problems)
