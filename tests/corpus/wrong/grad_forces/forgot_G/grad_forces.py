import jax
import jax.numpy as jnp


def potential_energy(x, m, eps2=0.0, G=1.0):
    i, j = jnp.triu_indices(x.shape[0], k=1)
    r2 = jnp.sum((x[i] - x[j]) ** 2, axis=1) + eps2
    return -jnp.sum(m[i] * m[j] / jnp.sqrt(r2))     # G = 1 in our units


def grad_forces(x, m, eps2=0.0, G=1.0):
    return -jax.grad(potential_energy)(x, m, eps2, G)
