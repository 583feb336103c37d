"""What integrate's exported programs establish (see ``evidence.py``).

``integrate`` is exported at two lengths (``SCAN_PROBE_STEPS``) with ``x``,
``v`` and ``dt`` abstract, then read and run here. From the programs alone:

- a loop is present and the program has the same size for every n_steps
  (a Python loop over steps unrolls and grows);
- ``dt`` is a real input (route ``jit`` or ``wrapped``): a static ``dt`` cannot
  be exported with an abstract value, so only the ``dt_constant`` route works;
- the module attribute is a ``jax.jit`` function (route ``jit``).

Before any of that counts, the programs must be the student's: run here on a
new ``dt`` they reproduce the student's own ``integrate`` called in the child.
What is still read in the child (and therefore forgeable) is only whether the
loop is a ``lax.scan`` rather than a ``lax.while_loop``: both lower to the same
``stablehlo.while`` (the gradient check tells them apart by behaviour).
"""
from __future__ import annotations

import numpy as np

from . import dynamics_fixtures as fx
from . import evidence
from .framework import Fail, Target
from .integrator_diagnosis import require_state
from .scan_integrator_cases import SCAN_PROBE_STEPS, state_arg

BAKED_DT = 0.01  # dt of the dt_constant route (a static dt can be read only at one value)
FRESH_DT = 0.0137  # the new dt the exported programs are run on
CONSISTENCY_TOLERANCE = 1e-9  # the same program compiled twice: round-off only


def exported_programs(ctx) -> list:
    """integrate exported at each of SCAN_PROBE_STEPS, checked to be the student's (cached)."""

    def gather():
        phase = fx.kepler_apocentre()
        inputs = [["float64", list(phase.x.shape)], ["float64", list(phase.v.shape)]]
        programs = [
            evidence.receive(ctx.program("export_integrate", inputs, n, Target("kepler"), BAKED_DT))
            for n in SCAN_PROBE_STEPS
        ]
        _require_reproduces_own_results(ctx, programs, phase)
        return programs

    return ctx.remember("integrate exported", gather)


def _require_reproduces_own_results(ctx, programs, phase) -> None:
    if any(p.route is None for p in programs):
        return  # nothing to run; the checks explain the failed export
    routes = {p.route for p in programs}
    dt = BAKED_DT if "dt_constant" in routes else FRESH_DT
    for n, program in zip(SCAN_PROBE_STEPS, programs):
        own = ctx.call("integrate", state_arg(phase), dt, n, Target("kepler"))
        if not (isinstance(own, (tuple, list)) and len(own) == 2):
            raise Fail(f"integrate should return a pair (final_state, trajectory); got {type(own).__name__}.")
        own_final = require_state(own[0], what="integrate's final state")
        own_trajectory = require_state(own[1], what="integrate's trajectory")
        args = [evidence.State(phase.x, phase.v)] + ([] if program.route == "dt_constant" else [np.float64(dt)])
        try:
            final, trajectory = (evidence.State(*part) for part in evidence.run(program, *args))
        except Exception as exc:
            raise Fail(f"The program exported from your integrate (n_steps = {n}) failed to run: "
                       f"{type(exc).__name__}.") from None
        pairs = [(trajectory.x, own_trajectory.x), (trajectory.v, own_trajectory.v),
                 (final.x, own_final.x), (final.v, own_final.v)]
        worst = max(evidence.relative_difference(seen, expected) for seen, expected in pairs)
        if not worst <= CONSISTENCY_TOLERANCE:
            raise Fail(
                f"The compiled program exported from your integrate (n_steps = {n}, dt = {dt}) does not reproduce "
                f"what your integrate returns when called with the same inputs (relative difference {worst:.2e}). "
                "The structure checks read that program, so they can only count once it is the program your "
                "function runs. How to fix: keep integrate a pure function of its arguments (no state kept "
                "between calls, no behaviour that depends on how it is called)."
            )


def export_problem(programs) -> str | None:
    """Why integrate could not be exported at all (None when it could)."""
    failed = next((p for p in programs if p.route is None), None)
    if failed is None:
        return None
    return (
        "integrate could not be compiled into a program, even with dt fixed:\n"
        + evidence.summarize_failures(failed)
    )


def size_problem(programs) -> str | None:
    """None when the programs hold a loop and have one size for every n_steps, else why not."""
    problem = export_problem(programs)
    if problem:
        return problem
    (short_n, short), (long_n, long) = zip(SCAN_PROBE_STEPS, programs)
    if evidence.grows(short, long):
        return (
            f"the compiled program of integrate grows with n_steps: {short.operation_count} operations for "
            f"n_steps = {short_n}, {long.operation_count} for n_steps = {long_n}. A Python loop over steps "
            "unrolls into one copy of the step per iteration; with thousands of steps it compiles for minutes."
        )
    if not long.has_loop:
        return "the compiled program of integrate holds no loop: the steps are not run by lax.scan."
    return None


def dt_problem(programs) -> str | None:
    """None when dt is a real input of the program, else why not."""
    problem = export_problem(programs)
    if problem:
        return problem
    program = programs[-1]
    if program.route == "dt_constant":
        return (
            "integrate could not be compiled with dt as an input (an abstract value), only with dt fixed, so dt "
            "is static: every new dt compiles a new program. What JAX said:\n" + evidence.summarize_failures(program)
        )
    scalars = [shape for shape, _ in program.inputs if shape == ()]
    if len(scalars) != 1:
        return f"the compiled program has inputs {program.inputs}; expected x, v and one scalar dt."
    return None
