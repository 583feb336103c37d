"""Validation of solutions/hmc.py and solutions/jla.py.

- ``hmc_step`` / ``run_chain`` against blackjax 1.7.1's HMC (identity
  inverse mass matrix, same keys), position for position and decision for
  decision; a correlated Gaussian's moments recovered.
- The Pen (1999) distance modulus inside ``log_posterior`` against direct
  quadrature of the flat-LambdaCDM luminosity distance with scipy.
- The JLA posterior against a brute-force grid posterior built on
  quadrature distances.
"""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import quad_vec

from solutions.hmc import hmc_step, log_posterior, run_chain
from solutions.jla import load_jla

SPEED_OF_LIGHT_KM_S = 299792.458

# Compiled once and shared: eager dispatch would compile every primitive.
jitted_log_posterior = jax.jit(log_posterior)
jitted_value_and_grad = jax.jit(jax.value_and_grad(log_posterior))
jitted_hmc_step = jax.jit(hmc_step, static_argnames=("log_prob_fn", "n_leapfrog"))
jitted_run_chain = jax.jit(run_chain, static_argnames=("log_prob_fn", "n_leapfrog", "n_samples"))


# ---------------------------------------------------------------- targets


def banana_log_density(theta):
    """A curved, non-Gaussian 2-D target: x ~ N(0, sd 2), y | x ~ N(x^2 / 2, variance 1/2)."""
    return -0.5 * (theta[0] ** 2 / 4 + (theta[1] - 0.5 * theta[0] ** 2) ** 2 / 0.5)


GAUSSIAN_MEAN = np.array([1.0, -2.0])
GAUSSIAN_COV = np.array([[1.0, 0.4], [0.4, 0.25]])  # correlation 0.8
GAUSSIAN_PRECISION = np.linalg.inv(GAUSSIAN_COV)


def gaussian_log_density(theta):
    offset = theta - GAUSSIAN_MEAN
    return -0.5 * offset @ GAUSSIAN_PRECISION @ offset


# ---------------------------------------------------------------- blackjax


BLACKJAX_STEP_SIZE, BLACKJAX_LEAPFROG, BLACKJAX_STEPS = 0.6, 6, 300
BLACKJAX_START = np.array([0.5, -0.3])


@pytest.fixture(scope="module")
def blackjax_and_reference_chains():
    """Both samplers on the banana with the same per-step keys.

    Returns positions (steps, 2) and accept decisions (steps,) of blackjax,
    of ``hmc_step`` driven by the same keys, and ``run_chain``'s samples.
    """
    blackjax = pytest.importorskip("blackjax")
    key = jax.random.key(7)
    keys = jax.random.split(key, BLACKJAX_STEPS)
    sampler = blackjax.hmc(banana_log_density, BLACKJAX_STEP_SIZE, jnp.ones(2), BLACKJAX_LEAPFROG)

    def blackjax_step(state, step_key):
        state, info = sampler.step(step_key, state)
        return state, (state.position, info.is_accepted)

    def reference_step(theta, step_key):
        theta, accepted = hmc_step(step_key, theta, banana_log_density,
                                   BLACKJAX_STEP_SIZE, BLACKJAX_LEAPFROG)
        return theta, (theta, accepted)

    start = jnp.asarray(BLACKJAX_START)
    _, (blackjax_positions, blackjax_accepted) = jax.lax.scan(
        blackjax_step, sampler.init(start), keys)
    _, (reference_positions, reference_accepted) = jax.lax.scan(reference_step, start, keys)
    samples, accept_rate = run_chain(key, start, banana_log_density,
                                     BLACKJAX_STEP_SIZE, BLACKJAX_LEAPFROG, BLACKJAX_STEPS)
    return {
        "blackjax": (np.asarray(blackjax_positions), np.asarray(blackjax_accepted)),
        "hmc_step": (np.asarray(reference_positions), np.asarray(reference_accepted)),
        "run_chain": (np.asarray(samples), float(accept_rate)),
    }


def test_hmc_step_reproduces_blackjax(blackjax_and_reference_chains):
    blackjax_positions, blackjax_accepted = blackjax_and_reference_chains["blackjax"]
    positions, accepted = blackjax_and_reference_chains["hmc_step"]
    difference = np.abs(positions - blackjax_positions).max()
    disagreements = int(np.sum(accepted != blackjax_accepted))
    assert difference <= 1e-10 and disagreements == 0, (
        f"expected blackjax's HMC chain step for step; max position difference "
        f"{difference:.2e}, {disagreements}/{BLACKJAX_STEPS} accept decisions differ"
    )
    # A chain that accepts everything (or nothing) would not test the decisions.
    assert 0.3 < blackjax_accepted.mean() < 0.9


def test_run_chain_reproduces_blackjax(blackjax_and_reference_chains):
    blackjax_positions, blackjax_accepted = blackjax_and_reference_chains["blackjax"]
    samples, accept_rate = blackjax_and_reference_chains["run_chain"]
    assert samples.shape == (BLACKJAX_STEPS, 2)
    assert np.abs(samples - blackjax_positions).max() <= 1e-10
    assert accept_rate == pytest.approx(blackjax_accepted.mean(), abs=1e-12)


def test_legacy_and_typed_keys_give_the_same_chain():
    start = jnp.asarray(BLACKJAX_START)
    typed, _ = jitted_run_chain(jax.random.key(5), start, banana_log_density, 0.6, 6, 20)
    legacy, _ = jitted_run_chain(jax.random.PRNGKey(5), start, banana_log_density, 0.6, 6, 20)
    np.testing.assert_array_equal(typed, legacy)


def test_hmc_step_returns_a_boolean_decision_and_keeps_dtype():
    theta = jnp.array([0.5, -0.3], dtype=jnp.float32)
    theta_new, accepted = jitted_hmc_step(jax.random.key(0), theta, banana_log_density, 0.3, 4)
    assert theta_new.dtype == jnp.float32 and theta_new.shape == (2,)
    assert accepted.dtype == jnp.bool_ and accepted.shape == ()


def spiked_log_density(theta):
    """Standard normal, but +inf beyond theta_0 = 1: there H = -inf, never finite."""
    return jnp.where(theta[0] > 1.0, jnp.inf, -0.5 * jnp.sum(theta**2))


def test_proposals_with_non_finite_energy_are_rejected():
    # log_ratio = +inf there, so only the finiteness rule keeps them out.
    samples, accept_rate = jitted_run_chain(jax.random.key(4), jnp.array([0.5, 0.0]),
                                            spiked_log_density, 0.4, 5, 200)
    assert float(np.max(samples[:, 0])) <= 1.0, "accepted a state where H(theta1, p1) = -inf"
    assert 0.0 < float(accept_rate) < 1.0


def test_run_chain_runs_eagerly_and_returns_a_floating_accept_rate():
    samples, accept_rate = run_chain(jax.random.key(1), jnp.zeros(2), gaussian_log_density,
                                     0.3, 8, 10)
    assert samples.shape == (10, 2)
    assert accept_rate.shape == () and jnp.issubdtype(accept_rate.dtype, jnp.floating)


# ---------------------------------------------------------------- Gaussian


GAUSSIAN_STEPS, GAUSSIAN_BURN_IN = 5000, 500


@pytest.fixture(scope="module")
def gaussian_samples():
    samples, accept_rate = jitted_run_chain(jax.random.key(3), jnp.zeros(2),
                                            gaussian_log_density, 0.3, 8, GAUSSIAN_STEPS)
    return np.asarray(samples)[GAUSSIAN_BURN_IN:], float(accept_rate)


def test_correlated_gaussian_mean_and_covariance(gaussian_samples):
    samples, accept_rate = gaussian_samples
    mean, covariance = samples.mean(axis=0), np.cov(samples.T)
    # Batch means of 100 steps put the Monte Carlo error of the mean near 0.007.
    assert np.abs(mean - GAUSSIAN_MEAN).max() < 0.05, f"mean {mean}, expected {GAUSSIAN_MEAN}"
    assert np.abs(covariance - GAUSSIAN_COV).max() < 0.06, (
        f"covariance {covariance.tolist()}, expected {GAUSSIAN_COV.tolist()}"
    )
    assert 0.5 < accept_rate < 1.0


# ---------------------------------------------------------------- JLA data and model


@pytest.fixture(scope="module")
def jla():
    return load_jla()


def test_jla_loader_shapes_and_values(jla):
    z, mu, cov = jla
    assert (z.shape, mu.shape, cov.shape) == ((31,), (31,), (31, 31))
    assert z.dtype == mu.dtype == cov.dtype == np.float64
    # First row and first covariance entry of the public JLA files.
    assert (z[0], mu[0], cov[0, 0]) == (0.010, 32.953886976, 0.021282623508)
    assert z[-1] == pytest.approx(1.3)
    np.testing.assert_allclose(cov, cov.T, atol=1e-15)
    assert np.linalg.eigvalsh(cov).min() > 0, "the covariance must be positive definite"


def quadrature_luminosity_distance(z, omega_m, h):
    """Flat-LambdaCDM D_L in Mpc by scipy quadrature; z: (n,) -> (n,).

    D_L = (c / H0) (1 + z) int_0^z dz' / E(z'),  E = sqrt(Omega_m (1+z)^3 + 1 - Omega_m),
    with z' = z u so all redshifts share one integral over u in [0, 1].
    """
    z = np.atleast_1d(np.asarray(z, dtype=np.float64))

    def integrand(u):
        return z / np.sqrt(omega_m * (1 + z * u) ** 3 + 1 - omega_m)

    comoving, _ = quad_vec(integrand, 0.0, 1.0, epsabs=0.0, epsrel=1e-12)
    return SPEED_OF_LIGHT_KM_S / (100 * h) * (1 + z) * comoving


def pen_distance_modulus(z, omega_m, h):
    """mu(z) of the code under test, read through the public ``log_posterior``.

    With one bin, observed mu = 0 and unit variance, the log posterior is
    -mu_model^2 / 2, so mu_model = sqrt(-2 log p) (distance moduli are > 0).
    """
    theta = jnp.array([omega_m, h])
    return np.sqrt(-2 * np.asarray(_single_bin_log_posteriors(theta, jnp.asarray(z))))


@jax.jit
def _single_bin_log_posteriors(theta, z):
    def single_bin(redshift):
        return log_posterior(theta, redshift[None], jnp.zeros(1), jnp.eye(1))

    return jax.vmap(single_bin)(z)


def luminosity_distance_from_modulus(mu):
    return 10 ** ((np.asarray(mu) - 25) / 5)


def pen_distance_modulus_numpy(z, omega_m, h):
    """Pen (1999) formula transcribed directly from the paper (NumPy)."""
    s = np.cbrt((1 - omega_m) / omega_m)

    def eta(a):
        polynomial = (a**-4 - 0.1540 * s * a**-3 + 0.4304 * s**2 * a**-2
                      + 0.19097 * s**3 / a + 0.066941 * s**4)
        return 2 * np.sqrt(s**3 + 1) * polynomial ** (-1 / 8)

    distance = SPEED_OF_LIGHT_KM_S / (100 * h) * (1 + z) * (eta(1.0) - eta(1 / (1 + z)))
    return 25 + 5 * np.log10(distance)


# Omega_m = 1 itself is outside the open prior; 1 - 1e-12 stands in for it.
PEN_OMEGAS = np.append(np.linspace(0.2, 0.95, 16), 1 - 1e-12)


def test_pen_formula_matches_quadrature_to_0_4_percent(jla):
    z, _, _ = jla
    worst = 0.0
    for omega_m in PEN_OMEGAS:
        pen = luminosity_distance_from_modulus(pen_distance_modulus(z, omega_m, 0.7))
        exact = quadrature_luminosity_distance(z, omega_m, 0.7)
        worst = max(worst, float(np.max(np.abs(pen / exact - 1))))
    assert worst <= 4e-3, (
        f"expected Pen's fit within 0.4% of the exact D_L for 0.2 <= Omega_m <= 1 "
        f"over the JLA redshifts, saw {worst:.3%}"
    )


def test_worked_example_z_half():
    # z = 0.5, Omega_m = 0.3. Quadrature: D_L = 1983.06 Mpc for h = 1 and
    # 2832.94 Mpc (mu = 42.2612) for h = 0.7; Pen: mu = 42.2671 at h = 0.7.
    assert quadrature_luminosity_distance(0.5, 0.3, 1.0)[0] == pytest.approx(1983.057, abs=1e-3)
    exact = quadrature_luminosity_distance(0.5, 0.3, 0.7)[0]
    assert exact == pytest.approx(2832.938, abs=1e-3)
    assert 25 + 5 * math.log10(exact) == pytest.approx(42.2612, abs=1e-4)
    pen_mu = pen_distance_modulus(np.array([0.5]), 0.3, 0.7)[0]
    assert pen_mu == pytest.approx(42.2671, abs=1e-4)
    assert luminosity_distance_from_modulus(pen_mu) == pytest.approx(2840.66, abs=0.01)


def test_pen_formula_matches_the_papers_expression(jla):
    z, _, _ = jla
    for omega_m, h in [(0.05, 0.55), (0.3, 0.7), (0.8, 0.85)]:
        np.testing.assert_allclose(pen_distance_modulus(z, omega_m, h),
                                   pen_distance_modulus_numpy(z, omega_m, h), rtol=1e-12)


def test_log_posterior_is_the_gaussian_chi_square(jla):
    z, mu, cov = jla
    for theta in [(0.3, 0.7), (0.12, 0.61), (0.7, 0.8)]:
        residual = mu - pen_distance_modulus_numpy(z, *theta)
        expected = -0.5 * residual @ np.linalg.solve(cov, residual)
        seen = float(jitted_log_posterior(jnp.array(theta), z, mu, cov))
        assert seen == pytest.approx(expected, rel=1e-10), f"theta = {theta}"


@pytest.mark.parametrize("theta", [
    (0.0, 0.7), (1.0, 0.7), (0.3, 0.5), (0.3, 0.9),  # the edges are outside
    (-0.2, 0.7), (1.3, 0.7), (0.3, 0.45), (0.3, 0.95), (-1.0, 2.0),
])
def test_log_posterior_is_minus_infinity_outside_the_prior(jla, theta):
    value = float(jitted_log_posterior(jnp.array(theta), *jla))
    assert value == -np.inf, (
        f"expected -inf at theta = {theta} (outside the open prior), saw {value}"
    )


@pytest.mark.parametrize("theta", [(1e-3, 0.7), (0.999, 0.7), (0.3, 0.5001), (0.3, 0.8999)])
def test_log_posterior_and_gradient_are_finite_inside(jla, theta):
    value, gradient = jitted_value_and_grad(jnp.array(theta), *jla)
    assert np.isfinite(value) and np.all(np.isfinite(gradient)), (
        f"theta = {theta}: value {value}, gradient {gradient}"
    )


def test_a_chain_started_outside_the_prior_moves_in(jla):
    def log_density(theta):
        return log_posterior(theta, *jla)

    start = jnp.array([1.02, 0.7])
    samples, _ = jitted_run_chain(jax.random.key(2), start, log_density, 0.01, 10, 50)
    assert np.isfinite(float(jitted_log_posterior(samples[-1], *jla))), (
        "the chain never entered the prior"
    )


# ---------------------------------------------------------------- JLA posterior


JLA_STEPS, JLA_BURN_IN = 5000, 500


@pytest.fixture(scope="module")
def jla_chain(jla):
    def log_density(theta):
        return log_posterior(theta, *jla)

    samples, accept_rate = jitted_run_chain(jax.random.key(0), jnp.array([0.3, 0.7]),
                                            log_density, 0.01, 10, JLA_STEPS)
    return np.asarray(samples)[JLA_BURN_IN:], float(accept_rate)


@pytest.fixture(scope="module")
def jla_grid_posterior(jla):
    """Posterior mean and std of (Omega_m, h) on a grid, quadrature distances.

    h only shifts mu by -5 log10(h), so one quadrature per Omega_m suffices.
    """
    z, mu, cov = jla
    omegas = np.linspace(0.1, 0.6, 201)
    hs = np.linspace(0.67, 0.73, 181)
    cholesky = np.linalg.cholesky(cov)
    log_p = np.empty((omegas.size, hs.size))
    for i, omega_m in enumerate(omegas):
        mu_h1 = 25 + 5 * np.log10(quadrature_luminosity_distance(z, omega_m, 1.0))
        residuals = mu[:, None] - (mu_h1[:, None] - 5 * np.log10(hs)[None, :])  # (31, H)
        whitened = np.linalg.solve(cholesky, residuals)
        log_p[i] = -0.5 * np.sum(whitened**2, axis=0)
    weights = np.exp(log_p - log_p.max())
    weights /= weights.sum()
    grid = np.stack(np.meshgrid(omegas, hs, indexing="ij"), axis=-1)  # (O, H, 2)
    mean = np.einsum("ij,ijk->k", weights, grid)
    std = np.sqrt(np.einsum("ij,ijk->k", weights, (grid - mean) ** 2))
    return mean, std


def test_jla_posterior_mean_is_near_omega_0_3_h_0_7(jla_chain):
    samples, accept_rate = jla_chain
    omega_m, h = samples.mean(axis=0)
    assert abs(omega_m - 0.3) < 0.02 and abs(h - 0.7) < 0.005, (
        f"expected the JLA posterior mean near (0.3, 0.7), saw ({omega_m:.4f}, {h:.4f})"
    )
    assert 0.5 < accept_rate < 1.0


def test_jla_posterior_agrees_with_a_quadrature_grid(jla_chain, jla_grid_posterior):
    samples, _ = jla_chain
    grid_mean, grid_std = jla_grid_posterior
    offset_in_stds = np.abs(samples.mean(axis=0) - grid_mean) / grid_std
    # Pen's 0.3% distance error alone moves h by ~0.25 posterior std.
    assert offset_in_stds.max() < 0.5, (
        f"HMC mean {samples.mean(axis=0)} vs grid {grid_mean} (std {grid_std})"
    )
    np.testing.assert_allclose(samples.std(axis=0), grid_std, rtol=0.2)
