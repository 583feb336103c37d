"""What the exported programs of potential_energy_jit and total_energy_jit establish.

Each function is exported (see ``evidence.py``) at two sizes N, with x, m (and
v) and eps2, G abstract: the child never sees a value. Read and run here:

- routes ``jit``/``jit_constants``: the module attribute is a ``jax.jit``
  function, compiled once per input shape (``jax.export`` accepts nothing else);
- eps2 and G are real inputs (routes ``jit``, ``wrapped``): a static parameter
  cannot take an abstract value, so only a route with them fixed works then;
- the program has one size for every N (a Python loop over particles grows).

None of it counts until the programs are shown to be the student's: run here
on the two value systems of each size (eps2 = 0 and eps2 > 0, different G),
they reproduce what the student's function returned for them in the child.
"""
from __future__ import annotations

from .. import diagnosis
from ..child import names
from . import evidence
from .framework import Fail

FUNCTIONS = ("potential_energy_jit", "total_energy_jit")
BAKED = names.BAKED_ROUTES  # routes with eps2 and G fixed to numbers
CONSISTENCY_TOLERANCE = 1e-9  # the same program compiled twice: round-off only


def _inputs(function: str, n: int) -> list:
    arrays = [["float64", [n, 3]], ["float64", [n]]]
    if function == "total_energy_jit":
        arrays.insert(1, ["float64", [n, 3]])
    return arrays + [["float64", []], ["float64", []]]


def exported_programs(ctx, function: str, systems_by_size: dict, arrays_of, own_result) -> dict:
    """``{N: Evidence}`` for ``function`` at each size, checked to reproduce the student's results (cached).

    ``systems_by_size``: {N: [ParticleSystem, ...]} with the softened one first;
    ``arrays_of(system)``: the array arguments; ``own_result(system)``: the
    student's own result, computed in the child by calling the function.
    """

    def gather():
        programs = {}
        for n, systems in systems_by_size.items():
            baked = [systems[0].eps2, systems[0].G]
            reply = ctx.program("export_function", function, _inputs(function, n), baked)
            programs[n] = program = evidence.receive(reply)
            if program.route is None:
                continue
            runs = systems[:1] if program.route in BAKED else systems
            for system in runs:
                _require_same(ctx, function, program, system, arrays_of, own_result)
        return programs

    return ctx.remember(("exported", function), gather)


def _require_same(ctx, function, program, system, arrays_of, own_result) -> None:
    args = list(arrays_of(system))
    if program.route not in BAKED:
        args += [system.eps2, system.G]
    try:
        seen = evidence.run(program, *args)
    except Exception as exc:
        raise Fail(f"The program exported from your {function} failed to run: {type(exc).__name__}.") from None
    expected = own_result(system)
    seen_parts = seen if isinstance(seen, (tuple, list)) else [seen]
    expected_parts = expected if isinstance(expected, (tuple, list)) else [expected]
    worst = max(
        (evidence.relative_difference(s, e) for s, e in zip(seen_parts, expected_parts)),
        default=float("inf"),
    ) if len(seen_parts) == len(expected_parts) else float("inf")
    if not worst <= CONSISTENCY_TOLERANCE:
        raise Fail(
            f"The compiled program exported from your {function} does not reproduce what {function} returns "
            f"when called with the same inputs ({system.describe()}; relative difference {worst:.2e}). The "
            "compile and size checks read that program, so they count only once it is the program your function "
            "runs. How to fix: keep the function pure (no state kept between calls, nothing that depends on how "
            "it is called)."
        )


def export_failure(function: str, program: evidence.Evidence) -> str:
    return diagnosis.jit_problem(function, None, program.failures)


def jit_problem(function: str, programs: dict) -> str | None:
    """None when the module attribute is a jax.jit function, else why not (shared with the public test)."""
    for program in programs.values():
        problem = diagnosis.jit_problem(function, program.route, program.failures)
        if problem:
            return problem
    return None


def parameters_problem(function: str, programs: dict) -> str | None:
    """None when eps2 and G are inputs of the compiled program at every size, else why not."""
    for n, program in programs.items():
        if program.route is None:
            return export_failure(function, program)
        if program.route in BAKED:
            return (
                f"{function} could be compiled only with eps2 and G fixed to numbers, not as inputs, so they are "
                "static: every new value compiles a new program. What JAX said with eps2 and G as inputs:\n"
                + evidence.summarize_failures(program)
            )
        scalars = sum(1 for shape, _ in program.inputs if shape == ())
        if scalars != 2:
            return (f"the compiled program of {function} (N = {n}) has inputs {program.inputs}; "
                    "expected eps2 and G among them.")
    return None


def size_problem(function: str, programs: dict) -> str | None:
    """None when the compiled program has the same size at every N, else why not."""
    if any(p.route is None for p in programs.values()):
        return export_failure(function, next(p for p in programs.values() if p.route is None))
    counts = {n: p.operation_count for n, p in programs.items()}
    ordered = [programs[n] for n in sorted(programs)]
    if any(evidence.grows(small, large) for small, large in zip(ordered, ordered[1:])):
        sizes = ", ".join(f"{c} operations at N = {n}" for n, c in counts.items())
        return f"{function}: the compiled program has {sizes}; expected the same size for every N."
    return None


def sizes_text(programs_by_function: dict) -> str:
    by_size = ((f, n, p) for f, programs in programs_by_function.items() for n, p in programs.items())
    return ", ".join(f"{f} N={n}: {p.operation_count}" for f, n, p in by_size)
