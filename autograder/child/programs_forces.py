"""Harness programs for the force and potential assignments (grad_forces,
jit_potential, vmap_forces), and the compiled-or-eager call they share."""
from __future__ import annotations

import jax
import numpy as np

from . import probes
from .program_registry import program


@program
def call_compiled(mod, function: str, args: list, kwargs: dict = None, transforms: list = (),
                  static_argnames: list = ()):
    """``mod.function(*args, **kwargs)``, compiled when it traces, else eager (``compiled_or_eager``).

    ``static_argnames``: keyword arguments compiled as static (``n_steps``, say).
    """
    fn = probes.apply_transforms(getattr(mod, function), list(transforms))
    return compiled_or_eager(fn, list(args), kwargs or {}, static_argnames=tuple(static_argnames))


def compiled_or_eager(fn, args: list, kwargs: dict, *, static_argnames: tuple = ()):
    """``fn(*args, **kwargs)`` compiled with ``jax.jit`` where it traces, else eagerly; the same numbers.

    Compiling costs one XLA compile per input shape; eager execution compiles
    every primitive of the forward and backward pass separately, about ten
    times slower for a first call. Code that cannot be traced still has its
    values graded; only the checks about jit itself see the failure. In between,
    code that branches in Python on a scalar argument (``if eps2 == 0:``) is
    compiled with its scalar arguments static: as NumPy scalars of their own
    dtype, so its dtypes are those of the eager call.
    """
    try:
        return probes.block(jax.jit(fn, static_argnames=static_argnames)(*args, **kwargs))
    except Exception as error:
        # Only a Python branch on a traced value is what static scalars can cure; anything
        # else (a shape error, NumPy on a tracer) goes straight to eager, traced no more times.
        concrete_needed = isinstance(error, _NEEDS_CONCRETE)
    scalars = [i for i, a in enumerate(args) if _scalar(a)]
    scalar_kwargs = tuple(k for k, v in kwargs.items() if _scalar(v))
    if concrete_needed and (scalars or scalar_kwargs):
        try:
            static_args = [_hashable(a) if i in scalars else a for i, a in enumerate(args)]
            static_kwargs = {k: (_hashable(v) if k in scalar_kwargs else v) for k, v in kwargs.items()}
            compiled = jax.jit(fn, static_argnums=tuple(scalars), static_argnames=static_argnames + scalar_kwargs)
            return probes.block(compiled(*static_args, **static_kwargs))
        except Exception:
            pass
    return probes.block(fn(*args, **kwargs))


_NEEDS_CONCRETE = (jax.errors.ConcretizationTypeError, jax.errors.TracerIntegerConversionError,
                   jax.errors.TracerArrayConversionError)


def _scalar(value) -> bool:
    """A Python or NumPy number, or a 0-d NumPy array of one (hashable, with its dtype, as a NumPy scalar)."""
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "fiub"
    return isinstance(value, (int, float, np.number, np.bool_))


def _hashable(value):
    """A scalar argument as jit's static arguments need it: a 0-d array becomes the NumPy scalar of its dtype."""
    return value[()] if isinstance(value, np.ndarray) else value
