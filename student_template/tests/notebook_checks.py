"""Run an assignment's public checks on the functions defined in a notebook.

The last cell of each handout notebook (``notebooks/<name>.ipynb``) calls
:func:`run_public_checks`. It runs the same public tests as
``python -m pytest tests/test_<name>.py`` (the autograder's own verdicts and
"how to fix" words), on the notebook's functions instead of
``assignments/<name>.py``, and then lists each public graded check with the
points it is worth.
"""
from __future__ import annotations

import sys
import types
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parent


class _Collector:
    """A pytest plugin that records which graded check each test stands for, and its outcome."""

    def __init__(self):
        self.check_of: dict[str, str] = {}
        self.failed: set[str] = set()
        self.ran: set[str] = set()

    def pytest_collection_modifyitems(self, items):
        for item in items:
            check = getattr(getattr(item, "function", None), "graded_check", None)
            if check:
                self.check_of[item.nodeid] = check

    def pytest_runtest_logreport(self, report):
        self.ran.add(report.nodeid)
        if report.failed:
            self.failed.add(report.nodeid)


def _as_module(name: str, namespace: dict) -> types.ModuleType:
    """The notebook's definitions as ``assignments.<name>``, where the public tests import it from."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import assignments

    module = types.ModuleType(f"assignments.{name}")
    module.__dict__.update({key: value for key, value in namespace.items() if not key.startswith("_")})
    sys.modules[module.__name__] = module
    setattr(assignments, name, module)
    return module


def _forget_test_modules() -> None:
    """Drop the test modules imported by an earlier run, so this run sees the notebook's new functions."""
    for key, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None) or ""
        if origin.startswith(str(TESTS_DIR)) and not key.startswith("jaxgrade_"):
            del sys.modules[key]


def run_public_checks(name: str, namespace: dict, points: dict[str, float]) -> dict[str, bool]:
    """Run ``tests/test_<name>.py`` on the notebook's functions; print each public check's points.

    ``points``: public graded check -> its points. Returns check -> passed.
    """
    import pytest

    _as_module(name, namespace)
    _forget_test_modules()
    collector = _Collector()
    pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", str(REPO), str(TESTS_DIR / f"test_{name}.py")],
                plugins=[collector])
    passed = {}
    for check in points:
        tests = [node for node, c in collector.check_of.items() if c == check]
        passed[check] = bool(tests) and all(t in collector.ran and t not in collector.failed for t in tests)
    earned = sum(points[c] for c, ok in passed.items() if ok)
    print(f"\nPublic checks of {name}: {earned:g} of {sum(points.values()):g} points")
    for check, ok in passed.items():
        print(f"  {'passed' if ok else 'FAILED'}  {check} ({points[check]:g} point{'s' if points[check] != 1 else ''})")
    print("The autograder runs these and hidden checks on your submitted notebook (handouts: How it is graded).")
    return passed
