"""Grading a whole class into a gradebook.

Every submission in a folder (subfolders, zips, or Gradescope's export) is
graded in a sandboxed child of its own, several at a time. Each parallel worker
keeps one long-lived grader (:mod:`.worker`) that imports JAX, draws the seeded
inputs and computes the reference once for the whole class; a grader that dies
or is wedged is replaced and that student graded again in a ``jaxgrade grade``
process of their own. One submission that crashes, hangs or breaks the grader
costs only its own row.
Each student's results file is kept; a run that is interrupted and started
again skips every submission whose results file is already complete. Out come
a CSV gradebook (one column per check) and a markdown summary of which checks
the class failed most.
"""
from __future__ import annotations

import dataclasses
import os
import queue
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from ..checks import load_registry
from ..grader_process import GraderSettings, run_grader
from ..packaging import fallback
from ..results import read_results
from ..vocabulary import BATCH_FIRST_UID, CALL_BUDGET_SECONDS
from .class_submissions import ClassSubmission, discover
from .gradebook import write_gradebook, write_summary
from .safe_unzip import UnsafeArchive, extract_zip
from .worker import GradingWorker


@dataclass(frozen=True)
class Graded:
    submission: ClassSubmission
    results: dict | None  # None: the grader itself failed, see note
    note: str = ""
    resumed: bool = False


def worker_users(run_as: str | None, jobs: int) -> list[str | None]:
    """The user each parallel grader's child runs as: one uid per worker.

    Two students graded at the same time must not share a uid: one student's
    code could otherwise read the other's /proc entries or files in its
    scratch folder while both run. A numeric ``run_as``
    is the first of ``jobs`` consecutive uids (no accounts needed); a user
    name is fine for one worker.
    """
    if not run_as or os.geteuid() != 0:  # no user switch happens: nothing to share
        return [run_as or None] * jobs
    uid, _, gid = run_as.partition(":")
    if uid.isdigit():
        return [f"{int(uid) + k}" + (f":{gid}" if gid else "") for k in range(jobs)]
    if jobs == 1:
        return [run_as]
    raise ValueError(
        f"--run-as {run_as!r} names one user, but {jobs} graders would run at once and each needs a uid of "
        f"its own; give a numeric first uid (e.g. --run-as {BATCH_FIRST_UID}) or use --jobs 1"
    )


def results_file_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", key).strip(".") or "submission"


def default_timeout(budget: float, registry) -> float:
    """Seconds for one whole grading when none is given: every check's budget, two spare, and start-up."""
    return budget * (len(registry.checks) + 2) + 120


def _refuse_clashing_names(submissions: list[ClassSubmission]) -> None:
    """Two submissions whose results files would have the same name (e.g. "a b" and "a_b")."""
    seen: dict[str, str] = {}
    for submission in submissions:
        name = results_file_name(submission.key)
        if name in seen:
            raise ValueError(f"submissions {seen[name]!r} and {submission.key!r} would share the results file "
                             f"{name}.json; rename one of them")
        seen[name] = submission.key


class BatchGrader:
    """Grades one submission at a time, in a long-lived worker or a process of its own; shared settings live here."""

    def __init__(self, *, assignment: str, results_dir: Path, budget: float, timeout: float, gpu_tier: bool = False):
        self.assignment = assignment
        self.results_dir = results_dir
        self.settings = GraderSettings(assignment=assignment, budget=budget, time_limit=timeout, gpu_tier=gpu_tier)
        self.check_ids = [c.id for c in load_registry(assignment).for_grading(gpu_tier=gpu_tier).checks]

    def results_path(self, submission: ClassSubmission) -> Path:
        return self.results_dir / f"{results_file_name(submission.key)}.json"

    def resume(self, submission: ClassSubmission) -> Graded | None:
        data = read_results(self.results_path(submission), assignment=self.assignment,
                                     check_ids=self.check_ids)
        if data is None:
            return None
        return Graded(submission, data, note=data.get("extra_data", {}).get("batch_note", ""), resumed=True)

    def grade(self, submission: ClassSubmission, run_as: str | None, worker: GradingWorker | None = None) -> Graded:
        results_path = self.results_path(submission)
        results_path.unlink(missing_ok=True)  # an incomplete file from an interrupted run
        with tempfile.TemporaryDirectory(prefix="jaxgrade-batch-") as scratch:
            folder = submission.path
            if submission.is_zip:
                folder = Path(scratch) / "submission"
                try:
                    extract_zip(submission.path, folder)
                except UnsafeArchive as exc:
                    return self._reject(submission, f"the zip was not unpacked: {exc}")
            elif submission.is_notebook:  # a loose notebook named for its student: staged under the module's name
                folder = Path(scratch) / "submission"
                folder.mkdir()
                shutil.copyfile(submission.path, folder / f"{self.assignment}{submission.path.suffix.lower()}")
            problem = self._run_grader(folder, results_path, run_as, worker)
        data = None if problem else read_results(results_path, assignment=self.assignment,
                                                 check_ids=self.check_ids)
        if problem is None and data is None:
            problem = "the grader finished without a complete results file"
        if problem is not None:
            results_path.unlink(missing_ok=True)  # so that the next run tries again
            return Graded(submission, None, note=f"not graded: {problem} (see {results_path.with_suffix('.log').name})")
        return Graded(submission, data)

    def _reject(self, submission: ClassSubmission, reason: str) -> Graded:
        """A zip we refuse to unpack is the submission's fault: it scores 0, with the reason."""
        message = f"Your submission was not graded because {reason}. Zip the files themselves and resubmit."
        data = fallback.write_crash_results(
            results_path=self.results_path(submission), assignment=self.assignment, message=message,
            extra_data={"batch_note": reason}, hidden_visibility=self.settings.hidden_visibility,
            gpu_tier=self.settings.gpu_tier,
        )
        return Graded(submission, data, note=reason)

    def _run_grader(self, folder: Path, results_path: Path, run_as: str | None,
                    worker: GradingWorker | None) -> str | None:
        """Grade ``folder`` into ``results_path`` as ``run_as``; the reason it failed, or None."""
        settings = dataclasses.replace(self.settings, run_as=run_as)
        if worker is not None:
            return worker.grade(folder, self.assignment, results_path, settings=settings,
                                log_path=results_path.with_suffix(".log"), check_ids=self.check_ids).problem
        with open(results_path.with_suffix(".log"), "wb") as log:
            run = run_grader(settings, submission=folder, results_path=results_path, log=log,
                             check_ids=self.check_ids)
        return run.problem


def _progress():
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
        console=Console(stderr=True),
    )


def _grade_all(grader: BatchGrader, todo: list[ClassSubmission], users: list[str | None],
               reuse: bool = True) -> list[Graded]:
    graded = []
    if not todo:
        return graded
    # One uid and one long-lived grader per parallel worker: never two students at once in either.
    workers = [GradingWorker(gpu=grader.settings.gpu_tier) if reuse else None for _ in users]
    free: queue.Queue = queue.Queue()
    for user, worker in zip(users, workers):
        if worker is not None:
            worker.start()  # imports JAX while the first submissions are unpacked
        free.put((user, worker))

    def grade_with_a_free_worker(submission: ClassSubmission) -> Graded:
        user, worker = free.get()
        try:
            return grader.grade(submission, user, worker)
        except Exception as exc:  # a fault here must not stop the class
            return Graded(submission, None, note=f"not graded: {type(exc).__name__}: {exc}")
        finally:
            free.put((user, worker))

    try:
        return _grade_in_pool(grader, todo, grade_with_a_free_worker, jobs=len(users))
    finally:
        for worker in workers:
            if worker is not None:
                worker.close()


def _grade_in_pool(grader: BatchGrader, todo: list[ClassSubmission], grade_one, *, jobs: int) -> list[Graded]:
    graded = []
    with _progress() as progress, ThreadPoolExecutor(max_workers=jobs) as pool:
        task = progress.add_task(f"Grading {grader.assignment}", total=len(todo))
        futures = [pool.submit(grade_one, s) for s in todo]
        for future in as_completed(futures):
            outcome = future.result()
            graded.append(outcome)
            progress.update(task, advance=1, description=f"Graded {outcome.submission.key}")
    return graded


def grade_batch(
    *,
    directory: Path,
    assignment: str,
    csv_path: Path,
    jobs: int = 0,
    results_dir: Path | None = None,
    run_as: str | None = BATCH_FIRST_UID,
    budget: float = CALL_BUDGET_SECONDS,
    timeout: float | None = None,
    gpu_tier: bool = False,
    reuse: bool = True,
) -> str:
    """Grade every submission in ``directory``; write the gradebook and summary; return the summary.

    ``jobs``: graders at once (0: one per core). ``results_dir``: per-student
    results and logs (default ``<csv stem>-results`` beside the CSV).
    ``timeout``: seconds for one whole grading (default: from the per-call
    ``budget`` and the number of checks). ``gpu_tier``: the GPU-tier checks count.
    ``reuse``: grade in long-lived workers (False: a ``jaxgrade grade`` process per submission).
    """
    csv_path = Path(csv_path)
    results_dir = Path(results_dir) if results_dir else csv_path.with_name(f"{csv_path.stem}-results")
    results_dir.mkdir(parents=True, exist_ok=True)
    registry = load_registry(assignment).for_grading(gpu_tier=gpu_tier)
    jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    users = worker_users(run_as, jobs)
    grader = BatchGrader(
        assignment=assignment, results_dir=results_dir, budget=budget,
        timeout=timeout or default_timeout(budget, registry), gpu_tier=gpu_tier,
    )
    submissions = discover(Path(directory))
    _refuse_clashing_names(submissions)
    resumed = {s.key: grader.resume(s) for s in submissions}
    todo = [s for s in submissions if resumed[s.key] is None]
    graded = [g for g in resumed.values() if g is not None] + _grade_all(grader, todo, users, reuse)
    graded.sort(key=lambda g: g.submission.key)
    write_gradebook(csv_path, graded, registry)
    return write_summary(csv_path.with_name(f"{csv_path.stem}-summary.md"), graded, registry)
