from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.tree_util import keystr, tree_leaves_with_path, tree_map

COMPLEX_PARTNER = {jnp.dtype("float32"): jnp.complex64, jnp.dtype("float64"): jnp.complex128}


class LeafReport(NamedTuple):
    path: str
    shape: tuple
    dtype: str
    weak_type: bool


def audit_dtypes(tree):
    reports = []
    for key_path, leaf in tree_leaves_with_path(tree):
        arr = jnp.asarray(leaf)
        reports.append(LeafReport(path=keystr(key_path), shape=tuple(arr.shape), dtype=str(arr.dtype), weak_type=bool(arr.weak_type)))
    return reports


def low_precision_paths(tree, min_bits=64):
    paths = []
    for key_path, leaf in tree_leaves_with_path(tree):
        dt = jnp.asarray(leaf).dtype
        if jnp.issubdtype(dt, jnp.inexact) and jnp.finfo(dt).bits < min_bits:
            paths.append(keystr(key_path))
    return paths


def promote_floats(tree, dtype=jnp.float64):
    def cast(leaf):
        dt = jnp.asarray(leaf).dtype
        if jnp.issubdtype(dt, jnp.complexfloating):
            return jnp.asarray(leaf).astype(COMPLEX_PARTNER[jnp.dtype(dtype)])
        if jnp.issubdtype(dt, jnp.floating):
            return jnp.asarray(leaf, dtype=dtype)
        return leaf

    return tree_map(cast, tree)


def x64_enabled():
    # the default float dtype follows the x64 flag, context managers included
    return jnp.asarray(1.0).dtype == jnp.float64
