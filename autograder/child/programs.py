"""Named harness programs the grader can ask the child to run.

A program composes student functions with JAX measurements (traced-program
size, exported programs, gradients through a whole integration). Programs are
public harness code: they hold no expected values and make no decisions.

Each takes the student module first: ``program(mod, *args, **kwargs)``.
"""
from __future__ import annotations

from . import probes
from .program_registry import get, program

__all__ = ["get", "program"]


@program
def traced_program(mod, function: str, args: list, kwargs: dict = None, static_argnums: list = ()):
    """Size and primitive histogram of ``mod.function``'s traced program."""
    return probes.traced_stats(getattr(mod, function), list(args), kwargs or {}, static_argnums=static_argnums)


# Assignment-specific programs register themselves on import (they import only
# program_registry, so nothing imports this module back).
from . import programs_behaviour, programs_dynamics, programs_forces  # noqa: E402,F401
