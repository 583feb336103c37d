"""Harness programs for the force and potential assignments (grad_forces,
jit_potential, vmap_forces)."""
from __future__ import annotations

from .programs import program  # noqa: F401
