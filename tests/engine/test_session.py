"""The parent's side of the conversation with a child: deadlines, crashes,
restarts, and what the student sees of their own errors."""
from __future__ import annotations

import time

import numpy as np
import pytest

from autograder.checking.framework import Context, explain_failure
from autograder.sandbox.session import ChildCrashed, ChildSession, ChildTimeout, StudentError

MODULE = '''
import os
import time

import jax.numpy as jnp


def double(x):
    return 2 * x


def hang():
    while True:
        time.sleep(0.1)


def leave():
    os._exit(3)


def fail():
    return helper()


def helper():
    raise ValueError("bad \\x00 input")
'''


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    staged = tmp_path_factory.mktemp("staged")
    (staged / "assignments").mkdir()
    (staged / "assignments" / "__init__.py").write_text("")
    (staged / "assignments" / "toy.py").write_text(MODULE)
    with ChildSession(staged_dir=staged) as session:
        yield session


def _ctx(session):
    return Context(assignment="toy", session=session, reference=None, source="")


def test_values_come_back_as_plain_arrays(session):
    out = _ctx(session).call("double", np.arange(3, dtype=np.float32))
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_array_equal(out, [0, 2, 4])


def test_a_hung_call_is_killed_and_a_fresh_child_takes_over(session):
    starts = session.starts
    began = time.monotonic()
    with pytest.raises(ChildTimeout):
        _ctx(session).call("hang", timeout=2)
    assert time.monotonic() - began < 15
    np.testing.assert_array_equal(_ctx(session).call("double", np.ones(2)), [2, 2])
    assert session.starts == starts + 1


def test_exit_is_a_crash_with_a_reason(session):
    with pytest.raises(ChildCrashed, match="status 3"):
        _ctx(session).call("leave")
    assert _ctx(session).call("double", 1.0) == 2.0


def test_student_errors_show_only_their_own_frames(session):
    with pytest.raises(StudentError) as info:
        _ctx(session).call("fail")
    err = info.value
    assert err.type_name == "ValueError" and "\x00" not in err.message
    assert 'File "assignments/toy.py"' in err.traceback and "in helper" in err.traceback
    assert "server.py" not in err.traceback and "jaxgrade_child" not in err.traceback
    assert "Your code raised ValueError" in explain_failure(err)


def test_missing_function_is_a_student_error(session):
    with pytest.raises(StudentError, match="AttributeError|has no attribute"):
        _ctx(session).call("no_such_function")
