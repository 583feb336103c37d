"""Harness programs for the force and potential assignments (grad_forces,
jit_potential, vmap_forces)."""
from __future__ import annotations

import jax

from . import probes
from .program_registry import program


@program
def call_compiled(mod, function: str, args: list, kwargs: dict = None, transforms: list = (),
                  static_argnames: list = ()):
    """``mod.function(*args, **kwargs)``, compiled with ``jax.jit`` when it traces, else eager.

    ``static_argnames``: keyword arguments compiled as static (``n_steps``, say).

    Both ways compute the same numbers. Compiling costs one XLA compile per
    input shape; eager execution compiles every primitive of the forward and
    backward pass separately, about ten times slower for a first call. Code
    that cannot be traced (a Python ``if`` on a traced value, NumPy on a
    tracer) runs eagerly instead, so its values are still graded and only the
    checks about jit itself see the failure.
    """
    fn = probes.apply_transforms(getattr(mod, function), list(transforms))
    kwargs = kwargs or {}
    try:
        compiled = jax.jit(fn, static_argnames=tuple(static_argnames))
        return probes.block(compiled(*args, **kwargs))
    except Exception:
        return probes.block(fn(*args, **kwargs))
