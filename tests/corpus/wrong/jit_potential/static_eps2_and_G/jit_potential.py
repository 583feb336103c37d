from functools import partial

import jax
import jax.numpy as jnp


def _W(x, m, eps2, G):
    n = len(m)
    mask = jnp.arange(n)[:, None] < jnp.arange(n)[None, :]
    r2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    r2 = jnp.where(mask, r2 + eps2, 1.0)
    return -G * jnp.where(mask, jnp.outer(m, m) * r2**-0.5, 0.0).sum()


# eps2 and G are just configuration numbers, so make them static
@partial(jax.jit, static_argnames=("eps2", "G"))
def potential_energy_jit(x, m, eps2, G):
    return _W(x, m, eps2, G)


@partial(jax.jit, static_argnames=("eps2", "G"))
def total_energy_jit(x, v, m, eps2, G):
    K = 0.5 * (m * (v**2).sum(-1)).sum()
    W = _W(x, m, eps2, G)
    return K, W, K + W
