"""Compiled energies."""
import jax
import jax.numpy as jnp


def _potential(x, m, eps2, G):
    n = x.shape[0]
    idx = jnp.arange(n)
    pair = idx[:, None] < idx[None, :]                 # i < j, chosen by index
    d = x[:, None, :] - x[None, :, :]
    r2 = jnp.sum(d**2, axis=-1) + eps2
    r2 = jnp.where(pair, r2, 1.0)                      # no zero ever reaches the sqrt
    return -G * jnp.sum(jnp.where(pair, m[:, None] * m[None, :] / jnp.sqrt(r2), 0.0))


@jax.jit
def potential_energy_jit(x, m, eps2, G):
    return _potential(x, m, eps2, G)


@jax.jit
def total_energy_jit(x, v, m, eps2, G):
    K = 0.5 * jnp.sum(m[:, None] * v**2)
    W = _potential(x, m, eps2, G)
    return K, W, K + W
