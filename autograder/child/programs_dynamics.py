"""Harness programs for the dynamics and sampling assignments (scan_integrator,
hmc, dtype_audit)."""
from __future__ import annotations

from .programs import program  # noqa: F401
