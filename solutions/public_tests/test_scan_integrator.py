"""Public tests for ``assignments/scan_integrator.py`` (a subset of the graded checks)."""
import jax
import jax.numpy as jnp
import numpy as np

from assignments import scan_integrator as student
from fixture_inputs import UNIFORM_GRAVITY, harmonic_accel, load_fixture, uniform_gravity_accel
from public_helpers import assert_close, assert_dtype, count_compiles, primitive_names

FIXTURE = load_fixture("scan_integrator")
N_STEPS = int(FIXTURE["n_steps"])
DT = float(FIXTURE["dt"])


def initial_state(dtype=jnp.float64):
    return student.State(x=jnp.asarray(FIXTURE["x0"], dtype), v=jnp.asarray(FIXTURE["v0"], dtype))


def test_uniform_gravity_is_exact():
    # Under a constant acceleration leapfrog reproduces x0 + v0 t + g t^2 / 2 exactly.
    state0 = initial_state()
    final, _ = student.integrate(state0, DT, N_STEPS, uniform_gravity_accel)
    t, g = N_STEPS * DT, np.asarray(UNIFORM_GRAVITY)
    fix = "Kick v by dt/2 * a(x), drift x by dt * v_half, kick again by dt/2 * a(x_new); return State(x, v)."
    assert_close(final.x, FIXTURE["x0"] + FIXTURE["v0"] * t + 0.5 * g * t**2,
                 what="positions after free fall", tolerance=1e-12, fix=fix)
    assert_close(final.v, FIXTURE["v0"] + g * t, what="velocities after free fall", tolerance=1e-12, fix=fix)


def test_matches_reference_values():
    state0 = initial_state()
    step = student.leapfrog_step(state0, DT, harmonic_accel)
    assert_close(step.x, FIXTURE["step_x"], what="leapfrog_step: x", tolerance=1e-12)
    assert_close(step.v, FIXTURE["step_v"], what="leapfrog_step: v", tolerance=1e-12)
    final, trajectory = student.integrate(state0, DT, N_STEPS, harmonic_accel)
    assert_close(final.x, FIXTURE["final_x"], what="integrate: final x", tolerance=1e-10)
    assert_close(final.v, FIXTURE["final_v"], what="integrate: final v", tolerance=1e-10)
    assert_close(trajectory.x, FIXTURE["trajectory_x"], what="integrate: trajectory x", tolerance=1e-10,
                 fix="The trajectory holds the state AFTER steps 1..n_steps (not the initial state).")
    assert_close(trajectory.v, FIXTURE["trajectory_v"], what="integrate: trajectory v", tolerance=1e-10)


def test_float32_in_float32_out():
    final, trajectory = student.integrate(initial_state(jnp.float32), DT, N_STEPS, harmonic_accel)
    for what, value in (("final x", final.x), ("final v", final.v), ("trajectory x", trajectory.x)):
        assert_dtype(value, jnp.float32, what=f"integrate of a float32 state: {what}")
    assert_close(final.x, FIXTURE["final_x"], what="float32 final positions", tolerance=1e-5)


def test_built_on_scan_and_dt_is_traced():
    state0 = initial_state()
    jaxpr = jax.make_jaxpr(lambda s, dt: student.integrate(s, dt, 10, harmonic_accel))(state0, DT)
    assert "scan" in primitive_names(jaxpr), (
        "integrate: expected a `scan` in the traced program, found none. Loop over steps with "
        "jax.lax.scan(step, state0, length=n_steps), not a Python for loop."
    )
    student.integrate(state0, 0.01, 7, harmonic_accel)  # compile once for this n_steps
    with count_compiles() as compiles:
        jax.block_until_ready(student.integrate(state0, 0.02, 7, harmonic_accel))
    assert compiles.count == 0, (
        f"integrate recompiled ({compiles.count} compilations) for a new dt; expected none. Jit it with "
        "static_argnames=('n_steps', 'accel_fn') only, so dt stays traced."
    )
