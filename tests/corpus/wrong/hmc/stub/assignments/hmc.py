"""Hamiltonian Monte Carlo, and the supernova posterior it samples.

HMC treats ``-log p(theta)`` as a potential energy, draws a random momentum,
follows Hamilton's equations for a while with the leapfrog integrator (the
gradient comes from ``jax.grad``), and accepts the end point with the
Metropolis probability ``min(1, exp(H_start - H_end))``.

Random keys are explicit and follow a fixed convention (see ``hmc_step``), so
the same key always gives the same chain, and the chain can be compared
step for step with other HMC implementations.

The target used in the course is the flat-LambdaCDM posterior of the JLA
binned supernova distance moduli (Betoule et al. 2014, A&A 568, A22), with
the luminosity distance from the Pen (1999) fitting formula.
"""
import jax
import jax.numpy as jnp
from jax.scipy.linalg import solve_triangular

SPEED_OF_LIGHT_KM_S = 299792.458
"""c in km/s; with H0 = 100 h km/s/Mpc, c / H0 is in Mpc."""

PRIOR_OMEGA_M = (0.0, 1.0)
"""Open interval of the flat prior on Omega_m."""

PRIOR_H = (0.5, 0.9)
"""Open interval of the flat prior on h."""


def hmc_step(key, theta, log_prob_fn, step_size, n_leapfrog):
    """One HMC transition with a unit mass matrix.

    Random-key convention (fixed, so chains are reproducible):
      1. ``key_p, key_u = jax.random.split(key)``
      2. ``p0 = jax.random.normal(key_p, theta.shape, theta.dtype)``
      3. ``n_leapfrog`` velocity-Verlet steps, each
         ``p += step_size/2 * g(theta)``; ``theta += step_size * p``;
         ``p += step_size/2 * g(theta)``, with ``g = jax.grad(log_prob_fn)``.
      4. ``H(theta, p) = -log_prob_fn(theta) + sum(p**2)/2``;
         ``log_ratio = H(theta0, p0) - H(theta1, p1)``.
      5. Accept iff ``H(theta1, p1)`` is finite and
         ``jnp.log(jax.random.uniform(key_u, dtype=theta.dtype)) < log_ratio``.
      6. Return ``theta1`` if accepted, else ``theta0``.

    Args:
        key: a ``jax.random.PRNGKey`` (legacy) or ``jax.random.key`` (typed).
        theta: current position, shape (d,).
        log_prob_fn: function ``theta -> scalar`` log density (up to a
            constant); may return ``-inf`` outside its support.
        step_size: leapfrog step size, scalar.
        n_leapfrog: number of leapfrog steps, a Python int.

    Returns:
        ``(theta_new, accepted)``: ``theta_new`` of shape (d,) and
        ``theta``'s dtype; ``accepted`` a boolean scalar array.

    Requirements:
        - Gradients from ``jax.grad`` (never finite differences).
        - No Python loop over leapfrog steps; jit-compatible with
          ``log_prob_fn`` and ``n_leapfrog`` static.
    """
    raise NotImplementedError("hmc_step: not implemented yet — see handouts/hmc.md")


def run_chain(key, theta0, log_prob_fn, step_size, n_leapfrog, n_samples):
    """Run ``n_samples`` HMC steps with ``jax.lax.scan``.

    Key convention: ``keys = jax.random.split(key, n_samples)``; step i calls
    ``hmc_step(keys[i], ...)``.

    Args:
        key: a legacy or typed PRNG key.
        theta0: starting position, shape (d,).
        log_prob_fn: function ``theta -> scalar`` log density.
        step_size: leapfrog step size, scalar.
        n_leapfrog: leapfrog steps per HMC step, a Python int.
        n_samples: number of HMC steps, a Python int.

    Returns:
        ``(samples, accept_rate)``: ``samples`` of shape (n_samples, d), the
        state after each step; ``accept_rate`` a floating scalar array, the
        fraction of accepted steps.

    Requirements: built on ``jax.lax.scan`` (no Python loop over samples).
    """
    raise NotImplementedError("run_chain: not implemented yet — see handouts/hmc.md")


def log_posterior(theta, z, mu, cov):
    """Log posterior of flat LambdaCDM given binned supernova distance moduli.

    Model, with ``theta = (Omega_m, h)``:
        s^3 = (1 - Omega_m) / Omega_m
        eta(a) = 2 sqrt(s^3 + 1) * [a^-4 - 0.1540 s a^-3 + 0.4304 s^2 a^-2
                                    + 0.19097 s^3 a^-1 + 0.066941 s^4]^(-1/8)
        D_L(z) = (c / H0) (1 + z) [eta(1) - eta(1 / (1 + z))]   in Mpc,
        c = SPEED_OF_LIGHT_KM_S, H0 = 100 h km/s/Mpc,
        mu(z) = 25 + 5 log10(D_L).
    Likelihood: ``-1/2 r^T C^-1 r`` with ``r = mu_obs - mu(z)``, computed
    through a Cholesky factor of ``C`` (no explicit inverse); constants
    dropped. Prior: flat on the OPEN box ``0 < Omega_m < 1``,
    ``0.5 < h < 0.9``.

    Args:
        theta: ``(Omega_m, h)``, shape (2,).
        z: redshifts, shape (n,).
        mu: observed distance moduli, shape (n,).
        cov: their covariance, shape (n, n).

    Returns:
        Scalar log posterior (up to a constant); ``-inf`` outside the prior,
        edges included. Inside the prior the value and its gradient must be
        finite, and evaluating outside must not poison gradients elsewhere.
    """
    raise NotImplementedError("log_posterior: not implemented yet — see handouts/hmc.md")
