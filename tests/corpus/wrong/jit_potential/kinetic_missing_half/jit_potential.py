import jax
import jax.numpy as jnp


@jax.jit
def potential_energy_jit(x, m, eps2, G):
    N = x.shape[0]
    upper = jnp.triu(jnp.ones((N, N)), 1).astype(bool)
    dist2 = jnp.sum((x[:, None, :] - x[None, :, :]) ** 2, -1) + eps2
    inv = jnp.where(upper, 1 / jnp.sqrt(jnp.where(upper, dist2, 1.0)), 0.0)
    return -G * jnp.einsum("i,ij,j->", m, inv, m)


@jax.jit
def total_energy_jit(x, v, m, eps2, G):
    K = jnp.sum(m * jnp.sum(v**2, axis=1))      # kinetic energy m v^2
    W = potential_energy_jit(x, m, eps2, G)
    return K, W, K + W
