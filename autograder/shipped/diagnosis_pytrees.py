"""Verdicts of the dtype_audit assignment's public properties, shared with the public tests.

Like ``diagnosis.py``: the grader's public checks call these functions on
what the sandboxed child sent back, and the student template ships this
module as ``tests/jaxgrade_diagnosis_pytrees.py`` for its public tests to call
on what the student's code returned in-process. The same mistake gets the
same verdict and the same words in both places.

An audit is a list of rows ``(path, shape, dtype, weak_type)``, one per
leaf in ``jax.tree_util`` flatten order; leaves are described in words
(``leaf_description``) so that a message can say which leaf is wrong.
"""
from __future__ import annotations

import numpy as np

AUDIT_FIELDS_FIX = (
    "look at each leaf through `a = jnp.asarray(leaf)` (that is how JAX sees Python scalars and NumPy arrays): "
    "`shape=a.shape`, `dtype=str(a.dtype)`, `weak_type=bool(a.weak_type)` (True for Python scalars)."
)
X64_ON_LABELS = ("with jax_enable_x64 switched on (as the grader runs)", "inside `with jax.enable_x64(True):`")
"""The two situations in which x64_enabled() must be True."""


# -- leaves and audit rows ----------------------------------------------------------------
def leaf_description(kind: str, value) -> str:
    """A leaf in words; ``kind``: "python" (a Python scalar), "jax" or "numpy" (an array)."""
    if kind == "python":
        return f"Python {type(value).__name__} {value!r}"
    array = np.asarray(value)
    return f"{'JAX' if kind == 'jax' else 'NumPy'} {array.dtype} array of shape {array.shape}"


def describe_leaf(leaf) -> str:
    """``leaf_description`` of a leaf held in this process (a Python scalar, a JAX or a NumPy array)."""
    import jax

    if isinstance(leaf, (bool, int, float, complex)):
        return leaf_description("python", leaf)
    return leaf_description("jax" if isinstance(leaf, jax.Array) else "numpy", leaf)


def as_shape(shape):
    """``shape`` as a tuple of ints when it is one (a list, a tuple), else unchanged."""
    try:
        return tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        return shape


def first_mismatch(seen: list, expected: list, leaves: list, *, columns: slice, names: tuple) -> str | None:
    """The first leaf whose ``columns`` of its audit row differ, in words; None when all agree.

    ``seen``, ``expected``: audit rows ``(path, shape, dtype, weak_type)``;
    ``leaves``: a description of each leaf (``leaf_description``), flatten order;
    ``names``: the names of the compared columns.
    """
    if len(seen) != len(expected):
        return (
            f"expected {len(expected)} entries (one per leaf, None and empty containers have no leaves), got "
            f"{len(seen)}. Flatten with `jax.tree_util.tree_flatten_with_path(tree)`."
        )
    for i, (s, e) in enumerate(zip(seen, expected)):
        if tuple(s[columns]) != tuple(e[columns]):
            got = ", ".join(f"{n}={v!r}" for n, v in zip(names, s[columns]))
            want = ", ".join(f"{n}={v!r}" for n, v in zip(names, e[columns]))
            return f"leaf {i} ({leaves[i]}, path {e[0]}): expected {want}; got {got}."
    return None


def audit_fields_verdict(seen: list, expected: list, leaves: list) -> str | None:
    """Shapes, dtypes and weak types of an audit against the reference's: None, or expected / seen / how to fix."""
    problem = first_mismatch(seen, expected, leaves, columns=slice(1, 4), names=("shape", "dtype", "weak_type"))
    if problem is None:
        return None
    return f"audit_dtypes: {problem}\nHow to fix: {AUDIT_FIELDS_FIX}"


# -- 64-bit mode ------------------------------------------------------------------------------
def is_bool(value, expected: bool) -> bool:
    """Whether ``value`` is the Python bool (or a boolean scalar array) ``expected``."""
    array = np.asarray(value) if not isinstance(value, bool) else None
    if array is not None and (array.shape != () or array.dtype != np.bool_):
        return False
    return bool(value) is expected


X64_TRACKS_HEADLINE = (
    "Not counted yet: x64_enabled does not follow the 64-bit setting: the 64-bit mode checks count once it does."
)
X64_TRACKS_FIX = "return `bool(jax.config.jax_enable_x64)`, read when the function is called."


def x64_tracks_problem(on, off) -> str | None:
    """None when x64_enabled() answers True with 64-bit mode ``on`` and False inside
    ``jax.enable_x64(False)`` (``off``), else what was seen: a constant is right half the time,
    so the 64-bit checks count only once the answer follows the setting."""
    if is_bool(on, True) != is_bool(off, True) and (is_bool(on, True) or is_bool(on, False)):
        return None
    return (
        f"x64_enabled() returned {on!r:.40} with 64-bit mode on and {off!r:.40} inside "
        "`with jax.enable_x64(False):`; expected True, then False."
    )


def x64_tracks_verdict(on, off) -> str | None:
    """The public test's form of the graded checks' gate (the grader's own words)."""
    problem = x64_tracks_problem(on, off)
    if problem is None:
        return None
    return f"{X64_TRACKS_HEADLINE}\nExpected vs seen: {problem}\nHow to fix: {X64_TRACKS_FIX}"


def x64_on_verdict(seen, label: str) -> str | None:
    """x64_enabled()'s answer ``seen`` in the situation ``label`` (one of X64_ON_LABELS) must be True."""
    if is_bool(seen, True):
        return None
    return f"x64_enabled() {label}: expected True, got {seen!r:.80}. Return `bool(jax.config.jax_enable_x64)`."
