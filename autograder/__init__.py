"""jaxgrade: auto-graded JAX assignments for computational physics.

The grader and its sandboxed child may share one GPU: neither may grab most of
its memory up front, as JAX does by default, or the other cannot start.
"""
import os

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
