"""Named callables the child can build for the grader: log-densities for HMC,
accelerations for integrators. Public test fixtures, not reference solutions.
"""
from __future__ import annotations

import jax.numpy as jnp

_BUILDERS: dict = {}


def target(fn):
    _BUILDERS[fn.__name__] = fn
    return fn


def build(name: str, **params):
    try:
        return _BUILDERS[name](**params)
    except KeyError:
        raise ValueError(f"unknown target {name!r}") from None


@target
def gaussian(mean, precision):
    """log N(theta; mean, precision^-1) up to a constant; theta (d,)."""

    def log_prob(theta):
        r = theta - mean
        return -0.5 * r @ (precision @ r)

    return log_prob


@target
def gaussian_in_box(mean, precision, lower, upper):
    """log N(theta; mean, precision^-1) inside the open box lower < theta < upper, -inf outside.

    Outside, the value is -inf and the gradient 0 (the Gaussian is evaluated
    at ``mean`` there, so no NaN reaches reverse mode).
    """

    def log_prob(theta):
        inside = jnp.all((theta > lower) & (theta < upper))
        r = jnp.where(inside, theta, mean) - mean
        return jnp.where(inside, -0.5 * r @ (precision @ r), -jnp.inf)

    return log_prob


@target
def lognormal(mu, sigma):
    """Independent log-normal densities on theta > 0, as a student would write them.

    ``log(theta)`` is NaN for theta < 0, and so is the gradient: a leapfrog
    path that crosses 0 ends at a NaN position (H1 NaN, so the step must
    reject and return theta0); near 0 the gradient grows without bound.
    """

    def log_prob(theta):
        log_theta = jnp.log(theta)
        return jnp.sum(-0.5 * ((log_theta - mu) / sigma) ** 2 - log_theta)

    return log_prob


@target
def banana(b=0.1, scale=10.0):
    """A banana-shaped 2-D density (twisted Gaussian)."""

    def log_prob(theta):
        x, y = theta[0], theta[1]
        return -0.5 * (x**2 / scale + (y + b * x**2 - b * scale) ** 2)

    return log_prob


@target
def kepler(mu=1.0):
    """Acceleration of a test particle around a fixed point mass at the origin; x (1, 3)."""

    def accel(x):
        r2 = jnp.sum(x**2, axis=-1, keepdims=True)
        return -mu * x / (r2 * jnp.sqrt(r2))

    return accel


@target
def harmonic(omega2=1.0):
    """Independent harmonic oscillators: a = -omega^2 x; x (N, 3)."""

    def accel(x):
        return -omega2 * x

    return accel


@target
def pairwise(m, eps2=0.01, G=1.0):
    """Softened pairwise gravity; a_i = F_i / m_i; x (N, 3), m (N,)."""

    def accel(x):
        d = x[:, None, :] - x[None, :, :]
        r2 = jnp.sum(d**2, axis=-1) + eps2
        n = x.shape[0]
        inv_r3 = jnp.where(jnp.eye(n, dtype=bool), 0.0, r2 ** -1.5)
        return -G * jnp.einsum("ij,ijk->ik", m[None, :] * inv_r3, d)

    return accel


__all__ = ["build", "target"]


# -- dynamics and sampling fixtures (scan_integrator, hmc) ---------------------
@target
def pairwise_energy(m, eps2=0.01, G=1.0):
    """Total energy K + W of softened pairwise gravity; (x, v) of shape (N, 3) -> scalar."""

    def energy(x, v):
        d = x[:, None, :] - x[None, :, :]
        r2 = jnp.sum(d**2, axis=-1) + eps2
        n = x.shape[0]
        # Self-pairs masked by index; eps2 > 0 here, so r2 is never 0.
        inv_r = jnp.where(jnp.eye(n, dtype=bool), 0.0, r2**-0.5)
        potential = -0.5 * G * jnp.sum(m[:, None] * m[None, :] * inv_r)
        return 0.5 * jnp.sum(m[:, None] * v**2) + potential

    return energy


@target
def flat():
    """A constant log-density: its gradient is exactly zero, so an HMC
    trajectory is a straight line along the initial momentum."""

    def log_prob(theta):
        return 0.0 * jnp.sum(theta)

    return log_prob


@target
def flat_custom_gradient(slope):
    """A constant log-density whose gradient rule (custom_jvp) says its
    gradient is ``slope`` (d,) everywhere. jax.grad follows the rule; a
    finite-difference gradient sees a flat function and gets zero."""
    import jax

    @jax.custom_jvp
    def log_prob(theta):
        return 0.0 * jnp.sum(theta)

    @log_prob.defjvp
    def log_prob_jvp(primals, tangents):
        (theta,), (tangent,) = primals, tangents
        return log_prob(theta), jnp.sum(slope * tangent)

    return log_prob


@target
def posterior_given_data(log_posterior, z, mu, cov):
    """``theta -> log_posterior(theta, z, mu, cov)``: a posterior function
    (the student's own) closed over its data."""

    def log_prob(theta):
        return log_posterior(theta, z, mu, cov)

    return log_prob
