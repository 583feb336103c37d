"""The checks of each assignment: one module per assignment, each exposing
``REGISTRY``, a :class:`~autograder.checks.framework.CheckRegistry`."""
from __future__ import annotations

import importlib

ASSIGNMENTS = ("grad_forces", "jit_potential", "vmap_forces", "scan_integrator", "hmc", "dtype_audit")


def load_registry(assignment: str):
    """The check registry of ``assignment`` (a module name from ASSIGNMENTS)."""
    if assignment not in ASSIGNMENTS:
        raise ValueError(f"unknown assignment {assignment!r}; choose one of {', '.join(ASSIGNMENTS)}")
    return importlib.import_module(f"{__name__}.{assignment}").REGISTRY


__all__ = ["ASSIGNMENTS", "load_registry"]
