import jax
import jax.numpy as jnp


def _energy(x, m, eps2, G):
    n = x.shape[0]
    upper = jnp.triu(jnp.ones((n, n), dtype=bool), k=1)
    r = jnp.sqrt(jnp.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1) + eps2)
    return -G * jnp.sum(jnp.where(upper, jnp.outer(m, m) / r, 0.0))


@jax.jit
def potential_energy_jit(x, m, eps2, G):
    return _energy(x, m, eps2, G)


@jax.jit
def total_energy_jit(x, v, m, eps2, G):
    K = 0.5 * jnp.sum(m * jnp.sum(v**2, axis=-1))
    W = _energy(x, m, eps2, G)
    return K, W, K + W
