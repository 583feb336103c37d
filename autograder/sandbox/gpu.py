"""GPU mode of the sandbox: what the child may open so that CUDA works, and nothing more.

Off by default. When the GPU tier is graded (`jaxgrade grade --gpu`), the child
additionally gets:

- read-write access (Landlock, ioctls included from ABI 5) to the NVIDIA device
  nodes that exist on this machine: /dev/nvidiactl, /dev/nvidia0..N,
  /dev/nvidia-uvm, /dev/nvidia-uvm-tools, /dev/nvidia-caps/* (MIG);
- read access to what the driver and CUDA read besides: /proc/driver/nvidia
  (already readable with /proc), the PCI device tree in /sys, the nvidia kernel
  modules' parameters in /sys/module, a system CUDA toolkit under /usr/local/cuda*,
  and the CUDA libraries pip installs in site-packages (nvidia/*, jax_cuda*_plugin,
  jax_cuda*_pjrt; already readable with site-packages, listed so the report names them);
- an environment that lets JAX pick the GPU (JAX_PLATFORMS unset; CUDA_VISIBLE_DEVICES
  passed on) and caps the child's share of GPU memory (XLA_PYTHON_CLIENT_MEM_FRACTION),
  since the grader computes its references on the same GPU.

Unchanged: the seccomp filter refuses no ioctl, so ioctls on the device nodes pass
(tests/sandbox/test_gpu_mode.py keeps it so); the memory limit stays RLIMIT_DATA,
which counts private writable mappings only: CUDA's large address-space reservations
(PROT_NONE) and device mappings (shared, on /dev/nvidia*) are not counted, so they do
not break. Only RLIMIT_AS would, and GPU mode lifts an inherited one to its hard limit.
Device memory itself is outside every rlimit; the memory fraction caps it.

Standard library only: the launcher imports this file by path.
"""
import glob
import os
import resource

DEVICE_PATTERNS = ("/dev/nvidiactl", "/dev/nvidia[0-9]*", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools",
                   "/dev/nvidia-modeset", "/dev/nvidia-caps/*")
DRIVER_READ_PATTERNS = ("/proc/driver/nvidia", "/sys/bus/pci/devices", "/sys/devices/pci*",
                        "/sys/module/nvidia", "/sys/module/nvidia_uvm", "/usr/local/cuda*")
SITE_PATTERNS = ("nvidia/*", "jax_cuda*_plugin", "jax_cuda*_pjrt", "jax_plugins")
CHILD_MEMORY_FRACTION = "0.45"  # of the GPU's memory; the grader's references need the rest
PASSED_ON_ENV = ("CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES")


def _existing(patterns, root: str = "") -> list[str]:
    found = []
    for pattern in patterns:
        found += sorted(glob.glob(os.path.join(root, pattern) if root else pattern))
    return sorted(dict.fromkeys(os.path.realpath(p) for p in found if os.path.exists(p)))


def device_nodes() -> list[str]:
    """The NVIDIA device nodes present on this machine (none on a machine without the driver)."""
    return [p for p in _existing(DEVICE_PATTERNS) if not os.path.isdir(p)]


def driver_read_paths() -> list[str]:
    """Driver files outside the device nodes that CUDA reads, where they exist."""
    return _existing(DRIVER_READ_PATTERNS)


def cuda_library_dirs(site_dirs) -> list[str]:
    """CUDA libraries installed by pip (the `cuda` extra) in the given site-packages folders."""
    found = []
    for site in site_dirs:
        found += _existing(SITE_PATTERNS, root=str(site))
    return found


def child_environment(parent_env=None) -> dict:
    """Environment entries for a GPU-mode child (an empty JAX_PLATFORMS means: let JAX choose)."""
    parent_env = os.environ if parent_env is None else parent_env
    env = {"JAX_PLATFORMS": "", "XLA_PYTHON_CLIENT_MEM_FRACTION": CHILD_MEMORY_FRACTION}
    env.update({k: parent_env[k] for k in PASSED_ON_ENV if k in parent_env})
    return env


def grants(site_dirs) -> dict:
    """What GPU mode opens: {"devices": read-write paths, "read": read-only paths, "env": entries}."""
    return {
        "devices": device_nodes(),
        "read": driver_read_paths() + cuda_library_dirs(site_dirs),
        "env": child_environment(),
    }


def report_entry(granted: dict) -> dict:
    """The protections report's "gpu_mode" entry: what GPU mode opened, for instructors."""
    devices = granted["devices"]
    detail = (
        f"GPU mode opened {len(devices)} NVIDIA device node(s) read-write with their ioctls"
        + (f" ({', '.join(devices)})" if devices else " (none exist on this machine, so JAX sees no GPU)")
        + f"; read-only: {len(granted['read'])} driver and CUDA library path(s); "
        "the child may use up to " + str(granted["env"]["XLA_PYTHON_CLIENT_MEM_FRACTION"]) + " of GPU memory. "
        "Nothing else is loosened: same user, limits, network and seccomp rules."
    )
    return {"active": True, "detail": detail, "devices": list(devices), "read": list(granted["read"])}


def lift_address_space_limit() -> str:
    """In the launcher: CUDA reserves terabytes of address space, so an inherited RLIMIT_AS must go."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    shown = "unlimited" if hard == resource.RLIM_INFINITY else f"{hard / 2**30:.1f} GiB (hard limit)"
    return (f"; GPU mode: RLIMIT_AS {shown}, CUDA's address-space reservations and device mappings "
            "are not counted by RLIMIT_DATA")
