"""Tolerances and the finiteness verdict, defined once for every checks module.

Each value is a max-normalised error (``feedback.compare_arrays``): the largest
difference divided by the largest magnitude expected. Where a number comes from
a measurement the comment says which (docs/authoring.md, "Tolerances from
measured spreads", says how to measure again for new inputs).
"""
from __future__ import annotations

import numpy as np

from ..shipped.diagnosis import FLOAT32_TOLERANCE
from .verdicts import Fail

VALUES = 1e-12
"""float64 against the float64 reference: a correct program's round-off is ~1e-15 to 1e-13."""
AUTODIFF = 1e-12
"""A derivative against the reference's autodiff: below what a central finite difference reaches in
float64 (~1e-10 at best), above autodiff round-off (~3e-16)."""
FLOAT32 = FLOAT32_TOLERANCE  # 1e-5, defined where the public tests read it too (shipped/diagnosis.py)
"""float32 against float64 on well-conditioned inputs: ~1e-7 when the dtype is kept throughout."""
JIT = 1e-10
"""jit against eager: XLA may reorder sums; a larger gap means a different function."""
CONSISTENCY = 1e-9
"""The same program computed twice (compiled vs called, exported vs run, or scaled): round-off only."""


def first_non_finite(value) -> tuple[int, ...] | None:
    """The index of the first NaN/inf entry of ``value`` (an array), or None when every entry is finite."""
    bad = np.argwhere(~np.isfinite(np.asarray(value, dtype=np.float64)))
    return tuple(int(i) for i in bad[0]) if bad.size else None


def finite_problem(value, *, what: str, fix: str) -> str | None:
    """None when every entry of ``value`` is finite, else the teaching message (expected, seen, how to fix)."""
    value = np.asarray(value, dtype=np.float64)
    first = first_non_finite(value)
    if first is None:
        return None
    count = int(np.count_nonzero(~np.isfinite(value)))
    return f"{what}: expected finite values, got {count} NaN/inf entries, the first at index {first}. How to fix: {fix}"


def require_finite_array(value, *, what: str, fix: str) -> None:
    """Fail the check unless every entry of ``value`` (one array) is finite."""
    problem = finite_problem(value, what=what, fix=fix)
    if problem:
        raise Fail(problem)


def require_finite(value, *, what: str, fix: str) -> None:
    """Fail the check unless every entry of ``value`` (a pytree of arrays) is finite."""
    import jax

    for index, leaf in enumerate(jax.tree_util.tree_leaves(value)):
        label = what if index == 0 and len(jax.tree_util.tree_leaves(value)) == 1 else f"{what}, output {index}"
        problem = finite_problem(leaf, what=label, fix=fix)
        if problem:
            raise Fail(problem)


__all__ = [
    "AUTODIFF", "CONSISTENCY", "FLOAT32", "JIT", "VALUES", "finite_problem", "first_non_finite", "require_finite",
    "require_finite_array",
]
