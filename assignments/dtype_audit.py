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
    raise NotImplementedError("audit_dtypes: not implemented yet — see handouts/dtype_audit.md")


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
    raise NotImplementedError("low_precision_paths: not implemented yet — see handouts/dtype_audit.md")


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
    raise NotImplementedError("promote_floats: not implemented yet — see handouts/dtype_audit.md")


def x64_enabled():
    """Whether JAX's 64-bit mode is on right now.

    Returns:
        ``bool``. Must reflect a surrounding ``jax.enable_x64(...)`` context,
        not only the global ``jax_enable_x64`` setting.
    """
    raise NotImplementedError("x64_enabled: not implemented yet — see handouts/dtype_audit.md")
