import jax
import jax.numpy as jnp


def potential_energy_jit(x, m, eps2, G):
    @jax.jit
    def energy(x, m, eps2, G):
        i, j = jnp.triu_indices(x.shape[0], 1)
        d2 = jnp.sum((x[i] - x[j]) ** 2, axis=1) + eps2
        return -G * jnp.sum(m[i] * m[j] / jnp.sqrt(d2))

    return energy(x, m, eps2, G)


def total_energy_jit(x, v, m, eps2, G):
    @jax.jit
    def energies(x, v, m, eps2, G):
        K = 0.5 * jnp.sum(m[:, None] * v * v)
        W = potential_energy_jit(x, m, eps2, G)
        return K, W, K + W

    return energies(x, v, m, eps2, G)
