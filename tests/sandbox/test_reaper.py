"""kill_everything leaves nothing behind: 64 sleepers, a setsid daemon and a
double-forked orphan. A driver process plays the grader, because becoming a
subreaper changes the process for good."""
import json
import os
import subprocess
import sys

import pytest

from autograder.sandbox import Limits
from tests.sandbox.conftest import DRIVERS, HOSTILE

ROOT = os.geteuid() == 0


def reap(work_dir, *, run_as, subreaper, uid_net, args=("crowd",), nproc=256):
    plan = {"scratch": str(work_dir / "scratch"), "child": str(HOSTILE / "spawn_many.py"),
            "args": list(args), "run_as": run_as, "subreaper": subreaper, "uid_net": uid_net,
            "nproc": nproc}
    done = subprocess.run([sys.executable, str(DRIVERS / "reap.py"), json.dumps(plan)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the driver failed:\n{done.stderr[-2000:]}"
    return json.loads(done.stdout)


@pytest.mark.skipif(not ROOT, reason="a private uid needs root")
def test_uid_and_subreaper_nets_leave_nothing(work_dir, sandbox_uid):
    seen = reap(work_dir, run_as=str(sandbox_uid), subreaper=True, uid_net=True)
    assert seen["pids"] == 66, f"expected 64 sleepers + daemon + orphan, the child made {seen['pids']}"
    assert seen["survivors"] == [], f"expected no survivors, these lived on: {seen['survivors']}"


def test_subreaper_alone_catches_the_setsid_daemon_and_the_orphan(work_dir):
    seen = reap(work_dir, run_as=None, subreaper=True, uid_net=False)
    assert seen["pids"] == 66 and seen["survivors"] == [], (
        f"expected all 66 processes gone with the subreaper net alone, survivors: {seen['survivors']}")


@pytest.mark.skipif(not ROOT, reason="a private uid needs root")
def test_uid_net_alone_catches_them_without_a_subreaper(work_dir, sandbox_uid):
    seen = reap(work_dir, run_as=str(sandbox_uid), subreaper=False, uid_net=True)
    assert seen["survivors"] == [], f"expected the uid net to catch everything, survivors: {seen['survivors']}"


@pytest.mark.skipif(not ROOT, reason="cleaning up the escaped daemon needs a private uid")
def test_process_group_alone_misses_the_setsid_daemon(work_dir, sandbox_uid):
    # Control: without the other nets the daemon (own session) escapes; the plain
    # orphan stays in the process group. The driver then cleans up with the uid net.
    seen = reap(work_dir, run_as=str(sandbox_uid), subreaper=False, uid_net=False)
    assert seen["survivors"] == [seen["daemon"]], (
        f"expected exactly the setsid daemon {seen['daemon']} to escape a process-group kill, "
        f"saw {seen['survivors']}")


def test_fork_bomb_hits_the_process_limit_and_is_cleaned_up(work_dir, sandbox_uid):
    run_as = str(sandbox_uid) if sandbox_uid is not None else None
    seen = reap(work_dir, run_as=run_as, subreaper=True, uid_net=run_as is not None,
                args=("bomb", "2000"), nproc=64)
    # Under the grader's own uid (a normal user, no cgroup) the limit leaves room for that user's
    # other processes (Limits.shared_uid_room); under a uid of its own it is the 64 alone.
    bound = 64 if run_as is not None else 64 + Limits().shared_uid_room
    assert seen["pids"] < bound, f"expected the fork bomb to stop below {bound} forks, it made {seen['pids']}"
    assert "Resource temporarily unavailable" in (seen["error"] or ""), (
        f"expected fork to fail with EAGAIN (RLIMIT_NPROC), saw {seen['error']!r}")
    assert seen["survivors"] == [], f"expected every bomb process gone, survivors: {seen['survivors']}"
