"""The dtype_audit checks' example pytrees: they cover every dtype, leaf kind
and container, and the child rebuilds exactly the pytree the reference sees."""
from __future__ import annotations

import jax
import numpy as np

import solutions.dtype_audit as reference
from autograder.checking.framework import encode_arg
from autograder.checks import dtype_audit as checks
from autograder.checks.dtype_audit import pytree_examples as examples
from autograder.checks.physics.dynamics_fixtures import reference_x64
from autograder.child import codec, probes


class _NoModules:
    def module(self, name):  # the example trees never refer to student attributes
        raise AssertionError(name)


def _as_child_builds_it(node):
    """The pytree the child gets: encoded as the grader sends it, resolved as the child does."""
    return probes.Resolver(_NoModules()).resolve(encode_arg(examples.to_child(node), "dtype_audit"))


def test_examples_cover_every_dtype_kind_and_container():
    descriptions = [d for node in checks.examples() for d in examples.describe_leaves(node)]
    for dtype in examples.DTYPES:
        assert any(f" {dtype} array" in d for d in descriptions), dtype
    for kind in ("JAX", "NumPy", "Python float", "Python int", "Python bool"):
        assert any(d.startswith(kind) for d in descriptions), kind
    structures = repr(
        [examples.structure_of(node_structure) for node_structure in map(_parent_tree, checks.examples())]
    )
    for container in ("dict", "list", "tuple", "NamedTuple State", "NamedTuple Params"):
        assert container in structures, container


def _parent_tree(node):
    with reference_x64():
        return examples.to_parent(node)


def test_the_child_rebuilds_the_reference_pytree():
    with reference_x64():
        for node in checks.examples():
            child, parent = _as_child_builds_it(node), examples.to_parent(node)
            assert examples.structure_of(child) == examples.structure_of(parent)
            child_paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(child)[0]]
            parent_paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(parent)[0]]
            assert child_paths == parent_paths
            for a, b in zip(jax.tree_util.tree_leaves(child), jax.tree_util.tree_leaves(parent)):
                assert type(a) is type(b) or (isinstance(a, jax.Array) and isinstance(b, jax.Array))
                np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_flat_leaves_follow_tree_flatten_order():
    with reference_x64():
        for node in checks.examples():
            promoted = reference.promote_floats(examples.to_parent(node))
            decoded = codec.decode_value(codec.encode_value(promoted))
            expected = [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(promoted)]
            seen = [np.asarray(leaf) for leaf in examples.flat_leaves(decoded)]
            assert len(seen) == len(expected)
            for a, b in zip(seen, expected):
                np.testing.assert_array_equal(a, b)


def test_structure_of_tells_tuples_lists_and_namedtuples_apart():
    with reference_x64():
        tree = examples.to_parent(examples.simulation_state())
    decoded = codec.decode_value(codec.encode_value(tree))
    assert examples.structure_of(decoded) == examples.structure_of(tree)
    as_lists = dict(decoded, state=list(decoded["state"].values()))
    assert examples.structure_of(as_lists) != examples.structure_of(tree)


def test_host_trees_change_dtype_with_64_bit_mode():
    with jax.enable_x64(False):
        reports = reference.audit_dtypes(examples.to_parent(examples.host_state()))
    assert {r.dtype for r in reports} >= {"float32", "int32", "complex64"}
