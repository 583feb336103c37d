"""A hostile child cannot read hidden material, reach the network, signal the
grader, write outside scratch, or use system calls that undo the sandbox."""
import json
import os
import socket
import subprocess
import sys

import pytest

from tests.sandbox.conftest import CHECKOUT, HOSTILE, secret_plan, start_bystander


def test_child_cannot_read_or_import_hidden_files(run_hostile):
    run = run_hostile("read_secrets", json.dumps(secret_plan()))
    seen = run.result
    assert seen["read"] == [], (
        f"expected no hidden file to be readable, but the child read {seen['read'][:5]}; "
        "fix: fs_policy.build_rules must not grant these paths")
    assert seen["listed"] == [], f"expected hidden folders to be unlistable, child listed {seen['listed']}"
    assert seen["imported"] == [], f"expected imports of grader packages to fail, got {seen['imported']}"
    assert seen["walked_files"] > 10, (
        f"the child's walks saw only {seen['walked_files']} ordinary files; the probe itself "
        "is broken, so the checks above prove nothing")


def test_same_probe_unconfined_does_find_the_hidden_files(work_dir):
    # Control: without the sandbox the probe must succeed, or the test above is empty.
    child = HOSTILE / "read_secrets.py"
    subprocess.run([sys.executable, "-I", str(child), json.dumps(secret_plan())],
                   cwd=work_dir, check=True, timeout=120)
    seen = json.loads((work_dir / "result.json").read_text())
    assert seen["read"] and seen["imported"], (
        f"expected the unconfined probe to read and import hidden files, saw {seen}")


@pytest.fixture
def listeners():
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(1)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    for s in (tcp, udp):
        s.setblocking(False)
    yield tcp, udp
    tcp.close()
    udp.close()


def test_child_reaches_no_network(run_hostile, listeners):
    tcp, udp = listeners
    run = run_hostile("network", tcp.getsockname()[1], udp.getsockname()[1])
    seen = run.result
    reached = {name: outcome for name, outcome in seen.items() if outcome == "ok" and name != "unix_pair"}
    assert not reached, f"expected every network attempt to fail, but these worked: {reached}"
    assert seen["unix_pair"] == "ok", f"local socket pairs must keep working, saw {seen['unix_pair']}"
    with pytest.raises(BlockingIOError):
        tcp.accept()
    with pytest.raises(BlockingIOError):
        udp.recvfrom(64)


def test_child_cannot_signal_grader_or_its_users_other_processes(run_hostile, sandbox_uid):
    bystander = start_bystander(sandbox_uid)
    try:
        private_uid = [sandbox_uid] if sandbox_uid is not None else []  # enables kill(-1)
        run = run_hostile("signals", os.getpid(), bystander.pid, *private_uid)
    finally:
        hits, _ = bystander.communicate("", timeout=10)
    seen = run.result
    for name in ("probe_grader", "probe_grader_group", "usr1_bystander"):
        assert "Operation not permitted" in seen[name], (
            f"expected {name} to be refused with EPERM, saw {seen[name]!r}; "
            "fix: the separate user or Landlock's signal scope must be active")
    assert hits.strip() == "0", f"expected the bystander to get no SIGUSR1, it got {hits.strip()}"


def test_child_writes_only_inside_scratch(run_hostile, work_dir):
    targets = [f"/tmp/jaxgrade-escape-{os.getpid()}", str(CHECKOUT / f"escape-{os.getpid()}.txt"),
               str(work_dir / "escape.txt"), f"/dev/shm/jaxgrade-escape-{os.getpid()}"]
    run = run_hostile("escape_writes", json.dumps(targets))
    seen = run.result
    escaped = [t for t in targets if seen[t] == "ok" or os.path.exists(t)]
    for path in escaped:
        os.unlink(path)
    assert not escaped, f"expected writes outside scratch to fail, these succeeded: {escaped}"
    inside = [v for k, v in seen.items() if k.endswith("inside.txt")]
    assert inside == ["ok"], f"expected a write inside scratch to work, saw {inside}"


def test_child_cannot_use_escape_system_calls(run_hostile):
    seen = run_hostile("kernel_escapes", os.getpid()).result
    assert seen.pop("fork") == "ok", "plain fork must keep working under the seccomp filter"
    allowed = {name: err for name, err in seen.items() if err == "ok"}
    assert not allowed, f"expected ptrace/unshare/io_uring/mount to be refused, these worked: {allowed}"
    assert seen["io_uring_setup"] == "EPERM", (
        f"io_uring must be refused by seccomp (it can open sockets unseen), saw {seen['io_uring_setup']}")
