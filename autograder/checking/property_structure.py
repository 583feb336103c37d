"""Structural properties, read from the program the student's function compiles to.

The program is exported with ``jax.export`` in the child and read here
(``evidence.py``): evidence the student's process cannot forge. It counts only
once it reproduces what the function returned in the child.
"""
from __future__ import annotations

import numpy as np

from ..child import names
from . import evidence, tolerances
from .property_inputs import Inputs, leaves, student_value64
from .verdicts import Fail


def _abstract(value) -> list:
    """``[dtype, shape]`` of an argument, for ``jax.export`` (Python floats become float64 scalars)."""
    if isinstance(value, float):
        return ["float64", []]
    array = np.asarray(value)
    return [array.dtype.name, list(array.shape)]


def exported(ctx, function: str, inputs: Inputs, *, tolerance: float = tolerances.CONSISTENCY):
    """The student's ``function`` exported with ``jax.export`` on abstract inputs shaped like ``inputs``.

    Positional arguments are abstract; static keyword arguments (``inputs.static``)
    keep their values; other keyword arguments are refused (pass them
    positionally). Exported inside our own ``jax.jit`` when the attribute is a
    plain function. Memoised per grading.
    """
    def gather():
        if inputs.traced_kwargs:
            raise ValueError("exported(): pass the traced arguments positionally")
        program = evidence.export(ctx, function, names.EXPORT_FUNCTION, function,
                                  [_abstract(a) for a in inputs.args], [], inputs.static_kwargs)
        if program.route is None:
            raise Fail(
                f"{function} could not be compiled with its arguments traced ({inputs.describe()}):\n"
                f"{evidence.summarize_failures(program)}\nHow to fix: keep the function pure (no Python `if` on "
                "argument values, no NumPy calls on traced arrays, only the handout's static arguments static)."
            )
        _require_reproduces(ctx, function, program, inputs, tolerance)
        return program

    return ctx.remember(("exported", function, inputs.key()), gather)


def _difference(seen, expected) -> float:
    pairs = list(zip(leaves(seen), leaves(expected)))
    if len(pairs) != len(leaves(expected)) or len(leaves(seen)) != len(pairs):
        return float("inf")
    return max(evidence.relative_difference(s, e) for (_, s), (_, e) in pairs)


def _require_reproduces(ctx, function: str, program, inputs: Inputs, tolerance: float) -> None:
    try:
        seen = evidence.run(ctx, program, *inputs.args)
    except Exception as exc:
        raise Fail(f"The program exported from your {function} failed to run: {type(exc).__name__}.") from None
    difference = _difference(seen, student_value64(ctx, function, inputs))
    if not difference <= tolerance:
        raise Fail(
            f"The compiled program of your {function} does not reproduce what {function} returns for the same "
            f"inputs ({inputs.describe()}; relative difference {difference:.2e}). How to fix: keep the function "
            "pure: no state kept between calls, nothing that depends on how it is called."
        )


def require_no_recompilation(ctx, function: str, inputs: Inputs, variants: list[Inputs], *,
                             gates: tuple = (), fix: str = "") -> str:
    """Compiled once for ``inputs``' shapes, the function needs no recompiling for new values.

    Shown by behaviour: the program exported with every traced argument
    abstract reproduces the student's own results on ``variants`` (same shapes
    and static values, new traced values), which it could not if a parameter
    were baked in as a constant or marked static.
    """
    ctx.require(*gates)
    program = exported(ctx, function, inputs)
    for variant in variants:
        seen = evidence.run(ctx, program, *variant.args)
        own = student_value64(ctx, function, variant)
        if not _difference(seen, own) <= tolerances.CONSISTENCY:
            shown = ", ".join(np.array2string(np.asarray(v), precision=6) for _, v in leaves(seen))
            mine = ", ".join(np.array2string(np.asarray(v), precision=6) for _, v in leaves(own))
            raise Fail(
                f"{function}: the program compiled for {inputs.describe()} should give your results for new values "
                f"({variant.describe()}) without recompiling, but it gives {shown} where your function returns "
                f"{mine}. How to fix: "
                + (fix or "keep numeric parameters traced (not static) and avoid Python control flow on their values.")
            )
    return f"One compiled program serves {len(variants)} new sets of values."


def require_trace_size_independent(ctx, function: str, by_size: dict, *, gates: tuple = (), fix: str = "") -> str:
    """The compiled program of ``function`` has as many operations for every size in ``by_size``.

    ``by_size`` maps a size (say N, or a static ``n_steps``) to :class:`Inputs`
    of that size. A Python loop over it unrolls into the program and makes it
    grow; vmap, scan and array operations do not. Read from the exported program.
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


__all__ = ["exported", "require_no_recompilation", "require_trace_size_independent"]
