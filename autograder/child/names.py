"""The names the grader and its child share: harness programs and export routes.

``Context.program(name, ...)`` runs the harness program registered under
``name`` (``program_registry``); an export program's reply names the route
that exported the student's function. Both sides spell these names from here,
never as string literals, so a renamed program or route breaks loudly (the
registry refuses an unknown name; tests/engine/test_child_names.py holds the
table to the registry).
"""
from __future__ import annotations

# -- harness programs (child/programs*.py), for Context.program ------------------
CALL_COMPILED = "call_compiled"
"""``call_compiled(function, args, kwargs, transforms, static_argnames)``: the function's value,
compiled with ``jax.jit`` when it traces (``static_argnames`` static), else eager."""
EXPORT_FUNCTION = "export_function"
"""``export_function(function, inputs, constants, static)``: the function exported with ``jax.export``
on abstract ``inputs`` ([[dtype, shape], ...]); ``static`` keyword arguments fixed to their values."""
TRACED_PROGRAM = "traced_program"
"""``traced_program(function, args, kwargs, static_argnums)``: statistics of the traced jaxpr."""

# -- export routes: how export_function got a program out of the student's code ------
ROUTE_JIT = "jit"
"""The module attribute is itself a ``jax.jit`` function, exported with every argument abstract."""
ROUTE_WRAPPED = "wrapped"
"""The attribute inside a ``jax.jit`` of the grader's."""
ROUTE_JIT_CONSTANTS = "jit_constants"
"""The attribute itself, with its trailing parameters fixed to numbers (only the structure can be read)."""
ROUTE_CONSTANTS = "constants"
"""Inside a ``jax.jit`` of the grader's, trailing parameters fixed to numbers."""
JITTED_ROUTES = (ROUTE_JIT, ROUTE_JIT_CONSTANTS)
"""Routes on which the attribute was already a ``jax.jit`` function."""
BAKED_ROUTES = (ROUTE_JIT_CONSTANTS, ROUTE_CONSTANTS)
"""Routes with parameters baked in: the program's values say nothing about those parameters."""

PROGRAMS = (CALL_COMPILED, EXPORT_FUNCTION, TRACED_PROGRAM)
