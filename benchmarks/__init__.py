"""Measured numbers behind the course reading's speed and precision claims.

Run ``python -m benchmarks`` from the repository root (``--quick`` for a
fast smoke run); results go to ``benchmarks/results/``. See README.md.
"""
