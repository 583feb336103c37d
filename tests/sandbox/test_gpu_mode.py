"""GPU mode of the sandbox, checked on a CPU: what it opens, what it leaves alone,
and that it is off unless the GPU tier is graded. (No GPU has run these; docs/gpu.md.)"""
import errno
import inspect
import json
import os
import subprocess
import sys

import pytest

from autograder.sandbox import describe_protections, fs_policy, gpu, kill_everything, landlock, release, seccomp, spawn
from autograder.sandbox.session import ChildSession
from tests.sandbox.conftest import SMALL
from tests.sandbox.test_seccomp_filter import ALLOW, run_filter

IOCTL = {"x86_64": 16, "aarch64": 29}  # the ioctl system call's number


@pytest.fixture
def fake_driver(tmp_path, monkeypatch):
    """Device nodes and driver folders as plain files under tmp_path, so the policy can be read on any machine."""
    dev, sysfs, site = tmp_path / "dev", tmp_path / "sys", tmp_path / "site"
    for path in (dev / "nvidiactl", dev / "nvidia0", dev / "nvidia-uvm", sysfs / "bus/pci/devices/0000:01:00.0/vendor"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    (dev / "nvme0").write_text("")  # not an NVIDIA node: must stay closed
    (site / "nvidia" / "cublas" / "lib").mkdir(parents=True)
    monkeypatch.setattr(gpu, "DEVICE_PATTERNS", (f"{dev}/nvidiactl", f"{dev}/nvidia[0-9]*", f"{dev}/nvidia-uvm"))
    monkeypatch.setattr(gpu, "DRIVER_READ_PATTERNS", (f"{sysfs}/bus/pci/devices",))
    real_dirs = fs_policy.python_dirs()
    monkeypatch.setattr(fs_policy, "python_dirs", lambda: [*real_dirs, site])
    return {"devices": sorted(str(dev / n) for n in ("nvidiactl", "nvidia0", "nvidia-uvm")),
            "other_device": str(dev / "nvme0"), "sys": str(sysfs / "bus/pci/devices"),
            "cuda_libs": str(site / "nvidia" / "cublas")}


def _config(tmp_path, *, gpu_mode: bool) -> dict:
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    return spawn.launcher_config(argv=[sys.executable], scratch=scratch, env={"A": "1"}, limits=spawn.Limits(),
                                 who=None, why_not="not requested", gpu_mode=gpu_mode)


def test_gpu_mode_is_off_by_default(tmp_path):
    assert inspect.signature(spawn.spawn_child).parameters["gpu_mode"].default is False
    assert inspect.signature(ChildSession).parameters["gpu"].default is False
    config = _config(tmp_path, gpu_mode=False)
    assert config["gpu"] is False and config["gpu_grants"] is None
    opened = [p for p in config["landlock"]["read_write"] + config["landlock"]["devices"] if "nvidia" in p]
    assert not opened, f"expected no NVIDIA path writable outside GPU mode, saw {opened}"
    assert config["landlock"]["devices"] == []
    assert "XLA_PYTHON_CLIENT_MEM_FRACTION" not in config["env"]


def test_gpu_mode_opens_the_nvidia_nodes_and_driver_paths_and_nothing_else(tmp_path, fake_driver):
    plain, with_gpu = _config(tmp_path, gpu_mode=False), _config(tmp_path, gpu_mode=True)
    assert with_gpu["landlock"]["read_write"] == plain["landlock"]["read_write"]
    devices = with_gpu["landlock"]["devices"]
    assert devices == fake_driver["devices"], f"expected exactly the NVIDIA nodes opened, saw {devices}"
    assert fake_driver["other_device"] not in devices
    readable = with_gpu["landlock"]["read_execute"]
    assert any(fake_driver["sys"].startswith(p) for p in readable), f"expected {fake_driver['sys']} readable"
    assert any(fake_driver["cuda_libs"].startswith(p) for p in readable), "expected the CUDA wheels readable"
    for key in ("limits", "run_as", "network_namespace", "drop_capabilities", "seccomp"):
        assert with_gpu[key] == plain[key], f"GPU mode must not change {key}: {plain[key]} -> {with_gpu[key]}"
    assert set(plain["landlock"]["read_execute"]) <= set(readable) | set(with_gpu["landlock"]["list_only"])
    hidden = set(fs_policy.build_rules(interpreter=sys.executable, scratch=tmp_path)["hidden"])
    assert not hidden & set(readable), "GPU mode must not expose the grader's own files"
    env = with_gpu["env"]
    assert env["A"] == "1" and env["XLA_PYTHON_CLIENT_MEM_FRACTION"] == gpu.CHILD_MEMORY_FRACTION
    assert env.get("JAX_PLATFORMS", "") == "", "in GPU mode JAX must be free to pick the GPU"


def test_the_report_lists_what_gpu_mode_opened(fake_driver):
    entry = gpu.report_entry(gpu.grants(fs_policy.python_dirs()))
    assert entry["active"] and entry["devices"] == fake_driver["devices"]
    assert fake_driver["sys"] in entry["read"] and fake_driver["cuda_libs"] in entry["read"]
    text = describe_protections({"gpu_mode": entry})
    assert "GPU mode opened 3 NVIDIA device node(s)" in text and fake_driver["devices"][0] in text
    assert "GPU mode" not in describe_protections({}), "no GPU line outside GPU mode"


def test_a_machine_without_the_driver_gets_nothing_opened(monkeypatch, tmp_path):
    monkeypatch.setattr(gpu, "DEVICE_PATTERNS", (f"{tmp_path}/nvidia*",))
    entry = gpu.report_entry(gpu.grants([]))
    assert entry["devices"] == [] and "none exist on this machine" in entry["detail"]


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_seccomp_lets_device_ioctls_through(machine):
    """CUDA talks to the driver by ioctl on /dev/nvidia*: the filter must keep allowing it."""
    table = seccomp.syscall_table(machine)
    program = seccomp.build_program(table)
    for request in (0, 0xC0104629, 0x4602):  # arbitrary, an NVIDIA-style _IOWR, FIOCLEX-like
        verdict = run_filter(program, arch=table["audit_arch"], nr=IOCTL[machine], arg0=request)
        assert verdict == ALLOW, f"expected ioctl allowed on {machine}, got {verdict:#x}"


def test_gpu_mode_lifts_an_inherited_address_space_limit():
    """RLIMIT_AS would break CUDA's reservations; the launcher lifts a soft one to the hard limit."""
    code = (
        "import resource, sys; sys.path.insert(0, sys.argv[1]); import gpu;"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 34, resource.RLIM_INFINITY));"
        "note = gpu.lift_address_space_limit();"
        "print(resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY, 'RLIMIT_AS unlimited' in note)"
    )
    folder = os.path.dirname(gpu.__file__)
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code, folder], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"], out.stdout + out.stderr


_OPEN_DEVICE = """
import errno, fcntl, json, os, sys, termios
path, out = sys.argv[1], sys.argv[2]
try:
    fd = os.open(path, os.O_RDWR)
except OSError as error:
    result = {"open": error.errno}
else:
    try:
        fcntl.ioctl(fd, termios.FIONREAD, b"\\0" * 4)
        result = {"open": 0, "ioctl": 0}
    except OSError as error:
        result = {"open": 0, "ioctl": error.errno}
with open(out, "w") as fh:
    json.dump(result, fh)
"""


@pytest.mark.skipif(landlock.abi_version() < 5 or not os.path.exists("/dev/full"),
                    reason="needs Landlock ABI >= 5 (device ioctls) and /dev/full as a stand-in device")
@pytest.mark.parametrize("gpu_mode", [False, True])
def test_landlock_opens_a_device_with_its_ioctls_only_in_gpu_mode(work_dir, sandbox_uid, monkeypatch, gpu_mode):
    """/dev/full stands in for /dev/nvidia0: a character device the sandbox otherwise keeps closed."""
    monkeypatch.setattr(gpu, "DEVICE_PATTERNS", ("/dev/full",))
    scratch = work_dir / "scratch"
    scratch.mkdir()
    (scratch / "child.py").write_text(_OPEN_DEVICE)
    proc, report = spawn.spawn_child(
        argv=[sys.executable, "-I", str(scratch / "child.py"), "/dev/full", str(scratch / "result.json")],
        scratch=scratch, env={}, limits=SMALL, stdout_path=work_dir / "out.txt", stderr_path=work_dir / "err.txt",
        run_as=str(sandbox_uid) if sandbox_uid is not None else None, gpu_mode=gpu_mode)
    try:
        proc.wait(timeout=60)
    finally:
        kill_everything(proc.pid, uid=report["separate_user"].get("uid"))
        release(report)
    assert report["landlock_filesystem"]["active"], report["landlock_filesystem"]
    result = json.loads((scratch / "result.json").read_text())
    if gpu_mode:
        assert result["open"] == 0, f"expected GPU mode to open the device read-write, got errno {result['open']}"
        assert result["ioctl"] != errno.EACCES, "expected the device's ioctls allowed (the device may say ENOTTY)"
        assert report["gpu_mode"]["devices"] == ["/dev/full"]
    else:
        assert result["open"] == errno.EACCES, f"expected the device closed outside GPU mode, got {result}"
        assert "gpu_mode" not in report
