"""Shipping the grader: Gradescope and Otter zips, and batch grading's helpers.

- ``gradescope``: builds ``<name>-autograder.zip`` (setup.sh, run_autograder, the grader);
  ``gradescope_entry`` is what run_autograder runs; ``fallback`` writes results when grading fails.
- ``otter`` builds ``<name>-otter.zip``; ``otter_runtime`` runs inside Otter's kernel.
- ``class_submissions``, ``safe_unzip``, ``gradebook``: finding, unpacking and tabulating a
  class's submissions for :mod:`autograder.batch`.
- ``footprint`` measures a grading's memory and time; ``bundle`` writes reproducible zips.
"""
