"""The README's protection table, one test per row: each machine gets exactly the
protections the table claims, and a fork bomb stops below the limit and leaves
nothing behind on every one of them.

The rows are emulated on this machine (which must be root): drivers/machine.py
hides a home-folder Python behind a private mount namespace when the row's
Python is installed where any user can reach it, drops CAP_SYS_ADMIN as
Docker does, mounts the cgroup tree read-only as Docker does, and becomes a
normal user for the laptop. Each row then runs drivers/reap.py, which plays the
grader: it starts the fork bomb confined, kills everything, and reports.
"""
import json
import os
import re
import subprocess
import sys

import pytest

from autograder.sandbox import MECHANISMS, Limits, cgroups, landlock
from tests.sandbox.conftest import DRIVERS, HOSTILE

ROOT = os.geteuid() == 0
ABI = landlock.abi_version()
LANDLOCK = {"landlock_filesystem": ABI >= 1, "landlock_network": ABI >= 4, "landlock_signals": ABI >= 6}
NPROC = 64

# row -> (machine emulation, protections the table says are off on it)
ROWS = {
    "gradescope_root_in_docker": ({"python_reachable": True, "cap_sys_admin": False, "cgroup_readonly": True},
                                  {"network_namespace"}),
    "linux_host_root": ({"python_reachable": True, "cap_sys_admin": True}, set()),
    "root_with_home_directory_python": (None, set()),
    "laptop_normal_user": ({"python_reachable": True, "cap_sys_admin": True, "as_user": True},
                           {"separate_user", "network_namespace"}),
}


def _cgroup_writable() -> bool:
    plan = cgroups.create(nproc=NPROC, memory_bytes=1 << 30)
    cgroups.remove(plan)
    return "unavailable" not in plan


def run_row(machine, work_dir, uid):
    grader_uid = uid if machine and machine.get("as_user") else None
    home = work_dir / "home"
    home.mkdir()
    if grader_uid is not None:
        os.chown(home, grader_uid, grader_uid)
    # A laptop user asks for a separate user too, and is told it needs root; the uid net is for private uids.
    run_as = "nobody" if grader_uid is not None else str(uid)
    plan = {"scratch": str(home / "scratch"), "child": str(HOSTILE / "spawn_many.py"), "args": ["bomb", "2000"],
            "run_as": run_as, "subreaper": True, "uid_net": grader_uid is None, "nproc": NPROC}
    command = [sys.executable, str(DRIVERS / "reap.py"), json.dumps(plan)]
    if machine is not None:
        emulate = {key: machine.get(key, False) for key in ("python_reachable", "cap_sys_admin", "cgroup_readonly")}
        command = [sys.executable, str(DRIVERS / "machine.py"),
                   json.dumps({**emulate, "uid": grader_uid, "argv": command})]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the grader driver failed:\n{done.stderr[-2000:]}"
    return json.loads(done.stdout)


@pytest.mark.skipif(not ROOT, reason="emulating the table's machines needs root")
@pytest.mark.parametrize("row", list(ROWS))
def test_each_table_row_has_exactly_its_protections_and_stops_a_fork_bomb(row, work_dir, sandbox_uid):
    machine, claimed_off = ROWS[row]
    seen = run_row(machine, work_dir, sandbox_uid)
    report = seen["report"]
    expected_off = claimed_off | {name for name, present in LANDLOCK.items() if not present}
    off = {name for name in MECHANISMS if not report[name]["active"]}
    assert off == expected_off, (
        f"{row}: expected exactly {sorted(expected_off)} off, saw {sorted(off)}: "
        f"{ {name: report[name]['detail'] for name in off ^ expected_off} }")
    bound = NPROC
    if row == "laptop_normal_user":  # the grader's own uid: room for that user's other processes too
        others = re.search(r"RLIMIT_NPROC (\d+) \+", report["process_limit"]["detail"])
        bound += Limits().shared_uid_room + int(others.group(1) if others else 0)
    assert seen["pids"] < bound, f"{row}: expected the fork bomb to stop below {bound}, it made {seen['pids']}"
    assert "Resource temporarily unavailable" in (seen["error"] or ""), f"{row}: fork did not fail: {seen['error']!r}"
    assert seen["survivors"] == [], f"{row}: expected every bomb process gone, survivors: {seen['survivors']}"

    user, limit = report["separate_user"]["detail"], report["process_limit"]["detail"]
    assert ("private mount namespace" in user) == (row == "root_with_home_directory_python"), (
        f"{row}: the mount namespace should be used exactly when Python is out of the user's reach: {user}")
    cgroup_expected = row in ("linux_host_root", "root_with_home_directory_python") and _cgroup_writable()
    # RLIMIT_NPROC counts the whole uid machine-wide, so it binds only where no cgroup does
    # (test_shared_uid.py: another process of the uid must not starve a child its cgroup limits).
    assert ("RLIMIT_NPROC" in limit and "not lowered" not in limit) == (not cgroup_expected), (
        f"{row}: RLIMIT_NPROC should bind exactly where no cgroup does (cgroup here: {cgroup_expected}): {limit}")
    assert ("pids.max" in limit) == cgroup_expected, (
        f"{row}: expected a cgroup pids limit {'' if cgroup_expected else 'not '}to be reported: {limit}")
    memory = report["memory_limit"]["detail"]
    assert ("cgroup" in memory) == cgroup_expected, (
        f"{row}: expected a cgroup memory limit {'' if cgroup_expected else 'not '}to be reported: {memory}")
    if row == "laptop_normal_user":
        assert "needs root" in user and "needs root" in report["network_namespace"]["detail"], report
    if row == "gradescope_root_in_docker":
        assert "Operation not permitted" in report["network_namespace"]["detail"], report["network_namespace"]


@pytest.mark.skipif(not (ROOT and _cgroup_writable()), reason="needs root and a writable cgroup hierarchy")
def test_root_child_is_stopped_by_the_cgroup_alone(work_dir):
    # Graded knowingly without a separate user, the child is root: RLIMIT_NPROC never binds
    # root, so only the cgroup's pids.max stands between a fork bomb and the machine.
    home = work_dir / "home"
    home.mkdir()
    plan = {"scratch": str(home / "scratch"), "child": str(HOSTILE / "spawn_many.py"), "args": ["bomb", "2000"],
            "run_as": None, "subreaper": True, "uid_net": False, "nproc": NPROC}
    done = subprocess.run([sys.executable, str(DRIVERS / "reap.py"), json.dumps(plan)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the driver failed:\n{done.stderr[-2000:]}"
    seen = json.loads(done.stdout)
    user, limit = seen["report"]["separate_user"], seen["report"]["process_limit"]
    assert not user["active"] and user["detail"].startswith("WARNING") and "root" in user["detail"], (
        f"expected a loud warning that student code runs as root, saw {user}")
    assert limit["active"] and "pids.max" in limit["detail"] and "RLIMIT_NPROC" not in limit["detail"], limit
    assert seen["pids"] < NPROC, f"expected the cgroup to stop the bomb below {NPROC}, it made {seen['pids']}"
    assert seen["survivors"] == [], f"expected every bomb process gone, survivors: {seen['survivors']}"
