"""The general check helpers of ``autograder/checking/properties.py`` pass right code and fail each mistake.

The student modules run in this process through the child's own request
handler (``child/server.py``), not in a sandbox: what is tested here is the
helpers' judgement, fast; the scaffold's end-to-end test grades them sandboxed.
"""
from __future__ import annotations

import types

import jax
import numpy as np
import pytest

from autograder.checking import properties as p
from autograder.checking.framework import Context, Fail
from autograder.child import codec
from autograder.child.server import Server, describe_exception
from autograder.sandbox.session import StudentError
from autograder.verifier import Verifier

VERIFIER = None

REFERENCE = '''
import jax
import jax.numpy as jnp


def energy(x, k):
    """Springs between consecutive points, rest length 0: k sum (x_{i+1} - x_i)^2; x (N,) -> scalar."""
    gaps = jnp.diff(x)
    return k * jnp.sum(gaps**2)


def inverse_distance(x):
    """sum_{i != j} 1 / |x_i - x_j|, with the self-pairs masked by index (double where); x (N,)."""
    n = x.shape[0]
    off = ~jnp.eye(n, dtype=bool)
    d = x[:, None] - x[None, :]
    safe = jnp.where(off, d, 1.0)
    return jnp.sum(jnp.where(off, 1.0 / jnp.abs(safe), 0.0))
'''

LOOPED = REFERENCE.replace("gaps = jnp.diff(x)", "gaps = jnp.stack([x[i + 1] - x[i] for i in range(x.shape[0] - 1)])")
STATIC = REFERENCE.replace("    gaps = jnp.diff(x)", "    k = float(k)\n    gaps = jnp.diff(x)")
SINGLE_WHERE = REFERENCE.replace("safe = jnp.where(off, d, 1.0)", "safe = d")
FLOAT64_INSIDE = REFERENCE.replace("return k * jnp.sum(gaps**2)", "return k * jnp.sum(gaps.astype(jnp.float64)**2)")


def module(source: str, name: str = "demo") -> types.ModuleType:
    mod = types.ModuleType(f"assignments.{name}")
    exec(compile(source, f"<{name}>", "exec"), mod.__dict__)
    return mod


class InProcessSession:
    """Answers requests with the child's handler in this process (the student module given, not imported)."""

    def __init__(self, student: types.ModuleType):
        self.server = Server(".")
        self.server.modules["demo"] = student

    def request(self, message, *, timeout, functions=None):
        try:
            with jax.enable_x64(True):  # as in the child (child/server.py); this process grades with it off
                reply = self.server.handle(message)
            return codec.decode_value(codec.encode_value(reply))  # plain data, as from a pipe
        except Exception as exc:
            raise StudentError(describe_exception(exc, "/nowhere")) from None


@pytest.fixture(scope="module", autouse=True)
def verifier():
    """One confined verifier for the exported programs of this module's tests."""
    global VERIFIER
    VERIFIER = Verifier(seed_material=b"test_properties")
    yield VERIFIER
    VERIFIER.close()


def context(source: str) -> Context:
    return Context(assignment="demo", session=InProcessSession(module(source)), reference=module(REFERENCE), source="",
                   verifier=VERIFIER)


X = p.Inputs((np.array([0.0, 1.1, 1.9, 3.2]), 1.5), label="N = 4")
BY_SIZE = {4: X, 9: p.Inputs((np.linspace(0.0, 8.0, 9), 1.5), label="N = 9")}
GATE = p.values_gate("energy", [X], check="energy values", fix="E = k sum gaps^2.")


def test_values_pass_and_a_factor_is_named():
    assert "matches the reference" in p.require_matches_reference(context(REFERENCE), "energy", [X], fix="-")
    doubled = context(REFERENCE.replace("k * jnp", "2 * k * jnp"))
    grad = [{"kind": "grad", "argnums": 0}]  # derivatives against the reference's, for autodiff by behaviour
    passed = p.require_matches_reference(context(REFERENCE), "energy", [X], fix="-", transforms=grad)
    assert "jax.grad(energy)" in passed
    with pytest.raises(Fail, match="2 times the reference"):
        p.require_matches_reference(doubled, "energy", [X], fix="-", transforms=grad)


def test_reference64_keeps_float64_with_x64_off():
    import jax

    with jax.enable_x64(False):
        value = p.reference64(module(REFERENCE).energy, np.array([0.0, 1.0 + 1e-10]), 1.0)
    assert value.dtype == np.float64 and abs(value - (1.0 + 1e-10) ** 2) < 1e-15


def test_dtype_kept():
    assert "float32 in, float32 out" in p.require_dtype_kept(context(REFERENCE), "energy", X, gates=(GATE,))
    with pytest.raises(Fail, match="float32"):
        p.require_dtype_kept(context(FLOAT64_INSIDE), "energy", X, gates=(GATE,))


def test_gate_withholds_properties_of_wrong_values():
    with pytest.raises(Fail, match="Not counted yet"):
        p.require_dtype_kept(context(REFERENCE.replace("k * jnp", "0 * k * jnp")), "energy", X, gates=(GATE,))


def test_no_recompilation_needs_traced_parameters():
    new = [p.Inputs((X.args[0], 0.7)), p.Inputs((X.args[0], 2.5))]
    assert "One compiled program" in p.require_no_recompilation(context(REFERENCE), "energy", X, new)
    with pytest.raises(Fail, match="traced"):
        p.require_no_recompilation(context(STATIC), "energy", X, new)


def test_trace_size_independent_catches_a_python_loop():
    assert "at every N" in p.require_trace_size_independent(context(REFERENCE), "energy", BY_SIZE)
    with pytest.raises(Fail, match="same size for every N"):
        p.require_trace_size_independent(context(LOOPED), "energy", BY_SIZE)


def test_finite_derivatives_catch_a_single_where():
    point = p.Inputs((np.array([0.0, 1.0, 2.5]),), label="three points")
    assert "finite" in p.require_finite_derivatives(context(REFERENCE), "inverse_distance", point)
    with pytest.raises(Fail, match="NaN/inf"):
        p.require_finite_derivatives(context(SINGLE_WHERE), "inverse_distance", point)


def test_works_under_jit():
    assert "jax.jit" in p.require_works_under_jit(context(REFERENCE), "energy", X)
    with pytest.raises(StudentError):
        p.require_works_under_jit(context(STATIC), "energy", X)
