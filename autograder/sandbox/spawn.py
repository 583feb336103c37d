"""Start a child process confined by the launcher, and read what protected it.

The grader is multi-threaded (JAX starts threads), so nothing may run between
fork and exec in it: no `preexec_fn`. Instead it starts `launcher.py` in a
fresh single-threaded interpreter, which confines itself and then executes
the real child. This module prepares that launch: the user to run as, the
scratch folder, the environment and the Landlock rules, and it waits for the
launcher's report before handing the process back.
"""
import json
import os
import pwd
import select
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.sandbox import cgroups, fs_policy, gpu, reach, scratch_watch, uids
from autograder.vocabulary import RUN_AS, SCRATCH_LIMIT_MB

GiB = 2**30
MiB = 2**20
LAUNCHER = Path(__file__).resolve().with_name("launcher.py")
_REPORT_TIMEOUT_S = 60.0
_BASE_PATH = "/usr/local/bin:/usr/bin:/bin"


def _default_nproc() -> int:
    # XLA starts thread pools sized by the core count (tf_XLAEigen, the PjRt
    # compiler pool), and the kernel counts threads as tasks: scale the allowance
    # with the machine. Measured: a child that imported JAX and a submission ran
    # 14 threads on 2 cores (benchmarks/stress_import.py), well inside 136.
    return 128 + 4 * (os.cpu_count() or 1)


def _default_shared_uid_room() -> int:
    # Without a user of its own (a grader run by a normal user) and without a cgroup,
    # the child's RLIMIT_NPROC counts every task of that user, and is set on top of a
    # snapshot taken at launch. What the user's other processes start while the child
    # lives (the grader's own JAX, the verifier, parallel gradings, each with thread
    # pools like the child's) would otherwise come out of the child's allowance: one
    # suite run as a normal user on 2 cores grew the user's tasks past the snapshot's
    # 136 of room, and the child's OpenBLAS and XLA threads could not start. Four
    # allowances of room; a fork bomb is still stopped, a few hundred tasks later.
    return 4 * _default_nproc()


@dataclass(frozen=True)
class Limits:
    """Resource limits for one child.

    memory_bytes: private writable memory (RLIMIT_DATA). `import jax` plus small
        jitted functions measured ~350 MB here; RLIMIT_AS is not used because XLA
        reserves far more address space than it touches (it aborted at 1 GiB).
    nproc: tasks (processes + threads) the child's whole tree may run, itself
        included: the cgroup's pids.max, or where none binds, RLIMIT_NPROC on top
        of what its uid already runs (the kernel counts per uid).
    shared_uid_room: where RLIMIT_NPROC is the limit and the child has no user of
        its own (the grader's uid, shared with everything that user runs), room on
        top of ``nproc`` for the user's other processes to grow meanwhile.
    fsize_bytes: largest file it may write, its stdout/stderr files included.
    cpu_seconds: CPU time of the whole child, a backstop behind wall-clock timeouts.
    scratch_bytes: everything in scratch together, watched by the grader (scratch_watch.py).
    """

    memory_bytes: int = 4 * GiB
    nproc: int = field(default_factory=_default_nproc)
    shared_uid_room: int = field(default_factory=_default_shared_uid_room)
    fsize_bytes: int = 64 * MiB
    cpu_seconds: int = 600
    scratch_bytes: int = SCRATCH_LIMIT_MB * MiB


class SandboxStartError(RuntimeError):
    """The launcher failed before the child could run; the message says why."""


@dataclass(frozen=True)
class RunAs:
    uid: int
    gid: int
    name: str


def resolve_user(run_as: str) -> RunAs:
    """A user name, or a numeric "uid" / "uid:gid" (no passwd entry needed)."""
    uid_text, _, gid_text = run_as.partition(":")
    if uid_text.isdigit():
        uid = int(uid_text)
        return RunAs(uid, int(gid_text) if gid_text.isdigit() else uid, run_as)
    entry = pwd.getpwnam(run_as)
    return RunAs(entry.pw_uid, entry.pw_gid, run_as)


def _permits(st: os.stat_result, who: RunAs, bits: str) -> bool:
    """Whether the mode bits let `who` (with no extra groups) have `bits` of r/w/x."""
    return reach.permits(st, who.uid, who.gid, bits)


def unreachable_reason(path: Path, who: RunAs, bits: str, plan: dict | None = None) -> str | None:
    """Why `who` cannot use `path` with `bits` (once `plan` is applied), or None if it can.

    Checks search permission on every folder on the way, both along the path as
    written and along its resolved form (a symlinked interpreter needs both).
    """
    return reach.why_unreachable(path, bits, who.uid, who.gid, plan)


def _interpreter_roots() -> list[str]:
    """Folders bound back whole when they lie under an unsearchable folder: prefixes and the venv."""
    return [sys.base_prefix, sys.prefix, sys.base_exec_prefix, sys.exec_prefix]


def plan_user(run_as: str | None, *, interpreter: str, scratch: Path,
              readable_paths=()) -> tuple[RunAs | None, str, dict | None]:
    """The user to switch to (or None and the reason for staying), and a reach plan.

    When the grader is root and the interpreter, its libraries or extra readable
    paths sit under a folder the user cannot search (pyenv or conda under /root),
    the reach plan (see reach.py) binds just those back in a private mount
    namespace. The user cannot be used when scratch is out of its reach, when it
    does not exist, or when the reach plan needs a mount namespace this grader
    may not make (no CAP_SYS_ADMIN): the reason then names the fix.
    """
    if not run_as:  # None, or "" from `--run-as ''`: graded knowingly without a separate user
        if os.geteuid() == 0:
            return None, ("WARNING: not requested, so student code runs as root (capabilities dropped; "
                          "only a cgroup, where available, limits its processes)"), None
        return None, "not requested", None
    if os.geteuid() != 0:
        return None, f"needs root to switch users; running as uid {os.geteuid()}", None
    try:
        who = resolve_user(run_as)
    except KeyError:
        return None, f"user {run_as!r} does not exist; fix: create it, or pass a numeric uid", None
    needs = [(Path(interpreter), "rx")]
    needs += [(p, "rx") for p in fs_policy.python_dirs()]
    needs += [(p, "r") for p in fs_policy.venv_config(interpreter)]
    needs += [(Path(p), "r") for p in readable_paths if os.path.exists(p)]
    try:
        plan = reach.plan_reach(needs, who.uid, who.gid, _interpreter_roots())
    except reach.Unreachable as why:
        return None, str(why), None
    for path, bits in needs + [(scratch.parent, "x")]:
        reason = unreachable_reason(path, who, bits, plan)
        if reason:
            return None, f"{reason}; fix: make it readable by uid {who.uid}, or move it", None
    return who, "", plan


def prepare_scratch(scratch: Path) -> Path:
    """Create scratch (and its tmp/) private to its owner; returns its real path."""
    scratch = Path(os.path.realpath(scratch))
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "tmp").mkdir(exist_ok=True)
    os.chmod(scratch, 0o700)
    return scratch


def _hand_over(scratch: Path, who: RunAs) -> None:
    """Give the scratch tree to the child's user, without following links."""
    for folder, dirs, files in os.walk(scratch):
        for name in dirs + files:
            os.lchown(os.path.join(folder, name), who.uid, who.gid)
    os.lchown(scratch, who.uid, who.gid)


def child_environment(scratch: Path, extra: dict) -> dict:
    """A cleared environment: only what a Python child needs, plus `extra`."""
    env = {
        "PATH": _BASE_PATH,
        "HOME": str(scratch),
        "TMPDIR": str(scratch / "tmp"),
        "LANG": "C.UTF-8",
    }
    env.update({str(k): str(v) for k, v in extra.items()})
    return env


def _read_status(fd: int, proc: subprocess.Popen) -> list[dict]:
    """Every JSON line the launcher wrote, up to end of file (exec closes it)."""
    chunks, deadline = [], time.monotonic() + _REPORT_TIMEOUT_S
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            proc.kill()
            raise SandboxStartError(f"the launcher sent no report within {_REPORT_TIMEOUT_S:.0f} s")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    text = b"".join(chunks).decode(errors="replace")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _tail(path: Path, limit: int = 2000) -> str:
    try:
        return path.read_bytes()[-limit:].decode(errors="replace")
    except OSError:
        return ""


def _interpret(messages: list[dict], proc: subprocess.Popen, stderr_path: Path) -> dict:
    report = next((m["protections"] for m in messages if "protections" in m), None)
    problem = next((m.get("fatal") or m.get("exec_error") for m in messages
                    if "fatal" in m or "exec_error" in m), None)
    if report is not None and problem is None:
        return report
    proc.wait(timeout=10)
    why = problem or f"the launcher exited with status {proc.returncode} and no report"
    raise SandboxStartError(f"could not start the child: {why}\n{_tail(stderr_path)}".rstrip())


def launcher_config(*, argv: list[str], scratch: Path, env: dict, limits: Limits,
                    who: RunAs | None, why_not: str, readable_paths=(), gpu_mode: bool = False,
                    reach_plan: dict | None = None) -> dict:
    """The launcher's configuration with every protection requested.

    Tests switch single layers off in it to show that each one holds alone;
    the status fd is filled in by `start_launcher`, the cgroup by `spawn_child`.
    `gpu_mode` adds what CUDA needs (gpu.py) and records it under "gpu_grants".
    `reach_plan` (from `plan_user`) makes the interpreter reachable for `who`.
    """
    granted = gpu.grants(fs_policy.python_dirs()) if gpu_mode else None
    rules = fs_policy.build_rules(interpreter=argv[0], scratch=scratch,
                                  readable_paths=list(readable_paths) + (granted["read"] if granted else []),
                                  writable_devices=granted["devices"] if granted else ())
    if granted:
        env = {**env, **granted["env"]}
    return {
        "argv": argv,
        "gpu": bool(granted),
        "gpu_grants": granted,
        "env": child_environment(scratch, env),
        "limits": asdict(limits),
        "run_as": asdict(who) if who else None,
        "run_as_reason": why_not,
        "reach": reach_plan,
        "cgroup": None,
        "network_namespace": True,
        "drop_capabilities": True,
        "landlock": {key: rules[key] for key in ("read_execute", "read_write", "list_only", "devices")},
        "seccomp": True,
    }


def start_launcher(config: dict, *, scratch: Path, stdout_path: Path, stderr_path: Path,
                   pass_fds: tuple[int, ...] = ()) -> tuple[subprocess.Popen, dict]:
    """Run the launcher with `config`; return its process and report once it has exec'd."""
    status_r, status_w = os.pipe()
    config = {**config, "status_fd": status_w}
    try:
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(config)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=scratch,
                env={"LANG": "C.UTF-8"}, pass_fds=(*pass_fds, status_w),
                start_new_session=True, close_fds=True,
            )
        os.close(status_w)
        status_w = -1
        messages = _read_status(status_r, proc)
    finally:
        if status_w >= 0:
            os.close(status_w)
        os.close(status_r)
    return proc, _interpret(messages, proc, Path(stderr_path))


def spawn_child(*, argv, scratch: Path, env: dict, limits: Limits,
                stdout_path: Path, stderr_path: Path, pass_fds: tuple[int, ...] = (),
                readable_paths=(), run_as: str | None = RUN_AS, gpu_mode: bool = False,
                ) -> tuple[subprocess.Popen, dict]:
    """Start `argv` confined, in its own session, with `scratch` as its only writable folder.

    argv[0] must be an absolute interpreter path (e.g. sys.executable). The
    child's stdout/stderr go to the given files (RLIMIT_FSIZE caps them);
    `pass_fds` stay open in the child (the protocol pipes); `readable_paths`
    are extra read-only grants. The child runs as `run_as` (a name or a
    numeric "uid[:gid]") when the grader is root and that user can reach the
    interpreter, its libraries and scratch's parent folder; otherwise it stays
    on the grader's user and the report says why, except when the grader is
    root: student code never runs as root unless `run_as` is None, so then
    SandboxStartError names the fix. An interpreter under a folder the user
    cannot search (/root) is bound back in a private mount namespace (reach.py).
    Scratch's parent folders must be searchable by that user (mode o+x;
    pytest's tmp_path is not). The child's process tree gets a cgroup with
    pids and memory limits where the machine lets the grader make one; where
    none binds, a root grader runs a child of a named user under a uid of its
    own instead (uids.py), so that RLIMIT_NPROC counts this child alone.

    Returns the launcher's process (its pid is the child's pid, process group
    and session once it has exec'd) and the protections report
    {name: {"active": bool, "detail": str}}; "separate_user" also carries
    "uid" when active, "process_limit" carries "cgroup_dirs" (remove them with
    `release` once the child is gone). Raises SandboxStartError if the child
    could not start.
    """
    argv = [str(a) for a in argv]
    if not os.path.isabs(argv[0]):
        raise ValueError(f"argv[0] must be an absolute path, got {argv[0]!r}")
    scratch = prepare_scratch(scratch)
    cgroup = cgroups.create(nproc=limits.nproc, memory_bytes=limits.memory_bytes)
    lease = None
    try:
        lease = _lease_for(run_as, cgroup)
        who, why_not, reach_plan = plan_user(str(lease) if lease else run_as, interpreter=argv[0],
                                             scratch=scratch, readable_paths=readable_paths)
        if who is None and run_as and os.geteuid() == 0:
            raise SandboxStartError(f"refusing to run student code as root: {why_not}. To accept that risk "
                                    "knowingly, grade without a separate user (jaxgrade grade --run-as '').")
        if who is not None:
            if lease:
                who = RunAs(who.uid, who.gid, f"a uid of its own, not the shared {run_as!r},")
            _hand_over(scratch, who)
        config = launcher_config(argv=argv, scratch=scratch, env=env, limits=limits, who=who,
                                 why_not=why_not, readable_paths=readable_paths, gpu_mode=gpu_mode,
                                 reach_plan=reach_plan)
        config["cgroup"] = cgroup
        proc, report = start_launcher(config, scratch=scratch, stdout_path=stdout_path,
                                      stderr_path=stderr_path, pass_fds=pass_fds)
    except BaseException:
        cgroups.remove(cgroup)
        uids.give_back(lease)
        raise
    report["process_limit"]["cgroup_dirs"] = cgroup.get("dirs", [])
    report["scratch_size_limit"] = scratch_watch.watch(proc, scratch, limits.scratch_bytes)
    if who is not None and report["separate_user"]["active"]:
        report["separate_user"]["uid"] = who.uid
    elif lease:
        uids.give_back(lease)  # the launcher did not switch to it: nothing runs as it
    if config["gpu_grants"]:
        report["gpu_mode"] = gpu.report_entry(config["gpu_grants"])
    return proc, report


def _lease_for(run_as: str | None, cgroup: dict) -> int | None:
    """A uid of the child's own (uids.py) where RLIMIT_NPROC alone limits a user shared by name.

    A numeric run_as is taken as given: its caller (batch grading, the tests)
    already gives each concurrent child its own.
    """
    if not run_as or run_as.partition(":")[0].isdigit() or os.geteuid() != 0 or cgroup.get("pids"):
        return None
    return uids.lease()


def release(report: dict) -> None:
    """Remove the child's cgroup (see cgroups.py) and end its uid's lease (uids.py).

    Call once every process of the child is gone.
    """
    cgroups.remove({"dirs": report.get("process_limit", {}).get("cgroup_dirs", [])})
    uids.give_back(report.get("separate_user", {}).get("uid"))
