"""What the exported programs of potential_energy_jit and total_energy_jit establish.

Each function is exported (see ``evidence.py``) at two sizes N, with x, m (and
v) and eps2, G abstract: the child never sees a value. Read and run in the
verifier:

- routes ``jit``/``jit_constants``: the module attribute is a ``jax.jit``
  function, compiled once per input shape (``jax.export`` accepts nothing else);
- eps2 and G are real inputs (routes ``jit``, ``wrapped``): a static parameter
  cannot take an abstract value, so only a route with them fixed works then;
- the program has one size for every N (a Python loop over particles grows).

None of it counts until the programs are shown to compute the energies and to
be the student's (``nbody_evidence.verified_programs``): systems drawn after the export, never
sent to the child, must give the reference's quantity (up to the whole-factor
slips the gates forgive); one more system, drawn after the export and then
sent to the child, must give what the student's function returns for it. A
table of the answers to inputs the child saw, or a program other than the one
the function runs, earns nothing.
"""
from __future__ import annotations

from ...checking import evidence
from ...checking.property_inputs import Inputs, student_value
from ...shipped import diagnosis
from ..physics.nbody_evidence import BAKED, verified_programs

FUNCTIONS = ("potential_energy_jit", "total_energy_jit")


def exported_programs(ctx, function: str, sizes, arrays, baked, same_quantity) -> dict:
    """``verified_programs`` for potential_energy_jit or total_energy_jit, once per grading."""

    def own(system, args):
        return student_value(ctx, function, Inputs((*args, system.eps2, system.G), label=system.describe()), eager=True)

    return ctx.remember(("exported", function), lambda: verified_programs(
        ctx, function, sizes, arrays=arrays, baked=baked, same_quantity=same_quantity, own=own))


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
