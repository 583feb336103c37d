"""Energies with a lax.fori_loop over rows: the loop body is traced once, whatever N is."""
from functools import partial

import jax
import jax.numpy as jnp
from jax import lax


def _row_potential(i, x, m, eps2):
    """-sum_{j > i} m_i m_j / r_ij for one particle i (traced index)."""
    later = jnp.arange(x.shape[0]) > i
    r2 = jnp.sum((x - x[i]) ** 2, axis=1) + eps2
    safe = jnp.where(later, r2, jnp.ones_like(r2))
    return -m[i] * jnp.sum(jnp.where(later, m / jnp.sqrt(safe), jnp.zeros_like(r2)))


def _potential(x, m, eps2, G):
    body = lambda i, acc: acc + _row_potential(i, x, m, eps2)
    return G * lax.fori_loop(0, x.shape[0], body, jnp.zeros((), x.dtype))


@jax.jit
def potential_energy_jit(x, m, eps2, G):
    return _potential(x, m, eps2, G)


@partial(jax.jit)
def total_energy_jit(x, v, m, eps2, G):
    K = 0.5 * m @ jnp.sum(v**2, axis=-1)
    W = _potential(x, m, eps2, G)
    return K, W, K + W
