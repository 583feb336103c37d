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
