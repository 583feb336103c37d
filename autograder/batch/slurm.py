"""Grading a class on a Slurm cluster: one job array, the same gradebook as a local run.

``jaxgrade grade-batch --slurm`` finds the submissions and skips the finished
ones exactly as ``grade-batch`` does, then submits one job array: each task
grades one submission (or a chunk of ``--chunk`` of them) with the same
sandboxed grader, into the results folder, which the nodes share
(:mod:`.slurm_task`). It shows the job id and the progress while the array
runs, then writes the gradebook and the summary from the results files, as the
local run does. Interrupted while it waits, the job keeps running; the same
command again waits for that job instead of submitting a second one, then
submits whatever is still ungraded. See docs/slurm.md.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..checks import load_registry
from ..grader_process import GRACE_SECONDS
from ..vocabulary import BATCH_FIRST_UID, CALL_BUDGET_SECONDS
from .class_submissions import ClassSubmission, discover
from .grade import BatchGrader, Graded, _refuse_clashing_names, default_timeout, results_file_name, worker_users
from .gradebook import write_gradebook, write_summary
from .slurm_task import SLURM_FOLDER, note_path

POLL_SECONDS = 3.0
START_UP_SECONDS = 120  # a task's Python start and imports on a busy node, beyond the gradings themselves


class SlurmError(Exception):
    """Slurm's commands are missing, or refused the job."""


@dataclass(frozen=True)
class ArrayJob:
    job_id: str
    manifest: Path
    tasks: list[list[str]]  # the submission keys each array task grades

    def task_of(self, key: str) -> int | None:
        return next((i for i, keys in enumerate(self.tasks) if key in keys), None)


def _slurm(argv: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    except FileNotFoundError:
        raise SlurmError(f"`{argv[0]}` was not found: run this on a Slurm login node (or drop --slurm)") from None
    except subprocess.TimeoutExpired:
        raise SlurmError(f"`{argv[0]}` did not answer within 120 s: is the Slurm controller up?") from None


def _minutes(timeout: float, chunk: int) -> int:
    """Slurm's --time for a task: its gradings, each with the grader's grace to stop, and start-up."""
    return math.ceil((chunk * (timeout + GRACE_SECONDS + 10) + START_UP_SECONDS) / 60)


def batch_script(*, manifest: Path, tasks: int, assignment: str, log_folder: Path, minutes: int | str,
                 gpu: bool, partition: str | None, account: str | None, options: tuple[str, ...] = (),
                 python: str = sys.executable) -> str:
    """The job array's batch script, as submitted (kept beside the task logs; shown in docs/slurm.md)."""
    lines = [f"--job-name=jaxgrade-{assignment}", f"--array=0-{tasks - 1}", f"--output={log_folder}/%A_%a.out",
             f"--chdir={log_folder}", f"--time={minutes}", "--ntasks=1"]
    lines += [f"--partition={partition}"] if partition else []
    lines += [f"--account={account}"] if account else []
    lines += ["--gres=gpu:1"] if gpu else []
    lines += list(options)
    task = shlex.join([python, "-m", "autograder.batch.slurm_task", str(manifest)])
    return "\n".join(["#!/bin/sh", *(f"#SBATCH {line}" for line in lines), f"exec {task}"]) + "\n"


def _submit(grader: BatchGrader, todo: list[ClassSubmission], *, directory: Path, run_as: str | None,
            chunk: int, time_limit: str | None, partition: str | None, account: str | None,
            options: tuple[str, ...]) -> ArrayJob:
    keys = [s.key for s in todo]
    tasks = [keys[i:i + chunk] for i in range(0, len(keys), chunk)]
    worker_users(run_as, len(tasks))  # a user name cannot serve several tasks: refuse before submitting
    folder = grader.results_dir / SLURM_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for key in keys:  # an earlier job's reasons: these are graded again now
        note_path(grader.results_dir, key).unlink(missing_ok=True)
    manifest = {"assignment": grader.assignment, "directory": str(directory), "results_dir": str(grader.results_dir),
                "budget": grader.settings.budget, "timeout": grader.settings.time_limit,
                "gpu_tier": grader.settings.gpu_tier, "run_as": run_as, "tasks": tasks}
    handle, name = tempfile.mkstemp(dir=folder, prefix="manifest-", suffix=".json")
    with open(handle, "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=1)
    script = Path(name).with_suffix(".sh")
    script.write_text(batch_script(manifest=Path(name), tasks=len(tasks), assignment=grader.assignment,
                                   log_folder=folder, minutes=time_limit or _minutes(grader.settings.time_limit, chunk),
                                   gpu=grader.settings.gpu_tier, partition=partition, account=account,
                                   options=options), encoding="utf-8")
    done = _slurm(["sbatch", "--parsable", str(script)])
    if done.returncode != 0:
        raise SlurmError(f"sbatch refused the job array: {done.stderr.strip() or done.stdout.strip()}")
    job = ArrayJob(done.stdout.strip().split(";")[0], Path(name), tasks)
    (folder / "job.json").write_text(json.dumps({"job_id": job.job_id, "manifest": name}), encoding="utf-8")
    _say(f"Submitted Slurm job {job.job_id}: {len(keys)} submissions in {len(tasks)} array tasks "
         f"({script.name} and the task logs are in {folder})")
    return job


def _task_states(job_id: str, *, every_state: bool = False) -> dict[int, str] | None:
    """Array task -> state as squeue lists it (None: squeue failed for another reason than a job long gone).

    By default squeue lists only the tasks still pending or running.
    """
    done = _slurm(["squeue", "--noheader", "--array", f"--jobs={job_id}", "--format=%K %T"]
                  + (["--states=all"] if every_state else []))
    if done.returncode != 0:
        return {} if "Invalid job id" in done.stderr else None
    states = {}
    for line in done.stdout.splitlines():
        task, _, state = line.strip().partition(" ")
        if task.isdigit():
            states[int(task)] = state
    return states


def _task_states_answered(job_id: str, *, tries: int = 5, pause: float = POLL_SECONDS) -> dict[int, str]:
    """The tasks of ``job_id`` still pending or running; SlurmError if squeue keeps failing."""
    for _ in range(tries):
        states = _task_states(job_id)
        if states is not None:
            return states
        time.sleep(pause)
    raise SlurmError(f"squeue did not say whether Slurm job {job_id} is still running; try again, or see "
                     f"`squeue --jobs={job_id}`")


def _ended_states(job_id: str) -> dict[int, str]:
    """How each task ended, where Slurm still says: squeue keeps ended jobs a few minutes, sacct for longer."""
    states = _task_states(job_id, every_state=True) or {}
    if states:
        return states
    try:
        done = _slurm(["sacct", "--noheader", "--parsable2", "--allocations", f"--jobs={job_id}",
                       "--format=JobID,State"])
    except SlurmError:  # no sacct here: the notes then say less, the gradebook is the same
        return states
    for line in done.stdout.splitlines() if done.returncode == 0 else []:
        job, _, state = line.partition("|")
        task = job.rpartition("_")[2]
        if task.isdigit():
            states[int(task)] = state.split()[0] if state else ""
    return states


def _running_job(results_dir: Path) -> ArrayJob | None:
    """The array an earlier run submitted, if some of its tasks are still pending or running."""
    try:
        record = json.loads((results_dir / SLURM_FOLDER / "job.json").read_text(encoding="utf-8"))
        tasks = json.loads(Path(record["manifest"]).read_text(encoding="utf-8"))["tasks"]
    except (OSError, ValueError, KeyError):
        return None
    if not _task_states_answered(record["job_id"]):
        return None
    _say(f"Slurm job {record['job_id']} from an earlier run is still running: waiting for it")
    return ArrayJob(record["job_id"], Path(record["manifest"]), tasks)


def _finished(grader: BatchGrader, key: str) -> bool:
    return (grader.results_dir / f"{results_file_name(key)}.json").exists() or \
        note_path(grader.results_dir, key).exists()


def _say(text: str) -> None:
    from rich.console import Console

    Console(stderr=True).print(text, markup=False, highlight=False)


@contextlib.contextmanager
def _ctrl_c_noted():
    """An Event set by Ctrl-C while the block runs, instead of a KeyboardInterrupt wherever Python is.

    The default handler raises inside whatever runs when the signal lands, and a
    KeyboardInterrupt raised in a garbage-collector callback (JAX registers one) is
    printed and dropped: the wait would go on. The loop checks the Event instead.
    """
    pressed = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return
    previous = signal.signal(signal.SIGINT, lambda *_: pressed.set())
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def _wait(grader: BatchGrader, job: ArrayJob, *, poll_seconds: float, pressed: threading.Event) -> None:
    """Until no task of ``job`` is pending or running; a bar counts the submissions done.

    ``pressed``: set by Ctrl-C (``_ctrl_c_noted``), also before the wait began.
    """
    from .grade import _progress

    keys = [key for task in job.tasks for key in task]
    try:
        with _progress() as progress:
            bar = progress.add_task(f"Slurm job {job.job_id}", total=len(keys))
            while True:
                states = _task_states_answered(job.job_id, tries=20, pause=poll_seconds)
                running = sum(s == "RUNNING" for s in states.values())
                done = sum(_finished(grader, key) for key in keys)
                progress.update(bar, completed=done, description=f"Slurm job {job.job_id}: {running} tasks running, "
                                                                 f"{len(states) - running} waiting")
                if not states:
                    return
                if pressed.wait(poll_seconds):
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        _say(f"Stopped waiting; Slurm job {job.job_id} keeps running. Run the same command again to wait for it "
             f"and write the gradebook, or cancel it with `scancel {job.job_id}`.")
        raise


def _gather(grader: BatchGrader, submission: ClassSubmission, job: ArrayJob, states: dict[int, str]) -> Graded:
    """The row of ``submission`` after ``job``: its results, the task's note, or how the task ended."""
    done = grader.resume(submission)
    if done is not None:
        return dataclasses.replace(done, resumed=False)
    note = note_path(grader.results_dir, submission.key)
    if note.exists():
        return Graded(submission, None, note=note.read_text(encoding="utf-8"))
    task = job.task_of(submission.key)
    ended = f"ended {states[task]}" if task in states else "ended"
    return Graded(submission, None, note=f"not graded: Slurm task {task} of job {job.job_id} {ended} without "
                                          f"results (see {SLURM_FOLDER}/{job.job_id}_{task}.out)")


def grade_batch_on_slurm(
    *,
    directory: Path,
    assignment: str,
    csv_path: Path,
    results_dir: Path | None = None,
    run_as: str | None = BATCH_FIRST_UID,
    budget: float = CALL_BUDGET_SECONDS,
    timeout: float | None = None,
    gpu_tier: bool = False,
    partition: str | None = None,
    account: str | None = None,
    time_limit: str | None = None,
    chunk: int = 1,
    sbatch_options: tuple[str, ...] = (),
    poll_seconds: float = POLL_SECONDS,
) -> str:
    """Grade every submission in ``directory`` on Slurm; write the gradebook and summary; return the summary.

    As :func:`~.grade.grade_batch`, with one array task per ``chunk``
    submissions instead of local graders. ``gpu_tier``: each task asks for a
    GPU (``--gres=gpu:1``) and grades the GPU tier. ``time_limit``: each task's
    ``--time`` (default: from ``timeout`` and ``chunk``). ``sbatch_options``:
    passed to sbatch as given (e.g. ``--mem=4G``, ``--qos=short``).
    """
    if chunk < 1:
        raise ValueError(f"--chunk must be at least 1, not {chunk}")
    csv_path = Path(csv_path).resolve()
    results_dir = Path(results_dir).resolve() if results_dir else csv_path.with_name(f"{csv_path.stem}-results")
    results_dir.mkdir(parents=True, exist_ok=True)
    registry = load_registry(assignment).for_grading(gpu_tier=gpu_tier)
    grader = BatchGrader(assignment=assignment, results_dir=results_dir, budget=budget,
                         timeout=timeout or default_timeout(budget, registry), gpu_tier=gpu_tier)
    directory = Path(directory).resolve()
    submissions = discover(directory)
    _refuse_clashing_names(submissions)
    with _ctrl_c_noted() as pressed:  # from here on, Ctrl-C stops the waiting, never the submission
        earlier = _running_job(results_dir)
        if earlier is not None:
            _wait(grader, earlier, poll_seconds=poll_seconds, pressed=pressed)
        resumed = {s.key: grader.resume(s) for s in submissions}
        todo = [s for s in submissions if resumed[s.key] is None]
        graded = [g for g in resumed.values() if g is not None]
        if todo:
            job = _submit(grader, todo, directory=directory, run_as=run_as, chunk=chunk, time_limit=time_limit,
                          partition=partition, account=account, options=tuple(sbatch_options))
            _wait(grader, job, poll_seconds=poll_seconds, pressed=pressed)
            states = _ended_states(job.job_id)
            graded += [_gather(grader, s, job, states) for s in todo]
    graded.sort(key=lambda g: g.submission.key)
    write_gradebook(csv_path, graded, registry)
    return write_summary(csv_path.with_name(f"{csv_path.stem}-summary.md"), graded, registry)
