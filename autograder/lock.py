"""The project's version lock: ``constraints.txt`` at the project root.

Every exact version the project installs anywhere comes from that one file:
the README's install command passes it to pip as constraints, the Gradescope
``setup.sh`` and the Otter environment pin the grader's closed set of packages
from it, and the student template's requirements are rendered from it. Code
asks for versions by package name; nothing else writes a version down.

The lock is universal: a package whose locked version does not install on
every supported interpreter has one line per range, each with an environment
marker (``soupsieve==4.1.4 ; python_full_version >= "3.11.5"``), as pip reads
them. A version is looked up for a target interpreter (by default the running
one; ``python="3.11.18"`` for Gradescope's managed CPython), and exactly one
line of each package must apply to any interpreter.
"""
from __future__ import annotations

import functools
import platform
import re
from pathlib import Path

from packaging.markers import InvalidMarker, Marker, default_environment

LOCK_FILE = Path(__file__).resolve().parents[1] / "constraints.txt"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)\s*(?:;\s*(.+))?$")


class LockError(LookupError):
    """A package the project needs a version of is not in the lock."""


def normalise(name: str) -> str:
    """PEP 503 normal form: ``ml_dtypes`` and ``ML-Dtypes`` are the same package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(text: str) -> dict[str, list[tuple[str, str, Marker | None]]]:
    """``normalised name -> [(name as written, version, marker or None)]``; loud on any line that is not a pin."""
    pins: dict[str, list[tuple[str, str, Marker | None]]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _PIN.match(line)
        if not match:
            raise LockError(f"{LOCK_FILE.name}:{number}: expected 'name==version' or 'name==version ; marker', "
                            f"got {line!r}")
        try:
            marker = Marker(match.group(3)) if match.group(3) else None
        except InvalidMarker as error:
            raise LockError(f"{LOCK_FILE.name}:{number}: {error}") from None
        key = normalise(match.group(1))
        if key in pins and (marker is None or any(m is None for _, _, m in pins[key])):
            raise LockError(f"{LOCK_FILE.name}:{number}: {match.group(1)} is pinned twice "
                            "(a second line needs environment markers on both)")
        pins.setdefault(key, []).append((match.group(1), match.group(2), marker))
    return pins


@functools.cache
def locked() -> dict[str, list[tuple[str, str, Marker | None]]]:
    """The lock as read from ``constraints.txt`` (see :func:`parse_lock`)."""
    return parse_lock(LOCK_FILE.read_text(encoding="utf-8"))


def environment(python: str | None = None) -> dict[str, str]:
    """Marker variables of the running interpreter, or of CPython ``python`` (e.g. "3.11.18") on this platform."""
    env = default_environment()
    if python is not None:
        env.update(python_full_version=python, python_version=".".join(python.split(".")[:2]),
                   implementation_version=python, implementation_name="cpython",
                   platform_python_implementation="CPython")
    return env


def _entry(name: str, python: str | None) -> tuple[str, str, Marker | None]:
    entries = locked().get(normalise(name))
    if not entries:
        raise LockError(
            f"{name} has no version in {LOCK_FILE.name}: add a '{name}==VERSION' line there "
            "(the version the tests passed with)"
        )
    env = environment(python)
    applying = [e for e in entries if e[2] is None or e[2].evaluate(env)]
    if len(applying) != 1:
        target = f"Python {env['python_full_version']} on {platform.system()}"
        raise LockError(f"{LOCK_FILE.name} has {len(applying)} lines of {name} for {target}; "
                        "exactly one must apply (check its environment markers)")
    return applying[0]


def version(name: str, python: str | None = None) -> str:
    """The locked version of ``name`` for the running interpreter, or for CPython ``python``."""
    return _entry(name, python)[1]


def pins(names, python: str | None = None) -> list[str]:
    """``name==version`` for each of ``names``, in the order given, for the target interpreter."""
    return [f"{name}=={version(name, python)}" for name in names]


def universal_pins(names) -> list[str]:
    """Every lock line of ``names``, markers included: for files that install on any interpreter."""
    lines = []
    for name in names:
        _entry(name, None)  # loud if missing
        for _, locked_version, marker in locked()[normalise(name)]:
            lines.append(f"{name}=={locked_version}" + (f" ; {marker}" if marker else ""))
    return lines
