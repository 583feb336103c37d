"""Reusable checks of the properties every assignment grades, in general terms.

A checks module describes *what* to grade: the functions, seeded inputs,
tolerances and hints. These helpers do the rest: run the student's function
in the sandboxed child, evaluate the reference in float64 in the parent,
compare, gate, and word the failure (expected, seen, how to fix).

- ``Inputs`` and ``seeded_inputs``: argument sets drawn from a hypothesis
  strategy with a fixed seed (every grading sees the same ones).
- ``reference64`` / ``Context.reference64``: the reference under
  ``jax.enable_x64(True)``. The grading process does not switch 64-bit mode on
  globally, so a reference called directly on NumPy float64 inputs silently
  computes in float32. Never call ``ctx.reference.<function>`` yourself.
- ``values_gate``: a :class:`~autograder.checks.framework.Gate` that opens once
  the function matches the reference; property checks ``ctx.require`` it, so
  a function returning zeros earns no property points.
- ``require_matches_reference`` (values; with a tolerance finite differences
  cannot reach, also autodiff verified by behaviour), ``require_dtype_kept``,
  ``require_works_under_jit``, ``require_no_recompilation``,
  ``require_trace_size_independent`` (both read the program exported with
  ``jax.export``, evidence the student's process cannot forge: ``evidence.py``),
  ``require_finite_derivatives``.

Each ``require_*`` raises :class:`Fail` with a teaching message, or returns a
one-line success message. Shapes and dtypes are the student's business: the
helpers report them, they never reshape.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from ..diagnosis import factor_hint
from . import reuse
from .framework import Fail, Gate, as_float_array, draw_examples, require_close, require_dtype

VALUES_TOLERANCE = 1e-12
"""Default float64 tolerance (max-normalised): round-off of a correct float64 program, ~1e-15 to 1e-13."""
AUTODIFF_TOLERANCE = 1e-12
"""Below what a central finite difference reaches in float64 (~1e-10 at best), above autodiff round-off."""
FLOAT32_TOLERANCE = 1e-5
"""float32 against float64 on well-conditioned inputs: ~1e-7 when the dtype is kept throughout."""
JIT_TOLERANCE = 1e-10
"""jit against eager: XLA may reorder sums; a larger gap means a different function."""


@dataclass(frozen=True, eq=False)
class Inputs:
    """One call's arguments: ``args`` (arrays, Python scalars), ``kwargs``, and a ``label`` for messages."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = ""

    def describe(self) -> str:
        if self.label:
            return self.label
        shapes = ", ".join(_describe_arg(a) for a in (*self.args, *self.kwargs.values()))
        return f"inputs ({shapes})"

    def as_dtype(self, dtype) -> Inputs:
        """Floating arrays cast to ``dtype``; Python floats rounded to it (still Python floats)."""
        cast = np.dtype(dtype).type

        def convert(value):
            if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
                return value.astype(dtype)
            if isinstance(value, float):
                return float(cast(value))
            return value

        label = f"{self.describe()} in {np.dtype(dtype).name}"
        return Inputs(tuple(convert(a) for a in self.args), {k: convert(v) for k, v in self.kwargs.items()}, label)

    def key(self) -> tuple:
        """A hashable identity, for memoising results per grading."""
        return tuple(_arg_key(a) for a in (*self.args, *sorted(self.kwargs.items())))


def _describe_arg(value) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype}{list(value.shape)}"
    return repr(value)


def _arg_key(value):
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):  # a kwargs item
        return value[0], _arg_key(value[1])
    if isinstance(value, np.ndarray):
        return value.dtype.str, value.shape, value.tobytes()
    return repr(value)


def seeded_inputs(strategy, *, count: int, seed: int) -> list[Inputs]:
    """``count`` examples of a hypothesis ``strategy`` of :class:`Inputs`, the same on every run.

    Hypothesis opens with its simplest example (every value at its minimum);
    it is skipped, since it is rarely a representative input.
    """
    return draw_examples(strategy, count=count + 1, seed=seed)[1:]


# -- the reference, in float64 ---------------------------------------------------
@functools.cache
def _compiled(fn, transforms: tuple, static_argnames: tuple):
    import jax

    for transform in transforms:
        fn = transform(fn)
    return fn if hasattr(fn, "lower") else jax.jit(fn, static_argnames=static_argnames)


def reference64(fn, *args, transforms: tuple = (), static_argnames: tuple = (), **kwargs):
    """``fn(*args, **kwargs)`` evaluated under ``jax.enable_x64(True)``; NumPy float64 back (pytrees kept).

    ``transforms`` are JAX transformations applied to ``fn`` first, innermost
    first (e.g. ``(jax.jacfwd,)``); the result is compiled once per function
    and reused, since eager reference gradients cost seconds of compiles.
    """
    import jax

    def compute():
        with jax.enable_x64(True):
            value = _compiled(fn, tuple(transforms), tuple(static_argnames))(*args, **kwargs)
            return jax.tree_util.tree_map(lambda leaf: np.asarray(leaf, dtype=np.float64), value)

    # The same for every student: a long-lived grader computes it once (checks/reuse.py).
    return reuse.remembered(reuse.key_of(fn, args, kwargs, *transforms, *static_argnames), compute)


def reference_value(ctx, function: str, inputs: Inputs, *, transforms: tuple = ()) -> np.ndarray:
    """The reference's ``function`` on ``inputs``, in float64."""
    return reference64(getattr(ctx.reference, function), *inputs.args, transforms=transforms, **inputs.kwargs)


# -- the student's function, in the child ------------------------------------------
def student_value(ctx, function: str, inputs: Inputs, *, transforms: list = ()):
    """The student's ``function`` on ``inputs`` (compiled when it traces), computed once per grading.

    The raw reply: an array with the dtype the student's code returned. A
    failure (an exception, a timeout) is remembered too, so every check that
    needs this value reports the same cause.
    """
    key = ("properties", function, tuple(str(t) for t in transforms), inputs.key())
    return ctx.remember(key, lambda: ctx.program(
        "call_compiled", function, list(inputs.args), dict(inputs.kwargs), list(transforms)
    ))


def student_value64(ctx, function: str, inputs: Inputs, *, transforms: list = ()) -> np.ndarray:
    seen = student_value(ctx, function, inputs, transforms=transforms)
    return as_float_array(seen, what=f"{function} ({inputs.describe()})")


# -- values ----------------------------------------------------------------------------
def require_matches_reference(
    ctx, function: str, cases: list[Inputs], *, tolerance: float = VALUES_TOLERANCE, fix: str,
    diagnose=None, transforms: list = (),
) -> str:
    """The student's ``function`` equals the reference's on every case, within ``tolerance``.

    ``diagnose(seen, expected, inputs)`` may return a sharper hint than ``fix``
    (a sign, a factor) or ''. With ``tolerance`` at ``AUTODIFF_TOLERANCE`` on a
    derivative this is the behavioural proof of autodiff: finite differences
    cannot get that close.
    """
    jax_transforms = _jax_transforms(transforms)
    for inputs in cases:
        seen = student_value64(ctx, function, inputs, transforms=transforms)
        expected = reference_value(ctx, function, inputs, transforms=jax_transforms)
        hint = (diagnose(seen, expected, inputs) if diagnose else "") or factor_hint(seen, expected) or fix
        what = f"{_name(function, transforms)} ({inputs.describe()})"
        require_close(seen, expected, what=what, tolerance=tolerance, fix=hint)
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
    """``dtype`` in, ``dtype`` out, and the values agree with the student's own float64 result."""
    ctx.require(*gates)
    name = np.dtype(dtype).name
    single = inputs.as_dtype(dtype)
    seen = student_value(ctx, function, single)
    require_dtype(seen, expected=name, what=f"{function} of {name} inputs ({inputs.describe()})")
    own64 = student_value64(ctx, function, inputs)
    require_close(
        seen, own64, what=f"{function} in {name} vs your own float64 result ({inputs.describe()})", tolerance=tolerance,
        fix=fix or "Compute in the input's dtype throughout: build constants with the input's dtype "
        "(jnp.asarray(c, x.dtype)) and never cast to float64 and back.",
    )
    return f"{name} in, {name} out, within {tolerance:.0e} of float64."


def require_works_under_jit(ctx, function: str, inputs: Inputs, *, tolerance: float = JIT_TOLERANCE,
                            static_argnums: tuple = (), gates: tuple = (), fix: str = "") -> str:
    """``jax.jit(function)`` runs with the non-static arguments traced and gives the eager values."""
    ctx.require(*gates)
    transform = {"kind": "jit", "static_argnums": list(static_argnums)}
    jitted = as_float_array(
        ctx.call(function, *inputs.args, transforms=[transform], **inputs.kwargs), what=f"jax.jit({function})"
    )
    require_close(
        jitted, student_value64(ctx, function, inputs),
        what=f"jax.jit({function}) vs {function} ({inputs.describe()})", tolerance=tolerance,
        fix=fix or "Keep the function pure: no Python `if` on traced values, no NumPy calls on traced "
        "arrays, no state kept between calls.",
    )
    return f"{function} traces and compiles under jax.jit."


def _abstract(value) -> list:
    """``[dtype, shape]`` of an argument, for ``jax.export`` (Python floats become float64 scalars)."""
    if isinstance(value, float):
        return ["float64", []]
    array = np.asarray(value)
    return [array.dtype.name, list(array.shape)]


def exported(ctx, function: str, inputs: Inputs, *, tolerance: float = 1e-9):
    """The student's ``function`` exported with ``jax.export`` on abstract inputs shaped like ``inputs``.

    Structural evidence read and run in the grader's confined verifier, which
    the student's code cannot rewrite (see ``evidence.py``). Exported inside our own ``jax.jit`` when the
    attribute is a plain function. Counts only once the program reproduces
    what the function returned for ``inputs`` in the child. Positional
    arguments only. Memoised per grading.
    """
    from . import evidence

    def gather():
        if inputs.kwargs:
            raise ValueError("exported(): pass the arguments positionally")
        program = evidence.export(ctx, function, "export_function", function, [_abstract(a) for a in inputs.args])
        if program.route is None:
            raise Fail(
                f"{function} could not be compiled with its arguments traced ({inputs.describe()}):\n"
                f"{evidence.summarize_failures(program)}\nHow to fix: keep the function pure (no Python `if` on "
                "argument values, no NumPy calls on traced arrays, no arguments marked static)."
            )
        _require_reproduces(ctx, function, program, inputs, tolerance)
        return program

    return ctx.remember(("exported", function, inputs.key()), gather)


def _require_reproduces(ctx, function: str, program, inputs: Inputs, tolerance: float) -> None:
    from . import evidence

    seen = _single(evidence.run(ctx, program, *inputs.args))
    difference = evidence.relative_difference(seen, student_value64(ctx, function, inputs))
    if not difference <= tolerance:
        raise Fail(
            f"The compiled program of your {function} does not reproduce what {function} returns for the same "
            f"inputs ({inputs.describe()}; relative difference {difference:.2e}). How to fix: keep the function "
            "pure: no state kept between calls, nothing that depends on how it is called."
        )


def _single(leaves: list):
    """A program's one output (its flattened outputs otherwise, which then match nothing)."""
    return leaves[0] if len(leaves) == 1 else leaves


def require_no_recompilation(ctx, function: str, inputs: Inputs, variants: list[Inputs], *,
                             gates: tuple = (), fix: str = "") -> str:
    """Compiled once for ``inputs``' shapes, the function needs no recompiling for new values.

    Shown by behaviour: the program exported with every argument abstract
    reproduces the student's own results on ``variants`` (same shapes, new
    values, e.g. new parameters), which it could not if a parameter were
    baked in as a constant or marked static.
    """
    from . import evidence

    ctx.require(*gates)
    program = exported(ctx, function, inputs)
    for variant in variants:
        seen = _single(evidence.run(ctx, program, *variant.args))
        own = student_value64(ctx, function, variant)
        if not evidence.relative_difference(seen, own) <= 1e-9:
            raise Fail(
                f"{function}: the program compiled for {inputs.describe()} should give your results for new values "
                f"({variant.describe()}) without recompiling, but it gives "
                f"{np.array2string(np.asarray(seen), precision=6)} "
                f"where your function returns {np.array2string(own, precision=6)}. How to fix: "
                + (fix or "keep numeric parameters traced (not static) and avoid Python control flow on their values.")
            )
    return f"One compiled program serves {len(variants)} new sets of values."


def require_trace_size_independent(ctx, function: str, by_size: dict, *, gates: tuple = (), fix: str = "") -> str:
    """The compiled program of ``function`` has as many operations for every size in ``by_size``.

    ``by_size`` maps a size (say N) to positional :class:`Inputs` of that size.
    A Python loop over N unrolls into the program and makes it grow; vmap,
    scan and array operations do not. Read from the exported program.
    """
    ctx.require(*gates)
    sizes = {n: exported(ctx, function, inputs).operation_count for n, inputs in sorted(by_size.items())}
    if len(set(sizes.values())) > 1:
        listing = ", ".join(f"N = {n}: {count} operations" for n, count in sizes.items())
        raise Fail(
            f"{function}: expected a compiled program of the same size for every N, saw {listing}. "
            "How to fix: " + (fix or "replace Python loops over the data by vmap, lax.scan or array operations.")
        )
    return f"The compiled program has {next(iter(sizes.values()))} operations at every N."


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
        value = np.asarray(student_value64(ctx, function, inputs, transforms=transforms))
        bad = np.argwhere(~np.isfinite(value))
        if bad.size:
            raise Fail(
                f"jax.{mode}({function}, argnums={argnums}) at {inputs.describe()}: expected finite values, got "
                f"{len(bad)} NaN/inf entries, the first at index {tuple(int(i) for i in bad[0])}. How to fix: "
                + (fix or "use the double-`where` trick: replace the unsafe input by a safe value before the "
                          "singular operation, then mask the result.")
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
    "AUTODIFF_TOLERANCE", "FLOAT32_TOLERANCE", "Inputs", "JIT_TOLERANCE", "VALUES_TOLERANCE", "reference64",
    "reference_value", "require_dtype_kept", "require_finite_derivatives", "require_matches_reference",
    "exported", "factor_hint", "require_no_recompilation", "require_trace_size_independent",
    "require_works_under_jit", "seeded_inputs",
    "student_value", "student_value64", "values_gate",
]
