"""The helpers cover every function shape: static and keyword arguments, tuple outputs of mixed shapes.

In this process, like tests/checks/test_properties.py (the child's own
request handler, no sandbox); the scaffold's end-to-end test grades the same
shapes sandboxed.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.checking import properties as p
from autograder.checking.framework import Context, Fail
from autograder.child import names
from autograder.verifier import Verifier

from .test_properties import InProcessSession, module

VERIFIER = None

REFERENCE = '''
import functools

import jax
import jax.numpy as jnp


def energy(x, k):
    return k * jnp.sum(jnp.diff(x) ** 2)


@functools.partial(jax.jit, static_argnames=("n_steps",))
def relax(x, k, rate=0.1, *, n_steps):
    """n_steps of gradient descent on energy: (final x (N,), energies (n_steps,))."""
    def step(x, _):
        e, g = jax.value_and_grad(energy)(x, k)
        return x - rate * g, e

    return jax.lax.scan(step, x, None, length=n_steps)
'''

TOO_FAST = REFERENCE.replace("return x - rate * g, e", "return x - 2 * rate * g, e")
ONE_OUTPUT = REFERENCE.replace("return jax.lax.scan(step, x, None, length=n_steps)",
                               "return jax.lax.scan(step, x, None, length=n_steps)[0]")
X = np.array([0.0, 1.3, 1.9, 3.4, 3.8])
CASE = p.Inputs((X, 1.5), {"rate": 0.05, "n_steps": 6}, label="N = 5, 6 steps", static=("n_steps",))


@pytest.fixture(scope="module", autouse=True)
def verifier():
    """One confined verifier for this module's exported programs, closed with the module.

    A context without one would start its own, alive until the test process exits.
    """
    global VERIFIER
    VERIFIER = Verifier(seed_material=b"test_property_shapes")
    yield VERIFIER
    VERIFIER.close()


def context(source: str) -> Context:
    return Context(assignment="demo", session=InProcessSession(module(source)), reference=module(REFERENCE), source="",
                   verifier=VERIFIER)


def test_static_keyword_arguments_and_tuple_outputs_match_the_reference():
    assert "matches the reference" in p.require_matches_reference(context(REFERENCE), "relax", [CASE], fix="-")
    with pytest.raises(Fail, match=r"relax \(N = 5, 6 steps\)\[0\]"):  # the output that differs is named
        p.require_matches_reference(context(TOO_FAST), "relax", [CASE], fix="-")
    with pytest.raises(Fail, match="expected 2 outputs"):
        p.require_matches_reference(context(ONE_OUTPUT), "relax", [CASE], fix="-")


def test_static_arguments_are_passed_by_keyword():
    with pytest.raises(ValueError, match="by keyword"):
        p.Inputs((X, 1.5), static=("n_steps",))


def test_dtype_kept_and_jit_on_every_output():
    assert "float32 in, float32 out" in p.require_dtype_kept(context(REFERENCE), "relax", CASE)
    assert "jax.jit" in p.require_works_under_jit(context(REFERENCE), "relax", CASE)


def test_no_recompilation_with_a_static_argument():
    """The exported program has the traced arguments abstract (positional) and the static ones fixed."""
    first = p.Inputs((X, 1.5, 0.05), {"n_steps": 6}, static=("n_steps",))
    new_k = p.Inputs((X, 0.8, 0.05), {"n_steps": 6}, static=("n_steps",))
    assert "One compiled program" in p.require_no_recompilation(context(REFERENCE), "relax", first, [new_k])
    with pytest.raises(ValueError, match="positionally"):
        p.exported(context(REFERENCE), "relax", CASE)
    sizes = {n: p.Inputs((X, 1.5), {"n_steps": n}, static=("n_steps",)) for n in (3, 12)}
    assert "at every N" in p.require_trace_size_independent(context(REFERENCE), "relax", sizes)
    assert p.exported(context(REFERENCE), "relax", first).route == names.ROUTE_JIT



COUNTING = REFERENCE + '''
CALLS = []


def describe(tree, *, unit="m"):
    """Not arrays: a path per leaf and a Python bool, what only an eager call returns as is."""
    CALLS.append(unit)
    return [f"{key}: {unit}" for key in sorted(tree)], isinstance(tree["x"], jax.Array)
'''


def test_eager_calls_return_plain_data_once_per_grading():
    """``eager=True``: the function as it is (no jit of the grader's), memoised by the inputs' exact content."""
    from autograder.checking.property_inputs import student_value

    ctx = context(COUNTING)
    tree = p.Inputs(({"x": X, "y": X[:2]},), {"unit": "cm"}, label="a tree")
    paths, concrete = student_value(ctx, "describe", tree, eager=True)
    assert (paths, concrete) == (["x: cm", "y: cm"], True)  # a Python bool, not a traced array
    assert student_value(ctx, "describe", tree, eager=True)[0] == paths
    same_shapes = p.Inputs(({"x": X + 1, "y": X[:2]},), {"unit": "cm"}, label="a tree")
    student_value(ctx, "describe", same_shapes, eager=True)  # other bytes: a new call, never the cached reply
    assert ctx.session.server.modules["demo"].CALLS == ["cm", "cm"]
