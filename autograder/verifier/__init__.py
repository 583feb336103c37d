"""The verifier: a second confined process that reads and runs exported programs.

The child exports the student's compiled functions with ``jax.export``; those
programs are shaped by the student, so the grader never deserializes or runs
them itself. ``client.Verifier`` starts ``runtime/server.py`` through the same
sandbox launcher as the child (no student module, a memory limit of its own,
the call budget enforced from here) and talks to it in plain data.
"""
from .client import Verifier, VerifierUnavailable, submission_digest, verifier_user, wanted_by

__all__ = ["Verifier", "VerifierUnavailable", "submission_digest", "verifier_user", "wanted_by"]
