"""The GPU tier's tolerance: from an ensemble of reference runs, TF32-aware, never looser than it must be."""
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from autograder.checks.physics import dynamics_fixtures as fx
from autograder.checks.physics import energy_drift as ed
from autograder.checks.physics.integrator_diagnosis import window_drift
from solutions import scan_integrator as reference


def test_the_ensemble_varies_initial_conditions_and_dt_and_adds_tf32_only_to_float32():
    for dtype in ed.DTYPES:
        members = ed.ensemble(dtype)
        assert sum(m.perturbation_seed is not None for m in members) >= 2
        assert {m.dt_factor for m in members} >= {0.98, 1.0, 1.02}
    assert [m.precision for m in ed.ensemble("float64")] == ["highest"] * len(ed.ensemble("float64")), (
        "a TF32 member must never widen the float64 tolerance")
    assert [m.precision for m in ed.ensemble("float32")].count("tensorfloat32") == 1


def test_allowed_drift_is_twice_the_worst_run_or_wider_with_a_wide_ensemble():
    assert ed.allowed_drift([1e-7, 1e-7, 1e-7], "float64") == pytest.approx(2e-7 + ed.FLOOR["float64"])
    wide = ed.allowed_drift([1e-7, 5e-7], "float64")
    assert wide == pytest.approx(5e-7 + 4 * 4e-7 + ed.FLOOR["float64"])
    assert ed.allowed_drift([0.0], "float32") == ed.FLOOR["float32"]


def test_perturbed_initial_conditions_differ_at_1e_10_only():
    run = ed.REDUCED
    base, _ = ed.initial_conditions(run)
    moved, _ = ed.initial_conditions(run, perturbation_seed=1)
    relative = abs(moved.x - base.x).max() / abs(base.x).max()
    assert 0 < relative < 1e-8
    assert (moved.v == base.v).all()


def test_scales_share_the_code_and_differ_in_size():
    assert ed.run_for("full") == ed.FULL and ed.run_for("reduced") == ed.REDUCED
    assert ed.FULL.n_particles == 2048 and ed.FULL.n_steps == 4000
    assert ed.REDUCED.n_particles < 100 and ed.REDUCED.n_steps <= 200


def _tf32(a):
    """float32 rounded to TF32's 10-bit mantissa, as NVIDIA tensor cores read matmul inputs."""
    bits = jax.lax.bitcast_convert_type(a, jnp.int32)
    return jax.lax.bitcast_convert_type((bits + 0x1000) & jnp.int32(-8192), jnp.float32)


def _integrator(step):
    """A module-like object whose integrate scans ``step`` (the reference's State)."""

    def integrate(state, dt, n_steps, accel):
        return jax.lax.scan(lambda s, _: (step(s, dt, accel),) * 2, state, length=n_steps)

    return SimpleNamespace(State=reference.State, integrate=jax.jit(integrate, static_argnums=(2, 3)))


@pytest.mark.slow
def test_float32_tolerance_admits_a_tf32_force_but_not_real_drift(monkeypatch):
    """On a CPU the ensemble's TF32 member equals the graded run, so this emulates TF32 (operands of the
    force's einsum rounded to 10 mantissa bits): the float32 tolerance must admit it, and a symplectic
    Euler step must still exceed it many times over."""
    run = ed.REDUCED
    tolerance = ed.tolerance(reference, run, "float32")
    _, m = fx.plummer_sphere(run.n_particles, seed=run.seed)
    masses = np.asarray(m, dtype=np.float32)

    def tf32_accel(x):
        d = x[:, None, :] - x[None, :, :]
        inv_r3 = jnp.where(jnp.eye(x.shape[0], dtype=bool), 0.0, (jnp.sum(d**2, axis=-1) + run.eps2) ** -1.5)
        return -jnp.einsum("ij,ijk->ik", _tf32(masses[None, :] * inv_r3), _tf32(d))

    real_physics = ed._physics
    monkeypatch.setattr(ed, "_physics", lambda *key: (tf32_accel, *real_physics(*key)[1:]))
    tf32_drift = window_drift(ed.reference_series(reference, run, "float32"))
    monkeypatch.setattr(ed, "_physics", real_physics)

    def symplectic_euler(s, dt, accel):
        v = s.v + dt * accel(s.x)
        return reference.State(s.x + dt * v, v)

    euler_drift = window_drift(ed.reference_series(_integrator(symplectic_euler), run, "float32"))
    assert tolerance.smallest < tf32_drift <= tolerance.allowed, (tf32_drift, tolerance.summary())
    assert euler_drift > 10 * tolerance.allowed, (euler_drift, tolerance.summary())
