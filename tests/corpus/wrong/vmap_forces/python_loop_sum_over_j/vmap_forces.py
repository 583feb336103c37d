import jax
import jax.numpy as jnp


def pair_force(x_i, x_j, m_i, m_j, eps2=0.0, G=1.0):
    dx = x_i - x_j
    r2 = dx @ dx + eps2
    return -G * m_i * m_j * dx / r2**1.5


def vmap_forces(x, m, eps2=0.0, G=1.0):
    n = x.shape[0]
    idx = jnp.arange(n)

    def f(x_i, x_j, m_i, m_j, i, j):
        s = i == j
        return jnp.where(s, 0.0, pair_force(x_i, x_j, m_i, m_j, jnp.where(s, 1.0, eps2), G))

    all_pairs = jax.vmap(jax.vmap(f, (None, 0, None, 0, None, 0)), (0, None, 0, None, 0, None))(x, x, m, m, idx, idx)
    total = jnp.zeros_like(x)
    for j in range(n):                      # add up the partners
        total = total + all_pairs[:, j, :]
    return total
