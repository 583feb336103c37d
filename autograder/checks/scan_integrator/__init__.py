"""Checks of the scan_integrator assignment: leapfrog with ``lax.scan``.

Structure comes first. ``integrate`` is traced (not compiled) at n_steps = 4
and 16: a ``scan`` must appear and the program must not grow. A Python loop
over steps unrolls, and compiling thousands of unrolled steps takes minutes,
so the long-run checks (reversibility, energy convergence, long Kepler run,
GPU tier) are skipped with a message when that check fails. The short runs
(32 steps) still grade such a submission's numbers.

Numbers: one step and short runs are compared with the reference in float64
(1e-12, max-normalised); long runs are judged by physics (energy error,
reversibility), measured the same way on the reference.

What the checks wait on (the physics gates, the scan requirement of the long
runs) and the student runs those read are in ``scan_integrator/gates.py``; the
GPU tier's check in ``gpu_drift.py``; the public tests' fixture in ``fixture.py``.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ...checking import tolerances
from ...checking.framework import CheckRegistry, Fail, Target, as_float_array, require_close
from ...checking.property_inputs import student_value
from ...child import names
from ...sandbox.session import StudentError
from ...shipped import diagnosis
from ..physics import dynamics_fixtures as fx
from ..physics.dynamics_fixtures import reference_x64
from ..physics.integrator_diagnosis import (
    PROMOTION_FIX,
    compare_state,
    require_float32,
    require_state,
    require_trajectory_convention,
)
from . import cases, gates, gpu_drift
from . import evidence as scan_evidence
from .fixture import public_fixture  # noqa: F401  (the public tests' fixture: `jaxgrade regenerate` reads it here)

REGISTRY = CheckRegistry("scan_integrator")
USES_EXPORTED_PROGRAMS = True  # grading starts the verifier alongside the child (autograder/verifier)


# -- one step ------------------------------------------------------------------
@REGISTRY.check(gates.ONE_STEP_CHECK, points=1.5, public=True)
def one_step_matches(ctx):
    for (label, phase, dt, _, accel), seen in zip(cases.one_step_cases(), gates.one_steps(ctx)):
        expected = cases.reference_step(ctx.reference, phase, dt, accel)
        what = f"leapfrog_step ({label}, dt = {dt})"
        # The verdict and its diagnosis are shared with the public test (autograder/shipped/diagnosis.py).
        message = diagnosis.step_verdict(seen, expected, start=phase, dt=dt, accel=accel, what=what,
                                         tolerance=tolerances.VALUES)
        if message is not None:
            raise Fail(message)
    return "One leapfrog step matches the reference for pairwise gravity, harmonic oscillators and a Kepler orbit."


@REGISTRY.check(
    "integrate is built on lax.scan: its traced program does not grow with n_steps", points=1.5, public=True
)
def built_on_scan(ctx):
    programs = scan_evidence.exported_programs(ctx)
    problem = scan_evidence.size_problem(programs)
    if problem is not None:
        raise Fail(
            "Expected a scan-based integrate whose compiled program has the same size for every n_steps; "
            f"{problem}\nHow to fix: {diagnosis.FIX_SCAN}."
        )
    stats = gates.traced_structure(ctx)
    message = diagnosis.scan_verdict(stats, cases.SCAN_PROBE_STEPS)  # shared with the public test
    if message is not None:
        raise Fail(message)
    sizes = ", ".join(f"{p.operation_count} (n_steps = {n})" for n, p in zip(cases.SCAN_PROBE_STEPS, programs))
    return f"integrate is built on lax.scan; compiled program size (operations) {sizes}."


# -- short runs ----------------------------------------------------------------
@REGISTRY.check(gates.SHORT_RUN_CHECK, points=1.5)
def trajectory_matches(ctx):
    with ctx.fix_first(gates.STEP_EXACT, subject_check=gates.ONE_STEP_CHECK):
        return _trajectory_matches(ctx)


def _trajectory_matches(ctx):
    phase, _ = cases.short_cluster()
    result = gates.short_run(ctx)
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise Fail(f"integrate should return a pair (final_state, trajectory); got {type(result).__name__}. "
                   "Return what lax.scan returns.")
    final = require_state(result[0], what="integrate's final state")
    trajectory = require_state(result[1], what="integrate's trajectory")
    ref_final, ref_trajectory = cases.reference_short_run(ctx.reference)
    require_trajectory_convention(trajectory, phase, expected_shape=np.shape(ref_trajectory.x))
    if not np.array_equal(trajectory.x[-1], final.x):
        raise Fail(
            "trajectory.x[-1] should equal final_state.x exactly (the trajectory holds the state after "
            "each step, so its last entry is the final state); they differ. Emit the new state from the "
            "scan body: `return new_state, new_state`."
        )
    fix = ("integrate should apply leapfrog_step n_steps times with the same dt; "
           "compare your scan body with leapfrog_step.")
    compare_state(final, ref_final, what=f"final state after {cases.SHORT_STEPS} steps", tolerance=tolerances.VALUES,
                  fix=fix)
    compare_state(trajectory, ref_trajectory, what="trajectory", tolerance=tolerances.VALUES, fix=fix)
    return (f"Final state and the {cases.SHORT_STEPS}-step trajectory match the reference; "
            "trajectory.x[-1] == final_state.x.")


@REGISTRY.check("integrate is jit-compiled with dt traced: a new dt does not recompile", points=1)
def new_dt_does_not_recompile(ctx):
    ctx.require(*gates.PHYSICS)
    # Established from the exported programs (evidence.py, run in the verifier), not from compile counts
    # taken in the student's process: a static dt cannot be exported as an input, and
    # only a jax.jit function exports as itself.
    programs = scan_evidence.exported_programs(ctx)
    jit_fix = "`@functools.partial(jax.jit, static_argnames=(\"n_steps\", \"accel_fn\"))` and leave dt traced"
    problem = scan_evidence.dt_problem(programs)
    if problem is not None:
        raise Fail(
            f"Expected integrate to compile once and reuse the program for every dt (dt an input of the "
            f"compiled program); {problem}\nHow to fix: decorate integrate with {jit_fix}; do not mark dt "
            "static and do not turn it into a Python number (float(dt), `if dt > ...`)."
        )
    if programs[-1].route != names.ROUTE_JIT:
        raise Fail(
            "integrate is not a jax.jit-compiled function: without jit every call re-traces and dispatches "
            "op by op. Expected the module attribute to export as a jit function; JAX said:\n"
            + scan_evidence.evidence.summarize_failures(programs[-1])
            + f"\nHow to fix: decorate integrate with {jit_fix}."
        )
    return (
        "integrate is jit-compiled with dt an input of the compiled program: run on new states and values of dt, "
        "the program exported from it integrates the orbit and reproduces your results."
    )


def _step_and_final(ctx, phase, m, dtype, *, dt, n_steps):
    """The student's one step and n-step final state for one dtype, as Phases."""
    target, label = cases.pairwise_target(m, 0.01, dtype=dtype), np.dtype(dtype).name
    step = require_state(
        student_value(ctx, "leapfrog_step", cases.call(phase, dt, target, label=label, dtype=dtype),
                      transforms=cases.JIT_STEP, eager=True),
        what=f"leapfrog_step ({label})",
    )
    if dtype == np.float32:
        require_float32(step, label="leapfrog_step")
    try:
        final = student_value(ctx, "integrate", cases.call(phase, dt, n_steps, target, label=label, dtype=dtype),
                              eager=True)[0]
    except StudentError as exc:
        if "carry" not in exc.message or "type" not in exc.message:
            raise
        raise Fail(
            f"integrate ({label}) failed: the scan carry changed dtype between steps.\n{exc.message}\n{PROMOTION_FIX}"
        ) from None
    return step, require_state(final, what=f"integrate ({label})")


@REGISTRY.check("float32 state stays float32 through leapfrog_step and integrate", points=0.5)
def float32_preserved(ctx):
    """float32 in, float32 out, and the same numbers as the student's own
    float64 run to float32 precision: this check is about dtypes only, so a
    step that is wrong the same way in both precisions passes here."""
    phase, m = fx.random_cluster(6, seed=31)
    representable = fx.Phase(phase.x.astype(np.float32).astype(np.float64),
                             phase.v.astype(np.float32).astype(np.float64))
    m = m.astype(np.float32).astype(np.float64)
    ctx.require(*gates.PHYSICS)
    dt, n_steps = 0.01, 16
    step32, final32 = _step_and_final(ctx, representable, m, np.float32, dt=dt, n_steps=n_steps)
    require_float32(final32, label="integrate's final state")
    step64, final64 = _step_and_final(ctx, representable, m, np.float64, dt=dt, n_steps=n_steps)
    compare_state(step32, step64, what="leapfrog_step in float32 vs your float64 result", tolerance=tolerances.FLOAT32)
    compare_state(
        final32, final64, what=f"integrate in float32 vs your float64 result ({n_steps} steps)",
        tolerance=tolerances.FLOAT32,
    )
    return "float32 in, float32 out, within 1e-5 of the same computation in float64."


@REGISTRY.check("Total momentum is conserved for pairwise forces", points=0.5)
def momentum_conserved(ctx):
    ctx.require(*gates.PHYSICS)
    phase, m = fx.random_cluster(12, seed=41)
    inputs = cases.call(phase, 0.01, cases.SHORT_STEPS, cases.pairwise_target(m, 0.01), label="12 particles")
    final, trajectory = student_value(ctx, "integrate", inputs, eager=True)
    velocities = as_float_array(require_state(trajectory, what="integrate's trajectory").v, what="trajectory.v")
    momentum = np.einsum("i,tij->tj", m, velocities)  # (n_steps, 3)
    initial = m @ phase.v
    scale = float(np.sum(m * np.linalg.norm(phase.v, axis=1)))
    drift = np.max(np.abs(momentum - initial), axis=1) / scale
    worst = int(np.argmax(drift))
    if drift[worst] > 1e-12:
        raise Fail(
            f"Total momentum sum_i m_i v_i should stay {initial} to round-off (relative 1e-12) for "
            f"pairwise forces; after step {worst + 1} it is {momentum[worst]} (relative change "
            f"{drift[worst]:.2e}).\nHow to fix: kick every particle with accelerations computed from the "
            "same positions, all at once (`v + dt/2 * accel_fn(x)` on the whole array), never one particle "
            "at a time with positions that were already partly updated."
        )
    return f"Momentum conserved to {np.max(drift):.1e} (relative) over {cases.SHORT_STEPS} steps."


@REGISTRY.check("Gradient through integrate (d final state / d x0) matches the reference", points=1)
def gradient_through_integrate(ctx):
    with ctx.fix_first(gates.STEP_EXACT, subject_check=gates.ONE_STEP_CHECK):
        return _gradient_through_integrate(ctx)


@functools.cache
def _gradient_problem(reference) -> tuple:
    """(phase, m, weight_x, weight_v, the reference's gradient): the same for every student, so a
    long-lived grader (batch/worker.py) compiles and computes it once."""
    phase, m = fx.random_cluster(4, seed=51)
    rng = np.random.default_rng(52)
    weight_x, weight_v = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    with reference_x64():
        accel = fx.pairwise_accel(m, 0.01)

        def scalar(x0):
            final, _ = reference.integrate(reference.State(x0, jnp.asarray(phase.v)), 0.01, 16, accel)
            return jnp.sum(weight_x * final.x) + jnp.sum(weight_v * final.v)

        return phase, m, weight_x, weight_v, np.asarray(jax.jit(jax.grad(scalar))(jnp.asarray(phase.x)))


def _gradient_through_integrate(ctx):
    phase, m, weight_x, weight_v, expected = _gradient_problem(ctx.reference)
    dt, n_steps = 0.01, 16
    try:
        seen = ctx.program(
            "grad_final_state", cases.state_arg(phase), dt, n_steps, cases.pairwise_target(m, 0.01), weight_x, weight_v
        )
    except StudentError as exc:
        if "while_loop" not in exc.message:
            raise
        raise Fail(
            f"jax.grad through integrate failed: {exc.message}\nHow to fix: reverse-mode autodiff cannot "
            "run a lax.while_loop backwards (its length is unknown when tracing). lax.scan has a fixed "
            "length and is differentiable: build integrate on jax.lax.scan."
        ) from None
    require_close(
        seen, expected, tolerance=1e-10,
        what=f"gradient of a weighted sum of the final state w.r.t. x0 ({n_steps} steps)",
        fix="integrate must be differentiable end to end: lax.scan is (lax.while_loop is not, in reverse mode); "
        "keep every operation in jax.numpy and do not stop gradients.",
    )
    return "jax.grad through integrate matches the reference."


@REGISTRY.check("Time reversibility: flipping the velocities retraces the orbit", points=1)
def time_reversible(ctx):
    gates.require_scan(ctx)
    ctx.require(*gates.PHYSICS)
    with ctx.fix_first(gates.STEP_EXACT, subject_check=gates.ONE_STEP_CHECK):
        return _time_reversible(ctx)


def _time_reversible(ctx):
    phase = fx.kepler_apocentre()
    dt, n_steps = cases.KEPLER_RUNS[0]
    _, returned = ctx.program("integrate_round_trip", cases.state_arg(phase), dt, n_steps, Target("kepler"))
    returned = require_state(returned, what="state after the round trip")
    error_x = np.max(np.abs(as_float_array(returned.x, what="x") - phase.x)) / np.max(np.abs(phase.x))
    error_v = np.max(np.abs(as_float_array(returned.v, what="v") + phase.v)) / np.max(np.abs(phase.v))
    error = float(max(error_x, error_v))
    if not error <= 1e-10:
        raise Fail(
            f"Integrating one Kepler orbit ({n_steps} steps), flipping v and integrating again should return "
            f"to the start with v flipped, to round-off (1e-10 relative); it ends {error:.2e} away "
            f"(positions {error_x:.1e}, velocities {error_v:.1e}).\nHow to fix: leapfrog is symmetric in "
            "time only as kick(dt/2) - drift(dt) - kick(dt/2) with the second kick at the new positions; "
            "an Euler or Runge-Kutta step is not reversible."
        )
    return f"Forward and back along one Kepler orbit returns to the start within {error:.1e}."


@REGISTRY.check("Energy error shrinks 4x when dt halves (second-order accuracy)", points=1)
def energy_error_second_order(ctx):
    gates.require_scan(ctx)
    ctx.require(*gates.PHYSICS)
    with ctx.fix_first(gates.STEP_EXACT, subject_check=gates.ONE_STEP_CHECK):
        return _energy_error_second_order(ctx)


def _energy_error_second_order(ctx):
    coarse, fine, _ = gates.kepler_errors(ctx)
    ref_coarse, ref_fine, _ = cases.reference_kepler_errors(ctx.reference)
    ratio = coarse / fine if fine > 0 else float("inf")
    if not 3.6 <= ratio <= 4.4:
        meaning = (
            "about 2 means first order (an Euler-type step)" if 1.5 <= ratio < 3 else
            "about 1 means the error does not shrink at all: the step integrates the wrong equations "
            "(check that each kick is dt/2 * a)" if ratio < 1.5 else "the error is erratic"
        )
        raise Fail(
            f"Kepler orbit (e = 0.5), one period: max |dE/E| should drop about 4x from dt = T/500 to T/1000 "
            f"(the reference: {ref_coarse:.2e} -> {ref_fine:.2e}, ratio 4.00); yours: {coarse:.2e} -> "
            f"{fine:.2e}, ratio {ratio:.2f}; {meaning}.\nHow to fix: kick-drift-kick with half kicks is "
            "second order; make sure integrate applies exactly that step in float64."
        )
    return f"Energy error ratio {ratio:.2f} for dt vs dt/2 (reference {ref_coarse / ref_fine:.2f})."


@REGISTRY.check("Kepler orbit over 50 periods: energy error stays bounded, within 2x the reference's", points=0.5)
def kepler_long_run(ctx):
    gates.require_scan(ctx)
    ctx.require(*gates.PHYSICS)
    with ctx.fix_first(gates.STEP_EXACT, subject_check=gates.ONE_STEP_CHECK):
        return _kepler_long_run(ctx)


def _kepler_long_run(ctx):
    seen = gates.kepler_errors(ctx)[2]
    expected = cases.reference_kepler_errors(ctx.reference)[2]
    dt, n_steps = cases.KEPLER_RUNS[2]
    if not seen <= 2 * expected:
        raise Fail(
            f"Kepler orbit (e = 0.5), {n_steps} steps of T/250 (50 periods): max |dE/E| should stay near the "
            f"reference's {expected:.2e} (at most 2x); yours reached {seen:.2e}.\nHow to fix: leapfrog keeps "
            "the energy error bounded and as small as the reference's; a larger error comes from a step of "
            "lower order (symplectic Euler stays bounded but first-order, so its error is about 1/dt times "
            "larger), a step that is not symplectic at all (explicit Euler, Runge-Kutta: the error grows), "
            "or float32 arithmetic somewhere in the loop."
        )
    return f"max |dE/E| over 50 periods: {seen:.2e} (reference {expected:.2e})."


# -- GPU tier (gpu_drift.py) ----------------------------------------------------------
REGISTRY.check(
    "GPU tier: a 2048-particle Plummer sphere keeps its energy over 4000 steps in float64 and in float32 "
    "(drift within the reference ensemble's tolerance, same GPU)",
    points=1,
    gpu=True,
)(gpu_drift.plummer_energy_drift)
