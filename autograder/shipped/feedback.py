"""Feedback that teaches: what was expected, what was seen, how to fix it.

Pure functions over NumPy arrays and strings. The grader uses them to write
each check's output, and the student template ships a copy so that a
student's local public tests speak the same words as the autograder.
"""
from __future__ import annotations

import re

import numpy as np

NOT_IMPLEMENTED = (
    "Not implemented yet: this function still raises NotImplementedError. "
    "Replace the `raise NotImplementedError(...)` line with your code "
    "(the handout for this assignment says what to write)."
)

# Exception type -> how to fix it, in the course's terms.
_HINTS = {
    "NotImplementedError": NOT_IMPLEMENTED,
    "ConcretizationTypeError": (
        "A Python `if`, `while`, `int()` or `float()` was applied to a traced value. "
        "Under jit/grad/vmap values are abstract: branch with `jnp.where` or "
        "`lax.cond`, loop with `lax.scan`/`lax.fori_loop`, and mark arguments that "
        "really are configuration (like n_steps) static."
    ),
    "TracerBoolConversionError": (
        "A traced value was used as a Python bool (`if x > 0:`). Use `jnp.where` "
        "or `lax.cond` instead of Python control flow on array values."
    ),
    "TracerIntegerConversionError": (
        "A traced value was converted to a Python int (e.g. `range(n)` with a "
        "traced n). Make that argument static (`static_argnames=`) or use `lax.scan`."
    ),
    "TracerArrayConversionError": (
        "A traced value was handed to NumPy (`np.` instead of `jnp.`). Inside "
        "JAX-transformed code use `jax.numpy` throughout."
    ),
    "UnexpectedTracerError": (
        "A traced value escaped its transformation (stored in a global or a "
        "Python list across calls). Keep functions pure: return values instead."
    ),
    "NonConcreteBooleanIndexError": (
        "Boolean-mask indexing (`x[mask]`) has a data-dependent shape, which jit "
        "cannot compile. Use `jnp.where(mask, value, 0.0)` to keep shapes fixed."
    ),
    "TypeError": (
        "Check the function's signature and return type against the handout "
        "(argument order, defaults, and that you return arrays, not lists)."
    ),
    "ZeroDivisionError": (
        "A Python division by zero: with eps2 = 0 the self-pair distance is 0. "
        "Exclude self-pairs by index before dividing (the double-`where` trick)."
    ),
    "MemoryError": (
        "The call ran out of memory. Avoid materialising huge intermediate arrays "
        "and Python lists of arrays; vectorise with broadcasting or vmap instead."
    ),
    "AttributeError": (
        "A name the grader needs is missing or misspelled. Keep every function, "
        "class and argument name exactly as the stub and the handout give them."
    ),
    "ModuleNotFoundError": (
        "Your code imports a module the grader does not have. Use only jax, numpy "
        "and the standard library, and import your own helpers as `assignments.<name>`."
    ),
    "SyntaxError": (
        "Python could not parse your file: fix the line the message names (run `python -m py_compile` on it)."
    ),
    "RecursionError": "The call recursed without end; check your loop/recursion exit.",
}


# Packages a student might reach for that the grader does not install: importing
# one is a dependency problem, not a helper module left behind.
_KNOWN_PACKAGES = frozenset({
    "scipy", "matplotlib", "pandas", "sklearn", "torch", "tensorflow", "numba", "sympy", "flax", "optax",
    "equinox", "diffrax", "blackjax", "numpyro", "tqdm", "IPython", "seaborn", "astropy", "h5py", "yaml",
})


def missing_module_hint(message: str) -> str | None:
    """The hint for ``No module named 'x'`` (or ``from . import x`` failing), else None.

    A name that is not a known package is almost always the student's own
    helper file, left out of a single-file upload.
    """
    match = re.search(r"No module named '([\w.]+)'", message) or re.search(
        r"cannot import name '(\w+)' from 'assignments'", message  # `from . import helper`
    )
    if not match:
        return None
    name = match.group(1)
    top = name.removeprefix("assignments.").split(".")[0]
    if not top or top in _KNOWN_PACKAGES or top in ("jax", "jaxlib", "numpy"):
        return None
    return (
        f"Your code imports `{name}`, which is not part of your submission. If it is your own helper "
        f"module: upload {top}.py too, or keep your helpers in the same file as your solution. A helper "
        f"sits next to your solution (assignments/{top}.py) and is imported as `from . import {top}`. "
        "Otherwise use only jax, numpy and the standard library."
    )


def explain_error(type_name: str, message: str = "") -> str:
    """How to fix an exception the student's code raised, in the course's terms."""
    if "NaN" in message or "nan" in message.split():
        return nan_hint()
    if type_name in ("ModuleNotFoundError", "ImportError"):
        hint = missing_module_hint(message)
        if hint:
            return hint
    return _HINTS.get(type_name, "Read the traceback above: it points at the line in your code that failed.")


def nan_hint() -> str:
    return (
        "NaN or inf appeared. With eps2 = 0 the self-pair distance is exactly 0: "
        "exclude i == j with the double-`where` trick (replace the zero distance "
        "by a safe value *before* dividing or taking sqrt, then mask the result), "
        "so that neither the value nor its gradient sees 1/0."
    )


def max_normalised_error(seen, expected) -> float:
    """max |seen - expected| / max |expected| (max |seen - expected| if expected is 0)."""
    seen = np.asarray(seen, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    diff = float(np.max(np.abs(seen - expected))) if expected.size else 0.0
    return diff / scale if scale > 0 else diff


def _fmt(a) -> str:
    with np.printoptions(precision=6, threshold=12, edgeitems=3, linewidth=100):
        return np.array2string(np.asarray(a), separator=", ")


def compare_arrays(seen, expected, *, what: str, tolerance: float, fix: str = "") -> str | None:
    """Compare two arrays by max-normalised error.

    Returns None when they agree within ``tolerance``, else a message saying
    what was expected, what was seen (worst element first) and how to fix it.
    """
    expected = np.asarray(expected)
    try:
        seen = np.asarray(seen, dtype=np.float64 if not np.iscomplexobj(expected) else np.complex128)
    except (TypeError, ValueError):
        return (f"{what}: expected an array of shape {expected.shape}, got something that is not numeric "
                f"({type(seen).__name__}).")
    if seen.shape != expected.shape:
        return (
            f"{what}: expected shape {expected.shape}, got shape {seen.shape}. "
            "Check which axis you summed over and that you return one value per particle."
        )
    if not np.all(np.isfinite(seen)) and np.all(np.isfinite(expected)):
        bad = np.argwhere(~np.isfinite(seen))
        where = tuple(int(i) for i in bad[0]) if bad.size else ()
        reference_value = _fmt(np.asarray(expected)[where] if where else expected)
        return f"{what}: got NaN/inf at index {where} where the reference is finite ({reference_value}). " + nan_hint()
    err = max_normalised_error(seen, expected)
    if err <= tolerance:
        return None
    worst = np.unravel_index(int(np.argmax(np.abs(seen - expected))), expected.shape) if expected.ndim else ()
    worst_idx = tuple(int(i) for i in worst)
    lines = [
        f"{what}: max-normalised error {err:.3e} exceeds the tolerance {tolerance:.1e}.",
        f"  worst element {worst_idx}: expected {np.asarray(expected)[worst_idx].item()!r}, "
        f"seen {seen[worst_idx].item()!r}",
        f"  expected: {_fmt(expected)}",
        f"  seen:     {_fmt(seen)}",
    ]
    if fix:
        lines.append(f"  how to fix: {fix}")
    return "\n".join(lines)


def describe_dtype_mismatch(*, what: str, expected: str, seen: str) -> str:
    return (
        f"{what}: expected dtype {expected}, got {seen}. Keep the input's dtype: build "
        "constants with `jnp.asarray(c, dtype=x.dtype)` or plain Python floats (weakly "
        "typed), never `jnp.float64(...)` or `np.array(...)` literals, which promote float32 to float64."
    )
