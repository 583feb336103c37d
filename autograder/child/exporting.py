"""Exporting the student's compiled programs, for the grader to inspect and run.

The child cannot be trusted to measure itself: a submission may rewrite, at
import, whatever measuring code shares its process (compile listeners, jaxpr
statistics). What it cannot do is hand back a program that behaves correctly
without being one. So the child exports the student's function with
``jax.export`` on abstract inputs (shapes and dtypes, no values), serializes
it, and sends the bytes back as plain data; the grader deserializes it in its
own process (which never imports student code), reads the StableHLO and runs
it on inputs the child never saw.

An export is tried along a list of routes, most demanding first (the module
attribute exported as the ``jax.jit`` function it should be; the function
wrapped in a ``jax.jit`` of ours; a parameter baked in as a constant). The
reply says which route worked and why the earlier ones failed; the grader
decides what that means.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

PLATFORMS = ("cpu",)  # the grader runs the programs on its own CPU
MAX_PROGRAM_BYTES = 4 * 1024 * 1024
MAX_ERROR_CHARS = 1500
STATE_NAME = "jaxgrade.State"  # the serialized name of the assignment's State NamedTuple


def abstract(description):
    """``[dtype, shape]`` -> ``jax.ShapeDtypeStruct`` (an input with no value)."""
    dtype, shape = description
    return jax.ShapeDtypeStruct(tuple(int(n) for n in shape), jnp.dtype(str(dtype)))


def export_first(routes) -> dict:
    """Export along ``routes`` ([(name, build)], ``build()`` -> Exported) until one works.

    Returns ``{"route": name or None, "failures": [[name, message], ...],
    "program": uint8 array of the serialized program, "size": bytes}``.
    """
    failures = []
    for name, build in routes:
        try:
            blob = build().serialize()
        except Exception as exc:  # the student's error, or JAX's refusal to export
            failures.append([name, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]])
            continue
        if len(blob) > MAX_PROGRAM_BYTES:
            failures.append([name, f"the exported program has {len(blob)} bytes (limit {MAX_PROGRAM_BYTES})"])
            continue
        program = np.frombuffer(bytes(blob), dtype=np.uint8)
        return {"route": name, "failures": failures, "program": program, "size": len(blob)}
    return {"route": None, "failures": failures, "program": None, "size": 0}


def export(fn, *args):
    """``jax.export.export(fn)(*args)`` for the grader's platform."""
    return jax.export.export(fn, platforms=PLATFORMS)(*args)


def register_state(state_class) -> None:
    """Let the student's ``State`` NamedTuple travel inside an exported program's signature."""
    try:
        jax.export.register_namedtuple_serialization(state_class, serialized_name=STATE_NAME)
    except ValueError:
        pass  # registered by an earlier export in this process
