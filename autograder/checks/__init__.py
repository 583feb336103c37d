"""The checks of each assignment: one module (``grad_forces.py``) or package
(``hmc/``, its helpers beside it) per assignment, each exposing ``REGISTRY``, a
:class:`~autograder.checking.framework.CheckRegistry`.

The assignments are discovered from their own files (see
``autograder.catalog``); ``physics/`` holds what several assignments' checks
share. The framework they are written in is ``autograder/checking/``.
"""
from __future__ import annotations

import importlib

from .. import catalog

ASSIGNMENTS = catalog.assignment_names()
"""The assignments of this tree, in course order (discovered, never listed by hand)."""


def load_registry(assignment: str):
    """The check registry of ``assignment`` (a module name from ASSIGNMENTS)."""
    catalog.get(assignment)  # unknown names fail here, naming the known ones
    return importlib.import_module(f"{__name__}.{assignment}").REGISTRY


__all__ = ["ASSIGNMENTS", "load_registry"]
