"""Which machine the numbers came from, and which devices to measure on.

A speed claim means little without the hardware next to it, so every report
opens with the CPU model, the cores this process may use, the load when the
run started (the machine may be shared), and the JAX stack.
"""
import importlib.metadata
import os
import platform

import jax

NO_GPU = "not measured (no GPU)"


def _cpuinfo():
    """The first processor's fields from /proc/cpuinfo ({} where unreadable)."""
    fields = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if not line.strip():
                    break  # end of the first processor's block
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    return fields


def _cpu_model(fields):
    """Marketing name plus family/model, which virtual machines often need."""
    name = fields.get("model name") or platform.processor() or platform.machine()
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    return name


def _simd(fields):
    """The vector extensions that decide float32 vs float64 throughput."""
    flags = set(fields.get("flags", "").split())
    return [flag for flag in ("avx512f", "avx2", "fma", "neon", "asimd") if flag in flags]


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def load_average():
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def gpu_device():
    """The first GPU JAX can see, or None."""
    try:
        gpus = jax.devices("gpu")
    except RuntimeError:
        return None
    return gpus[0] if gpus else None


def measurement_devices():
    """``{"cpu": device, "gpu": device}``; "gpu" only when JAX sees one."""
    devices = {"cpu": jax.devices("cpu")[0]}
    gpu = gpu_device()
    if gpu is not None:
        devices["gpu"] = gpu
    return devices


def describe_machine():
    """A JSON-ready description of this machine and its JAX stack."""
    gpu = gpu_device()
    cpuinfo = _cpuinfo()
    return {
        "cpu_model": _cpu_model(cpuinfo),
        "cpu_simd": _simd(cpuinfo),
        "cores_logical": os.cpu_count(),
        "cores_usable": _usable_cores(),
        "load_average_1_5_15min": load_average(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "jaxlib": _version("jaxlib"),
        "numpy": _version("numpy"),
        "jax_md": _version("jax-md"),
        "matplotlib": _version("matplotlib"),
        "default_backend": jax.default_backend(),
        "devices": [str(device) for device in jax.devices()],
        "gpu": str(gpu) if gpu is not None else None,
        "x64_enabled": bool(jax.config.jax_enable_x64),
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
    }


def machine_markdown(machine):
    """The report's machine paragraph, one line per fact."""
    gpu = machine["gpu"] or "none (GPU column: " + NO_GPU + ")"
    return "\n".join(
        [
            f"- CPU: {machine['cpu_model']}, SIMD {', '.join(machine['cpu_simd']) or 'unknown'}; "
            f"{machine['cores_usable']} usable of "
            f"{machine['cores_logical']} logical cores; load average at start "
            f"{machine['load_average_1_5_15min']}, at end {machine.get('load_average_at_end', '—')} "
            "(1/5/15 min; above the core count, other processes competed for the CPU)",
            f"- OS: {machine['platform']}, Python {machine['python']}",
            f"- JAX {machine['jax']} (jaxlib {machine['jaxlib']}), NumPy "
            f"{machine['numpy']}, jax-md {machine['jax_md'] or 'not installed'}",
            f"- Default backend: {machine['default_backend']}; devices: "
            f"{', '.join(machine['devices'])}; GPU: {gpu}",
            f"- 64-bit mode: {'on' if machine['x64_enabled'] else 'off'}; "
            f"XLA_FLAGS: `{machine['xla_flags'] or '(unset)'}`",
        ]
    )


def put(device, *arrays):
    """Copy NumPy arrays onto ``device``; jitted calls then run there."""
    return tuple(jax.device_put(array, device) for array in arrays)


def is_cpu(device):
    return device.platform == "cpu"
