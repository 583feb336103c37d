"""The protections report names every mechanism, the summary tells instructors
what is missing, and the sandbox degrades (never breaks) where a layer is
unavailable: a user it cannot switch to, a grader without root."""
import json
import os
import subprocess
import sys

import pytest

from autograder.sandbox import (
    MECHANISMS,
    SandboxStartError,
    describe_protections,
    landlock,
    release,
    spawn_child,
)
from tests.sandbox.conftest import (
    CHECKOUT,
    DRIVERS,
    HOSTILE,
    SMALL,
    as_machine,
    secret_plan,
    setpriv,
    start_bystander,
)

ROOT = os.geteuid() == 0


def _full_report() -> dict:
    return {name: {"active": True, "detail": f"{name} on"} for name in MECHANISMS}


def test_report_names_every_mechanism_with_a_reason(run_hostile):
    run = run_hostile("escape_writes", "[]")
    missing = set(MECHANISMS) - set(run.report)
    assert not missing, f"expected the report to name every mechanism, these are absent: {missing}"
    for name, entry in run.report.items():
        assert isinstance(entry["active"], bool) and entry["detail"], f"{name}: incomplete entry {entry}"


@pytest.mark.skipif(not (ROOT and landlock.abi_version() >= 6),
                    reason="all layers need root and Landlock ABI >= 6 (kernel 6.12+)")
def test_every_protection_is_active_as_root_on_a_modern_kernel(run_hostile):
    report = run_hostile("escape_writes", "[]").report
    off = {name: entry["detail"] for name, entry in report.items() if not entry["active"]}
    assert not off, f"expected all protections active here, these are off: {off}"


def test_summary_counts_and_explains_missing_protections():
    report = _full_report()
    assert describe_protections(report).startswith(f"Sandbox: {len(MECHANISMS)} of {len(MECHANISMS)}")
    report["network_namespace"] = {"active": False, "detail": "needs root; running as uid 1000"}
    del report["seccomp"]
    text = describe_protections(report)
    assert f"{len(MECHANISMS) - 2} of {len(MECHANISMS)}" in text, text
    assert "private network namespace: off (needs root; running as uid 1000)" in text, text
    assert "seccomp filter: off (not reported by the launcher)" in text, text
    assert "WARNING" not in text, "one file layer is still active, so no exposure warning is due"


def test_summary_warns_when_nothing_confines_file_access():
    report = _full_report()
    for name in ("landlock_filesystem", "separate_user"):
        report[name] = {"active": False, "detail": "unavailable"}
    assert "WARNING" in describe_protections(report) and "hidden tests" in describe_protections(report)


def _private_interpreter(work_dir):
    """A Python reached only through a 0700 folder (like pyenv under /root), beside a secret."""
    private = work_dir / "private"
    private.mkdir(mode=0o700)
    (private / "python").symlink_to(sys.executable)
    (private / "secret.txt").write_text("grader only")
    scratch = work_dir / "s"
    scratch.mkdir()
    probe = ("import json, os, sys\nseen = {'uid': os.getuid()}\n"
             "for name in sys.argv[1:]:\n    try:\n        seen[name] = sorted(os.listdir(name)) "
             "if os.path.isdir(name) else open(name).read()\n"
             "    except OSError as error:\n        seen[name] = type(error).__name__\n"
             "json.dump(seen, open('result.json', 'w'))\n")
    (scratch / "child.py").write_text(probe)
    return private, scratch


def _run_probe(work_dir, scratch, interpreter, uid, *paths) -> dict:
    """Run the probe of ``_private_interpreter`` with ``interpreter`` as ``uid``; its protections report."""
    proc, report = spawn_child(argv=[str(interpreter), "-I", str(scratch / "child.py"), *map(str, paths)],
                               scratch=scratch, env={}, limits=SMALL, stdout_path=work_dir / "o",
                               stderr_path=work_dir / "e", run_as=str(uid))
    try:
        assert proc.wait(timeout=60) == 0, (work_dir / "e").read_text()
    finally:
        release(report)
    return report


@pytest.mark.skipif(not ROOT, reason="switching users needs root")
def test_interpreter_under_an_unsearchable_folder_is_reached_without_exposing_the_rest(work_dir, sandbox_uid):
    private, scratch = _private_interpreter(work_dir)
    secret = private / "secret.txt"
    report = _run_probe(work_dir, scratch, private / "python", sandbox_uid, secret, private)
    entry = report["separate_user"]
    assert entry["active"] and "private mount namespace" in entry["detail"], (
        f"expected the user switch to hold through a private mount namespace, saw {entry}")
    assert str(private) in entry["detail"], f"expected the report to name the covered folder, saw {entry}"
    seen = json.loads((scratch / "result.json").read_text())
    assert seen["uid"] == sandbox_uid, f"expected the child to run as uid {sandbox_uid}, saw {seen['uid']}"
    assert seen[str(secret)] == "FileNotFoundError", (
        f"expected the secret beside the interpreter to be absent in the child's view, saw {seen[str(secret)]!r}")
    assert seen[str(private)] in (["python"], "PermissionError"), (
        f"expected the covered folder to show only the interpreter's link, saw {seen[str(private)]}")


@pytest.mark.skipif(not ROOT, reason="switching users needs root")
def test_an_interpreter_reached_through_two_links_in_private_folders_starts(work_dir, sandbox_uid):
    """A venv made by `~/bin/python3` (a link to pyenv's Python) links to that link: every hop is made."""
    private, scratch = _private_interpreter(work_dir)
    venv = work_dir / "checkout"
    venv.mkdir(mode=0o700)
    (venv / "python3").symlink_to(private / "python")  # venv/bin/python3 -> ~/bin/python3 -> the real one
    _run_probe(work_dir, scratch, venv / "python3", sandbox_uid)
    assert json.loads((scratch / "result.json").read_text())["uid"] == sandbox_uid


@pytest.mark.skipif(not ROOT, reason="needs root to drop a capability")
def test_unreachable_interpreter_without_cap_sys_admin_refuses_to_run_as_root(work_dir, sandbox_uid):
    # Docker without CAP_SYS_ADMIN: no mount namespace, so the user cannot reach a home-folder
    # Python; grading must stop with the fix rather than run student code as root.
    private, scratch = _private_interpreter(work_dir)
    code = ("import sys\nfrom pathlib import Path\nfrom autograder.sandbox import SandboxStartError, spawn_child\n"
            "from autograder.sandbox.spawn import Limits\ntry:\n"
            f"    spawn_child(argv=[{str(private / 'python')!r}, '-I', {str(scratch / 'child.py')!r}], "
            f"scratch=Path({str(scratch)!r}), env={{}}, limits=Limits(nproc=64), "
            f"stdout_path=Path({str(work_dir / 'o')!r}), stderr_path=Path({str(work_dir / 'e')!r}), "
            f"run_as={str(sandbox_uid)!r})\nexcept SandboxStartError as error:\n    print(error)\n")
    done = subprocess.run([setpriv(), "--bounding-set=-sys_admin", "--inh-caps=-sys_admin",
                           sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=str(CHECKOUT))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refusing to run student code as root" in done.stdout and "CAP_SYS_ADMIN" in done.stdout, (
        f"expected a refusal naming the missing capability, saw {done.stdout!r}")
    assert "/usr/local or /opt" in done.stdout, f"expected the refusal to name the fix, saw {done.stdout!r}"
    assert not (scratch / "result.json").exists(), "the child ran although the grader refused"


def test_exec_failure_is_reported_not_hidden(work_dir):
    with pytest.raises(SandboxStartError, match="No such file"):
        spawn_child(argv=["/nonexistent/python3", "-c", "pass"], scratch=work_dir / "s", env={},
                    limits=SMALL, stdout_path=work_dir / "o", stderr_path=work_dir / "e", run_as=None)


@pytest.mark.skipif(not ROOT, reason="needs root to start the grader as another user")
def test_grader_without_root_keeps_landlock_seccomp_and_limits(work_dir, sandbox_uid):
    home = work_dir / "home"
    home.mkdir(mode=0o700)
    os.chown(home, sandbox_uid, sandbox_uid)
    bystander = start_bystander(sandbox_uid)
    plan = {"home": str(home), "hostile": str(HOSTILE), "run_as": "nobody", "runs": [
        {"name": "read_secrets", "args": [json.dumps(secret_plan())]},
        {"name": "signals", "args": ["1", str(bystander.pid)]},
        {"name": "network", "args": ["1", "2"]},
    ]}
    try:
        driver = [sys.executable, str(DRIVERS / "restricted_grader.py"), json.dumps(plan)]
        done = subprocess.run(as_machine(driver, uid=sandbox_uid), capture_output=True, text=True, timeout=120)
    finally:
        hits, _ = bystander.communicate("", timeout=10)
    assert done.returncode == 0, f"the unprivileged driver failed:\n{done.stderr[-2000:]}"
    secrets, signals, network = json.loads(done.stdout)
    report = secrets["report"]
    for name in ("separate_user", "network_namespace"):
        assert not report[name]["active"] and "needs root" in report[name]["detail"], report[name]
    on = ["landlock_filesystem", "landlock_network", "landlock_signals", "seccomp",
          "no_new_privileges", "process_limit", "memory_limit", "file_size_limit"]
    off = [name for name in on if not report[name]["active"]]
    assert not off, f"expected these to hold without root, but they are off: {off}"
    assert secrets["result"]["read"] == [], f"hidden files readable without root: {secrets['result']['read']}"
    assert "Operation not permitted" in signals["result"]["usr1_bystander"], signals
    assert hits.strip() == "0", f"a same-user bystander got {hits.strip()} SIGUSR1 from the child"
    reached = [n for n, outcome in network["result"].items() if outcome == "ok" and n != "unix_pair"]
    assert not reached, f"expected no network without root, these worked: {reached}"


@pytest.mark.skipif(not (ROOT and landlock.abi_version() >= 6),
                    reason="needs root to drop a capability, and Landlock ABI >= 6 for the rest")
def test_root_without_cap_sys_admin_loses_only_the_network_namespace(work_dir, sandbox_uid):
    # Docker's default capability set lacks CAP_SYS_ADMIN, as on Gradescope.
    plan = {"home": str(work_dir), "hostile": str(HOSTILE), "run_as": str(sandbox_uid),
            "runs": [{"name": "network", "args": ["1", "2"]}]}
    driver = [sys.executable, str(DRIVERS / "restricted_grader.py"), json.dumps(plan)]
    done = subprocess.run(as_machine(driver, cap_sys_admin=False), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the driver failed:\n{done.stderr[-2000:]}"
    (network,) = json.loads(done.stdout)
    off = {name: entry["detail"] for name, entry in network["report"].items() if not entry["active"]}
    assert set(off) == {"network_namespace"} and "Operation not permitted" in off["network_namespace"], (
        f"expected only the namespace to be lost without CAP_SYS_ADMIN, these are off: {off}")
    reached = [n for n, outcome in network["result"].items() if outcome == "ok" and n != "unix_pair"]
    assert not reached, f"expected seccomp and Landlock to keep the network closed, these worked: {reached}"
