"""Checks of the dtype_audit assignment: a precision audit of a pytree.

Examples are a hand-written "simulation state" holding every dtype and
container, plus pytrees drawn by hypothesis from a fixed seed: nested dicts,
lists, tuples and NamedTuples of JAX arrays, NumPy arrays and Python scalars
in float16/bfloat16/float32/float64, complex64/128, int and bool. Results
come back as plain data and are compared here with the reference run on the
same pytree. Each property is its own check, so that one mistake (paths
joined with "/", bfloat16 missed, ints cast) costs one check.
"""
from __future__ import annotations

import functools

import jax
import numpy as np

from ...checking.framework import CheckRegistry, Fail, Gate, NotShown, draw_examples
from ...checking.property_inputs import Inputs, student_value
from ...sandbox.session import ChildError, StudentError
from ...shipped import diagnosis_pytrees as shared
from ..physics.dynamics_fixtures import reference_x64
from .pytree_examples import (
    describe_leaves,
    flat_leaves,
    half_precision_mix,
    host_state,
    numpy_and_python_trees,
    pytrees,
    simulation_state,
    structure_of,
    to_child,
    to_parent,
)

REGISTRY = CheckRegistry("dtype_audit")

N_DRAWN = 12
MIN_BITS = (64, 32, 16)
PROMOTE_TO = (None, "float32", "float64")  # None: the default dtype


@functools.lru_cache(maxsize=1)
def examples() -> tuple:
    return (simulation_state(), half_precision_mix(), *draw_examples(pytrees, count=N_DRAWN, seed=20240611))


def _reference(fn, node, *args):
    with reference_x64():
        return fn(to_parent(node), *args)


# -- audit_dtypes ---------------------------------------------------------------------
def _tree(node, **kwargs) -> Inputs:
    """The call ``f(tree, **kwargs)`` on the pytree ``node``, rebuilt in the child. Called eagerly (``eager=True``):
    the answers are paths, reports and dtypes, not arrays, and the dtypes are those seen outside jit."""
    return Inputs((to_child(node),), kwargs, label="a pytree")


def _student_audits(ctx) -> list:
    """audit_dtypes of every example, each a list of (path, shape, dtype, weak_type) (each call once per grading)."""
    return [_read_audit(student_value(ctx, "audit_dtypes", _tree(node), eager=True)) for node in examples()]


def _read_audit(reports) -> list:
    if not isinstance(reports, list):
        raise Fail(f"audit_dtypes should return a list of LeafReport, got {type(reports).__name__}.")
    rows = []
    for report in reports:
        fields = set(report) if getattr(report, "type_name", None) else set()
        if not {"path", "shape", "dtype", "weak_type"} <= fields:
            raise Fail(
                "audit_dtypes should return LeafReport NamedTuples (path, shape, dtype, weak_type); "
                f"got {report!r:.150}. "
                "Build each entry with `LeafReport(path=..., shape=..., dtype=..., weak_type=...)`."
            )
        rows.append((report["path"], shared.as_shape(report["shape"]), report["dtype"], report["weak_type"]))
    return rows


def _expected_audit(reference, node) -> list:
    return [(r.path, tuple(r.shape), r.dtype, r.weak_type) for r in _reference(reference.audit_dtypes, node)]


def _first_mismatch(seen: list, expected: list, node, *, columns: slice, names: tuple) -> str | None:
    return shared.first_mismatch(seen, expected, describe_leaves(node), columns=columns, names=names)


@REGISTRY.check(
    "audit_dtypes: one LeafReport per leaf with the right shape, dtype and weak_type", points=2, public=True
)
def audit_fields(ctx):
    for node, seen in zip(examples(), _student_audits(ctx)):
        # The verdict and its diagnosis are shared with the public test (autograder/shipped/diagnosis_pytrees.py).
        message = shared.audit_fields_verdict(seen, _expected_audit(ctx.reference, node), describe_leaves(node))
        if message is not None:
            raise Fail(message)
    return f"Shapes, dtypes and weak types match on {len(examples())} pytrees."


@REGISTRY.check("audit_dtypes: paths are jax.tree_util.keystr of each leaf's key path", points=1)
def audit_paths(ctx):
    for node, seen in zip(examples(), _student_audits(ctx)):
        problem = _first_mismatch(
            seen, _expected_audit(ctx.reference, node), node, columns=slice(0, 1), names=("path",)
        )
        if problem:
            raise Fail(
                f"audit_dtypes: {problem}\n"
                "How to fix: `for key_path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]`, "
                "then `path = jax.tree_util.keystr(key_path)`, which writes dict keys as ['x'], list and tuple "
                "positions as [0] and NamedTuple fields as .x, joined with nothing in between."
            )
    return "Paths are keystr strings, in tree_flatten order."


# -- low_precision_paths ----------------------------------------------------------------
@REGISTRY.check(
    "low_precision_paths lists the floating and complex leaves narrower than min_bits (64, 32, 16)", points=1.5
)
def low_precision(ctx):
    reference = ctx.reference
    try:
        student_paths = _student_audits(ctx)
    except (Fail, StudentError, ChildError):  # audit_dtypes is graded on its own
        student_paths = None
    for index, node in enumerate(examples()):
        ref_paths = [row[0] for row in _expected_audit(ctx.reference, node)]
        own = (
            [row[0] for row in student_paths[index]]
            if student_paths and len(student_paths[index]) == len(ref_paths)
            else None
        )
        for bits in MIN_BITS:
            expected = _reference(reference.low_precision_paths, node, bits)
            seen = student_value(ctx, "low_precision_paths", _tree(node, min_bits=bits), eager=True)
            # Paths are graded by the check above; here the same leaves named as your audit_dtypes names them pass too.
            accepted = [expected] + ([[own[ref_paths.index(p)] for p in expected]] if own else [])
            if seen not in accepted:
                leaves = dict(zip(ref_paths, describe_leaves(node)))
                listed = "; ".join(f"{p}: {leaves[p]}" for p in expected) or "none"
                raise Fail(
                    f"low_precision_paths(tree, min_bits={bits}): expected {expected}, got {seen}.\n"
                    f"  The leaves to list: {listed}.\n"
                    "How to fix: a leaf counts when `jnp.asarray(leaf).dtype` is real floating (bfloat16 too: use "
                    "`jnp.issubdtype(dtype, jnp.floating)`, not NumPy's) or complex "
                    "(`jnp.issubdtype(dtype, jnp.complexfloating)`) and `jnp.finfo(dtype).bits < min_bits` (complex64 "
                    "counts as 32). Integers and booleans never count."
                )
    return f"Matches on {len(examples())} pytrees for min_bits in {MIN_BITS}."


# -- promote_floats ----------------------------------------------------------------------
def _student_promotions(ctx) -> dict:
    def run():
        return {
            (i, to): ctx.program("promote_to", to_child(node), to)
            for i, node in enumerate(examples())
            for to in PROMOTE_TO
        }

    return ctx.remember("promotions", run)


def _expected_promotion(reference, node, to):
    with reference_x64():
        tree = to_parent(node)
        result = (
            reference.promote_floats(tree) if to is None else reference.promote_floats(tree, getattr(jax.numpy, to))
        )
        return result, [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(result)]


def _compare_promoted_leaves(ctx, *, inexact: bool, fix: str) -> int:
    """Compare the leaves whose original dtype is (not) inexact; return how many were compared."""
    compared = 0
    for (index, to), seen in _student_promotions(ctx).items():
        node = examples()[index]
        _, expected = _expected_promotion(ctx.reference, node, to)
        seen_leaves, descriptions = flat_leaves(seen), describe_leaves(node)
        if len(seen_leaves) != len(expected):
            raise Fail(
                f"promote_floats returned a tree with {len(seen_leaves)} leaves for an input with {len(expected)}: "
                "every leaf must come back, cast or unchanged. Use `jax.tree_util.tree_map(promote_leaf, tree)`."
            )
        originals = [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(_reference(lambda t: t, node))]
        for i, (got, want, original) in enumerate(zip(seen_leaves, expected, originals)):
            if _is_inexact(original.dtype) != inexact:
                continue
            compared += 1
            got = np.asarray(got)
            if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
                target = "the default dtype" if to is None else to
                raise Fail(
                    f"promote_floats to {target}, leaf {i} ({descriptions[i]}): "
                    f"expected {want.dtype} {want.tolist()!r:.120}; "
                    f"got {got.dtype} {got.tolist()!r:.120}.\nHow to fix: {fix}"
                )
    return compared


def _is_inexact(dtype) -> bool:
    return bool(jax.numpy.issubdtype(dtype, jax.numpy.inexact))


def _verify_promotes(ctx) -> None:
    """The loose gate: asked for float32 or float64, every real floating leaf comes back in that dtype."""
    for (index, to), seen in _student_promotions(ctx).items():
        if to is None:
            continue
        node = examples()[index]
        originals = [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(_reference(lambda t: t, node))]
        seen_leaves, descriptions = flat_leaves(seen), describe_leaves(node)
        for i, (got, original) in enumerate(zip(seen_leaves, originals)):
            if jax.numpy.issubdtype(original.dtype, jax.numpy.floating) and str(np.asarray(got).dtype) != to:
                raise NotShown(
                    "does not cast the floating leaves",
                    f"promote_floats(tree, jnp.{to}), leaf {i} ({descriptions[i]}): expected dtype {to}, got "
                    f"{np.asarray(got).dtype}.",
                )


PROMOTES = Gate(
    "promote_floats", _verify_promotes, counts="the checks of what it leaves alone",
    fix="cast every real floating leaf with `.astype(dtype)` (see the check "
    "'promote_floats casts real floating leaves to dtype and complex leaves to the matching complex dtype').",
)


@REGISTRY.check(
    "promote_floats casts real floating leaves to dtype and complex leaves to the matching complex dtype", points=1.5
)
def promote_inexact(ctx):
    count = _compare_promoted_leaves(
        ctx, inexact=True,
        fix="cast real floating leaves (bfloat16 and float16 included) with `.astype(dtype)` and complex leaves to "
        "complex64 for float32 or complex128 for float64 (e.g. `jnp.promote_types(dtype, jnp.complex64)`): casting "
        "a complex leaf to a real dtype throws away its imaginary part.",
    )
    return f"{count} floating and complex leaves promoted as the reference does (default, float32, float64)."


@REGISTRY.check("promote_floats leaves integer and boolean leaves unchanged (dtype and value)", points=1)
def promote_keeps_integers(ctx):
    ctx.require(PROMOTES)  # returning the tree untouched keeps every integer, and promotes nothing
    count = _compare_promoted_leaves(
        ctx, inexact=False,
        fix="only floating and complex leaves change; test with `jnp.issubdtype(jnp.asarray(leaf).dtype, "
        "jnp.inexact)` and return every other leaf as it is.",
    )
    return f"{count} integer and boolean leaves kept their dtype and value."


@REGISTRY.check("promote_floats keeps the tree structure (containers, dict keys, NamedTuple types)", points=0.5)
def promote_keeps_structure(ctx):
    ctx.require(PROMOTES)
    for (index, to), seen in _student_promotions(ctx).items():
        expected, _ = _expected_promotion(ctx.reference, examples()[index], to)
        if structure_of(seen) != structure_of(expected):
            raise Fail(
                f"promote_floats changed the structure of the tree: expected {structure_of(expected)!r:.300}; got "
                f"{structure_of(seen)!r:.300}.\nHow to fix: `jax.tree_util.tree_map(promote_leaf, tree)` keeps every "
                "container (tuples stay tuples, NamedTuples keep their class); a hand-written recursion over "
                "lists and tuples usually turns NamedTuples and tuples into lists."
            )
    return "Same containers, keys and NamedTuple types as the input."


# -- 64-bit mode ----------------------------------------------------------------------------
def _x64_seen(ctx, inside: bool | None):
    """x64_enabled() as the grader runs (None) or inside jax.enable_x64(inside) (cached)."""
    if inside is None:
        return student_value(ctx, "x64_enabled", Inputs(()), eager=True)
    return ctx.remember(("x64 inside", inside), lambda: ctx.program("x64_inside_context", inside))


def _verify_x64_tracks(ctx) -> None:
    """The gate of both x64 checks: the answer changes with the setting (a constant is right half the time)."""
    problem = shared.x64_tracks_problem(_x64_seen(ctx, None), _x64_seen(ctx, False))  # shared with the public test
    if problem is not None:
        raise NotShown("does not follow the 64-bit setting", problem)


X64_TRACKS = Gate("x64_enabled", _verify_x64_tracks, counts="the 64-bit mode checks", fix=shared.X64_TRACKS_FIX)


@REGISTRY.check("x64_enabled() is True while 64-bit mode is on", points=0.5, public=True)
def x64_on(ctx):
    ctx.require(X64_TRACKS)
    for label, seen in zip(shared.X64_ON_LABELS, (_x64_seen(ctx, None), _x64_seen(ctx, True))):
        message = shared.x64_on_verdict(seen, label)  # shared with the public test
        if message is not None:
            raise Fail(message)
    return "True with 64-bit mode on."


@REGISTRY.check("x64_enabled() is False inside a jax.enable_x64(False) context", points=1)
def x64_off_in_context(ctx):
    seen = _x64_seen(ctx, False)
    if _is_bool(seen, False):
        ctx.require(X64_TRACKS)  # False always is not reading the setting
    if not _is_bool(seen, False):
        raise Fail(
            f"x64_enabled() inside `with jax.enable_x64(False):` should be False, got {seen!r:.80}.\n"
            "How to fix: read the setting when the function is called (`jax.config.jax_enable_x64` reflects the "
            "context), not once at import time, and not from an environment variable."
        )
    return "False inside jax.enable_x64(False)."


_is_bool = shared.is_bool


@REGISTRY.check(
    "audit_dtypes with 64-bit mode off reports the dtypes JAX sees (NumPy float64 as float32, int64 as int32)", points=1
)
def audit_without_x64(ctx):
    reference = ctx.reference
    nodes = [host_state(), *draw_examples(numpy_and_python_trees(), count=5, seed=77)]
    for node in nodes:
        seen = _read_audit(ctx.program("audit_inside_context", to_child(node), False))
        with jax.enable_x64(False):
            expected = [(r.path, tuple(r.shape), r.dtype, r.weak_type) for r in reference.audit_dtypes(to_parent(node))]
        problem = _first_mismatch(seen, expected, node, columns=slice(1, 3), names=("shape", "dtype"))
        if problem:
            raise Fail(
                f"audit_dtypes inside `with jax.enable_x64(False):`: {problem}\nHow to fix: report "
                "`jnp.asarray(leaf).dtype`, which is what JAX would compute with (float32 when 64-bit mode is "
                "off), not `leaf.dtype` or `np.asarray(leaf).dtype`."
            )
    return f"With 64-bit mode off, {len(nodes)} NumPy/Python pytrees are audited as JAX sees them."


# -- public-test fixture (computed by `jaxgrade regenerate`, 64-bit mode on) -----


def public_fixture(*, reference, inputs):
    """Reference answers on fixed inputs for tests/fixtures/dtype_audit.npz (name -> array)."""
    import json

    import jax.numpy as jnp

    tree = inputs.example_tree()
    reports = [
        {"path": r.path, "shape": list(r.shape), "dtype": r.dtype, "weak_type": bool(r.weak_type)}
        for r in reference.audit_dtypes(tree)
    ]

    def promoted_dtypes(dtype):
        promoted = reference.promote_floats(tree, dtype=dtype)
        return [str(jnp.asarray(leaf).dtype) for leaf in jax.tree_util.tree_leaves(promoted)]

    return {
        "reports_json": np.asarray(json.dumps(reports, sort_keys=True)),
        "low_precision_64": np.asarray(reference.low_precision_paths(tree), dtype=str),
        "low_precision_32": np.asarray(reference.low_precision_paths(tree, min_bits=32), dtype=str),
        "promoted_dtypes_64": np.asarray(promoted_dtypes(jnp.float64), dtype=str),
        "promoted_dtypes_32": np.asarray(promoted_dtypes(jnp.float32), dtype=str),
    }
