"""One task of the Slurm job array: grade its share of the class into the shared results folder.

``jaxgrade grade-batch --slurm`` (:mod:`.slurm`) writes a manifest (the
settings of the batch and which submissions each task grades) and submits
``python -m autograder.batch.slurm_task MANIFEST`` as a job array. Task
``$SLURM_ARRAY_TASK_ID`` grades its submissions one after another with the
same :class:`~.grade.BatchGrader` as a local run, so each results file and log
is exactly what ``grade-batch`` without Slurm writes. A submission the grader
could not grade leaves a note (the sentence a local run puts in the gradebook)
for the submitting command to gather.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from .class_submissions import discover
from .grade import BatchGrader, Graded, results_file_name, worker_users

SLURM_FOLDER = "slurm"  # inside the results folder: manifests, the job id, task logs, notes


def note_path(results_dir: Path, key: str) -> Path:
    """Where a task leaves the reason it could not grade submission ``key``."""
    return Path(results_dir) / SLURM_FOLDER / f"{results_file_name(key)}.note"


def read_manifest(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def grader_of(manifest: dict) -> BatchGrader:
    return BatchGrader(assignment=manifest["assignment"], results_dir=Path(manifest["results_dir"]),
                       budget=manifest["budget"], timeout=manifest["timeout"], gpu_tier=manifest["gpu_tier"])


def task_user(manifest: dict, index: int) -> str | None:
    """The uid this task's student code runs as: one of its own per array task, as per parallel grader locally."""
    return worker_users(manifest["run_as"], len(manifest["tasks"]))[index]


def run_task(manifest_path: Path, index: int) -> None:
    manifest = read_manifest(manifest_path)
    grader = grader_of(manifest)
    user = task_user(manifest, index)
    submissions = {s.key: s for s in discover(Path(manifest["directory"]))}
    for key in manifest["tasks"][index]:
        note = note_path(grader.results_dir, key)
        note.unlink(missing_ok=True)
        submission = submissions.get(key)
        if submission is None:
            note.write_text(f"not graded: {key} was no longer in {manifest['directory']} when its task ran",
                            encoding="utf-8")
            continue
        if grader.resume(submission) is not None:  # finished meanwhile, by an earlier job still running
            print(f"{key}: already graded", flush=True)
            continue
        try:
            outcome = grader.grade(submission, user)
        except Exception as exc:  # as in a local run: one submission's fault costs only its row
            outcome = Graded(submission, None, note=f"not graded: {type(exc).__name__}: {exc}")
        if outcome.results is None:
            note.write_text(outcome.note, encoding="utf-8")
            print(f"{key}: {outcome.note}", flush=True)
        else:
            print(f"{key}: {outcome.results['score']:g}", flush=True)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or "SLURM_ARRAY_TASK_ID" not in os.environ:
        print("usage: python -m autograder.batch.slurm_task MANIFEST  (run by the job array that "
              "`jaxgrade grade-batch --slurm` submits; reads $SLURM_ARRAY_TASK_ID)", file=sys.stderr)
        return 2
    run_task(Path(argv[0]), int(os.environ["SLURM_ARRAY_TASK_ID"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
