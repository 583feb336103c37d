import jax
import jax.numpy as jnp


@jax.jit
def potential_energy_jit(x, m, eps2, G):
    n = x.shape[0]
    upper = jnp.arange(n)[:, None] < jnp.arange(n)[None, :]
    r2 = jnp.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=-1) + eps2
    r2 = jnp.where(upper, r2, 1.0)
    return -G * jnp.sum(jnp.where(upper, jnp.outer(m, m) / jnp.sqrt(r2), 0.0))


@jax.jit
def total_energy_jit(x, v, m, eps2, G):
    m64 = m.astype(jnp.float64)          # energies need double precision
    K = 0.5 * jnp.sum(m64 * jnp.sum(v**2, axis=1))
    W = potential_energy_jit(x, m64, eps2, G)
    return K, W, K + W
