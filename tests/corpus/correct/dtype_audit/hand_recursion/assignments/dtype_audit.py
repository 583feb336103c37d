"""dtype audit: promote_floats written as an explicit recursion over containers."""
from typing import NamedTuple

import jax
import jax.numpy as jnp


class LeafReport(NamedTuple):
    path: str
    shape: tuple
    dtype: str
    weak_type: bool


def audit_dtypes(tree):
    flat, _ = jax.tree_util.tree_flatten_with_path(tree)
    out = []
    for path, leaf in flat:
        a = jnp.asarray(leaf)
        out.append(LeafReport(jax.tree_util.keystr(path), a.shape, str(a.dtype), bool(a.weak_type)))
    return out


def low_precision_paths(tree, min_bits=64):
    flagged = []
    for report in audit_dtypes(tree):
        dt = jnp.dtype(report.dtype)
        is_float = jnp.issubdtype(dt, jnp.floating) or jnp.issubdtype(dt, jnp.complexfloating)
        if is_float and jnp.finfo(dt).bits < min_bits:
            flagged.append(report.path)
    return flagged


def _promote_leaf(leaf, dtype):
    a = jnp.asarray(leaf)
    if jnp.iscomplexobj(a):
        return a.astype(jnp.complex128 if jnp.dtype(dtype).itemsize == 8 else jnp.complex64)
    if jnp.issubdtype(a.dtype, jnp.floating):
        return a.astype(dtype)
    return leaf


def promote_floats(tree, dtype=jnp.float64):
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {k: promote_floats(v, dtype) for k, v in tree.items()}
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):  # NamedTuple: keep its class
        return type(tree)(*(promote_floats(v, dtype) for v in tree))
    if isinstance(tree, (list, tuple)):
        return type(tree)(promote_floats(v, dtype) for v in tree)
    return _promote_leaf(tree, dtype)


def x64_enabled():
    return jax.config.read("jax_enable_x64")
