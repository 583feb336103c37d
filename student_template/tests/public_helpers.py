"""Assertions and probes the public tests share.

The messages come from ``jaxgrade_feedback`` (a copy of the autograder's own
feedback module), so a failing public test speaks the same words as the
autograder's report.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import jax
import numpy as np

from jaxgrade_feedback import compare_arrays, describe_dtype_mismatch, nan_hint

COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
"""JAX reports this event once per XLA compilation."""


def assert_close(seen, expected, *, what: str, tolerance: float, fix: str = "") -> None:
    """Fail with expected / seen / how to fix unless max-normalised error <= tolerance."""
    message = compare_arrays(seen, expected, what=what, tolerance=tolerance, fix=fix)
    assert message is None, message


def assert_finite(value, *, what: str) -> None:
    """Fail unless every entry of ``value`` is finite."""
    value = np.asarray(value)
    bad = np.argwhere(~np.isfinite(value))
    assert bad.size == 0, f"{what}: expected finite values, got NaN/inf at index {tuple(int(i) for i in bad[0])}. " + nan_hint()


def assert_dtype(value, expected, *, what: str) -> None:
    """Fail unless ``value`` is an array of dtype ``expected``."""
    seen = getattr(value, "dtype", type(value).__name__)
    assert str(seen) == str(np.dtype(expected)), describe_dtype_mismatch(
        what=what, expected=str(np.dtype(expected)), seen=str(seen)
    )


@dataclass
class CompileCount:
    count: int = 0


@contextlib.contextmanager
def count_compiles():
    """Count XLA compilations inside a ``with`` block.

    Build every input array before the block: creating arrays compiles
    small programs of its own the first time.
    """
    counter = CompileCount()

    def listener(event, duration_secs, **kwargs):
        if event == COMPILE_EVENT:
            counter.count += 1

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield counter
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)


def _sub_jaxprs(value):
    """Jaxprs nested in an equation parameter (scan bodies, cond branches, jit calls)."""
    if hasattr(value, "eqns"):
        yield value
    elif hasattr(value, "jaxpr") and hasattr(value.jaxpr, "eqns"):
        yield value.jaxpr
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _sub_jaxprs(item)


def primitive_names(jaxpr) -> list[str]:
    """Names of every primitive in a traced program, nested programs included."""
    jaxpr = jaxpr.jaxpr if hasattr(jaxpr, "jaxpr") else jaxpr
    names = []
    for equation in jaxpr.eqns:
        names.append(equation.primitive.name)
        for parameter in equation.params.values():
            for inner in _sub_jaxprs(parameter):
                names.extend(primitive_names(inner))
    return names


def equation_count(jaxpr) -> int:
    """Size of a traced program: its equations, nested programs included."""
    return len(primitive_names(jaxpr))
