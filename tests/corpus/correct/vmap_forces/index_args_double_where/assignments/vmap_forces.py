"""Pairwise forces with a double vmap."""
import jax
import jax.numpy as jnp


def pair_force(x_i, x_j, m_i, m_j, eps2=0.0, G=1.0):
    d = x_i - x_j
    r2 = jnp.dot(d, d) + eps2
    return -G * m_i * m_j * d / r2**1.5


def vmap_forces(x, m, eps2=0.0, G=1.0):
    def one_pair(x_i, x_j, m_i, m_j, i, j):
        same = i == j
        # the self-pair gets a harmless softening so nothing divides by zero
        f = pair_force(x_i, x_j, m_i, m_j, jnp.where(same, 1.0, eps2), G)
        return jnp.where(same, 0.0, f)

    inner = jax.vmap(one_pair, in_axes=(None, 0, None, 0, None, 0))   # over j
    outer = jax.vmap(inner, in_axes=(0, None, 0, None, 0, None))      # over i
    idx = jnp.arange(x.shape[0])
    return outer(x, x, m, m, idx, idx).sum(axis=1)
