"""HMC, written with n_leapfrog as a plain Python int (it is static under jit)."""
from functools import partial

import jax
import jax.numpy as jnp

C = 299792.458
OM_RANGE = (0.0, 1.0)
H_RANGE = (0.5, 0.9)


def _kinetic(p):
    return 0.5 * jnp.vdot(p, p)


@partial(jax.jit, static_argnames=("log_prob_fn", "n_leapfrog"))
def hmc_step(key, theta, log_prob_fn, step_size, n_leapfrog):
    key_p, key_u = jax.random.split(key)
    p0 = jax.random.normal(key_p, shape=theta.shape, dtype=theta.dtype)
    g = jax.grad(log_prob_fn)
    theta1, p1 = theta, p0
    for _ in range(n_leapfrog):  # n_leapfrog is static, so this unrolls a handful of steps
        p1 = p1 + (step_size / 2) * g(theta1)
        theta1 = theta1 + step_size * p1
        p1 = p1 + (step_size / 2) * g(theta1)
    H0 = -log_prob_fn(theta) + _kinetic(p0)
    H1 = -log_prob_fn(theta1) + _kinetic(p1)
    log_u = jnp.log(jax.random.uniform(key_u, (), dtype=theta.dtype))
    accepted = jnp.isfinite(H1) & (log_u < H0 - H1)
    return jnp.where(accepted, theta1, theta), accepted


def run_chain(key, theta0, log_prob_fn, step_size, n_leapfrog, n_samples):
    keys = jax.random.split(key, n_samples)

    def body(theta, k):
        theta, accepted = hmc_step(k, theta, log_prob_fn, step_size, n_leapfrog)
        return theta, (theta, accepted)

    _, (samples, accepted) = jax.lax.scan(body, theta0, keys)
    return samples, jnp.mean(accepted, dtype=theta0.dtype)


def log_posterior(theta, z, mu, cov):
    om, h = theta[0], theta[1]
    inside = (om > OM_RANGE[0]) & (om < OM_RANGE[1]) & (h > H_RANGE[0]) & (h < H_RANGE[1])
    om = jnp.where(inside, om, 0.5)
    h = jnp.where(inside, h, 0.7)
    s = ((1 - om) / om) ** (1 / 3)

    def eta(a):
        poly = a**-4 - 0.1540 * s * a**-3 + 0.4304 * s**2 * a**-2 + 0.19097 * s**3 * a**-1 + 0.066941 * s**4
        return 2 * jnp.sqrt(s**3 + 1) * poly ** (-1 / 8)

    dl = C / (100 * h) * (1 + z) * (eta(1.0) - eta(1 / (1 + z)))
    r = mu - (25 + 5 * jnp.log(dl) / jnp.log(10.0))
    chol = jnp.linalg.cholesky(cov)
    w = jax.scipy.linalg.solve_triangular(chol, r, lower=True)
    return jnp.where(inside, -0.5 * jnp.sum(w * w), -jnp.inf)
