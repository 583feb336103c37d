"""The references are tested as students run them: with 64-bit mode on (their
public tests turn it on). Here it is on for one test module at a time, module
fixtures included, and off again afterwards: never for the whole process."""
import jax
import pytest


@pytest.fixture(scope="module", autouse=True)
def _x64_for_this_module():
    with jax.enable_x64(True):
        yield
