import jax
import jax.numpy as jnp


def _potential(x, m, eps2, G):
    W = 0.0
    n = x.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            r2 = jnp.sum((x[i] - x[j]) ** 2) + eps2
            W = W - G * m[i] * m[j] / jnp.sqrt(r2)
    return W


@jax.jit
def potential_energy_jit(x, m, eps2, G):
    return _potential(x, m, eps2, G)


@jax.jit
def total_energy_jit(x, v, m, eps2, G):
    K = 0.5 * jnp.sum(m * jnp.sum(v**2, axis=1))
    W = _potential(x, m, eps2, G)
    return K, W, K + W
