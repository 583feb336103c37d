"""What the property helpers compare: inputs, the reference's value, the student's value.

- :class:`Inputs`: one call's arguments. Static arguments (a jitted function's
  ``static_argnames``, e.g. ``n_steps``) are passed by keyword and named in
  ``static``; everything else may be traced.
- :func:`reference64`: the reference under ``jax.enable_x64(True)``. The grading
  process does not switch 64-bit mode on, so a reference called directly on
  NumPy float64 inputs silently computes in float32 (the float64 trap).
- :func:`student_value`: the student's function run in the sandboxed child.
- :func:`require_close_tree`: compares outputs of any shape: an array, or a
  tuple/NamedTuple/dict of arrays of mixed shapes, leaf by leaf.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

import numpy as np

from ..child import codec, names
from . import reuse
from .verdicts import Fail, as_float_array, draw_examples, require_close


@dataclass(frozen=True, eq=False)
class Inputs:
    """One call's arguments: ``args``, ``kwargs``, the ``static`` keyword names among them, and a ``label``."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    static: tuple = ()

    def __post_init__(self):
        missing = [name for name in self.static if name not in self.kwargs]
        if missing:
            raise ValueError(f"static arguments are passed by keyword: {missing} missing from kwargs")

    def describe(self) -> str:
        if self.label:
            return self.label
        shapes = ", ".join(_describe_arg(a) for a in (*self.args, *self.kwargs.values()))
        return f"inputs ({shapes})"

    @property
    def traced_kwargs(self) -> dict:
        return {k: v for k, v in self.kwargs.items() if k not in self.static}

    @property
    def static_kwargs(self) -> dict:
        return {k: v for k, v in self.kwargs.items() if k in self.static}

    def as_dtype(self, dtype) -> Inputs:
        """Floating arrays cast to ``dtype``; Python floats rounded to it; static arguments unchanged."""
        cast = np.dtype(dtype).type

        def convert(value):
            if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
                return value.astype(dtype)
            if isinstance(value, float):
                return float(cast(value))
            return value

        kwargs = {k: v if k in self.static else convert(v) for k, v in self.kwargs.items()}
        label = f"{self.describe()} in {np.dtype(dtype).name}"
        return Inputs(tuple(convert(a) for a in self.args), kwargs, label, self.static)

    def key(self) -> tuple:
        """A hashable identity, for memoising results per grading."""
        return (*(_arg_key(a) for a in (*self.args, *sorted(self.kwargs.items()))), ("static", self.static))


def _describe_arg(value) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype}{list(value.shape)}"
    return repr(value)


def _arg_key(value):
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):  # a kwargs item
        return value[0], _arg_key(value[1])
    return _value_key(value)


def _value_key(value):
    """An exact, hashable key of an argument: arrays by bytes, containers and argument references by content."""
    if isinstance(value, np.ndarray):
        return value.dtype.str, value.dtype.name, value.shape, value.tobytes()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # Construct, Target, NamedTupleValue...
        return type(value).__name__, tuple(_value_key(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, (tuple, list)):
        return type(value).__name__, tuple(_value_key(v) for v in value)
    if isinstance(value, dict):
        return "dict", tuple((repr(k), _value_key(v)) for k, v in value.items())  # insertion order: it is the tree's
    return type(value).__name__, repr(value)


def seeded_inputs(strategy, *, count: int, seed: int) -> list[Inputs]:
    """``count`` examples of a hypothesis ``strategy`` of :class:`Inputs`, the same on every run.

    Hypothesis opens with its simplest example (every value at its minimum);
    it is skipped, since it is rarely a representative input.
    """
    return draw_examples(strategy, count=count + 1, seed=seed)[1:]


# -- the reference, in float64 ---------------------------------------------------
@functools.cache
def _compiled(fn, transforms: tuple, static_argnames: tuple):
    import jax

    for transform in transforms:
        fn = transform(fn)
    return fn if hasattr(fn, "lower") else jax.jit(fn, static_argnames=static_argnames)


def reference64(fn, *args, transforms: tuple = (), static_argnames: tuple = (), **kwargs):
    """``fn(*args, **kwargs)`` evaluated under ``jax.enable_x64(True)``; NumPy float64 back (pytrees kept).

    ``transforms`` are JAX transformations applied to ``fn`` first, innermost
    first (e.g. ``(jax.jacfwd,)``); the result is compiled once per function
    and reused, since eager reference gradients cost seconds of compiles.
    """
    import jax

    def compute():
        with jax.enable_x64(True):
            value = _compiled(fn, tuple(transforms), tuple(static_argnames))(*args, **kwargs)
            return jax.tree_util.tree_map(lambda leaf: np.asarray(leaf, dtype=np.float64), value)

    # The same for every student: a long-lived grader computes it once (checking/reuse.py).
    return reuse.remembered(reuse.key_of(fn, args, kwargs, *transforms, *static_argnames), compute)


def reference_value(ctx, function: str, inputs: Inputs, *, transforms: tuple = ()):
    """The reference's ``function`` on ``inputs``, in float64 (an array or a pytree of arrays)."""
    return reference64(getattr(ctx.reference, function), *inputs.args, transforms=transforms,
                       static_argnames=inputs.static, **inputs.kwargs)


# -- the student's function, in the child ------------------------------------------
def student_value(ctx, function: str, inputs: Inputs, *, transforms: list = (), eager: bool = False):
    """The student's ``function`` on ``inputs`` (compiled when it traces), computed once per grading.

    The raw reply: arrays with the dtypes the student's code returned (a
    tuple, NamedTuple or dict of them for pytree outputs). A failure (an
    exception, a timeout) is remembered too, so every check that needs this
    value reports the same cause.

    ``eager=True`` calls the function as it is, never inside a ``jax.jit`` of
    the grader's: for functions whose outputs are not arrays (paths, reports,
    a Python bool), whose arguments cannot be traced (an ``accel_fn`` built in
    the child), or whose eager behaviour is the point (dtypes seen outside jit).
    """
    if eager:
        key = ("eager", function, tuple(str(t) for t in transforms), inputs.key())
        return ctx.remember(key, lambda: ctx.call(function, *inputs.args, transforms=list(transforms), **inputs.kwargs))
    key = ("properties", function, tuple(str(t) for t in transforms), inputs.key())
    return ctx.remember(key, lambda: ctx.program(
        names.CALL_COMPILED, function, list(inputs.args), dict(inputs.kwargs), list(transforms), list(inputs.static)
    ))


def student_value64(ctx, function: str, inputs: Inputs, *, transforms: list = ()):
    """:func:`student_value` re-cast to float64 here: an array, or the tuple of a pytree's leaves in order.

    A non-numeric leaf fails the check.
    """
    seen = student_value(ctx, function, inputs, transforms=transforms)
    what = f"{function} ({inputs.describe()})"
    flat = leaves(seen)
    if len(flat) == 1 and flat[0][0] == "":
        return as_float_array(seen, what=what)
    return tuple(as_float_array(leaf, what=what + path) for path, leaf in flat)  # the leaves, in order


# -- outputs of any shape ----------------------------------------------------------------
def leaves(value) -> list[tuple[str, object]]:
    """``(path, leaf)`` of a pytree, in JAX's order: NamedTuple fields, tuple/list items, sorted dict keys.

    Works on the reference's values and on the child's decoded replies alike
    (a NamedTuple arrives as a :class:`codec.Record`). A bare array: ``[("", array)]``.
    """
    if isinstance(value, codec.Record) or (isinstance(value, tuple) and hasattr(value, "_fields")):
        items = list(value.items()) if isinstance(value, codec.Record) else list(value._asdict().items())
        pairs = [(f".{k}", v) for k, v in items]
    elif isinstance(value, (tuple, list)):
        pairs = [(f"[{i}]", v) for i, v in enumerate(value)]
    elif isinstance(value, dict):
        pairs = [(f"[{k!r}]", value[k]) for k in sorted(value)]
    else:
        return [("", value)]
    return [(path + sub, leaf) for path, child in pairs for sub, leaf in leaves(child)]


def describe_structure(value) -> str:
    flat = leaves(value)
    if len(flat) == 1 and flat[0][0] == "":
        return f"an array of shape {list(np.shape(flat[0][1]))}"
    return f"{len(flat)} outputs (" + ", ".join(f"{p}: shape {list(np.shape(v))}" for p, v in flat) + ")"


def require_close_tree(seen, expected, *, what: str, tolerance: float, fix: str) -> None:
    """``seen`` equals ``expected`` leaf by leaf within ``tolerance`` (max-normalised per leaf).

    The number of outputs must agree; each leaf is named by the expected
    value's path (``integrate (...)[1]``, ``run (...).energies``).
    """
    seen_leaves, expected_leaves = leaves(seen), leaves(expected)
    if len(seen_leaves) != len(expected_leaves):
        raise Fail(f"{what}: expected {describe_structure(expected)}, got {describe_structure(seen)}. How to fix: "
                   "return the outputs the handout lists, in its order.")
    for (_, got), (path, want) in zip(seen_leaves, expected_leaves):
        got = as_float_array(got, what=what + path)
        require_close(got, np.asarray(want, dtype=np.float64), what=what + path, tolerance=tolerance, fix=fix)


__all__ = [
    "Inputs", "describe_structure", "leaves", "reference64", "reference_value", "require_close_tree",
    "seeded_inputs", "student_value", "student_value64",
]
