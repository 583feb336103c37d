"""Project-wide test configuration.

64-bit mode is NOT switched on for the test process: production's grader runs
with it off (only the sandboxed child, which runs the student's code, turns it
on), and the tests grade as production does. A test that needs float64 in this
process asks for it locally: the ``x64`` fixture, or ``with jax.enable_x64(True):``.
"""
import jax
import pytest


@pytest.fixture
def x64():
    """64-bit mode for the duration of one test (thread-local, restored afterwards)."""
    with jax.enable_x64(True):
        yield
