"""What integrate's exported programs establish (see ``evidence.py``).

``integrate`` is exported at two lengths (``SCAN_PROBE_STEPS``) with ``x``,
``v`` and ``dt`` abstract, then read and run in the verifier. From the
programs alone:

- a loop is present and the program has the same size for every n_steps
  (a Python loop over steps unrolls and grows);
- ``dt`` is a real input (route ``jit`` or ``wrapped``): a static ``dt`` cannot
  be exported with an abstract value, so only the ``dt_constant`` route works;
- the module attribute is a ``jax.jit`` function (route ``jit``).

Before any of that counts, the programs must integrate and be the student's:
on a state and a dt drawn after the export and never sent to the child, the
final state moves as the reference's does (as loosely as the physics gates:
any consistent integrator passes, a drift without kicks does not); on another
state and dt drawn after the export and then sent to the child, the program
reproduces the student's own ``integrate``. What is still read in the child
(and therefore forgeable) is only whether the loop is a ``lax.scan`` rather
than a ``lax.while_loop``: both lower to the same ``stablehlo.while`` (the
gradient check tells them apart by behaviour).
"""
from __future__ import annotations

import numpy as np

from ...checking import evidence, tolerances
from ...checking.framework import Fail, Target
from ...checking.loose_gates import motion_mismatch
from ...checking.property_inputs import Inputs, student_value
from ..physics import dynamics_fixtures as fx
from ..physics.dynamics_fixtures import reference_x64
from .cases import SCAN_PROBE_STEPS, state_arg

BAKED_DT = 0.01  # dt of the dt_constant route (a static dt can be read only at one value)
CONSISTENCY_TOLERANCE = tolerances.CONSISTENCY  # the same program compiled twice: round-off only


def exported_programs(ctx) -> list:
    """integrate exported at each of SCAN_PROBE_STEPS, checked to integrate and to be the student's (cached)."""

    def gather():
        phase = fx.kepler_apocentre()
        inputs = [["float64", list(phase.x.shape)], ["float64", list(phase.v.shape)]]
        programs = [
            evidence.export(ctx, "integrate", "export_integrate", inputs, n, Target("kepler"), BAKED_DT)
            for n in SCAN_PROBE_STEPS
        ]
        if all(p.route is not None for p in programs):
            _require_integrates(ctx, programs, phase)
        return programs

    return ctx.remember("integrate exported", gather)


def _fresh(rng, phase, baked: bool):
    """A Kepler state near ``phase`` and a dt, drawn after the export (dt = BAKED_DT for a baked program)."""
    scale = rng.uniform(0.9, 1.1, size=2)
    drawn = fx.Phase(x=phase.x * scale[0], v=phase.v * scale[1])
    return drawn, (BAKED_DT if baked else float(rng.uniform(0.005, 0.03)))


def _run(ctx, program, phase, dt, n) -> list:
    """[final x, final v, trajectory x, trajectory v] of the program from ``phase``."""
    args = [evidence.State(phase.x, phase.v)] + ([] if program.route == "dt_constant" else [np.float64(dt)])
    return evidence.run(ctx, program, *args)


def _require_integrates(ctx, programs, phase) -> None:
    rng = evidence.verifier_of(ctx).rng("integrate")
    for n, program in zip(SCAN_PROBE_STEPS, programs):
        baked = program.route == "dt_constant"
        unseen, dt = _fresh(rng, phase, baked)
        seen = _run(ctx, program, unseen, dt, n)
        with reference_x64():
            final, trajectory = ctx.reference.integrate(ctx.reference.State(unseen.x, unseen.v), dt, n,
                                                        fx.kepler_accel)
        expected = [np.asarray(a) for a in (final.x, final.v, trajectory.x, trajectory.v)]
        problem = _motion_problem(seen, expected, unseen)
        if problem:
            raise Fail(
                f"The compiled program exported from your integrate (n_steps = {n}) does not integrate the orbit "
                f"on a new state and dt = {dt:.4g}: {problem}. The structure checks read that program, so they "
                "count only once it moves the particles as leapfrog steps do."
            )
        asked, dt = _fresh(rng, phase, baked)
        own = student_value(ctx, "integrate", Inputs((state_arg(asked), dt, n, Target("kepler")), label="unseen"),
                            eager=True)
        worst = evidence.worst_difference(_run(ctx, program, asked, dt, n), _own_leaves(own))
        if not worst <= CONSISTENCY_TOLERANCE:
            raise Fail(
                f"The compiled program exported from your integrate (n_steps = {n}, dt = {dt:.4g}) does not "
                f"reproduce what your integrate returns for the same new inputs (relative difference {worst:.2e}). "
                "The structure checks read that program, so they can only count once it is the program your "
                "function runs. How to fix: keep integrate a pure function of its arguments (no state kept "
                "between calls, no behaviour that depends on how it is called)."
            )


def _motion_problem(seen, expected, start) -> str:
    if len(seen) != 4:
        return f"it returned {len(seen)} arrays, expected (State(x, v), State(x, v))"
    # The final state only, as the gates read it: the trajectory's layout is the values check's subject.
    for name, got, reference, initial in (("x", seen[0], expected[0], start.x), ("v", seen[1], expected[1], start.v)):
        problem = motion_mismatch(np.asarray(got) - initial, reference - initial)
        if problem:
            return f"the change of the final {name} {problem}"
    return ""


def _own_leaves(own) -> list:
    """The student's (final_state, trajectory) as [x, v, x, v]; [] when it is not that shape."""
    try:
        final, trajectory = own
        return [np.asarray(part[name], dtype=np.float64) for part in (final, trajectory) for name in ("x", "v")]
    except (TypeError, ValueError, KeyError, IndexError):
        return []


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
