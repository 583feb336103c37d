import jax.numpy as jnp


def potential_energy_jit(x, m, eps2, G):
    n = x.shape[0]
    upper = jnp.triu(jnp.ones((n, n), dtype=bool), k=1)
    r2 = jnp.sum((x[:, None] - x[None]) ** 2, axis=-1) + eps2
    r2 = jnp.where(upper, r2, 1.0)
    return -G * jnp.sum(jnp.where(upper, jnp.outer(m, m) / jnp.sqrt(r2), 0.0))


def total_energy_jit(x, v, m, eps2, G):
    K = 0.5 * jnp.sum(m * jnp.sum(v**2, axis=1))
    W = potential_energy_jit(x, m, eps2, G)
    return K, W, K + W
