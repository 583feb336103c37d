"""Oracles and instruments shared by the reference-validation tests.

Everything here is independent of the code under test: forces written out
pair by pair in NumPy, XLA compiles counted through ``jax.monitoring``, and
jaxpr sizes counted by walking the traced program.
"""
import contextlib

import jax
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from jax.extend.core import ClosedJaxpr, Jaxpr

BACKEND_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


class CompileCounter:
    """Number of XLA compilations seen while the counter is active."""

    def __init__(self):
        self.count = 0

    def __call__(self, event, duration_secs, **kwargs):
        if event == BACKEND_COMPILE_EVENT:
            self.count += 1


@contextlib.contextmanager
def count_compiles():
    """Count real XLA compiles in the ``with`` block.

    Eager operations compile too (once per primitive and shape), so build
    every input before entering the block.
    """
    counter = CompileCounter()
    jax.monitoring.register_event_duration_secs_listener(counter)
    try:
        yield counter
    finally:
        jax.monitoring.unregister_event_duration_listener(counter)


def count_equations(jaxpr):
    """Equations in ``jaxpr`` including every nested sub-jaxpr (jit, scan, cond...)."""
    jaxpr = getattr(jaxpr, "jaxpr", jaxpr)  # ClosedJaxpr -> Jaxpr
    total = 0
    for equation in jaxpr.eqns:
        total += 1
        for param in equation.params.values():
            for sub in param if isinstance(param, (tuple, list)) else (param,):
                if isinstance(sub, (Jaxpr, ClosedJaxpr)):
                    total += count_equations(sub)
    return total


def analytic_forces(x, m, eps2=0.0, G=1.0):
    """Softened Newtonian forces, one explicit pair at a time (float64 NumPy).

    x: (N, 3); m: (N,). Returns (N, 3).
    """
    x = np.asarray(x, dtype=np.float64)
    m = np.asarray(m, dtype=np.float64)
    forces = np.zeros_like(x)
    for i in range(len(m)):
        for j in range(len(m)):
            if i != j:
                separation = x[i] - x[j]
                r2 = separation @ separation + eps2
                forces[i] -= G * m[i] * m[j] * separation / r2**1.5
    return forces


def analytic_potential(x, m, eps2=0.0, G=1.0):
    """Softened potential, each unordered pair once (float64 NumPy). Returns a float."""
    x = np.asarray(x, dtype=np.float64)
    m = np.asarray(m, dtype=np.float64)
    total = 0.0
    for i in range(len(m)):
        for j in range(i + 1, len(m)):
            separation = x[i] - x[j]
            total -= G * m[i] * m[j] / np.sqrt(separation @ separation + eps2)
    return total


def random_configuration(seed, n, *, dtype=np.float64):
    """Positions (n, 3) in a unit-ish cloud and masses (n,) in [0.5, 2)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(dtype)
    m = rng.uniform(0.5, 2.0, size=n).astype(dtype)
    return x, m


def min_separation(x):
    """Smallest distance between two distinct particles of x (N, 3)."""
    x = np.asarray(x, dtype=np.float64)
    distances = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)
    return distances[~np.eye(len(x), dtype=bool)].min()


@st.composite
def configurations(draw, *, min_n=2, max_n=6, min_distance=0.05):
    """Hypothesis strategy: (x (N, 3), m (N,)) float64 with distinct particles."""
    n = draw(st.integers(min_n, max_n))
    coordinate = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
    x = draw(hnp.arrays(np.float64, (n, 3), elements=coordinate))
    m = draw(hnp.arrays(np.float64, (n,), elements=st.floats(0.1, 10.0)))
    # Rejection is cheap here: random points rarely come closer than this.
    assume(min_separation(x) > min_distance)
    return x, m


def max_normalised_error(seen, expected):
    """``max |seen - expected| / max |expected|``: robust for near-zero entries."""
    seen = np.asarray(seen, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    return float(np.max(np.abs(seen - expected)) / np.max(np.abs(expected)))
