"""The project's version lock: ``constraints.txt`` at the project root.

Every exact version the project installs anywhere comes from that one file:
the README's install command passes it to pip as constraints, the Gradescope
``setup.sh`` and the Otter environment pin the grader's closed set of packages
from it, and the student template's requirements are rendered from it. Code
asks for versions by package name; nothing else writes a version down.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

LOCK_FILE = Path(__file__).resolve().parents[1] / "constraints.txt"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)$")


class LockError(LookupError):
    """A package the project needs a version of is not in the lock."""


def normalise(name: str) -> str:
    """PEP 503 normal form: ``ml_dtypes`` and ``ML-Dtypes`` are the same package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(text: str) -> dict[str, tuple[str, str]]:
    """``normalised name -> (name as written, version)``; loud on any line that is not a pin."""
    pins: dict[str, tuple[str, str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _PIN.match(line)
        if not match:
            raise LockError(f"{LOCK_FILE.name}:{number}: expected 'name==version', got {line!r}")
        key = normalise(match.group(1))
        if key in pins:
            raise LockError(f"{LOCK_FILE.name}:{number}: {match.group(1)} is pinned twice")
        pins[key] = (match.group(1), match.group(2))
    return pins


@functools.cache
def locked() -> dict[str, tuple[str, str]]:
    """The lock as read from ``constraints.txt`` (see :func:`parse_lock`)."""
    return parse_lock(LOCK_FILE.read_text(encoding="utf-8"))


def version(name: str) -> str:
    """The locked version of ``name``."""
    try:
        return locked()[normalise(name)][1]
    except KeyError:
        raise LockError(
            f"{name} has no version in {LOCK_FILE.name}: add a '{name}==VERSION' line there "
            "(the version the tests passed with)"
        ) from None


def pins(names) -> list[str]:
    """``name==version`` for each of ``names``, in the order given."""
    return [f"{name}=={version(name)}" for name in names]
