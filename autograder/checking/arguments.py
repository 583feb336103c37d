"""What a check may send to the child: argument references and their encoding.

Checks pass NumPy arrays, Python scalars and containers to ``ctx.call`` and
``ctx.program`` as they are; what only the child can build (an attribute of the
student's module, a target function, a PRNG key, a NamedTuple) is named here by
a reference. :func:`encode_arg` turns both into the plain data of the child
protocol (docs/ARCHITECTURE.md), which ``child/probes.py`` resolves there.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..child import codec


@dataclass(frozen=True)
class Attr:
    """An attribute of a student module, e.g. ``Attr("State")``."""

    name: str
    module: str | None = None


@dataclass(frozen=True)
class Target:
    """A callable built in the child from ``child/targets.py``."""

    name: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Construct:
    """``fn(*args, **kwargs)`` evaluated in the child, e.g. ``Construct(Attr("State"), (x, v))``."""

    fn: object
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Key:
    """A PRNG key built in the child: legacy ``PRNGKey(seed)`` or typed ``key(seed)``."""

    seed: int
    typed: bool = False


@dataclass(frozen=True)
class NumpyArray:
    """An array handed to the student as a NumPy array rather than a JAX array."""

    value: np.ndarray


@dataclass(frozen=True)
class NamedTupleValue:
    """A NamedTuple instance built in the child (for pytrees)."""

    type_name: str
    fields: dict


def encode_arg(value, module: str):
    """Encode an argument for the child (see docs/ARCHITECTURE.md, child protocol)."""
    if isinstance(value, Attr):
        return {"__attr__": value.name, "module": value.module or module}
    if isinstance(value, Target):
        return {"__target__": value.name, "params": {k: encode_arg(v, module) for k, v in value.params.items()}}
    if isinstance(value, Construct):
        return {
            "__call__": encode_arg(value.fn, module),
            "args": [encode_arg(a, module) for a in value.args],
            "kwargs": {k: encode_arg(v, module) for k, v in value.kwargs.items()},
        }
    if isinstance(value, Key):
        return {"__key__": int(value.seed), "typed": bool(value.typed)}
    if isinstance(value, NumpyArray):
        return {**codec.encode_array(value.value), "kind": "numpy"}
    if isinstance(value, NamedTupleValue):
        fields = {k: encode_arg(v, module) for k, v in value.fields.items()}
        return {"__namedtuple__": value.type_name, "fields": fields}
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return {"__dtype__": np.dtype(value).name}
    if isinstance(value, (np.ndarray, np.generic)):
        return codec.encode_array(value)
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode_arg(v, module) for v in value]}
    if isinstance(value, list):
        return [encode_arg(v, module) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode_arg(k, module), encode_arg(v, module)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot send {type(value).__name__} to the child")
