import jax
import jax.numpy as jnp


def pair_energy(x, m, eps2):
    n = x.shape[0]
    i = jnp.arange(n)
    keep = i[:, None] < i[None, :]
    r2 = jnp.sum((x[:, None] - x[None, :]) ** 2, axis=-1) + eps2
    r2 = jnp.where(keep, r2, 1.0)
    return -jnp.sum(jnp.where(keep, m[:, None] * m[None, :] / jnp.sqrt(r2), 0.0))


@jax.jit
def potential_energy_jit(x, m, eps2, G):
    return pair_energy(x, m, eps2)


@jax.jit
def total_energy_jit(x, v, m, eps2, G):
    K = 0.5 * jnp.sum(m * jnp.sum(v**2, axis=1))
    W = pair_energy(x, m, eps2)
    return K, W, K + W
