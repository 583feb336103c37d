import jax.numpy as jnp


def pair_force(x_i, x_j, m_i, m_j, eps2=0.0, G=1.0):
    d = x_i - x_j
    r2 = jnp.sum(d * d, axis=-1, keepdims=True) + eps2
    return -G * m_i * m_j * d / r2**1.5


def vmap_forces(x, m, eps2=0.0, G=1.0):
    # broadcasting does the same as two vmaps, and is faster to write
    n = x.shape[0]
    eye = jnp.eye(n, dtype=bool)
    d = x[:, None, :] - x[None, :, :]                       # (N, N, 3)
    r2 = jnp.sum(d * d, axis=-1) + eps2
    r2 = jnp.where(eye, 1.0, r2)
    w = jnp.where(eye, 0.0, m[:, None] * m[None, :] / r2**1.5)
    return -G * jnp.sum(w[:, :, None] * d, axis=1)
