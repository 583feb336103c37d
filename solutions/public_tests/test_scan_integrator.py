"""Public tests for ``assignments/scan_integrator.py`` (a subset of the graded checks).

The verdicts are the autograder's own (``jaxgrade_diagnosis``): a wrong step
is named (drift-kick-drift, symplectic Euler, ...) as the graded check names it.
"""
import jax
import jax.numpy as jnp
import numpy as np

from assignments import scan_integrator as student
from fixture_inputs import UNIFORM_GRAVITY, harmonic_accel, load_fixture, uniform_gravity_accel
from jaxgrade_diagnosis import scan_verdict, step_verdict
from public_helpers import assert_close, assert_dtype, count_compiles, graded_as, program_stats, require

FIXTURE = load_fixture("scan_integrator")
N_STEPS = int(FIXTURE["n_steps"])
DT = float(FIXTURE["dt"])
INTEGRATE_FIX = (
    "integrate should apply leapfrog_step n_steps times with the same dt; if "
    "test_one_step_matches_reference fails too, fix leapfrog_step first."
)
SCAN_PROBE_STEPS = (4, 16)
"""integrate is traced at these n_steps; a scan-based program has the same size at both."""


def initial_state(dtype=jnp.float64):
    return student.State(x=jnp.asarray(FIXTURE["x0"], dtype), v=jnp.asarray(FIXTURE["v0"], dtype))


@graded_as("one_step_matches")
def test_one_step_matches_reference():
    start = initial_state()
    step = student.leapfrog_step(start, DT, harmonic_accel)
    expected = student.State(x=FIXTURE["step_x"], v=FIXTURE["step_v"])
    require(step_verdict(step, expected, start=start, dt=DT, accel=harmonic_accel, tolerance=1e-12,
                         what=f"leapfrog_step (harmonic oscillators, dt = {DT})"))


def test_uniform_gravity_is_exact():
    # Under a constant acceleration leapfrog reproduces x0 + v0 t + g t^2 / 2 exactly.
    state0 = initial_state()
    final, _ = student.integrate(state0, DT, N_STEPS, uniform_gravity_accel)
    t, g = N_STEPS * DT, np.asarray(UNIFORM_GRAVITY)
    fix = "Kick v by dt/2 * a(x), drift x by dt * v_half, kick again by dt/2 * a(x_new); return State(x, v). "
    fix += INTEGRATE_FIX
    assert_close(final.x, FIXTURE["x0"] + FIXTURE["v0"] * t + 0.5 * g * t**2,
                 what="positions after free fall", tolerance=1e-12, fix=fix)
    assert_close(final.v, FIXTURE["v0"] + g * t, what="velocities after free fall", tolerance=1e-12, fix=fix)


def test_integrate_matches_reference_values():
    final, trajectory = student.integrate(initial_state(), DT, N_STEPS, harmonic_accel)
    assert_close(final.x, FIXTURE["final_x"], what="integrate: final x", tolerance=1e-10, fix=INTEGRATE_FIX)
    assert_close(final.v, FIXTURE["final_v"], what="integrate: final v", tolerance=1e-10, fix=INTEGRATE_FIX)
    assert_close(trajectory.x, FIXTURE["trajectory_x"], what="integrate: trajectory x", tolerance=1e-10,
                 fix="The trajectory holds the state AFTER steps 1..n_steps (not the initial state).")
    assert_close(trajectory.v, FIXTURE["trajectory_v"], what="integrate: trajectory v", tolerance=1e-10,
                 fix=INTEGRATE_FIX)


def test_float32_in_float32_out():
    final, trajectory = student.integrate(initial_state(jnp.float32), DT, N_STEPS, harmonic_accel)
    for what, value in (("final x", final.x), ("final v", final.v), ("trajectory x", trajectory.x)):
        assert_dtype(value, jnp.float32, what=f"integrate of a float32 state: {what}")
    assert_close(final.x, FIXTURE["final_x"], what="float32 final positions", tolerance=1e-5, fix=INTEGRATE_FIX)


@graded_as("built_on_scan")
def test_built_on_scan():
    state0 = initial_state()
    stats = [program_stats(jax.make_jaxpr(lambda s, n=n: student.integrate(s, 0.01, n, harmonic_accel))(state0))
             for n in SCAN_PROBE_STEPS]
    require(scan_verdict(stats, SCAN_PROBE_STEPS))


def test_new_dt_does_not_recompile():
    state0 = initial_state()
    student.integrate(state0, 0.01, 7, harmonic_accel)  # compile once for this n_steps
    with count_compiles() as compiles:
        jax.block_until_ready(student.integrate(state0, 0.02, 7, harmonic_accel))
    if compiles.count:
        require(
            f"integrate recompiled ({compiles.count} compilations) for a new dt; expected none. Jit it with "
            "static_argnames=('n_steps', 'accel_fn') only, so dt stays traced."
        )
