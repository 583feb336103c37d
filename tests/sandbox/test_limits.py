"""Resource limits hold inside the sandbox, and JAX still runs under the defaults."""
import signal
from dataclasses import replace

import pytest

from autograder.sandbox import Limits, landlock
from tests.sandbox.conftest import SMALL


def test_50_mb_of_output_is_cut_at_the_file_size_limit(run_hostile):
    run = run_hostile("flood_output")
    size = run.stdout_path.stat().st_size
    assert size <= SMALL.fsize_bytes, (
        f"expected stdout to stop at {SMALL.fsize_bytes} bytes (RLIMIT_FSIZE), it holds {size}")
    seen = run.result
    assert "File too large" in (seen["error"] or ""), (
        f"expected the child's write to fail with EFBIG, saw {seen['error']!r}")


def test_memory_beyond_the_limit_is_refused(run_hostile):
    small, large = 100 << 20, SMALL.memory_bytes + (512 << 20)
    seen = run_hostile("memory_hog", small, large).result
    assert seen[str(small)] == "ok", f"expected 100 MB to be allowed under a 1 GiB limit, saw {seen}"
    assert seen[str(large)] == "MemoryError", (
        f"expected {large} bytes to raise MemoryError under RLIMIT_DATA {SMALL.memory_bytes}, saw {seen}")


@pytest.mark.slow
def test_cpu_time_limit_kills_a_spinner_that_ignores_sigxcpu(run_hostile):
    run = run_hostile("cpu_spin", limits=replace(SMALL, cpu_seconds=1), timeout=30)
    assert run.proc.returncode == -signal.SIGKILL, (
        f"expected SIGKILL at the hard CPU limit, the child ended with {run.proc.returncode}")


@pytest.mark.slow
def test_jax_jit_works_in_x64_under_default_limits(run_hostile):
    run = run_hostile("jax_jit", limits=Limits(), timeout=120)
    assert run.proc.returncode == 0, f"JAX failed in the sandbox: {run.stderr_path.read_text()[-1500:]}"
    confining = ["memory_limit", "seccomp"] + (["landlock_filesystem"] if landlock.abi_version() else [])
    off = [name for name in confining if not run.report[name]["active"]]
    assert not off, f"JAX must work with these protections on, but {off} were off: {run.report}"
    seen = run.result
    assert (seen["value"], seen["dtype"]) == (2.0, "float64"), (
        f"expected jit(x + 1)(1.0) == 2.0 as float64 in the sandbox, saw {seen}")
    assert seen["grad"] == [0.0, 2.0, 4.0], f"expected grad of sum(x**2) at [0,1,2] = [0,2,4], saw {seen['grad']}"


@pytest.mark.parametrize("own_user", [True, False])
def test_a_uid_shared_with_the_grader_leaves_room_for_its_other_processes(monkeypatch, own_user):
    """RLIMIT_NPROC counts every task of the uid and is set on top of a snapshot: under the grader's own
    uid (a normal user) the user's other processes keep growing, so the limit leaves them room."""
    from autograder.sandbox import launcher

    set_to = {}
    monkeypatch.setattr(launcher.os, "getuid", lambda: 1001)
    monkeypatch.setattr(launcher, "_threads_of_uid", lambda uid: 41)  # 40 others and this process
    monkeypatch.setattr(launcher, "_set_limit", lambda which, soft, hard=None: set_to.update(soft=soft))
    detail = launcher._process_limit({"nproc": 10, "shared_uid_room": 100}, {}, own_user=own_user)
    assert set_to == {"soft": 40 + 10 + (0 if own_user else 100)}, detail
    assert ("room for the user's other processes" in detail) == (not own_user), detail
    assert Limits().shared_uid_room >= 2 * Limits().nproc  # room for the grader, its verifier and a sibling


BLAS_MODULE = '''
import os


def blas_threads():
    """Threads this process gains when SciPy's OpenBLAS loads (NumPy's loaded with the child)."""
    before = len(os.listdir("/proc/self/task"))
    import scipy.linalg  # noqa: F401

    return len(os.listdir("/proc/self/task")) - before
'''


@pytest.mark.slow
def test_the_child_starts_no_openblas_threads(tmp_path_factory, sandbox_uid):
    """OpenBLAS raises SIGINT when a thread cannot start (a KeyboardInterrupt blamed on the student's code):
    the child, one compute thread by design, asks it for none. Control: without the setting it starts some."""
    import os

    from autograder.sandbox.session import ChildSession
    from tests.sandbox.conftest import stage_toy_module

    staged = stage_toy_module(tmp_path_factory, BLAS_MODULE)
    run_as = str(sandbox_uid) if sandbox_uid is not None else None
    call = {"op": "call", "module": "toy", "function": "blas_threads", "args": [], "kwargs": {}, "transforms": []}
    gained = {}
    for label, extra_env in (("child", {}), ("without the setting", {"OPENBLAS_NUM_THREADS": ""})):
        with ChildSession(staged_dir=staged, limits=Limits(), run_as=run_as, extra_env=extra_env) as session:
            session.request({"op": "import", "module": "toy"}, timeout=120)
            gained[label] = session.request(call, timeout=60)
    assert gained["child"] == 0, f"the child started OpenBLAS threads: {gained}"
    if (os.cpu_count() or 1) > 1:
        assert gained["without the setting"] > 0, f"the control started no OpenBLAS thread: {gained}"
