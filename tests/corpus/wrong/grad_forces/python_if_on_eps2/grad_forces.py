import jax
import jax.numpy as jnp


def potential_energy(x, m, eps2=0.0, G=1.0):
    n = x.shape[0]
    dx = x[:, None, :] - x[None, :, :]
    r2 = jnp.sum(dx**2, axis=-1)
    if eps2 == 0:
        # without softening the diagonal is 0: move it out of the way
        r2 = r2 + jnp.eye(n, dtype=x.dtype)
    inv_r = jnp.triu(1.0 / jnp.sqrt(r2 + eps2), k=1)
    return -G * jnp.sum(m[:, None] * m[None, :] * inv_r)


def grad_forces(x, m, eps2=0.0, G=1.0):
    return -jax.grad(potential_energy)(x, m, eps2, G)
