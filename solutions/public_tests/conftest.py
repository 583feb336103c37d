"""Settings shared by the public tests.

The autograder turns on 64-bit mode before it imports your code, so the
public tests do the same. Every failure is one screen: what was expected,
what your code returned, how to fix it, in the autograder's words. A
function that still raises NotImplementedError fails with a short "not
implemented yet" message; any other error in your code gets its traceback
(your lines) and the same "how to fix" hint the autograder would give.
"""
import json
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import jaxgrade_points  # noqa: E402
import pytest  # noqa: E402

from jaxgrade_feedback import NOT_IMPLEMENTED, explain_error  # noqa: E402

_TITLES_FILE = Path(__file__).with_name("graded_checks.json")  # written with the template
_TITLES = json.loads(_TITLES_FILE.read_text(encoding="utf-8")) if _TITLES_FILE.exists() else {}


def pytest_configure(config):
    # Each failing graded test shows its points; the run ends with the points per assignment.
    jaxgrade_points.register(config)


def _graded_check(item) -> str:
    """The graded check a public test twins, by the title the autograder's report shows."""
    check = getattr(getattr(item, "function", None), "graded_check", None)
    if not check:
        return ""
    assignment = Path(str(item.fspath)).stem.removeprefix("test_")
    return f"[graded check: {_TITLES.get(assignment, {}).get(check, check)}]\n"


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem):
    try:
        return (yield)
    except NotImplementedError as error:
        message = f"{NOT_IMPLEMENTED}\n  ({error})"
    except AssertionError as error:  # a plain `assert ..., message` in a test: the message is the report
        message = _graded_check(pyfuncitem) + (str(error) or "assertion failed")
    except pytest.fail.Exception as error:
        if getattr(error, "pytrace", True) or not _graded_check(pyfuncitem):
            raise
        message = _graded_check(pyfuncitem) + error.msg
    # Failing outside the except block keeps the helpers' traceback out of the report.
    pytest.fail(message, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.excinfo is not None and not call.excinfo.errisinstance((AssertionError, pytest.fail.Exception)):
        error = call.excinfo.value
        report.sections.append(("how to fix", explain_error(type(error).__name__, str(error))))
    return report
