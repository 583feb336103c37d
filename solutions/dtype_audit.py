"""A precision audit of a pytree.

Simulation state in JAX is a pytree: nested dicts, lists, tuples and
NamedTuples whose leaves are arrays or Python scalars. One float32 leaf in a
float64 simulation quietly costs seven digits; a Python float leaf is
"weakly typed" and takes whatever precision it meets. These functions list
each leaf's dtype, find the low-precision ones, and promote them.

Every leaf is looked at through ``jnp.asarray(leaf)``, which is how JAX
itself sees it: with 64-bit mode off, a NumPy float64 array becomes float32.
"""
from typing import NamedTuple

import jax
import jax.numpy as jnp


class LeafReport(NamedTuple):
    """What ``audit_dtypes`` records about one leaf.

    Attributes:
        path: ``jax.tree_util.keystr`` of the leaf's key path, e.g.
            ``"['state'].x"`` or ``"[0]"``.
        shape: ``jnp.asarray(leaf).shape``.
        dtype: ``str(jnp.asarray(leaf).dtype)``, e.g. ``"float32"``.
        weak_type: ``bool(jnp.asarray(leaf).weak_type)``; True for Python
            scalars, which adopt the precision of whatever they meet.
    """

    path: str
    shape: tuple
    dtype: str
    weak_type: bool


# BEGIN SOLUTION
def _is_inexact(dtype):
    """True for real floating (bfloat16 included) and complex dtypes."""
    return jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.complexfloating)


def _component_bits(dtype):
    """Bits per real component: complex64 -> 32, bfloat16 -> 16."""
    return jnp.finfo(dtype).bits


def _paths_and_arrays(tree):
    """``[(keystr path, jnp.asarray(leaf)), ...]`` in ``tree_flatten`` order."""
    leaves_with_paths, _ = jax.tree_util.tree_flatten_with_path(tree)
    return [(jax.tree_util.keystr(path), jnp.asarray(leaf)) for path, leaf in leaves_with_paths]


def _promote_leaf(leaf, dtype):
    """Cast one inexact leaf to ``dtype`` (or its complex partner); else keep it."""
    array = jnp.asarray(leaf)
    if jnp.issubdtype(array.dtype, jnp.complexfloating):
        return array.astype(jnp.promote_types(dtype, jnp.complex64))
    if jnp.issubdtype(array.dtype, jnp.floating):
        return array.astype(dtype)
    return leaf
# END SOLUTION


def audit_dtypes(tree):
    """One ``LeafReport`` per leaf of ``tree``, in ``tree_flatten`` order.

    Args:
        tree: any pytree (dicts, lists, tuples, NamedTuples; leaves may be
            JAX arrays, NumPy arrays or Python scalars).

    Returns:
        ``list[LeafReport]``. For each leaf, with ``a = jnp.asarray(leaf)``:
        ``path = jax.tree_util.keystr(key_path)``, ``shape = a.shape``,
        ``dtype = str(a.dtype)``, ``weak_type = bool(a.weak_type)``.
        Use ``jax.tree_util.tree_flatten_with_path`` to get the key paths.
    """
    # BEGIN SOLUTION
    return [
        LeafReport(path=path, shape=tuple(array.shape), dtype=str(array.dtype),
                   weak_type=bool(array.weak_type))
        for path, array in _paths_and_arrays(tree)
    ]
    # END SOLUTION


def low_precision_paths(tree, min_bits=64):
    """Paths of floating leaves narrower than ``min_bits`` per component.

    Args:
        tree: any pytree.
        min_bits: the width, in bits, a floating leaf needs to pass.

    Returns:
        ``list[str]`` of ``keystr`` paths, in ``tree_flatten`` order, of the
        leaves whose ``jnp.asarray(leaf).dtype`` is real floating (bfloat16
        included) or complex, and whose ``jnp.finfo(dtype).bits`` is below
        ``min_bits`` (complex64 counts as 32; bfloat16 and float16 as 16).
        Integer and boolean leaves are never listed.
    """
    # BEGIN SOLUTION
    return [
        path
        for path, array in _paths_and_arrays(tree)
        if _is_inexact(array.dtype) and _component_bits(array.dtype) < min_bits
    ]
    # END SOLUTION


def promote_floats(tree, dtype=jnp.float64):
    """Cast the floating leaves of ``tree`` to ``dtype``.

    Args:
        tree: any pytree.
        dtype: ``jnp.float32`` or ``jnp.float64``.

    Returns:
        A tree of the same structure. Real floating leaves (bfloat16
        included) become ``dtype``; complex leaves become the matching
        complex dtype (complex64 for float32, complex128 for float64);
        integer and boolean leaves keep their dtype and value.
    """
    # BEGIN SOLUTION
    return jax.tree_util.tree_map(lambda leaf: _promote_leaf(leaf, dtype), tree)
    # END SOLUTION


def x64_enabled():
    """Whether JAX's 64-bit mode is on right now.

    Returns:
        ``bool``. Must reflect a surrounding ``jax.enable_x64(...)`` context,
        not only the global ``jax_enable_x64`` setting.
    """
    # BEGIN SOLUTION
    return bool(jax.config.jax_enable_x64)
    # END SOLUTION
