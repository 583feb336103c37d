"""Swapping one of the student's functions for a harness function, for one call.

Behavioural checks ask what the student's code does when one of its own
functions is replaced: does ``grad_forces`` follow a potential whose derivative
rule was changed (autodiff), does ``vmap_forces`` call ``pair_force`` under two
levels of ``jax.vmap`` (vmap structure)? The replacement must reach every way
the student's code can refer to the function:

- the module attribute (``pair_force(...)`` looked up at call time);
- the function object itself, captured at import (``jax.vmap(pair_force)`` or
  ``functools.partial(...)`` at module level, an alias ``f = pair_force``).

The second is reached by giving the function object, for the duration of the
substitution, a trampoline code object that forwards to the replacement.
Everything is restored afterwards, and JAX's caches are cleared on the way in
and out, so that no program traced with (or without) the replacement is
reused by a later call.
"""
from __future__ import annotations

import contextlib
import types

import jax

_MARKER = "__jaxgrade_substitute_{name}__"


def _trampoline_code(marker: str) -> types.CodeType:
    namespace: dict = {}
    exec(f"def trampoline(*args, **kwargs):\n    return {marker}(*args, **kwargs)\n", namespace)
    return namespace["trampoline"].__code__


def original_copy(fn):
    """A separate function object running ``fn``'s code (unaffected by a code swap)."""
    if not isinstance(fn, types.FunctionType):
        return fn
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy


@contextlib.contextmanager
def substituted(mod, name: str, make_replacement):
    """Within the block, ``mod.<name>`` and its function object run ``make_replacement(original)``.

    ``make_replacement`` receives a copy of the original function (safe to
    call while the swap is in place) and returns the harness function.
    Yields the replacement.
    """
    original = getattr(mod, name)
    replacement = make_replacement(original_copy(original))
    swap_code = isinstance(original, types.FunctionType) and not original.__code__.co_freevars
    marker = _MARKER.format(name=name)
    saved_code = original.__code__ if swap_code else None
    jax.clear_caches()
    setattr(mod, name, replacement)
    if swap_code:
        original.__globals__[marker] = replacement
        original.__code__ = _trampoline_code(marker)
    try:
        yield replacement
    finally:
        if swap_code:
            original.__code__ = saved_code
            original.__globals__.pop(marker, None)
        setattr(mod, name, original)
        jax.clear_caches()
