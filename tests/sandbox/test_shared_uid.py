"""A correct child never loses its threads to other processes of its uid.

RLIMIT_NPROC counts every task of the child's uid on the machine, and
concurrent gradings (pytest-xdist workers, parallel `jaxgrade grade` runs)
share that uid. A limit computed when the child started ("what the uid runs
now + the allowance") shrinks as soon as another child of the uid (XLA's
thread pools, a fork bomb of the corpus) grows: the innocent child's
pthread_create then fails and XLA aborts the import with SIGABRT. Where the
cgroup's pids.max binds the child's own tree, it alone is the process limit;
where none does, each child gets a uid of its own (uids.py).
"""
import json
import os
import subprocess
import sys
import time

import pytest

from autograder.sandbox import Limits, cgroups, uids
from tests.sandbox.conftest import DRIVERS, HOSTILE, as_machine, setpriv

ROOT = os.geteuid() == 0
THREADS = 40
HOG_THREADS = 200  # far above the child's allowance: what a fork bomb of the same uid holds


def _cgroup_pids() -> bool:
    plan = cgroups.create(nproc=64, memory_bytes=1 << 30)
    cgroups.remove(plan)
    return "pids" in plan


def _hog(uid: int) -> subprocess.Popen:
    """Another process of the uid, outside the sandbox, holding HOG_THREADS threads until its stdin closes."""
    code = ("import sys, threading\nstop = threading.Event()\n"
            f"for _ in range({HOG_THREADS}): threading.Thread(target=stop.wait, daemon=True).start()\n"
            "print('ready', flush=True)\nsys.stdin.read()\n")
    proc = subprocess.Popen([setpriv(), f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                             sys.executable, "-I", "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "ready", "the same-uid process could not start its threads"
    return proc


@pytest.mark.skipif(not (ROOT and _cgroup_pids()), reason="needs root and a writable cgroup pids hierarchy")
def test_a_child_starts_its_threads_while_its_uid_grows_elsewhere(run_hostile, sandbox_uid):
    limits = Limits(memory_bytes=1 << 30, nproc=64, fsize_bytes=4 << 20, cpu_seconds=60)
    child = run_hostile("late_threads", THREADS, limits=limits, wait=False)
    deadline = time.monotonic() + 30
    while not (child.scratch / "ready").exists():
        assert child.proc.poll() is None and time.monotonic() < deadline, "the child died before it was ready"
        time.sleep(0.01)
    hog = _hog(sandbox_uid)  # grows the uid's task count after the child's limits were set
    try:
        (child.scratch / "go").touch()
        child.proc.wait(timeout=30)
    finally:
        hog.stdin.close()
        hog.wait(timeout=10)
    result = child.result
    assert result == {"started": THREADS, "error": None}, (
        f"expected the child to start its {THREADS} threads (its cgroup allows {limits.nproc} tasks) while "
        f"another process of its uid held {HOG_THREADS}; it started {result['started']}: {result['error']}. "
        "RLIMIT_NPROC counts the whole uid: it must not be what limits a child whose cgroup does.")
    assert "pids.max" in child.report["process_limit"]["detail"], child.report["process_limit"]


@pytest.mark.skipif(not ROOT, reason="leasing uids needs root")
def test_concurrent_graders_never_lease_the_same_uid():
    other = subprocess.Popen([sys.executable, "-c", "from autograder.sandbox import uids\n"
                              "print(uids.lease(), flush=True)\ninput()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        theirs = int(other.stdout.readline())
        first, second = uids.lease(), uids.lease()
        try:
            assert len({theirs, first, second}) == 3, f"two children got the same uid: {theirs, first, second}"
            assert all(uids.FIRST_UID <= uid < uids.FIRST_UID + uids.COUNT for uid in (first, second))
        finally:
            uids.give_back(first)
            uids.give_back(second)
        assert uids.lease() == first, "a uid given back should be leased again"
        uids.give_back(first)
    finally:
        other.communicate("\n", timeout=10)


@pytest.mark.skipif(not ROOT, reason="emulating Docker's read-only cgroups needs root")
def test_without_a_cgroup_a_named_user_runs_under_a_uid_of_its_own(work_dir):
    # As on Gradescope: no writable cgroup, so RLIMIT_NPROC is the process limit, and the
    # shared `nobody` would share it with every concurrent child: each child gets its own uid.
    home = work_dir / "home"
    home.mkdir()
    plan = {"scratch": str(home / "scratch"), "child": str(HOSTILE / "spawn_many.py"), "args": ["bomb", "2000"],
            "run_as": "nobody", "subreaper": True, "uid_net": True, "nproc": 64}
    driver = [sys.executable, str(DRIVERS / "reap.py"), json.dumps(plan)]
    done = subprocess.run(as_machine(driver, cgroup_readonly=True), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the grader driver failed:\n{done.stderr[-2000:]}"
    seen = json.loads(done.stdout)
    user, limit = seen["report"]["separate_user"]["detail"], seen["report"]["process_limit"]["detail"]
    assert "a uid of its own" in user and uids.FIRST_UID <= seen["uid"] < uids.FIRST_UID + uids.COUNT, user
    assert limit.startswith("RLIMIT_NPROC 0 + 64"), f"expected the leased uid to run nothing else: {limit}"
    assert seen["pids"] < 64 and seen["survivors"] == [], seen
