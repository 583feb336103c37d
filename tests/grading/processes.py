"""Finding processes a graded submission left behind.

The grader makes itself a subreaper, and so does the test process that starts
it (production.grade_like_production): anything a submission started that
survived grading would now be a descendant of this (the test) process.
"""
from __future__ import annotations

import os
from pathlib import Path


def _parents() -> dict[int, tuple[int, str]]:
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError):
            continue
        table[int(entry.name)] = (int(ppid), state)
    return table


def leftover_child_processes() -> list[int]:
    """PIDs of live (non-zombie) descendants of this process, other than its grading worker."""
    from .production import worker_pids

    table, me, workers = _parents(), os.getpid(), worker_pids()
    found = []
    for pid, (ppid, state) in table.items():
        seen = set()
        while ppid not in (0, 1, me) and ppid in table and ppid not in seen:
            seen.add(ppid)
            ppid = table[ppid][0]
        if ppid == me and pid != me and pid not in workers and state != "Z":
            found.append(pid)
    return sorted(found)
