"""benchmarks.footprint measures a whole process tree: the grader and the child it starts."""
from __future__ import annotations

import sys

import pytest

from benchmarks.footprint import main, measure

CHILD = "import time; block = bytearray(96 << 20); time.sleep(0.6)"
PARENT = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {CHILD!r}]); sys.exit(3)"


def test_the_child_s_memory_and_the_exit_status_are_counted():
    footprint = measure([sys.executable, "-c", PARENT], interval=0.02)
    assert footprint.peak_processes >= 2, footprint
    assert footprint.peak_rss_mib >= 96, f"the child's 96 MiB went unseen: {footprint}"
    assert footprint.peak_container_mib >= 96, footprint
    assert footprint.exit_code == 3
    assert footprint.wall_seconds >= 0.6 and footprint.cpu_seconds > 0
    assert "peak memory" in footprint.describe()


def test_a_command_is_required():
    with pytest.raises(SystemExit):
        main(["--"])
