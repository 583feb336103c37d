"""Grading a whole class: ``jaxgrade grade-batch`` and its helpers.

- ``grade``: every submission graded in a process of its own (through
  :mod:`autograder.grader_process`), several at a time, resumable;
- ``class_submissions``: finding the submissions (folders, zips, Gradescope's export);
- ``safe_unzip``: unpacking a student's zip without letting it escape or explode;
- ``gradebook``: the CSV gradebook and the markdown summary of the most failed checks;
- ``slurm`` and ``slurm_task``: the same on a Slurm cluster, one job array (docs/slurm.md).
"""
from .grade import (
    BatchGrader,
    Graded,
    grade_batch,
    results_file_name,
    worker_users,
)

__all__ = [
    "BatchGrader", "Graded", "grade_batch", "results_file_name",
    "worker_users",
]
