"""Validation of solutions/dtype_audit.py on a hand-built nested pytree.

Every expected report below is written out by hand from JAX's documented
rules (dict keys flatten in sorted order; Python scalars are weakly typed;
with 64-bit mode on, a Python float is float64 and a Python int int64).
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions.dtype_audit import (
    LeafReport,
    audit_dtypes,
    low_precision_paths,
    promote_floats,
    x64_enabled,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


class Particles(NamedTuple):
    x: Any
    m: Any


def make_tree():
    return {
        "state": Particles(x=jnp.zeros((4, 3), jnp.float32), m=np.ones(4)),
        "params": {"dt": 0.01, "n_steps": 100, "adaptive": True, "eps2": np.float32(1e-4),
                   "phase": 1j},
        "history": [
            np.zeros(2, np.float16),
            jnp.ones((2, 2), jnp.bfloat16),
            (jnp.zeros(3, jnp.complex64), np.arange(3, dtype=np.int32)),
        ],
        "flags": np.array([True, False]),
        "spectrum": jnp.ones(5, jnp.complex128),
    }


# (path, shape, dtype, weak_type) in tree_flatten order: dict keys sorted.
EXPECTED_AUDIT = [
    ("['flags']", (2,), "bool", False),
    ("['history'][0]", (2,), "float16", False),
    ("['history'][1]", (2, 2), "bfloat16", False),
    ("['history'][2][0]", (3,), "complex64", False),
    ("['history'][2][1]", (3,), "int32", False),
    ("['params']['adaptive']", (), "bool", False),
    ("['params']['dt']", (), "float64", True),
    ("['params']['eps2']", (), "float32", False),
    ("['params']['n_steps']", (), "int64", True),
    ("['params']['phase']", (), "complex128", True),
    ("['spectrum']", (5,), "complex128", False),
    ("['state'].x", (4, 3), "float32", False),
    ("['state'].m", (4,), "float64", False),
]


def test_audit_reports_every_leaf_in_flatten_order():
    reports = audit_dtypes(make_tree())
    assert all(isinstance(report, LeafReport) for report in reports)
    seen = [tuple(report) for report in reports]
    assert seen == EXPECTED_AUDIT, "\n".join(
        f"expected {expected}, saw {actual}" for expected, actual in zip(EXPECTED_AUDIT, seen)
        if expected != actual
    ) or f"expected {len(EXPECTED_AUDIT)} leaves, saw {len(seen)}"


def test_report_field_types():
    report = audit_dtypes({"a": np.ones((2, 1))})[0]
    assert type(report.path) is str and type(report.shape) is tuple
    assert type(report.dtype) is str and type(report.weak_type) is bool


def test_low_precision_paths_at_64_bits():
    assert low_precision_paths(make_tree()) == [
        "['history'][0]",
        "['history'][1]",
        "['history'][2][0]",
        "['params']['eps2']",
        "['state'].x",
    ]


def test_low_precision_paths_at_32_and_16_bits():
    tree = make_tree()
    # complex64 is 32 bits per component, so it passes a 32-bit bar.
    assert low_precision_paths(tree, min_bits=32) == ["['history'][0]", "['history'][1]"]
    assert low_precision_paths(tree, min_bits=16) == []


def test_promote_to_float64():
    promoted = promote_floats(make_tree(), dtype=jnp.float64)
    assert jax.tree_util.tree_structure(promoted) == jax.tree_util.tree_structure(make_tree())
    assert isinstance(promoted["state"], Particles)
    assert [report.dtype for report in audit_dtypes(promoted)] == [
        "bool", "float64", "float64", "complex128", "int32",
        "bool", "float64", "float64", "int64", "complex128", "complex128",
        "float64", "float64",
    ]
    assert low_precision_paths(promoted) == []
    np.testing.assert_array_equal(promoted["history"][2][1], [0, 1, 2])
    assert promoted["params"]["n_steps"] == 100 and promoted["params"]["adaptive"] is True
    assert float(promoted["params"]["dt"]) == 0.01
    assert float(promoted["params"]["eps2"]) == float(np.float32(1e-4))


def test_promote_to_float32():
    promoted = promote_floats(make_tree(), dtype=jnp.float32)
    assert [report.dtype for report in audit_dtypes(promoted)] == [
        "bool", "float32", "float32", "complex64", "int32",
        "bool", "float32", "float32", "int64", "complex64", "complex64",
        "float32", "float32",
    ]


def test_x64_enabled_follows_a_context_in_this_process():
    # The test suite runs with 64-bit mode on (tests/conftest.py).
    assert x64_enabled() is True
    with jax.enable_x64(False):
        assert x64_enabled() is False
    assert x64_enabled() is True


X64_OFF_SCRIPT = textwrap.dedent("""
    import json
    import jax
    import numpy as np
    from solutions.dtype_audit import audit_dtypes, low_precision_paths, x64_enabled

    before = x64_enabled()
    with jax.enable_x64(True):
        inside = x64_enabled()
    tree = {"a": np.ones(2), "b": 1.0, "c": 3}
    print(json.dumps({
        "before": before, "inside": inside, "after": x64_enabled(),
        "audit": [list(report) for report in audit_dtypes(tree)],
        "low": low_precision_paths(tree),
    }))
""")


def test_x64_off_in_a_fresh_process():
    env = {key: value for key, value in os.environ.items() if not key.startswith("JAX_")}
    env["JAX_PLATFORMS"] = "cpu"
    env["PYTHONPATH"] = str(REPO_ROOT)
    completed = subprocess.run([sys.executable, "-c", X64_OFF_SCRIPT], capture_output=True,
                               text=True, env=env, cwd=REPO_ROOT, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert (result["before"], result["inside"], result["after"]) == (False, True, False)
    # With 64-bit mode off JAX sees a NumPy float64 array as float32.
    assert result["audit"] == [
        ["['a']", [2], "float32", False],
        ["['b']", [], "float32", True],
        ["['c']", [], "int32", True],
    ]
    assert result["low"] == ["['a']", "['b']"]


# ---------------------------------------------------------------- properties

FLOAT_DTYPES = [np.float16, np.float32, np.float64, jnp.bfloat16, np.complex64, np.complex128]
OTHER_DTYPES = [np.int8, np.int32, np.int64, np.uint16, np.bool_]

leaves = st.one_of(
    st.sampled_from(FLOAT_DTYPES + OTHER_DTYPES).map(lambda dtype: np.ones(2, dtype)),
    st.floats(-10, 10), st.integers(-10, 10), st.booleans(),
)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.tuples(children, children),
        st.dictionaries(st.sampled_from("abcd"), children, max_size=3),
    ),
    max_leaves=8,
)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(trees)
def test_promotion_leaves_nothing_below_64_bits_and_keeps_the_rest(tree):
    promoted = promote_floats(tree)
    assert jax.tree_util.tree_structure(promoted) == jax.tree_util.tree_structure(tree)
    assert low_precision_paths(promoted) == []
    before, after = audit_dtypes(tree), audit_dtypes(promoted)
    assert [r.path for r in before] == [r.path for r in after]
    for old, new in zip(before, after):
        floating = old.dtype.startswith(("float", "bfloat", "complex"))
        if not floating:
            assert new.dtype == old.dtype, f"{old.path}: {old.dtype} became {new.dtype}"
        assert new.shape == old.shape
    low = set(low_precision_paths(tree))
    narrow = {"float16", "float32", "bfloat16", "complex64"}
    assert low == {r.path for r in before if r.dtype in narrow}
