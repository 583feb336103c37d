import jax
import jax.numpy as jnp


def potential_energy(x, m, eps2=0.0, G=1.0):
    # looks like gravity, but never reads x: the forces are all zero
    return -G * (jnp.sum(m) ** 2 - jnp.sum(m**2)) / 2 / jnp.sqrt(1.0 + eps2) + 0.0 * jnp.sum(x) * 0.0


def grad_forces(x, m, eps2=0.0, G=1.0):
    return -jax.grad(potential_energy)(x, m, eps2, G)
