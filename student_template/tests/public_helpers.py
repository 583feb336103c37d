"""Assertions and probes the public tests share.

The messages come from ``jaxgrade_feedback`` and ``jaxgrade_diagnosis``
(copies of the autograder's own modules), so a failing public test speaks the
same words as the autograder's report. A public test marked ``graded_as(name)``
runs the same verdict as the graded check ``name``. Every failure is one
screen: the message, without this file's source or its local variables.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import jax
import numpy as np
import pytest

from jaxgrade_feedback import compare_arrays, describe_dtype_mismatch, nan_hint

COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
"""JAX reports this event once per XLA compilation."""


def graded_as(check_name: str):
    """Mark a public test as the local twin of the graded check ``check_name`` (same verdict)."""

    def mark(test):
        test.graded_check = check_name
        return test

    return mark


def require(message: str | None) -> None:
    """Fail with a shared verdict's message (expected / seen / how to fix); None passes."""
    __tracebackhide__ = True
    if message is not None:
        pytest.fail(message, pytrace=False)


def assert_close(seen, expected, *, what: str, tolerance: float, fix: str = "") -> None:
    """Fail with expected / seen / how to fix unless max-normalised error <= tolerance."""
    __tracebackhide__ = True
    require(compare_arrays(seen, expected, what=what, tolerance=tolerance, fix=fix))


def assert_finite(value, *, what: str) -> None:
    """Fail unless every entry of ``value`` is finite."""
    __tracebackhide__ = True
    value = np.asarray(value)
    bad = np.argwhere(~np.isfinite(value))
    if bad.size:
        require(f"{what}: expected finite values, got NaN/inf at index {tuple(int(i) for i in bad[0])}. " + nan_hint())


def assert_dtype(value, expected, *, what: str) -> None:
    """Fail unless ``value`` is an array of dtype ``expected``."""
    __tracebackhide__ = True
    seen = getattr(value, "dtype", type(value).__name__)
    if str(seen) != str(np.dtype(expected)):
        require(describe_dtype_mismatch(what=what, expected=str(np.dtype(expected)), seen=str(seen)))


def program_stats(jaxpr) -> dict:
    """``{"n_eqns": int, "primitives": {name: count}}`` of a traced program, as the grader measures it."""
    names = primitive_names(jaxpr)
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return {"n_eqns": len(names), "primitives": counts}


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


def export_route(fn, arrays: list, scalars: list) -> tuple:
    """How ``fn`` exports with ``jax.export``, along the grader's routes: ``(route or None, failures)``.

    ``arrays`` and ``scalars`` are example arguments (only their shapes and
    dtypes are used; the scalars are also tried as fixed numbers). Routes:
    ``jit`` (``fn`` itself: only a jax.jit function exports), ``wrapped``
    (inside a jax.jit of ours), ``jit_constants`` and ``constants`` (the
    scalars fixed). ``failures``: [(route, error message), ...] before it.
    """
    avals = [jax.ShapeDtypeStruct(np.shape(a), np.asarray(a).dtype) for a in list(arrays) + list(scalars)]
    shapes = avals[: len(arrays)]
    routes = [
        ("jit", lambda: jax.export.export(fn, platforms=("cpu",))(*avals)),
        ("wrapped", lambda: jax.export.export(jax.jit(fn), platforms=("cpu",))(*avals)),
        ("jit_constants", lambda: jax.export.export(fn, platforms=("cpu",))(*shapes, *scalars)),
        ("constants", lambda: jax.export.export(jax.jit(lambda *a: fn(*a, *scalars)), platforms=("cpu",))(*shapes)),
    ]
    failures = []
    for route, build in routes:
        try:
            build()
        except NotImplementedError:  # a stub: say so, as every other public test does
            raise
        except Exception as error:  # the student's error, or JAX's refusal to export
            failures.append((route, f"{type(error).__name__}: {error}"))
            continue
        return route, failures
    return None, failures
