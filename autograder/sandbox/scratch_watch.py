"""A cap on everything the child writes: the grader watches the size of scratch.

RLIMIT_FSIZE bounds one file, not their number: 26 files just under the limit
fill 1.5 GiB. The child's only writable folder is scratch (Landlock, the
separate user), so its size is what the child has written in all. A thread
in the grader measures it a few times a second, from outside the child's
reach, and kills the child's process group once it passes the limit, on every
machine (no mount namespace or quota needed, so it holds in Docker without
CAP_SYS_ADMIN and for a laptop user alike). What may overshoot the limit is
bounded by the disk's write speed times the polling interval.

The reason is left on the process object (``overflow_reason``), where the
session reads it to tell the student what happened.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

POLL_SECONDS = 0.1
MAX_ENTRIES = 20_000  # files and folders: a walk over more is slow and the count itself is abuse


def scratch_usage(scratch: Path, max_entries: int = MAX_ENTRIES) -> tuple[int, int]:
    """(bytes on disk, entries) under ``scratch``, links not followed; stops counting past ``max_entries``."""
    total, entries, stack = 0, 0, [str(scratch)]
    while stack and entries <= max_entries:
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    entries += 1
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    total += max(st.st_blocks * 512, 0)
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:
            continue
    return total, entries


def over_limit(proc: subprocess.Popen, scratch: Path, limit_bytes: int) -> str | None:
    """Measure scratch now; past the limit, kill ``proc``'s process group and return the reason."""
    reason = getattr(proc, "overflow_reason", None)
    if reason:
        return reason
    used, entries = scratch_usage(scratch)
    if used <= limit_bytes and entries <= MAX_ENTRIES:
        return None
    proc.overflow_reason = (
        f"your code wrote more than {limit_bytes // 2**20} MB to disk "
        f"({used / 2**20:.0f} MB in {entries} files and folders); the grader stopped it"
        if used > limit_bytes else
        f"your code created more than {MAX_ENTRIES} files and folders; the grader stopped it"
    )
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    return proc.overflow_reason


def watch(proc: subprocess.Popen, scratch: Path, limit_bytes: int) -> dict:
    """Kill ``proc``'s process group once scratch holds more than ``limit_bytes``; a report entry.

    Polling alone races a fast writer: a call can fill scratch and answer between
    two polls. So the check is also left on the process (``proc.scratch_check``),
    which the session runs after every reply, before it accepts the reply.
    """
    proc.scratch_check = lambda: over_limit(proc, scratch, limit_bytes)

    def run():
        while proc.poll() is None:
            if over_limit(proc, scratch, limit_bytes):
                return
            threading.Event().wait(POLL_SECONDS)

    threading.Thread(target=run, name="scratch-watch", daemon=True).start()
    return {"active": True,
            "detail": f"the grader watches scratch ({limit_bytes // 2**20} MB, {MAX_ENTRIES} entries at most) "
                      f"every {POLL_SECONDS:g} s and after every reply, and stops the child past it"}
