"""The child's compiled-or-eager call: compiled where it can be, the eager call's numbers and dtypes always.

``compiled_or_eager`` runs in the child (autograder/child/programs_forces.py); here it
runs in this process on plain functions, the way the child calls a student's.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from autograder.child.programs_forces import compiled_or_eager


def branches_on_eps2(x, eps2):
    """A Python ``if`` on a scalar argument: fails to trace unless eps2 is static."""
    r2 = jnp.sum(x**2, axis=-1)
    if eps2 == 0:
        r2 = r2 + 1.0
    return jnp.sum(1.0 / jnp.sqrt(r2 + eps2))


def branches_on_x(x, eps2):
    """A Python ``if`` on an array argument: only the eager call runs it."""
    return x * 2 if float(x[0, 0]) > 0 else x


def counting(calls):
    def traced_or_called(x, eps2):
        calls.append(type(x).__name__)
        return branches_on_eps2(x, eps2)
    return traced_or_called


X = np.array([[0.5, 1.0, 0.0], [1.5, -1.0, 2.0]])


@pytest.mark.parametrize("eps2", [0.0, 0.01, np.asarray(0.0), np.asarray(0.01)], ids=["0", "0.01", "0-d 0", "0-d 0.01"])
def test_a_python_branch_on_a_scalar_compiles_with_the_eager_numbers(eps2, x64):
    calls: list[str] = []
    seen = compiled_or_eager(counting(calls), [X, eps2], {})
    np.testing.assert_array_equal(np.asarray(seen), np.asarray(branches_on_eps2(X, eps2)))
    assert calls[-1] != "ndarray", f"the scalar-static compile was not used: it ran eagerly ({calls})"


def test_static_scalars_keep_their_dtype_as_the_eager_call_does(x64):
    single = X.astype(np.float32)
    for eps2 in (np.asarray(0.0), np.asarray(0.0, dtype=np.float32), 0.0):
        seen = compiled_or_eager(branches_on_eps2, [single, eps2], {})
        assert np.asarray(seen).dtype == np.asarray(branches_on_eps2(single, eps2)).dtype, eps2


def test_keyword_scalars_are_static_too(x64):
    seen = compiled_or_eager(branches_on_eps2, [X], {"eps2": np.asarray(0.0)})
    np.testing.assert_array_equal(np.asarray(seen), np.asarray(branches_on_eps2(X, 0.0)))


def test_code_that_needs_concrete_arrays_still_runs_eagerly(x64):
    np.testing.assert_array_equal(np.asarray(compiled_or_eager(branches_on_x, [X, 0.0], {})), X * 2)


def test_an_error_of_the_function_itself_is_the_eager_calls(x64):
    def broken(x, eps2):
        return x @ jnp.ones((7,))
    with pytest.raises(TypeError, match="dot_general|matmul|shape"):
        compiled_or_eager(broken, [X, 0.0], {})


def test_an_error_static_scalars_cannot_cure_is_not_traced_again(x64):
    calls: list[str] = []

    def broken(x, eps2):
        calls.append(type(x).__name__)
        return x @ jnp.ones((7,))
    with pytest.raises(TypeError):
        compiled_or_eager(broken, [X, np.asarray(0.0)], {})
    assert len(calls) == 2 and calls[-1] == "ndarray", f"expected one trace, then the eager call: {calls}"


def test_traceable_code_is_compiled_once_per_shape(x64):
    calls: list[str] = []

    def traceable(x, eps2):
        calls.append(type(x).__name__)
        return jnp.sum(x) + eps2
    for _ in range(2):
        compiled_or_eager(jax.jit(traceable), [X, np.asarray(0.5)], {})
    assert len(calls) == 1 and calls[0] != "ndarray", calls
