import jax
import jax.numpy as jnp


def potential_energy(x, m, eps2=0.0, G=1.0):
    n = x.shape[0]
    idx = jnp.arange(n)
    i_lt_j = idx[:, None] < idx[None, :]
    dx = x[:, None, :] - x[None, :, :]
    r = jnp.sqrt(jnp.sum(dx**2, axis=-1) + eps2)
    # mask out self-pairs (and count each pair once)
    inv_r = jnp.where(i_lt_j, 1.0 / r, 0.0)
    return -G * jnp.sum(m[:, None] * m[None, :] * inv_r)


def grad_forces(x, m, eps2=0.0, G=1.0):
    return -jax.grad(potential_energy)(x, m, eps2, G)
