"""Precision audit of a pytree."""
from typing import NamedTuple

import jax
import jax.numpy as jnp


class LeafReport(NamedTuple):
    path: str
    shape: tuple
    dtype: str
    weak_type: bool


def _leaves_with_paths(tree):
    flat, _ = jax.tree_util.tree_flatten_with_path(tree)
    return [(jax.tree_util.keystr(kp), jnp.asarray(leaf)) for kp, leaf in flat]


def audit_dtypes(tree):
    flat, _ = jax.tree_util.tree_flatten_with_path(tree)
    reports = []
    for kp, leaf in flat:
        a = jnp.asarray(leaf)
        # Python scalars and NumPy arrays have no weak_type attribute
        reports.append(LeafReport(jax.tree_util.keystr(kp), a.shape, str(a.dtype), bool(getattr(leaf, "weak_type", False))))
    return reports


def _is_float_or_complex(dtype):
    return jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.complexfloating)


def low_precision_paths(tree, min_bits=64):
    out = []
    for p, a in _leaves_with_paths(tree):
        if _is_float_or_complex(a.dtype) and jnp.finfo(a.dtype).bits < min_bits:
            out.append(p)
    return out


def promote_floats(tree, dtype=jnp.float64):
    complex_dtype = jnp.complex128 if jnp.dtype(dtype) == jnp.float64 else jnp.complex64

    def promote(leaf):
        a = jnp.asarray(leaf)
        if jnp.issubdtype(a.dtype, jnp.complexfloating):
            return a.astype(complex_dtype)
        if jnp.issubdtype(a.dtype, jnp.floating):
            return a.astype(dtype)
        return leaf

    return jax.tree_util.tree_map(promote, tree)


def x64_enabled():
    return bool(jax.config.jax_enable_x64)
