"""A long-lived grader: one process that grades many submissions, one after another.

Grading a class repeats work that does not depend on the student: starting
Python, importing JAX and the checks, drawing the seeded inputs, compiling and
evaluating the reference on them. A :class:`GradingWorker` pays for that once
and keeps it (the checks memoise drawn inputs and reference values per process,
keyed on the function and the exact bytes of its arguments), so each student
pays only for their own grading: a fresh sandboxed child, their own calls and
compilations, their own checks. Nothing a student shapes is kept: every
grading builds a new :class:`~autograder.checking.framework.Context` (its memo,
its gate verdicts, its hang records) and a new child with a new scratch folder.

The worker runs ``grade_submission`` exactly as ``jaxgrade grade`` does (64-bit
mode off, the real sandbox, the same settings), so its results equal a grading
alone. If it dies, is wedged past the time limit or reports a fault of its own,
it is stopped and the student is graded again in a ``jaxgrade grade`` process of
their own (:func:`autograder.grader_process.run_grader`): a crash or hang still
costs only that student's row. Tests and scripts can use it as a context manager::

    with GradingWorker() as worker:
        run = worker.grade(submission, "grad_forces", results_path, budget=20.0)

Protocol: one JSON request per line on the worker's stdin, one JSON reply per
line on a pipe of its own; its stdout and stderr go to the log of the grading
in progress (what ``jaxgrade grade`` would print there).
"""
from __future__ import annotations

import dataclasses
import functools
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

from .. import results as results_mod
from ..grader_process import GraderRun, GraderSettings, run_grader, stop_grader

RECYCLE_AFTER = 100  # gradings per worker process before a fresh one: bounds what it accumulates


class WorkerFault(Exception):
    """The long-lived grader could not answer for this grading (died, wedged, or a fault of its own)."""


class GradingWorker:
    """A long-lived ``jaxgrade`` grading process, started on first use and restarted when needed.

    ``env``: the worker's environment (None: this process's); ``gpu``: it grades the GPU
    tier (the worker then keeps XLA's default flags, see ``xla_flags``). ``fallback``: when the
    worker fails a grading, grade that submission again in a fresh ``jaxgrade grade``
    process (True in production; tests may turn it off to see the worker's own result).
    """

    def __init__(self, *, python: str = sys.executable, env: dict | None = None, fallback: bool = True,
                 recycle_after: int = RECYCLE_AFTER, gpu: bool = False):
        self.python = python
        self.env = env
        self.gpu = gpu
        self.fallback = fallback
        self.recycle_after = recycle_after
        self.gradings = 0  # by the current process
        self.restarts = 0  # processes started after the first (a fault or recycling)
        self.fallbacks = 0  # students graded again in a process of their own
        self._proc: subprocess.Popen | None = None
        self._replies = -1

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self) -> GradingWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start the worker process now (it imports JAX and the checks while the caller gets on)."""
        if self.alive:
            return
        self.close()
        reply_r, reply_w = os.pipe()
        serve_call = "serve(int(sys.argv[1]), gpu=sys.argv[2] == '1')"
        argv = [self.python, "-c", f"import sys; from autograder.batch.worker import serve; {serve_call}",
                str(reply_w), "1" if self.gpu else "0"]
        try:
            self._proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env,
                pass_fds=(reply_w,), start_new_session=True,  # a session of its own: stopped as a whole
            )
        finally:
            os.close(reply_w)
        self._replies = reply_r
        self.gradings = 0

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def close(self) -> None:
        """Stop the worker: ask it to finish (closing its stdin), then interrupt it."""
        if self._proc is not None:
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                stop_grader(self._proc)
            self._proc = None
        if self._replies >= 0:
            os.close(self._replies)
            self._replies = -1

    # -- grading -----------------------------------------------------------
    def grade(self, submission: Path, assignment: str, results_path: Path, *, budget: float | None = None,
              settings: GraderSettings | None = None, log_path: Path | None = None,
              check_ids: list[str] | None = None) -> GraderRun:
        """Grade ``submission`` into ``results_path``; read the results back.

        ``settings``: the deployment's settings (default: ``GraderSettings(assignment)``,
        production's); ``budget`` overrides its per-call budget. ``log_path``: where
        the grader's output goes. ``check_ids``: results must list exactly these checks.
        """
        settings = settings or GraderSettings(assignment=assignment)
        settings = dataclasses.replace(settings, assignment=assignment,
                                       budget=settings.budget if budget is None else budget)
        results_path = Path(results_path)
        results_path.unlink(missing_ok=True)  # a stale file must never pass for this grading's
        try:
            self._grade_in_worker(settings, Path(submission), results_path, log_path)
        except WorkerFault as fault:
            self.close()
            self.restarts += 1
            if not self.fallback:
                return GraderRun(None, f"the long-lived grader failed: {fault}")
            self.fallbacks += 1
            return self._grade_alone(settings, Path(submission), results_path, log_path, check_ids)
        data = results_mod.read_results(results_path, assignment=assignment, check_ids=check_ids)
        if data is None:
            return GraderRun(None, "the grader finished without a complete results file")
        return GraderRun(data)

    def _grade_in_worker(self, settings: GraderSettings, submission: Path, results_path: Path,
                         log_path: Path | None) -> None:
        if self.alive and self.gradings >= self.recycle_after:
            self.close()
            self.restarts += 1
        self.start()
        request = {
            "submission": str(submission.resolve()), "assignment": settings.assignment,
            "results": str(results_path.resolve()), "run_as": settings.run_as or "", "budget": float(settings.budget),
            "hidden_visibility": settings.hidden_visibility, "hidden_feedback": settings.hidden_feedback,
            "gpu": bool(settings.gpu_tier), "log": str(Path(log_path).resolve()) if log_path else os.devnull,
        }
        try:
            self._proc.stdin.write((json.dumps(request) + "\n").encode())
            self._proc.stdin.flush()
        except OSError as exc:
            raise WorkerFault(f"it stopped before the grading began ({exc})") from None
        self.gradings += 1
        reply = self._read_reply(time.monotonic() + settings.time_limit, settings.time_limit)
        if not reply.get("ok"):
            raise WorkerFault(str(reply.get("error", "it reported a fault"))[-2000:])

    def _read_reply(self, deadline: float, limit: float) -> dict:
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            readable = select.select([self._replies], [], [], max(remaining, 0))[0] if remaining > 0 else []
            if not readable:
                raise WorkerFault(f"grading took longer than {limit:.0f} s")
            chunk = os.read(self._replies, 65536)
            if not chunk:
                code = self._proc.wait()
                raise WorkerFault(f"it stopped during the grading (exit status {code})")
            line += chunk
        try:
            return json.loads(line)
        except ValueError:
            raise WorkerFault("its reply was not readable") from None

    def _grade_alone(self, settings, submission, results_path, log_path, check_ids) -> GraderRun:
        """The route every grading took before the worker: a ``jaxgrade grade`` process of its own."""
        if log_path is None:
            return run_grader(settings, submission=submission, results_path=results_path, python=self.python,
                              log=subprocess.DEVNULL, env=self.env, check_ids=check_ids)
        with open(log_path, "ab") as log:
            return run_grader(settings, submission=submission, results_path=results_path, python=self.python,
                              log=log, env=self.env, check_ids=check_ids)


# -- the worker process ------------------------------------------------------------
def _grade_request(request: dict) -> None:
    from ..grading import grade_submission

    grade_submission(
        submission=Path(request["submission"]), assignment=request["assignment"],
        results_path=Path(request["results"]), run_as=request["run_as"], budget=request["budget"],
        hidden_visibility=request["hidden_visibility"], hidden_feedback=request["hidden_feedback"],
        run_gpu_checks=request["gpu"],
    )


def _with_output_to(path: str, work) -> None:
    """Run ``work()`` with file descriptors 1 and 2 writing to ``path`` (the grading's log)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.dup2(log, 1)
        os.dup2(log, 2)
        work()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (log, *saved):
            os.close(fd)


def serve(reply_fd: int, *, gpu: bool = False) -> None:
    """Grade each request read from stdin; reply on ``reply_fd``; stop at end of input.

    ``gpu``: the gradings run the GPU tier (XLA's flags, as in ``jaxgrade grade``).
    """
    import traceback

    from ..xla_flags import use_grader_flags

    use_grader_flags(gpu=gpu)  # before JAX starts: the flags `jaxgrade grade` runs with
    from ..grading import grade_submission  # noqa: F401  (imports JAX and the checks now, once)

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            _with_output_to(request["log"], functools.partial(_grade_request, request))
            reply = {"ok": True}
        except Exception as exc:  # the grader's fault, never the student's: the parent grades again alone
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"}
        os.write(reply_fd, (json.dumps(reply) + "\n").encode())
