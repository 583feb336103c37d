import jax
import jax.numpy as jnp
import numpy as np


def potential_energy(x, m, eps2=0.0, G=1.0):
    n = x.shape[0]
    upper = np.triu(np.ones((n, n)), k=1)           # 1 for i < j, 0 elsewhere
    r2 = jnp.sum((x[:, None] - x[None]) ** 2, axis=-1) + eps2
    r2 = r2 + (1 - upper)                           # no zero distances on or below the diagonal
    return -G * jnp.sum(upper * jnp.outer(m, m) / jnp.sqrt(r2))


def grad_forces(x, m, eps2=0.0, G=1.0):
    return -jax.grad(potential_energy)(x, m, eps2, G)
