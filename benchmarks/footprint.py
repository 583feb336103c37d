"""How much memory and time one grading takes, to size Gradescope's settings.

Runs a command (normally ``jaxgrade grade ...``) and samples its whole process
tree (the grader and the sandboxed child it starts) every ``interval``
seconds. Reports two peaks: the summed resident set size (an upper bound,
since JAX's libraries, mapped by both processes, count twice) and an estimate
of what a container's memory limit sees, each process's unique memory plus
the shared pages once (sum of USS, plus the largest RSS - USS). Proportional
set size is not used: it splits shared pages among every process on the
machine that maps them, so it shrinks when other JAX programs run.
It also reports wall time and CPU time.

    python -m benchmarks.footprint -- jaxgrade grade SUB -a grad_forces --results /tmp/r.json

Needs ``psutil`` (installed with the ``dev`` and ``otter`` extras).
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Footprint:
    wall_seconds: float
    peak_rss_mib: float  # summed over the tree, sampled
    peak_container_mib: float  # unique memory of each process + shared pages once
    peak_processes: int
    cpu_seconds: float  # user + system, the whole tree
    exit_code: int

    def describe(self) -> str:
        return (
            f"wall {self.wall_seconds:.1f} s, peak memory {self.peak_container_mib:.0f} MiB "
            f"(summed RSS {self.peak_rss_mib:.0f} MiB) over up to {self.peak_processes} processes, "
            f"CPU {self.cpu_seconds:.1f} s, exit {self.exit_code}"
        )


def _tree_memory(root) -> tuple[int, int, int]:
    """(summed RSS, unique + shared-once estimate, process count) over ``root`` and its descendants."""
    import psutil

    rss = uss = shared = count = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, 0, 0
    for process in processes:
        try:
            info = process.memory_full_info()
        except psutil.Error:  # exited between the listing and the read
            continue
        rss += info.rss
        uss += info.uss
        shared = max(shared, info.rss - info.uss)
        count += 1
    return rss, uss + shared, count


def measure(argv: list[str], *, interval: float = 0.05) -> Footprint:
    """Run ``argv`` to completion, sampling its process tree."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(argv)
    root = psutil.Process(process.pid)
    peak_rss = peak_container = peak_count = 0
    while process.poll() is None:
        rss, container, count = _tree_memory(root)
        peak_rss, peak_container = max(peak_rss, rss), max(peak_container, container)
        peak_count = max(peak_count, count)
        time.sleep(interval)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # includes descendants the grader waited for
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Footprint(
        wall_seconds=time.perf_counter() - started,
        peak_rss_mib=peak_rss / MIB,
        peak_container_mib=peak_container / MIB,
        peak_processes=peak_count,
        cpu_seconds=cpu,
        exit_code=process.returncode,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Peak memory and wall time of one grading (process tree).")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to measure, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to measure after --")
    print(measure(command).describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
