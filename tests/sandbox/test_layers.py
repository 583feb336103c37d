"""Each protection layer holds on its own, so losing one (inside Docker, on a
laptop, on an old kernel) does not open the door. The launcher is driven with
a configuration that switches every other layer off."""
import json
import os
import shutil
import socket
import sys

import pytest

from autograder.sandbox import landlock, reach, spawn
from tests.sandbox.conftest import HOSTILE, SMALL, secret_plan, start_bystander

ROOT = os.geteuid() == 0
LANDLOCK_ABI = landlock.abi_version()


def run_layers(work_dir, name, *args, netns=False, landlock_rules=False, seccomp=False, uid=None,
               drop_caps=False):
    scratch = spawn.prepare_scratch(work_dir / "scratch")
    shutil.copy(HOSTILE / f"{name}.py", scratch / "child.py")
    argv = [sys.executable, "-I", str(scratch / "child.py"), *map(str, args)]
    who, plan = None, None
    if uid is not None:  # the user switch brings the mount namespace that reaches a home-folder Python
        who, why_not, plan = spawn.plan_user(str(uid), interpreter=argv[0], scratch=scratch)
        assert who is not None, why_not
        os.chown(scratch, uid, uid)
        os.chown(scratch / "child.py", uid, uid)
    config = spawn.launcher_config(argv=argv, scratch=scratch, env={}, limits=SMALL,
                                   who=who, why_not="switched off for this test", reach_plan=plan)
    config.update(network_namespace=netns, seccomp=seccomp, drop_capabilities=drop_caps)
    if not landlock_rules:
        config["landlock"] = None
    proc, report = spawn.start_launcher(config, scratch=scratch, stdout_path=work_dir / "out",
                                        stderr_path=work_dir / "err")
    proc.wait(timeout=60)
    result = scratch / "result.json"
    assert result.exists(), f"child wrote no result; stderr: {(work_dir / 'err').read_text()[-1500:]}"
    return report, json.loads(result.read_text())


@pytest.fixture
def loopback_ports():
    tcp = socket.create_server(("127.0.0.1", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    yield tcp.getsockname()[1], udp.getsockname()[1]
    tcp.close()
    udp.close()


@pytest.mark.skipif(not ROOT, reason="a network namespace needs root")
def test_network_namespace_alone_cuts_loopback_and_internet(work_dir, loopback_ports):
    report, seen = run_layers(work_dir, "network", *loopback_ports, netns=True)
    assert report["network_namespace"]["active"], report["network_namespace"]
    for name in ("tcp_loopback", "udp_loopback", "tcp_internet", "udp_dns"):
        assert seen[name] != "ok", f"expected {name} to fail in an empty namespace, it worked"


@pytest.mark.skipif(LANDLOCK_ABI < 4, reason=f"Landlock ABI {LANDLOCK_ABI} has no TCP rules")
def test_landlock_alone_refuses_tcp(work_dir, loopback_ports):
    report, seen = run_layers(work_dir, "network", *loopback_ports, landlock_rules=True)
    assert report["landlock_network"]["active"], report["landlock_network"]
    for name in ("tcp_loopback", "tcp_ipv6_loopback", "tcp_internet"):
        assert "Permission denied" in seen[name], f"expected Landlock to refuse {name}, saw {seen[name]!r}"


def test_seccomp_alone_refuses_every_network_socket(work_dir, loopback_ports):
    report, seen = run_layers(work_dir, "network", *loopback_ports, seccomp=True)
    assert report["seccomp"]["active"], report["seccomp"]
    for name, outcome in seen.items():
        if name != "unix_pair":
            assert "Permission denied" in outcome, f"expected seccomp to refuse {name}, saw {outcome!r}"


@pytest.mark.skipif(LANDLOCK_ABI < 1, reason="Landlock is not available in this kernel")
def test_landlock_alone_hides_the_checkout_even_from_root(work_dir):
    report, seen = run_layers(work_dir, "read_secrets", json.dumps(secret_plan()), landlock_rules=True)
    assert report["landlock_filesystem"]["active"], report["landlock_filesystem"]
    files = [path for path in seen["read"] if not path.startswith("/proc/")]
    assert files == [] and seen["imported"] == [], (
        f"expected Landlock alone to hide solutions and checks, the child got {seen}")


@pytest.mark.skipif(not (ROOT and LANDLOCK_ABI >= 1), reason="needs root and Landlock")
def test_root_child_without_capabilities_cannot_read_the_grader_environment(work_dir):
    # On kernel 6.18, root with CAP_SYS_PTRACE reads /proc/<grader>/environ and
    # maps despite Landlock (they are left to the ptrace checks, which the
    # capability passes). A root child must therefore also lose its capabilities.
    report, seen = run_layers(work_dir, "read_secrets", json.dumps(secret_plan()),
                              landlock_rules=True, drop_caps=True)
    assert report["no_capabilities"]["active"], report["no_capabilities"]
    assert seen["read"] == [], f"expected nothing readable once capabilities are dropped, saw {seen['read']}"


@pytest.mark.skipif(not ROOT, reason="switching users needs root")
def test_separate_user_alone_does_not_hide_a_world_readable_checkout(work_dir, sandbox_uid):
    # Why Landlock matters: a checkout is usually world-readable, so another uid still reads it.
    # A checkout in a private folder (mktemp -d, a 0700 home) is the exception: there the folder's
    # mode alone hides it, and that is asserted instead.
    plan = secret_plan()
    world_readable = reach.why_unreachable(plan["files"][0], "r", sandbox_uid, sandbox_uid, None) is None
    report, seen = run_layers(work_dir, "read_secrets", json.dumps(plan), uid=sandbox_uid)
    assert report["separate_user"]["active"], report["separate_user"]
    if world_readable:
        assert seen["read"], "expected a bare uid switch to leave the world-readable checkout readable"
    else:
        assert not seen["read"], f"the private checkout should be out of the uid's reach, read: {seen['read']}"


@pytest.mark.skipif(LANDLOCK_ABI < 6, reason=f"Landlock ABI {LANDLOCK_ABI} has no signal scope")
def test_landlock_alone_stops_signals_even_between_same_user_processes(work_dir):
    bystander = start_bystander(None)  # our own user: only the Landlock scope stands between
    try:
        report, seen = run_layers(work_dir, "signals", os.getpid(), bystander.pid, landlock_rules=True)
    finally:
        hits, _ = bystander.communicate("", timeout=10)
    assert report["landlock_signals"]["active"], report["landlock_signals"]
    assert "Operation not permitted" in seen["usr1_bystander"], seen
    assert hits.strip() == "0", f"expected no SIGUSR1 to reach the bystander, it got {hits.strip()}"
