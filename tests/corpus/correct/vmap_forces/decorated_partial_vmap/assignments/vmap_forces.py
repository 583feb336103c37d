from functools import partial

import jax
import jax.numpy as jnp


def pair_force(x_i, x_j, m_i, m_j, eps2=0.0, G=1.0):
    d = x_i - x_j
    s = d @ d + eps2
    return -(G * m_i * m_j / (s * jnp.sqrt(s))) * d


def vmap_forces(x, m, eps2=0.0, G=1.0):
    idx = jnp.arange(len(m))

    @partial(jax.vmap, in_axes=(0, 0, 0))          # over i
    @partial(jax.vmap, in_axes=(None, None, 0))    # over j
    def contribution(x_i, m_i, j_and_i):
        j, i = j_and_i
        diagonal = i == j
        f = pair_force(x_i, x[j], m_i, m[j], jnp.where(diagonal, 1.0, eps2), G)
        return jnp.where(diagonal, 0.0, f)

    pairs = jnp.stack(jnp.broadcast_arrays(idx[None, :], idx[:, None]), axis=-1)  # (N, N, 2): (j, i)
    return contribution(x, m, pairs).sum(axis=1)
