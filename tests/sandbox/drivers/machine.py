"""Become one of the machines the README's protection table names, then exec a command.

Run as root. argv[1]: JSON {"argv": command, "python_reachable": bool, "uid": int or
null, "cap_sys_admin": bool, "cgroup_readonly": bool}.

- python_reachable: hide unsearchable folders above this Python (pyenv under /root)
  behind a private mount namespace, as if Python were installed under /usr/local;
- uid: become that user with no groups (a laptop's normal user);
- cap_sys_admin false: drop CAP_SYS_ADMIN from the bounding set, as Docker's default
  capability set does (Gradescope); root's exec then runs without it;
- cgroup_readonly: remount /sys/fs/cgroup and everything below it read-only (in the
  private mount namespace), as Docker mounts it.
"""
import ctypes
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from autograder.sandbox import fs_policy, reach  # noqa: E402

_PR_CAPBSET_DROP, _CAP_SYS_ADMIN = 24, 21
_MS_RDONLY, _MS_REMOUNT, _MS_BIND = 1, 32, 4096


def cgroup_mounts() -> list[str]:
    with open("/proc/self/mountinfo") as info:
        points = [line.split()[4] for line in info]
    return [p for p in points if p == "/sys/fs/cgroup" or p.startswith("/sys/fs/cgroup/")]


plan = json.loads(sys.argv[1])
if plan["python_reachable"]:
    needs = [(Path(sys.executable), "rx")] + [(p, "rx") for p in fs_policy.python_dirs()]
    needs += [(p, "r") for p in fs_policy.venv_config(sys.executable)]
    roots = [sys.base_prefix, sys.prefix]
    mounts = reach.plan_reach(needs, 65534, 65534, roots)  # what any other user could not reach
    if mounts:
        reach.apply_plan(mounts)
if plan.get("cgroup_readonly"):
    assert plan["python_reachable"], "read-only cgroups are emulated inside the private mount namespace"
    libc = ctypes.CDLL(None, use_errno=True)
    for point in cgroup_mounts():
        flags = _MS_REMOUNT | _MS_BIND | _MS_RDONLY
        assert libc.mount(None, point.encode(), None, flags, None) == 0, f"could not remount {point}"
if not plan["cap_sys_admin"]:
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(_PR_CAPBSET_DROP, _CAP_SYS_ADMIN, 0, 0, 0) == 0, "could not drop CAP_SYS_ADMIN"
if plan["uid"] is not None:
    os.setgroups([])
    os.setresgid(plan["uid"], plan["uid"], plan["uid"])
    os.setresuid(plan["uid"], plan["uid"], plan["uid"])
os.execv(plan["argv"][0], plan["argv"])
