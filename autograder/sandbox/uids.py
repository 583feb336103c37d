"""A uid of its own for each child that RLIMIT_NPROC alone limits.

RLIMIT_NPROC counts every task (process or thread) of the real uid on the
whole machine. Where no cgroup binds the child's tree (Docker's read-only
cgroups, as on Gradescope), it is the only process limit, and a user shared by
concurrent gradings (`nobody`, `student`) shares it too: one child's fork bomb
or XLA thread pools then use up another child's allowance, whose next
pthread_create fails and whose JAX import aborts. A root grader therefore
leases each such child a uid no one else uses, from a range with no passwd
entries, and gives it back once the child is gone.

Leases are exclusive across every grader on the machine: each is an advisory
lock (flock) on a file named after the uid, held by the grader for the child's
lifetime, which the kernel drops by itself when the grader dies. A uid that
still runs a process, or that has a passwd entry, is never leased.
"""
import fcntl
import os
import pwd
from pathlib import Path

from autograder.sandbox.reaper import snapshot

FIRST_UID = 63000
"""First uid leased to a child; batch grading's per-worker uids start at 61000 (vocabulary.BATCH_FIRST_UID)."""
COUNT = 2000
_LOCK_DIRS = (Path("/run/jaxgrade-uids"), Path("/tmp/jaxgrade-uids"))
_held: dict[int, int] = {}  # leased uid -> fd of its lock file (in this grader)


class NoFreeUid(RuntimeError):
    """Every uid of the range is in use."""


def _lock_dir() -> Path:
    for folder in _LOCK_DIRS:
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
        except OSError:
            continue
        st = folder.lstat()
        if st.st_uid == os.geteuid() and not st.st_mode & 0o022 and folder.is_dir() and not folder.is_symlink():
            return folder  # ours, and no one else may plant or remove lock files in it
    raise NoFreeUid(f"none of {', '.join(map(str, _LOCK_DIRS))} is a folder only this user can write")


def _has_account(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def lease() -> int:
    """A uid that no process runs as and no other child holds; give it back with `give_back`."""
    folder = _lock_dir()
    busy = {uid for info in snapshot().values() for uid in info.uids}
    for uid in range(FIRST_UID, FIRST_UID + COUNT):
        if uid in busy or uid in _held or _has_account(uid):
            continue
        fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # another grader's child holds it
        _held[uid] = fd
        return uid
    raise NoFreeUid(f"all {COUNT} uids from {FIRST_UID} are running or leased")


def give_back(uid: int | None) -> None:
    """End the lease of `uid` (no-op for a uid this grader did not lease); call once its processes are gone."""
    fd = _held.pop(uid, None) if uid is not None else None
    if fd is not None:
        os.close(fd)


def leased(uid: int | None) -> bool:
    return uid in _held
