"""Example pytrees for the dtype_audit checks, built twice: for the child and here.

An example is described once, as plain nodes (dicts, lists, tuples,
:class:`NamedTupleNode`, :class:`Leaf`), then turned into what the child
receives (NumPy leaves travel as NumPy arrays, JAX leaves as arrays the child
makes JAX arrays of, NamedTuples rebuilt there) and into the same pytree here
for the reference. Hypothesis draws the examples from fixed seeds.
"""
from __future__ import annotations

import collections
import functools
from dataclasses import dataclass

import jax.numpy as jnp
import ml_dtypes
import numpy as np
from hypothesis import strategies as st

from ...checking.framework import NamedTupleValue, NumpyArray
from ...shipped.diagnosis_pytrees import leaf_description

DTYPES = (
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128", "int8", "int32", "int64", "uint8", "bool",
)
SHAPES = ((), (3,), (2, 2))
DICT_KEYS = ("x", "v", "mass", "dt", "state", "params", "log_prob", "buffers")
NAMEDTUPLES = {"State": ("x", "v"), "Params": ("eps2", "G", "steps")}


@dataclass(frozen=True)
class Leaf:
    """kind: "jax" (a JAX array in the child), "numpy" (a NumPy array) or "python" (a scalar)."""

    kind: str
    value: object

    def describe(self) -> str:
        return leaf_description(self.kind, self.value)


@dataclass(frozen=True)
class NamedTupleNode:
    name: str
    fields: tuple  # ((field name, node), ...)


def make_array(dtype: str, shape: tuple, seed: int) -> np.ndarray:
    """A NumPy array (0-d for shape (), never a NumPy scalar) of small random values."""
    return np.asarray(_random_values(dtype, shape, np.random.default_rng(seed)))


def _random_values(dtype: str, shape: tuple, rng):
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith(("int", "uint")):
        low = 0 if dtype.startswith("uint") else -50
        return rng.integers(low, 100, size=shape).astype(dtype)
    if dtype.startswith("complex"):
        return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dtype)
    target = ml_dtypes.bfloat16 if dtype == "bfloat16" else dtype
    return rng.normal(size=shape).astype(target)


# -- hypothesis strategies -----------------------------------------------------------
def _array_leaves(kind: str):
    return st.builds(
        lambda dtype, shape, seed: Leaf(kind, make_array(dtype, shape, seed)),
        st.sampled_from(DTYPES), st.sampled_from(SHAPES), st.integers(0, 2**16),
    )


_python_scalars = st.one_of(
    st.floats(-10, 10, allow_nan=False, allow_infinity=False), st.integers(-100, 100), st.booleans()
).map(lambda value: Leaf("python", value))

leaves = st.one_of(_array_leaves("jax"), _array_leaves("numpy"), _python_scalars)


def _containers(children):
    named = st.sampled_from(sorted(NAMEDTUPLES)).flatmap(
        lambda name: st.tuples(*[children] * len(NAMEDTUPLES[name])).map(
            lambda values, name=name: NamedTupleNode(name, tuple(zip(NAMEDTUPLES[name], values)))
        )
    )
    return st.one_of(
        st.dictionaries(st.sampled_from(DICT_KEYS), children, max_size=3),
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        named,
    )


pytrees = st.recursive(leaves, _containers, max_leaves=8).filter(lambda tree: len(describe_leaves(tree)) >= 2)
"""Nested dicts (string keys), lists, tuples and NamedTuples of array and scalar leaves (two or more)."""


def numpy_and_python_trees():
    """Trees without JAX arrays, for auditing with 64-bit mode off."""
    host_leaves = st.one_of(_array_leaves("numpy"), _python_scalars)
    return st.recursive(host_leaves, _containers, max_leaves=6)


def half_precision_mix() -> list:
    """Every 16-bit and complex dtype as both a JAX and a NumPy leaf, next to
    wider floats and small integers."""
    names = ("bfloat16", "float16", "complex64", "complex128", "float32", "int8", "uint8")
    return [
        (Leaf("jax", make_array(name, (2,), 10 + i)), Leaf("numpy", make_array(name, (), 20 + i)))
        for i, name in enumerate(names)
    ]


def host_state() -> dict:
    """NumPy arrays of every wide dtype and Python scalars: what 64-bit mode changes."""
    return {
        "x": Leaf("numpy", make_array("float64", (3,), 30)),
        "v": Leaf("numpy", make_array("complex128", (2,), 31)),
        "steps": Leaf("numpy", make_array("int64", (), 32)),
        "params": (Leaf("python", 0.01), Leaf("python", 7), Leaf("numpy", make_array("float32", (2, 2), 33))),
    }


def simulation_state() -> dict:
    """A hand-written tree holding every dtype and container at least once."""
    return {
        "state": NamedTupleNode(
            "State",
            (("x", Leaf("jax", make_array("float32", (3,), 1))), ("v", Leaf("numpy", make_array("float64", (3,), 2)))),
        ),
        "params": NamedTupleNode(
            "Params",
            (
                ("eps2", Leaf("python", 0.01)),
                ("G", Leaf("jax", make_array("bfloat16", (), 3))),
                ("steps", Leaf("python", 100)),
            ),
        ),
        "buffers": [
            Leaf("jax", make_array("float16", (2, 2), 4)),
            Leaf("numpy", make_array("complex64", (3,), 5)),
            (Leaf("jax", make_array("complex128", (), 6)), None),
        ],
        "log_prob": Leaf("jax", make_array("float64", (), 7)),
        "x": {
            "mask": Leaf("numpy", make_array("bool", (3,), 8)),
            "index": Leaf("jax", make_array("int32", (3,), 9)),
            "on": Leaf("python", True),
        },
    }


# -- one description, two pytrees ---------------------------------------------------
def to_child(node):
    """The argument the grader sends: the child rebuilds the same pytree."""
    if isinstance(node, Leaf):
        return NumpyArray(node.value) if node.kind == "numpy" else node.value
    if isinstance(node, NamedTupleNode):
        return NamedTupleValue(node.name, {name: to_child(child) for name, child in node.fields})
    if isinstance(node, dict):
        return {key: to_child(child) for key, child in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(to_child(child) for child in node)
    return node  # None: an empty subtree


@functools.cache
def _namedtuple_class(name: str, fields: tuple):
    return collections.namedtuple(name, fields)


def to_parent(node):
    """The same pytree in this process (call inside the jax.enable_x64 context the reference uses)."""
    if isinstance(node, Leaf):
        return jnp.asarray(node.value) if node.kind == "jax" else node.value
    if isinstance(node, NamedTupleNode):
        cls = _namedtuple_class(node.name, tuple(name for name, _ in node.fields))
        return cls(*(to_parent(child) for _, child in node.fields))
    if isinstance(node, dict):
        return {key: to_parent(child) for key, child in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(to_parent(child) for child in node)
    return node


def describe_leaves(node) -> list[str]:
    """Leaf descriptions in tree_flatten order (dict keys sorted, None skipped)."""
    if isinstance(node, Leaf):
        return [node.describe()]
    if isinstance(node, NamedTupleNode):
        return [d for _, child in node.fields for d in describe_leaves(child)]
    if isinstance(node, dict):
        return [d for key in sorted(node) for d in describe_leaves(node[key])]
    if isinstance(node, (list, tuple)):
        return [d for child in node for d in describe_leaves(child)]
    return []


# -- reading results back -------------------------------------------------------------
def structure_of(value):
    """A comparable description of a pytree's containers (decoded results or real pytrees)."""
    type_name = getattr(value, "type_name", None)  # a decoded NamedTuple (codec.Record)
    if type_name is not None:
        return ("NamedTuple " + type_name, tuple((k, structure_of(v)) for k, v in value.items()))
    if hasattr(value, "_fields"):
        return (
            "NamedTuple " + type(value).__name__,
            tuple((k, structure_of(getattr(value, k))) for k in value._fields),
        )
    if isinstance(value, dict):
        return ("dict", tuple((k, structure_of(value[k])) for k in sorted(value, key=str)))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(structure_of(v) for v in value))
    return "None" if value is None else "leaf"


def flat_leaves(value) -> list:
    """Leaves of a decoded result in tree_flatten order (dict keys sorted, None skipped)."""
    if getattr(value, "type_name", None) is not None or hasattr(value, "_fields"):
        items = value.values() if isinstance(value, dict) else tuple(value)
        return [leaf for item in items for leaf in flat_leaves(item)]
    if isinstance(value, dict):
        return [leaf for key in sorted(value, key=str) for leaf in flat_leaves(value[key])]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in flat_leaves(item)]
    return [] if value is None else [value]
