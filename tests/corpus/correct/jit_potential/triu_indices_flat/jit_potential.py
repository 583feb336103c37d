import jax
import jax.numpy as jnp


def _pair_sum(x, m, eps2, G):
    # only the N(N-1)/2 pairs i < j: no self-pairs, nothing to mask
    i, j = jnp.triu_indices(x.shape[0], k=1)
    r2 = jnp.sum((x[i] - x[j]) ** 2, axis=-1) + eps2
    return -G * jnp.sum(m[i] * m[j] / jnp.sqrt(r2))


potential_energy_jit = jax.jit(_pair_sum)


@jax.jit
def total_energy_jit(x, v, m, eps2, G):
    kinetic = jnp.sum(m * jnp.sum(v * v, axis=1)) / 2
    potential = _pair_sum(x, m, eps2, G)
    return (kinetic, potential, kinetic + potential)
