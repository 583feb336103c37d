"""Validation of solutions/scan_integrator.py against orbital mechanics.

The Kepler test orbit: a test particle around GM = 1 at the origin,
semi-major axis 1, eccentricity 0.5, started at pericentre (r = 0.5,
v = sqrt(3)); energy -1/2, period 2 pi.
"""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from solutions.scan_integrator import State, integrate, leapfrog_step

from ._support import count_compiles, count_equations, random_configuration

KEPLER_PERIOD = 2 * math.pi
KEPLER_ENERGY = -0.5
COARSE_STEPS, FINE_STEPS = 1000, 2000


def kepler_acceleration(x):
    """a = -x / |x|^3 for GM = 1; x: (N, 3) -> (N, 3)."""
    r2 = jnp.sum(x**2, axis=-1, keepdims=True)
    return -x / (r2 * jnp.sqrt(r2))


def kepler_energy(x, v):
    """Specific orbital energy per particle; x, v: (..., N, 3) -> (..., N)."""
    return 0.5 * np.sum(v**2, axis=-1) - 1 / np.linalg.norm(x, axis=-1)


def kepler_start(dtype=np.float64):
    return State(x=jnp.array([[0.5, 0.0, 0.0]], dtype=dtype),
                 v=jnp.array([[0.0, math.sqrt(3.0), 0.0]], dtype=dtype))


# Sixteen bodies with softened pairwise forces, for momentum conservation.
CLUSTER_X, CLUSTER_M = random_configuration(seed=31, n=16)
CLUSTER_V = 0.3 * np.random.default_rng(32).normal(size=(16, 3))
CLUSTER_EPS2 = 0.01


def cluster_acceleration(x):
    """Softened Newtonian acceleration of the 16 cluster bodies (G = 1)."""
    separation = x[None, :, :] - x[:, None, :]  # (N, N, 3): x_j - x_i
    r2 = jnp.sum(separation**2, axis=-1) + CLUSTER_EPS2
    return jnp.sum(CLUSTER_M[None, :, None] * separation / (r2 * jnp.sqrt(r2))[..., None], axis=1)


def max_relative_energy_error(trajectory):
    energies = kepler_energy(np.asarray(trajectory.x), np.asarray(trajectory.v))
    return float(np.max(np.abs(energies / KEPLER_ENERGY - 1)))


@pytest.fixture(scope="module")
def kepler_orbits():
    """One full orbit at dt = T/1000 and at dt = T/2000: {n_steps: (final, trajectory)}."""
    return {n: integrate(kepler_start(), KEPLER_PERIOD / n, n, kepler_acceleration)
            for n in (COARSE_STEPS, FINE_STEPS)}


def test_one_step_is_kick_drift_kick():
    # Harmonic oscillator a = -x from x = 1, v = 0, by hand:
    # v_half = -h/2, x_new = 1 - h^2/2, v_new = -h/2 - h/2 (1 - h^2/2) = -h + h^3/4.
    h = 0.1
    state = leapfrog_step(State(x=jnp.ones((1, 3)), v=jnp.zeros((1, 3))), h, lambda x: -x)
    np.testing.assert_allclose(state.x, 1 - h**2 / 2, rtol=1e-15)
    np.testing.assert_allclose(state.v, -h + h**3 / 4, rtol=1e-15)


def test_energy_error_shrinks_fourfold_when_dt_halves(kepler_orbits):
    coarse = max_relative_energy_error(kepler_orbits[COARSE_STEPS][1])
    fine = max_relative_energy_error(kepler_orbits[FINE_STEPS][1])
    ratio = coarse / fine
    assert ratio == pytest.approx(4.0, abs=0.1), (
        f"expected max|dE/E| over one orbit to drop 4x (second order) when dt halves; "
        f"saw {coarse:.3e} -> {fine:.3e}, ratio {ratio:.3f}"
    )
    assert coarse < 2e-4, f"max|dE/E| at dt = T/1000 is {coarse:.2e}; leapfrog gives ~1.1e-4"


def test_trajectory_ends_at_the_final_state(kepler_orbits):
    final, trajectory = kepler_orbits[COARSE_STEPS]
    assert trajectory.x.shape == (COARSE_STEPS, 1, 3) and trajectory.v.shape == (COARSE_STEPS, 1, 3)
    assert np.array_equal(trajectory.x[-1], final.x) and np.array_equal(trajectory.v[-1], final.v)


def test_orbit_closes_after_one_period(kepler_orbits):
    final, _ = kepler_orbits[FINE_STEPS]
    assert np.abs(np.asarray(final.x) - np.asarray(kepler_start().x)).max() < 1e-3


def test_forward_then_backward_returns_to_the_start(kepler_orbits):
    final, _ = kepler_orbits[COARSE_STEPS]
    reversed_start = State(x=final.x, v=-final.v)
    dt = KEPLER_PERIOD / COARSE_STEPS
    back, _ = integrate(reversed_start, dt, COARSE_STEPS, kepler_acceleration)
    start = kepler_start()
    error = max(np.abs(back.x - start.x).max(), np.abs(back.v + start.v).max())
    assert error <= 1e-9, f"expected time reversibility to round-off, saw {error:.2e}"


def test_momentum_is_conserved_with_pairwise_forces():
    state0 = State(x=jnp.asarray(CLUSTER_X), v=jnp.asarray(CLUSTER_V))
    _, trajectory = integrate(state0, 1e-3, 200, cluster_acceleration)
    momenta = np.einsum("n,tnk->tk", CLUSTER_M, np.asarray(trajectory.v))  # (T, 3)
    initial = CLUSTER_M @ CLUSTER_V
    scale = np.sum(CLUSTER_M[:, None] * np.abs(np.asarray(trajectory.v)), axis=(1, 2)).max()
    drift = np.abs(momenta - initial).max()
    assert drift <= 1e-13 * scale, f"total momentum drifted by {drift:.2e} (scale {scale:.2e})"


def test_new_dt_does_not_recompile_but_new_n_steps_does(kepler_orbits):
    start = kepler_start()
    with count_compiles() as new_dt:
        integrate(start, 0.9 * KEPLER_PERIOD / COARSE_STEPS, COARSE_STEPS, kepler_acceleration)
    with count_compiles() as new_n_steps:
        integrate(start, KEPLER_PERIOD / COARSE_STEPS, 7, kepler_acceleration)
    assert new_dt.count == 0, f"a new dt recompiled {new_dt.count} time(s): dt must be traced"
    # Proves the counter is live: n_steps is static, so a new value compiles.
    assert new_n_steps.count >= 1


def test_program_size_does_not_grow_with_n_steps():
    sizes = [count_equations(jax.make_jaxpr(integrate, static_argnums=(2, 3))(
        kepler_start(), 0.01, n, kepler_acceleration)) for n in (10, 100)]
    assert sizes[0] == sizes[1], f"jaxpr sizes for 10 and 100 steps: {sizes} (Python loop?)"


def test_float32_state_stays_float32():
    final, trajectory = integrate(kepler_start(np.float32), 0.01, 5, kepler_acceleration)
    dtypes = {str(leaf.dtype) for leaf in (*final, *trajectory)}
    assert dtypes == {"float32"}, f"expected float32 throughout for a float32 state, saw {dtypes}"
