"""Shipping the grader: the Gradescope and Otter zips and what runs inside them.

- ``gradescope``: builds ``<name>-autograder.zip`` (setup.sh, run_autograder, the grader);
  ``gradescope_entry`` is what run_autograder runs; ``fallback`` writes results when grading fails.
- ``otter`` builds ``<name>-otter.zip``; ``otter_runtime`` runs inside Otter's kernel.
- ``bundle`` writes reproducible zips.

Batch grading lives in :mod:`autograder.batch`; every route starts the grader
through :mod:`autograder.grader_process`.
"""
