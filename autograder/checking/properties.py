"""Reusable checks of the properties every assignment grades, in general terms.

A checks module describes *what* to grade: the functions, seeded inputs,
tolerances and hints. These helpers do the rest: run the student's function
in the sandboxed child, evaluate the reference in float64 in the parent,
compare, gate, and word the failure (expected, seen, how to fix).

Every function shape is covered: positional and keyword arguments, static
arguments (a ``jax.jit(..., static_argnames=("n_steps",))`` function: pass
them by keyword and name them in ``Inputs(..., static=("n_steps",))``), and
outputs that are an array or a tuple/NamedTuple/dict of arrays of mixed shapes
(compared leaf by leaf).

- ``Inputs`` and ``seeded_inputs``: argument sets drawn from a hypothesis
  strategy with a fixed seed (every grading sees the same ones).
- ``reference64`` / ``Context.reference64``: the reference under
  ``jax.enable_x64(True)``. The grading process does not switch 64-bit mode on
  globally, so a reference called directly on NumPy float64 inputs silently
  computes in float32. Never call ``ctx.reference.<function>`` yourself.
- ``values_gate``: a :class:`~autograder.checking.framework.Gate` that opens once
  the function matches the reference; property checks ``ctx.require`` it, so
  a function returning zeros earns no property points.
- ``require_matches_reference`` (values; with a tolerance finite differences
  cannot reach, also autodiff verified by behaviour), ``require_dtype_kept``,
  ``require_works_under_jit``, ``require_finite_derivatives``, and from the
  compiled program (``property_structure``): ``require_no_recompilation``,
  ``require_trace_size_independent``.
- Tolerances: ``autograder/checking/tolerances.py`` (re-exported here under
  their historical names).

Each ``require_*`` raises :class:`Fail` with a teaching message, or returns a
one-line success message. Shapes and dtypes are the student's business: the
helpers report them, they never reshape.
"""
from __future__ import annotations

import functools

import numpy as np

from ..shipped.diagnosis import factor_hint
from . import tolerances
from .framework import Fail, Gate, as_float_array, require_dtype
from .property_inputs import (
    Inputs,
    leaves,
    reference64,
    reference_value,
    require_close_tree,
    seeded_inputs,
    student_value,
    student_value64,
)
from .property_structure import exported, require_no_recompilation, require_trace_size_independent

VALUES_TOLERANCE = tolerances.VALUES
AUTODIFF_TOLERANCE = tolerances.AUTODIFF
FLOAT32_TOLERANCE = tolerances.FLOAT32
JIT_TOLERANCE = tolerances.JIT


# -- values ----------------------------------------------------------------------------
def require_matches_reference(
    ctx, function: str, cases: list[Inputs], *, tolerance: float = VALUES_TOLERANCE, fix: str,
    diagnose=None, transforms: list = (),
) -> str:
    """The student's ``function`` equals the reference's on every case, within ``tolerance``.

    Outputs may be arrays or pytrees of arrays (compared leaf by leaf).
    ``diagnose(seen, expected, inputs)`` may return a sharper hint than ``fix``
    (a sign, a factor) or ''. With ``tolerance`` at ``AUTODIFF_TOLERANCE`` on a
    derivative this is the behavioural proof of autodiff: finite differences
    cannot get that close.
    """
    jax_transforms = _jax_transforms(transforms)
    for inputs in cases:
        seen = student_value64(ctx, function, inputs, transforms=transforms)
        expected = reference_value(ctx, function, inputs, transforms=jax_transforms)
        single = isinstance(seen, np.ndarray) and len(leaves(expected)) == 1
        hint = (diagnose(seen, expected, inputs) if diagnose else "") or (
            factor_hint(seen, expected) if single else "") or fix
        what = f"{_name(function, transforms)} ({inputs.describe()})"
        require_close_tree(seen, expected, what=what, tolerance=tolerance, fix=hint)
    return f"{_name(function, transforms)} matches the reference to {tolerance:.0e} on {len(cases)} inputs."


def values_gate(function: str, cases, *, check: str, fix: str,
                tolerance: float = VALUES_TOLERANCE, counts: str = "the property checks") -> Gate:
    """A gate that opens once ``function`` matches the reference on ``cases`` (a list, or a function returning one).

    ``check`` names the values check students should fix first. Reuses the
    values that check fetched, so the gate costs no extra call into the child.
    """
    def verify(ctx):
        drawn = cases() if callable(cases) else cases
        require_matches_reference(ctx, function, drawn, tolerance=tolerance, fix=fix)

    return Gate(subject=function, verify=verify, fix=f"{fix} (see the check {check!r}).", counts=counts)


# -- properties, each counted only behind its gates ------------------------------------
def require_dtype_kept(ctx, function: str, inputs: Inputs, *, dtype=np.float32, tolerance: float = FLOAT32_TOLERANCE,
                       gates: tuple = (), fix: str = "") -> str:
    """``dtype`` in, ``dtype`` out (every floating output), and the values agree with the student's own float64."""
    ctx.require(*gates)
    name = np.dtype(dtype).name
    single = inputs.as_dtype(dtype)
    seen = student_value(ctx, function, single)
    for path, leaf in leaves(seen):
        if np.issubdtype(np.asarray(leaf).dtype, np.floating):
            require_dtype(leaf, expected=name, what=f"{function}{path} of {name} inputs ({inputs.describe()})")
    require_close_tree(
        seen, student_value64(ctx, function, inputs),
        what=f"{function} in {name} vs your own float64 result ({inputs.describe()})", tolerance=tolerance,
        fix=fix or "Compute in the input's dtype throughout: build constants with the input's dtype "
        "(jnp.asarray(c, x.dtype)) and never cast to float64 and back.",
    )
    return f"{name} in, {name} out, within {tolerance:.0e} of float64."


def require_works_under_jit(ctx, function: str, inputs: Inputs, *, tolerance: float = JIT_TOLERANCE,
                            static_argnums: tuple = (), gates: tuple = (), fix: str = "") -> str:
    """``jax.jit(function)`` runs with the non-static arguments traced and gives the eager values.

    ``inputs.static`` are compiled as ``static_argnames``; ``static_argnums``
    marks positional ones static as well.
    """
    ctx.require(*gates)
    transform = {"kind": "jit", "static_argnums": list(static_argnums), "static_argnames": list(inputs.static)}
    jitted = ctx.call(function, *inputs.args, transforms=[transform], **inputs.kwargs)
    require_close_tree(
        jitted, student_value64(ctx, function, inputs),
        what=f"jax.jit({function}) vs {function} ({inputs.describe()})", tolerance=tolerance,
        fix=fix or "Keep the function pure: no Python `if` on traced values, no NumPy calls on traced "
        "arrays, no state kept between calls.",
    )
    return f"{function} traces and compiles under jax.jit."


def require_finite_derivatives(ctx, function: str, inputs: Inputs, *, argnums: int = 0,
                               modes: tuple = ("jacfwd", "jacrev"), gates: tuple = (), fix: str = "") -> str:
    """Jacobians of ``function`` (forward and reverse mode) are finite at ``inputs``, a singular point.

    A single ``jnp.where`` hides a 1/0 from the value, not from the
    derivative: reverse mode multiplies the discarded branch's infinity by a
    zero cotangent and gets NaN.
    """
    ctx.require(*gates)
    for mode in modes:
        transforms = [{"kind": mode, "argnums": argnums}]
        tolerances.require_finite(
            student_value64(ctx, function, inputs, transforms=transforms),
            what=f"jax.{mode}({function}, argnums={argnums}) at {inputs.describe()}",
            fix=fix or "use the double-`where` trick: replace the unsafe input by a safe value before the "
                       "singular operation, then mask the result.",
        )
    return f"Derivatives ({', '.join(modes)}) are finite at {inputs.describe()}."


def _jax_transforms(transforms) -> tuple:
    """The JAX transformations of child transform specs; the same objects every time (compile cache)."""
    return _transforms_of(tuple((spec["kind"], spec.get("argnums", 0)) for spec in transforms))


@functools.cache
def _transforms_of(specs: tuple) -> tuple:
    import jax

    for kind, _ in specs:
        if kind not in ("grad", "jacfwd", "jacrev", "hessian"):
            raise ValueError(f"no reference transform for {kind!r}")
    return tuple(functools.partial(getattr(jax, kind), argnums=argnums) for kind, argnums in specs)


def _name(function: str, transforms) -> str:
    for spec in transforms:
        function = f"jax.{spec['kind']}({function})"
    return function


__all__ = [
    "AUTODIFF_TOLERANCE", "FLOAT32_TOLERANCE", "Fail", "Inputs", "JIT_TOLERANCE", "VALUES_TOLERANCE", "as_float_array",
    "exported", "factor_hint", "leaves", "reference64", "reference_value", "require_close_tree", "require_dtype_kept",
    "require_finite_derivatives", "require_matches_reference", "require_no_recompilation",
    "require_trace_size_independent", "require_works_under_jit", "seeded_inputs", "student_value", "student_value64",
    "tolerances", "values_gate",
]
