"""Fixtures for running small hostile children in the sandbox.

Each hostile child is a script in `hostile/`, copied into a fresh scratch
folder (the child cannot read the tests folder) and started with the real
`spawn_child`. The drivers (`drivers/`, which play a grader on another
machine) and the hostile scripts are run from a copy, with the `autograder`
package beside them, in a folder every user can reach: a checkout in a private
folder (`mktemp -d`, a home folder) is hidden by the mount namespace that
makes a home-folder Python reachable, and the tests must not depend on where
the checkout sits. When the tests run as root, children run under a numeric uid
that has no passwd entry and no processes, so killing "every process of the
uid" can never touch anything but this test's children.
"""
import atexit
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import autograder
from autograder.sandbox import Limits, kill_everything, release, spawn_child
from autograder.sandbox.reaper import snapshot

CHECKOUT = Path(autograder.__file__).resolve().parents[1]


def _reachable_copy() -> Path:
    """drivers/, hostile/ and the autograder package, copied under /tmp (mode 0755), removed at exit."""
    root = Path(tempfile.mkdtemp(prefix="jaxgrade-sandbox-drivers-", dir="/tmp"))
    atexit.register(shutil.rmtree, root, True)
    skip = shutil.ignore_patterns("__pycache__")
    here = Path(__file__).resolve().parent
    shutil.copytree(Path(autograder.__file__).resolve().parent, root / "autograder", ignore=skip)
    for name in ("drivers", "hostile"):  # drivers import autograder from parents[3]: keep the layout
        shutil.copytree(here / name, root / "tests" / "sandbox" / name, ignore=skip)
    for folder, _dirs, files in os.walk(root):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    return root / "tests" / "sandbox"


_REACHABLE = _reachable_copy()
HOSTILE = _REACHABLE / "hostile"
DRIVERS = _REACHABLE / "drivers"
SMALL = Limits(memory_bytes=1 << 30, nproc=64, fsize_bytes=4 << 20, cpu_seconds=60)
SECRET_DIRS = [CHECKOUT / "solutions", CHECKOUT / "autograder" / "checks"]


@dataclass
class ChildRun:
    proc: subprocess.Popen
    report: dict
    scratch: Path
    stdout_path: Path
    stderr_path: Path

    @property
    def result(self) -> dict:
        path = self.scratch / "result.json"
        assert path.exists(), (
            f"the hostile child wrote no result.json (exit status {self.proc.returncode}); "
            f"stderr: {self.stderr_path.read_text()[-1500:]}")
        return json.loads(path.read_text())


def _unused_uid() -> int:
    in_use = {uid for info in snapshot().values() for uid in info.uids}
    for uid in range(61000 + os.getpid() % 1000, 63000):
        try:
            pwd.getpwuid(uid)
        except KeyError:
            if uid not in in_use:
                return uid
    raise RuntimeError("no free uid between 61000 and 63000")


@pytest.fixture(scope="session")
def sandbox_uid() -> int | None:
    """A uid for this test run's children, or None when not root (no switch possible)."""
    return _unused_uid() if os.geteuid() == 0 else None


@pytest.fixture
def work_dir():
    """A folder whose children other users can reach (pytest's tmp_path is 0700)."""
    root = Path(tempfile.mkdtemp(prefix="jaxgrade-sandbox-test-", dir="/tmp"))
    os.chmod(root, 0o711)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def run_hostile(work_dir, sandbox_uid):
    """Start hostile/<name>.py confined; wait for it unless wait=False."""
    started = []

    def run(name, *args, limits=SMALL, run_as="default", wait=True, timeout=60):
        scratch = work_dir / f"scratch{len(started)}"
        scratch.mkdir()
        shutil.copy(HOSTILE / f"{name}.py", scratch / "child.py")
        user = (str(sandbox_uid) if sandbox_uid is not None else None) if run_as == "default" else run_as
        stdout_path = work_dir / f"stdout{len(started)}.txt"
        stderr_path = work_dir / f"stderr{len(started)}.txt"
        proc, report = spawn_child(
            argv=[sys.executable, "-I", str(scratch / "child.py"), *map(str, args)],
            scratch=scratch, env={}, limits=limits, stdout_path=stdout_path,
            stderr_path=stderr_path, run_as=user)
        started.append((proc, report))
        if wait:
            proc.wait(timeout=timeout)
        return ChildRun(proc, report, scratch, stdout_path, stderr_path)

    yield run
    for proc, report in started:
        kill_everything(proc.pid, uid=report["separate_user"].get("uid"))
        proc.wait(timeout=10)
        release(report)


def setpriv() -> str:
    """Path of util-linux `setpriv`, which starts processes as another user or with fewer capabilities."""
    path = shutil.which("setpriv")
    if path is None:
        pytest.skip("setpriv (util-linux) is not installed")
    return path


def as_machine(command: list[str], *, uid: int | None = None, cap_sys_admin: bool = True,
               cgroup_readonly: bool = False) -> list[str]:
    """`command` run as a grader on another machine of the README's table (drivers/machine.py).

    Python is made reachable for every user first, as if installed under /usr/local;
    `uid` plays a laptop's normal user; without `cap_sys_admin` it plays root in Docker.
    """
    emulate = {"python_reachable": True, "uid": uid, "cap_sys_admin": cap_sys_admin,
               "cgroup_readonly": cgroup_readonly, "argv": command}
    return [sys.executable, str(DRIVERS / "machine.py"), json.dumps(emulate)]


def start_bystander(uid: int | None) -> subprocess.Popen:
    """A process of the child's user, outside the sandbox, that counts SIGUSR1s.

    Close its stdin to make it print the count and exit.
    """
    code = ("import signal, sys\nhits = []\n"
            "signal.signal(signal.SIGUSR1, lambda *a: hits.append(1))\n"
            "print('ready', flush=True)\nsys.stdin.read()\nprint(len(hits), flush=True)\n")
    prefix = [] if uid is None else [setpriv(), f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    proc = subprocess.Popen([*prefix, sys.executable, "-I", "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def secret_plan() -> dict:
    """What hostile/read_secrets.py should try to reach: every hidden file and folder."""
    files, dirs = [], []
    for top in SECRET_DIRS:
        for folder, _, names in os.walk(top):
            dirs.append(folder)
            files += [os.path.join(folder, n) for n in names]
    assert files, f"expected files under {SECRET_DIRS} to probe, found none"
    return {"files": files, "dirs": dirs, "checkout": str(CHECKOUT), "grader_pid": os.getpid()}


def stage_toy_module(tmp_path_factory, source: str):
    """A staged submission whose ``assignments/toy.py`` is ``source``, as the grader stages one."""
    staged = tmp_path_factory.mktemp("staged")
    (staged / "assignments").mkdir()
    (staged / "assignments" / "__init__.py").write_text("")
    (staged / "assignments" / "toy.py").write_text(source)
    return staged
