"""A conversation with one sandboxed child: send a request, wait for the reply
under a deadline enforced here in the parent, and start a fresh child when
the last one hung, crashed or was killed.
"""
from __future__ import annotations

import os
import select
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from ..child import codec
from ..vocabulary import RUN_AS
from ..xla_flags import child_xla_flags

CHILD_RUNTIME = Path(__file__).resolve().parent.parent / "child"
BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from jaxgrade_child.server import main; main(sys.argv[2:])"
)
OUTPUT_TAIL_BYTES = 4000


class ChildError(Exception):
    """The child could not answer: base class for timeouts and crashes."""


class ChildTimeout(ChildError):
    def __init__(self, seconds: float):
        super().__init__(f"the call did not finish within its {seconds:.0f} s budget")
        self.seconds = seconds


def _describe(functions: frozenset) -> str:
    return " and ".join(sorted(f"your code under the grader's {name[8:]} program"
                               if name.startswith("program ") else name for name in functions))


class EarlierTimeout(ChildTimeout):
    """Not called: the same student functions already used up a budget this grading."""

    def __init__(self, functions: frozenset, seconds: float):
        super().__init__(seconds)
        self.args = (f"{_describe(functions)} did not return within {seconds:.0f} s earlier; not called again",)


class SlowCalls(ChildTimeout):
    """Not called: the same student functions' slow calls together already took more than a budget."""

    def __init__(self, functions: frozenset, spent: float, seconds: float):
        super().__init__(seconds)
        self.args = (f"{_describe(functions)} took {spent:.0f} s in slow calls this grading, more than one "
                     f"{seconds:.0f} s budget; not called again",)


class GradingTimeSpent(ChildTimeout):
    """Not called: this grading's calls together used up its total time."""

    def __init__(self, spent: float, total: float, seconds: float):
        super().__init__(seconds)
        self.args = (f"your code has used {spent:.0f} s of this grading's {total:.0f} s in all; "
                     "no further calls are made",)


_LIVE: set = set()  # every session of this process whose child was started and not yet closed
_LIVE_LOCK = threading.Lock()


def _other_live_children(closing) -> set[int]:
    """Pids of the other sessions' children that are still running: a close spares them.

    A child that has exited (and been reaped by ``poll``) is left out: its pid may
    already belong to another process, perhaps one the closing child started.
    """
    with _LIVE_LOCK:
        others = [s._proc for s in _LIVE if s is not closing and s._proc is not None]
    return {proc.pid for proc in others if proc.poll() is None}


SCRATCH_HINT = " (all files together may take at most that; write less, or nothing)"


class ChildCrashed(ChildError):
    pass


SLOW_FRACTION = 0.25
"""A call that takes more than this fraction of its budget is slow: slow calls of the same
functions add up, and once they pass one budget those functions are not called again."""


def student_functions(message: dict, known) -> frozenset:
    """The student functions a request runs: what "the same function" means for a hang.

    A call names its function; a program names student functions among its
    arguments, as attributes ({"__attr__": name}) or as strings that are names of
    the assignment's functions (`known`). A program that names none stands for
    itself ("program <name>"): the student functions it runs are built in.
    """
    found = {message["function"]} if message.get("op") == "call" else set()

    def visit(value):
        if isinstance(value, dict):
            if isinstance(value.get("__attr__"), str):
                found.add(value["__attr__"])
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, str) and value in known:
            found.add(value)

    visit(message.get("args", []))
    visit(message.get("kwargs", {}))
    if not found and message.get("op") == "program":
        found.add(f"program {message.get('name')}")
    return frozenset(found)


class StudentError(Exception):
    """The student's code raised; carries the child's description of it."""

    def __init__(self, error: dict):
        self.type_name = str(error.get("type", "Exception"))
        self.message = str(error.get("message", ""))
        self.traceback = str(error.get("traceback", ""))
        super().__init__(f"{self.type_name}: {self.message}")


class ChildSession:
    """One sandboxed child at a time, restarted on demand.

    ``staged_dir`` holds the staged submission (an ``assignments`` package).
    """

    def __init__(self, *, staged_dir: Path, limits=None, run_as: str | None = RUN_AS, extra_env: dict | None = None,
                 gpu: bool = False, total_seconds: float | None = None):
        from . import Limits

        self.staged_dir = Path(staged_dir) if staged_dir is not None else None  # None: no submission (verifier)
        self.limits = limits or Limits()
        self.run_as = run_as
        self.extra_env = dict(extra_env or {})
        self.gpu = gpu  # GPU mode of the sandbox (sandbox/gpu.py): only when the GPU tier is graded
        self.protections: dict = {}
        self.starts = 0
        self._proc = None
        self._scratch: Path | None = None
        self._private: Path | None = None
        self._next_id = 0
        self._to_child = self._from_child = -1
        self.hangs: list[tuple[frozenset, float]] = []  # (functions, budget) of requests that timed out
        self.slow: dict[frozenset, float] = {}  # functions -> seconds their slow calls took together
        self.total_seconds = total_seconds  # all requests of this session together (None: no total)
        self.spent = 0.0

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        from . import become_subreaper, spawn_child

        become_subreaper()  # orphans of the submission reparent here, where the reaper finds them
        # Scratch belongs to the child; its output files live beside it, in a folder only
        # the grader can write, so the child cannot swap them for links to hidden files.
        self._private = Path(tempfile.mkdtemp(prefix="jaxgrade-output-"))
        self._scratch = Path(tempfile.mkdtemp(prefix="jaxgrade-child-"))
        bootstrap, runtime, extra_args = self._install(self._scratch)
        (self._scratch / "tmp").mkdir()
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        argv = [sys.executable, "-I", "-c", bootstrap, str(runtime), str(req_r), str(rep_w), *extra_args]
        env = {
            "XLA_FLAGS": child_xla_flags(gpu=self.gpu),  # one compile thread; fast compiles (xla_flags.py)
            "XLA_PYTHON_CLIENT_PREALLOCATE": "false",  # the grader shares the GPU with us
            # OpenBLAS raises SIGINT in its process when it cannot start a thread, which the
            # student would read as "Your code raised KeyboardInterrupt" (seen under a shared
            # uid's process limit); the child computes on one thread anyway, so it starts none.
            "OPENBLAS_NUM_THREADS": "1",
            # Outside GPU mode the child could not open a GPU anyway: say so, and skip CUDA's probing.
            "JAX_PLATFORMS": os.environ.get("JAX_PLATFORMS", "") if self.gpu else "cpu",
        }
        env.update(self.extra_env)
        try:
            self._proc, self.protections = spawn_child(
                argv=argv,
                scratch=self._scratch,
                env={k: v for k, v in env.items() if v},
                limits=self.limits,
                stdout_path=self._private / "stdout.txt",
                stderr_path=self._private / "stderr.txt",
                pass_fds=(req_r, rep_w),
                run_as=self.run_as,
                gpu_mode=self.gpu,
            )
        finally:
            os.close(req_r)
            os.close(rep_w)
        self._to_child, self._from_child = req_w, rep_r
        os.set_blocking(self._to_child, False)
        self.starts += 1
        with _LIVE_LOCK:
            _LIVE.add(self)

    def _install(self, scratch: Path) -> tuple[str, Path, list[str]]:
        """Copy the runtime (and the submission) into scratch: (bootstrap, runtime folder, extra argv)."""
        runtime = scratch / "runtime"
        shutil.copytree(CHILD_RUNTIME, runtime / "jaxgrade_child", ignore=shutil.ignore_patterns("__pycache__"))
        submission = scratch / "submission"
        shutil.copytree(self.staged_dir, submission, symlinks=True)
        return BOOTSTRAP, runtime, [str(submission)]

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def close(self) -> None:
        """Kill the child and everything it started; remove its scratch folder."""
        from . import kill_everything, release

        if self._proc is not None:
            # By process group and by descent (we are a subreaper), never by uid: on a
            # shared machine other processes may run as the same unprivileged user. The
            # grading's other live children (the verifier beside the student's child) are
            # spared: closing one must not kill the other in the middle of a request.
            kill_everything(self._proc.pid, spare=_other_live_children(self))
            try:
                self._proc.wait(timeout=10)
            except Exception:
                pass
            release(self.protections)  # its cgroup, now empty
        for fd in (self._to_child, self._from_child):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to_child = self._from_child = -1
        self._proc = None
        with _LIVE_LOCK:
            _LIVE.discard(self)
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def discard_output(self) -> None:
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        self.discard_output()

    # -- requests ----------------------------------------------------------
    def request(self, message: dict, *, timeout: float, functions: frozenset | None = None):
        """Send one request; return the reply's value or raise StudentError/ChildError.

        `functions`: the student functions the request runs (`student_functions`).
        Once a request has used up its budget, a later one whose functions include
        all of its functions, with no larger budget, is answered at once with
        EarlierTimeout instead of waiting out its own budget: a hang costs one budget.
        Slow calls cost at most about one budget too: once the calls of some functions
        that each took more than SLOW_FRACTION of their budget add up to more than a
        budget, later requests that need those functions get SlowCalls. And all
        requests together never wait past ``total_seconds`` (GradingTimeSpent).
        """
        self._refuse_spent(timeout, functions)
        if not self.alive:
            self.close()
            self.discard_output()
            self.start()
        budget = timeout  # what "slow" is measured against, however little of the total is left
        if self.total_seconds is not None:  # never wait past the grading's total
            timeout = min(timeout, max(self.total_seconds - self.spent, 0.0))
        started = time.monotonic()
        deadline = started + timeout
        self._next_id += 1
        try:
            self._send(dict(message, id=self._next_id), deadline)
            reply = self._read_reply(self._next_id, deadline)
        except ChildTimeout:
            self._account(started, budget, None)
            self.close()
            if functions:
                self.hangs.append((frozenset(functions), timeout))
            if self.total_seconds is not None and self.spent >= self.total_seconds:
                raise GradingTimeSpent(self.spent, self.total_seconds, timeout) from None
            raise ChildTimeout(timeout) from None
        except (codec.FrameError, OSError) as exc:
            self._account(started, budget, functions)
            reason = self._death_reason(exc)
            self.close()
            raise ChildCrashed(reason) from None
        self._account(started, budget, functions)
        overflow = self._scratch_overflow()
        if overflow:  # the reply was written past the scratch limit: it does not count
            self.close()
            raise ChildCrashed(overflow + SCRATCH_HINT)
        if reply.get("ok") is True:
            return reply.get("value")
        error = reply.get("error")
        raise StudentError(error if isinstance(error, dict) else {"type": "Exception", "message": "malformed error"})

    def _refuse_spent(self, timeout: float, functions: frozenset | None) -> None:
        """Raise at once when a request could only spend time already used up (see ``request``)."""
        if self.total_seconds is not None and self.spent >= self.total_seconds:
            raise GradingTimeSpent(self.spent, self.total_seconds, timeout)
        for hung, seconds in self.hangs if functions else ():
            if hung <= functions and timeout <= seconds:
                raise EarlierTimeout(hung, seconds)
        for slow, spent in self.slow.items() if functions else ():
            if slow <= functions and spent > timeout:
                raise SlowCalls(slow, spent, timeout)

    def _account(self, started: float, budget: float, functions: frozenset | None) -> None:
        """Add a request's time to the grading's total and, when it was slow, to its functions' total."""
        elapsed = time.monotonic() - started
        self.spent += elapsed
        if functions and elapsed > SLOW_FRACTION * budget:
            self.slow[frozenset(functions)] = self.slow.get(frozenset(functions), 0.0) + elapsed

    def _read_reply(self, request_id: int, deadline: float) -> dict:
        """The reply carrying our request's id; frames written by anyone else are skipped."""
        while True:
            reply = codec.read_frame(lambda n: self._read(n, deadline))
            if reply.get("id") == request_id:
                return reply

    def _send(self, message: dict, deadline: float) -> None:
        body = codec.json.dumps(message, allow_nan=False).encode("utf-8")
        view = memoryview(str(len(body)).encode("ascii") + b"\n" + body)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChildTimeout(0)
            _, writable, _ = select.select([], [self._to_child], [], remaining)
            if writable:
                view = view[os.write(self._to_child, view):]

    def _read(self, n: int, deadline: float) -> bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ChildTimeout(0)
        readable, _, _ = select.select([self._from_child], [], [], remaining)
        if not readable:
            raise ChildTimeout(0)
        return os.read(self._from_child, n)

    def _scratch_overflow(self) -> str | None:
        """The scratch watch's verdict, measured now (see scratch_watch.watch)."""
        check = getattr(self._proc, "scratch_check", None)
        return check() if check is not None else None

    def _death_reason(self, exc: Exception) -> str:
        code = None
        if self._proc is not None:
            try:
                code = self._proc.wait(timeout=5)
            except Exception:
                code = None
        overflow = getattr(self._proc, "overflow_reason", None)  # set by scratch_watch
        if overflow:
            return overflow + SCRATCH_HINT
        if code is None:
            return f"the submission broke the connection to the grader ({exc})"
        if code < 0:
            import signal

            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            hint = " (often: out of memory or a CPU-time limit)" if name in ("SIGKILL", "SIGXCPU", "SIGSEGV") else ""
            return f"the process running your code was killed by {name}{hint}"
        return f"the process running your code exited with status {code} (sys.exit/os._exit or a crash)"

    def output_tail(self) -> str:
        """The last few KB the child wrote to stdout and stderr (for the student)."""
        if self._private is None:
            return ""
        parts = []
        for name in ("stdout.txt", "stderr.txt"):
            path = self._private / name
            try:
                with open(path, "rb") as fh:
                    fh.seek(max(0, os.fstat(fh.fileno()).st_size - OUTPUT_TAIL_BYTES))
                    text = fh.read().decode("utf-8", "replace")
            except OSError:
                continue
            if text.strip():
                parts.append(f"--- {name} (last {OUTPUT_TAIL_BYTES} bytes) ---\n{text}")
        return "\n".join(parts)
