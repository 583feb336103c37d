"""Kill every process a submission started, however it tried to hide.

A submission can fork, start a new session (`setsid`) or double-fork so that
its processes leave the child's process group and stop being its descendants.
Three nets catch them:

1. the child's process group (everything that did not call setsid);
2. every descendant of the grader: after `become_subreaper()`, orphans are
   re-parented to the grader instead of to init, so daemons stay in its tree;
3. when the child ran under a uid of its own, every process of that uid.

We loop (kill, reap, rescan) until nothing is left or time runs out, since a
fork bomb keeps forking while we kill it. Signals go through pidfds after a
fresh look at /proc, so a pid that was reused meanwhile is never hit.
"""
import ctypes
import os
import signal
import time
from dataclasses import dataclass

_PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    ppid: int
    pgid: int
    state: str
    start_time: int
    uids: tuple[int, ...]  # real, effective, saved, filesystem


def become_subreaper() -> bool:
    """Make orphans of our descendants our children (once, in the grader).

    Returns False where the kernel refuses; the uid net then has to catch
    daemons, so prefer a dedicated uid in that case.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def read_proc(pid: int) -> ProcInfo | None:
    """Facts about one process from /proc, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat_line = f.read()
        with open(f"/proc/{pid}/status") as f:
            uid_line = next(line for line in f if line.startswith("Uid:"))
    except (OSError, StopIteration):
        return None
    # The command name may contain spaces and parentheses: split after the last ')'.
    fields = stat_line[stat_line.rfind(")") + 2:].split()
    return ProcInfo(pid=pid, ppid=int(fields[1]), pgid=int(fields[2]), state=fields[0],
                    start_time=int(fields[19]), uids=tuple(int(u) for u in uid_line.split()[1:]))


def snapshot() -> dict[int, ProcInfo]:
    """Every process visible in /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = read_proc(int(entry))
            if info is not None:
                table[info.pid] = info
    return table


def descendants(table: dict[int, ProcInfo], root: int, *, spare=()) -> set[int]:
    """Pids below `root` in the parent tree, leaving out `spare` pids and their subtrees."""
    children: dict[int, list[int]] = {}
    for info in table.values():
        children.setdefault(info.ppid, []).append(info.pid)
    found, stack = set(), [root]
    while stack:
        for pid in children.get(stack.pop(), []):
            if pid not in found and pid not in spare:
                found.add(pid)
                stack.append(pid)
    return found


def _targets(table, *, pgid: int, uid: int | None, spare) -> set[int]:
    me = os.getpid()
    chosen = {p for p, info in table.items() if info.pgid == pgid}
    chosen |= descendants(table, me, spare=spare)
    if uid is not None:
        chosen |= {p for p, info in table.items() if uid in info.uids}
    return {p for p in chosen if p != me and p not in spare and table[p].state != "Z"}


def _kill_if_same(info: ProcInfo) -> None:
    """SIGKILL `info.pid` only if it is still the process we looked at."""
    try:
        fd = os.pidfd_open(info.pid)
    except OSError:
        return  # already gone
    try:
        now = read_proc(info.pid)
        if now is not None and now.start_time == info.start_time:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
    except OSError:
        pass  # exited between the check and the signal
    finally:
        os.close(fd)


def _reap_orphans(keep: set[int]) -> None:
    """Collect our dead children, except those in `keep` (a Popen object owns them)."""
    me = os.getpid()
    for info in snapshot().values():
        if info.ppid == me and info.state == "Z" and info.pid not in keep:
            try:
                os.waitpid(info.pid, os.WNOHANG)
            except ChildProcessError:
                pass


def kill_everything(pid_or_pgid: int, *, uid: int | None = None, spare=(),
                    timeout_s: float = 10.0) -> int:
    """SIGKILL the child's process group, our descendants and (if given) all of `uid`.

    `pid_or_pgid`: the child's pid, which is also its process group (it runs in
    its own session). `uid`: pass it only when that uid is dedicated to the
    child (never root or our own uid). `spare`: pids of our other children that
    must survive (e.g. another grading child), with their subtrees.

    Dead children are collected, except `pid_or_pgid` and `spare`, whose Popen
    objects must still `wait()` for them. Returns how many processes were
    signalled one by one. Raises TimeoutError if some remain after `timeout_s`.
    """
    if uid is not None and uid in (0, os.getuid()):
        raise ValueError(f"refusing to kill every process of uid {uid}: it is the grader's")
    spare = set(spare)
    deadline = time.monotonic() + timeout_s
    signalled: set[tuple[int, int]] = set()
    while True:
        try:
            os.killpg(pid_or_pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        table = snapshot()
        targets = _targets(table, pgid=pid_or_pgid, uid=uid, spare=spare)
        for pid in targets:
            _kill_if_same(table[pid])
            signalled.add((pid, table[pid].start_time))
        _reap_orphans(keep=spare | {pid_or_pgid})
        if not targets:
            return len(signalled)
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(targets)} processes survived: {sorted(targets)[:20]}")
        time.sleep(0.005)
