"""What the scan_integrator checks wait on: the gates, and the student runs they read.

Two kinds of precondition. The physics gates (``PHYSICS``) open once
``leapfrog_step`` and ``integrate`` move the particles the way forces say, from
the one-step and short-run replies the correctness checks fetch anyway (cached
with ``ctx.remember``, so a gate costs no extra child call). The scan
requirement (:func:`require_scan`) skips the long runs unless ``integrate`` is
built on ``lax.scan``: a Python loop over thousands of steps would unroll and
compile for minutes.
"""
from __future__ import annotations

import numpy as np

from ...checking import tolerances
from ...checking.framework import Fail, Gate, NotShown, Target, as_float_array
from ...checking.loose_gates import motion_mismatch
from ...checking.property_inputs import student_value
from ...child import names
from ..physics import dynamics_fixtures as fx
from ..physics.integrator_diagnosis import kepler_energy_error, require_state, states_close, structure_problem
from . import cases
from . import evidence as scan_evidence

ONE_STEP_CHECK = "leapfrog_step: one kick-drift-kick step matches the reference (float64)"
SHORT_RUN_CHECK = "integrate: final state and trajectory match the reference, trajectory holds steps 1..n_steps"

SKIP_MESSAGE = (
    "Skipped because integrate is not built on lax.scan (see the check \"integrate is built on "
    "lax.scan\"): this check runs hundreds to thousands of steps, and a Python loop over steps "
    "would unroll them all and compile for minutes. Build integrate on jax.lax.scan, then this "
    "check runs."
)


# -- the student runs the gates read (each fetched once per grading) ----------
def one_steps(ctx) -> list:
    """The student's leapfrog_step on each of cases.one_step_cases(), as Phases (each step fetched once)."""
    return [
        require_state(
            student_value(ctx, "leapfrog_step", cases.call(phase, dt, target, label=label),
                          transforms=cases.JIT_STEP, eager=True),
            what=f"leapfrog_step ({label})",
        )
        for label, phase, dt, target, _ in cases.one_step_cases()
    ]


def short_run(ctx):
    """integrate on cases.short_cluster() for SHORT_STEPS steps: the raw reply (fetched once)."""
    phase, m = cases.short_cluster()
    inputs = cases.call(phase, 0.01, cases.SHORT_STEPS, cases.pairwise_target(m, 0.01), label="short run")
    return student_value(ctx, "integrate", inputs, eager=True)


# -- gates: the property checks count once the step and the loop do physics -----
def _verify_step_moves(ctx) -> None:
    """Loose: x moves along dt * v and v along dt * a, within a factor of 4 (any consistent step passes)."""
    for (label, phase, dt, _, accel), seen in zip(cases.one_step_cases(), one_steps(ctx)):
        expected = cases.reference_step(ctx.reference, phase, dt, accel)
        for name in ("x", "v"):
            start = getattr(phase, name)
            moved = as_float_array(getattr(seen, name), what=f"leapfrog_step: {name}") - start
            problem = motion_mismatch(moved, np.asarray(getattr(expected, name)) - start)
            if problem:
                verb = ("does not move the particles" if name == "x"
                        else "does not change the velocities as the forces say")
                raise NotShown(verb, f"one step of leapfrog_step ({label}, dt = {dt}): the change of {name} {problem}.")


def _verify_step_exact(ctx) -> None:
    for (label, phase, dt, _, accel), seen in zip(cases.one_step_cases(), one_steps(ctx)):
        if not states_close(seen, cases.reference_step(ctx.reference, phase, dt, accel), tolerance=tolerances.VALUES):
            raise NotShown("does not match the reference", f"leapfrog_step ({label}) differs from the reference.")


def _verify_integrate_moves(ctx) -> None:
    """Loose: integrate's final positions have moved like the reference's over SHORT_STEPS steps."""
    phase, m = cases.short_cluster()
    result = short_run(ctx)
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise NotShown("does not return (final_state, trajectory)", f"integrate returned {type(result).__name__}.")
    final = require_state(result[0], what="integrate's final state")
    ref_final, _ = cases.reference_short_run(ctx.reference)
    # Positions only: over 32 steps a close pair makes the velocities of any other
    # consistent step (full kicks, say) differ from the reference's in direction.
    for name, verb in (("x", "does not move the particles"),):
        start = getattr(phase, name)
        moved = as_float_array(getattr(final, name), what=f"integrate: final {name}") - start
        problem = motion_mismatch(moved, np.asarray(getattr(ref_final, name)) - start)
        if problem:
            raise NotShown(verb, f"after {cases.SHORT_STEPS} steps of integrate (8 particles, dt = 0.01) "
                                 f"the change of {name} {problem}.")


STEP_MOVES = Gate(
    "leapfrog_step", _verify_step_moves, counts="the physics checks",
    fix=f"make leapfrog_step a kick-drift-kick step (see the check {ONE_STEP_CHECK!r}).",
)
STEP_EXACT = Gate("leapfrog_step", _verify_step_exact, counts="the dependent checks", fix="")
INTEGRATE_MOVES = Gate(
    "integrate", _verify_integrate_moves, counts="the physics checks",
    fix=f"apply leapfrog_step n_steps times with lax.scan (see the check {SHORT_RUN_CHECK!r}).",
)
PHYSICS = (STEP_MOVES, INTEGRATE_MOVES)


# -- structure: the long runs need a scan ----------------------------------------
def traced_structure(ctx):
    """Traced-program statistics of integrate at each probe length (cached)."""

    def measure():
        phase = fx.kepler_apocentre()
        return [
            # dt static here too: this probe is about n_steps, and a traced dt would
            # turn a static-dt mistake into a structure failure.
            ctx.program(
                names.TRACED_PROGRAM, "integrate", [cases.state_arg(phase), 0.01, n, Target("kepler")],
                static_argnums=[1, 2, 3],
            )
            for n in cases.SCAN_PROBE_STEPS
        ]

    return ctx.remember("integrate structure", measure)


def require_scan(ctx) -> None:
    """Fail with SKIP_MESSAGE unless integrate is built on lax.scan."""
    # The exported programs (read in this process) decide the size; the traced
    # statistics (measured in the child) only tell scan from while_loop.
    if scan_evidence.size_problem(scan_evidence.exported_programs(ctx)) is not None:
        raise Fail(SKIP_MESSAGE)
    if structure_problem(traced_structure(ctx), cases.SCAN_PROBE_STEPS) is not None:
        raise Fail(SKIP_MESSAGE)


def kepler_errors(ctx) -> list:
    """max |dE/E| of the student's integrate for each of cases.KEPLER_RUNS (cached); needs a scan."""
    require_scan(ctx)

    def run():
        phase = fx.kepler_apocentre()
        results = ctx.program(
            "integrate_runs", cases.state_arg(phase), Target("kepler"), [list(r) for r in cases.KEPLER_RUNS]
        )
        return [
            kepler_energy_error(require_state(trajectory, what=f"integrate's trajectory ({n} steps)"), phase)
            for (_, trajectory), (_, n) in zip(results, cases.KEPLER_RUNS)
        ]

    return ctx.remember("kepler runs", run)
