"""Public tests for ``assignments/dtype_audit.py`` (a subset of the graded checks)."""
import json

import jax
import jax.numpy as jnp
import numpy as np

from assignments import dtype_audit as student
from fixture_inputs import example_tree, load_fixture
from jaxgrade_diagnosis_pytrees import (
    X64_ON_LABELS,
    as_shape,
    audit_fields_verdict,
    describe_leaf,
    x64_on_verdict,
    x64_tracks_verdict,
)
from public_helpers import graded_as, require

FIXTURE = load_fixture("dtype_audit")


def as_dicts(reports):
    return [
        {"path": r.path, "shape": list(r.shape), "dtype": r.dtype, "weak_type": bool(r.weak_type)}
        for r in reports
    ]


def test_single_leaf_report():
    reports = student.audit_dtypes({"x": jnp.zeros(3, dtype=jnp.float32)})
    expected = [{"path": "['x']", "shape": [3], "dtype": "float32", "weak_type": False}]
    assert as_dicts(reports) == expected, (
        f"audit_dtypes({{'x': float32 zeros(3)}}): expected {expected}, saw {reports!r}. Return one "
        "LeafReport(path=jax.tree_util.keystr(key_path), shape, dtype=str(dtype), weak_type) per leaf."
    )


def audit_rows(reports) -> list:
    """``(path, shape, dtype, weak_type)`` of each LeafReport, as the autograder reads them."""
    return [(r.path, as_shape(r.shape), r.dtype, r.weak_type) for r in reports]


@graded_as("audit_fields")
def test_audit_fields_match_reference():
    tree = example_tree()
    expected = [
        (r["path"], tuple(r["shape"]), r["dtype"], r["weak_type"]) for r in json.loads(str(FIXTURE["reports_json"]))
    ]
    leaves = [describe_leaf(leaf) for leaf in jax.tree_util.tree_leaves(tree)]
    require(audit_fields_verdict(audit_rows(student.audit_dtypes(tree)), expected, leaves))


def test_audit_matches_reference():
    reports = as_dicts(student.audit_dtypes(example_tree()))
    expected = json.loads(str(FIXTURE["reports_json"]))
    assert reports == expected, (
        "audit_dtypes of the example tree differs from the reference.\n"
        f"  expected: {expected}\n  seen:     {reports}\n"
        "  how to fix: walk the leaves with jax.tree_util.tree_flatten_with_path (flatten order), "
        "and look at each leaf through jnp.asarray(leaf) (Python scalars are weakly typed)."
    )


def test_low_precision_paths_match_reference():
    tree = example_tree()
    for min_bits, key in ((64, "low_precision_64"), (32, "low_precision_32")):
        seen = list(student.low_precision_paths(tree, min_bits=min_bits))
        expected = [str(p) for p in FIXTURE[key]]
        assert seen == expected, (
            f"low_precision_paths(tree, min_bits={min_bits}): expected {expected}, saw {seen}. "
            "List real and complex floating leaves (bfloat16 included) whose jnp.finfo(dtype).bits "
            "is below min_bits; complex64 counts as 32; integers and booleans never count."
        )


def test_promote_floats_keeps_structure_and_integers():
    tree = example_tree()
    for dtype, key in ((jnp.float64, "promoted_dtypes_64"), (jnp.float32, "promoted_dtypes_32")):
        promoted = student.promote_floats(tree, dtype=dtype)
        assert jax.tree_util.tree_structure(promoted) == jax.tree_util.tree_structure(tree), (
            "promote_floats changed the tree's structure; expected the same structure. "
            "Use jax.tree_util.tree_map over the leaves."
        )
        seen = [str(jnp.asarray(leaf).dtype) for leaf in jax.tree_util.tree_leaves(promoted)]
        expected = [str(d) for d in FIXTURE[key]]
        assert seen == expected, (
            f"promote_floats(tree, dtype={jnp.dtype(dtype)}): expected leaf dtypes {expected}, saw {seen}. "
            "Cast real floating leaves to dtype, complex ones to the matching complex dtype, "
            "and leave integers and booleans alone."
        )
    counts = student.promote_floats(tree, dtype=jnp.float64)["counts"]
    assert np.array_equal(np.asarray(counts), tree["counts"]), "promote_floats changed an integer leaf's values."


def test_float32_promotion_gives_float32_leaves():
    tree = {"wide": np.ones(2, dtype=np.float64), "narrow": jnp.ones(2, dtype=jnp.float32), "n": np.arange(2)}
    promoted = student.promote_floats(tree, dtype=jnp.float32)
    seen = {key: str(jnp.asarray(leaf).dtype) for key, leaf in promoted.items()}
    expected = {"wide": "float32", "narrow": "float32", "n": "int64"}
    assert seen == expected, (
        f"promote_floats(tree, dtype=float32): expected dtypes {expected}, saw {seen}. Cast with "
        "leaf.astype(dtype) for real floating leaves only; a float32 target narrows float64 leaves too."
    )
    reports = as_dicts(student.audit_dtypes(promoted))
    assert [r["dtype"] for r in reports] == ["int64", "float32", "float32"], (
        f"audit_dtypes of the float32-promoted tree: expected dtypes int64, float32, float32 "
        f"(flatten order n, narrow, wide), saw {reports}."
    )


@graded_as("x64_on")
def test_x64_enabled_while_64_bit_mode_is_on():
    # conftest.py switches 64-bit mode on, as the autograder does.
    as_run = student.x64_enabled()
    with jax.enable_x64(True):
        inside = student.x64_enabled()
    with jax.enable_x64(False):
        off = student.x64_enabled()
    require(x64_tracks_verdict(as_run, off))  # as graded: a constant True is not reading the setting
    for label, seen in zip(X64_ON_LABELS, (as_run, inside)):
        require(x64_on_verdict(seen, label))


def test_x64_enabled_follows_the_context():
    with jax.enable_x64(False):
        inside = student.x64_enabled()
    assert inside is False, (
        f"x64_enabled() inside `with jax.enable_x64(False):` returned {inside!r}, expected False. "
        "Read the current setting (jax.config.jax_enable_x64), which the context manager changes."
    )
