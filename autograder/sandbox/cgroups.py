"""Process and memory limits for the child's whole process tree, whatever its uid.

RLIMIT_NPROC counts tasks per uid and the kernel never applies it to root, so
a child left running as root could fork without end. A cgroup's `pids.max`
binds every task in it, root's included, and its memory limit caps the whole
tree's memory. The grader makes one cgroup per child below its own (cgroup v2
with the pids controller delegated, or the v1 `pids` and `memory`
hierarchies), the launcher moves itself in while it is still root, and the
grader removes the cgroup once the child is gone. Where no hierarchy is
writable (a laptop user, Docker's read-only /sys/fs/cgroup), the plan says why
and RLIMIT_NPROC is all there is. Standard library only: the launcher imports
this file by path.
"""
import itertools
import os
from pathlib import Path

_PREFIX = "jaxgrade-"
_counter = itertools.count()


def _own_cgroups() -> dict[str, Path]:
    """Controller name ("pids", "memory", or "" for cgroup v2) -> our cgroup's folder."""
    mounts: dict[str, tuple[str, str]] = {}  # controller -> (mount point, mount root)
    with open("/proc/self/mountinfo") as info:
        for line in info:
            left, _, right = line.partition(" - ")
            fields, (fstype, _, options) = left.split(), right.split()[:3]
            if fstype == "cgroup2":
                mounts.setdefault("", (fields[4], fields[3]))
            elif fstype == "cgroup":
                for name in ("pids", "memory"):
                    if name in options.split(","):
                        mounts.setdefault(name, (fields[4], fields[3]))
    found = {}
    with open("/proc/self/cgroup") as own:
        for line in own:
            _, names, path = line.rstrip("\n").split(":", 2)
            for name in names.split(",") if names else [""]:
                if name in mounts:
                    point, root = mounts[name]
                    relative = os.path.relpath(path, root) if path.startswith(root) else path.lstrip("/")
                    found[name] = Path(point) / ("" if relative == "." else relative)
    return found


def _write(path: Path, text: str) -> None:
    with open(path, "w") as out:
        out.write(text)


def _sweep(parent: Path) -> None:
    """Remove empty cgroups left by graders that are gone (rmdir refuses busy ones)."""
    for folder in parent.glob(_PREFIX + "*"):
        grader = folder.name[len(_PREFIX):].split("-")[0]
        if grader.isdigit() and not os.path.exists(f"/proc/{grader}"):
            try:
                os.rmdir(folder)
            except OSError:
                pass


def _make(parent: Path, name: str, settings: dict) -> Path:
    _sweep(parent)
    folder = parent / name
    folder.mkdir()
    try:
        for key, value in settings.items():
            _write(folder / key, str(value))
    except OSError:
        os.rmdir(folder)
        raise
    return folder


def _v2(parent: Path, name: str, nproc: int, memory: int) -> dict:
    enabled = (parent / "cgroup.subtree_control").read_text().split()
    if "pids" not in enabled or "memory" not in enabled:
        _write(parent / "cgroup.subtree_control", "+pids +memory")
    folder = _make(parent, name, {"pids.max": nproc, "memory.max": memory, "memory.swap.max": 0})
    return {"dirs": [str(folder)], "procs": [str(folder / "cgroup.procs")],
            "pids": f"cgroup v2 pids.max {nproc}", "memory": f"cgroup v2 memory.max {memory >> 20} MiB"}


def _v1(found: dict, name: str, nproc: int, memory: int) -> dict:
    plan: dict = {"dirs": []}
    try:
        if "pids" in found:
            plan["dirs"].append(str(_make(found["pids"], name, {"pids.max": nproc})))
            plan["pids"] = f"cgroup v1 pids.max {nproc}"
        if "memory" in found:
            plan["dirs"].append(str(_make(found["memory"], name, {"memory.limit_in_bytes": memory})))
            plan["memory"] = f"cgroup v1 memory.limit_in_bytes {memory >> 20} MiB"
    except OSError:
        remove(plan)
        raise
    plan["procs"] = [str(Path(d) / "cgroup.procs") for d in plan["dirs"]]
    return plan


def create(*, nproc: int, memory_bytes: int) -> dict:
    """A fresh cgroup for one child, with pids and memory limits.

    Returns {"dirs", "procs", "pids"?, "memory"?} (folders to remove later, files
    the launcher writes its pid to, and what each limit is), or {"unavailable":
    reason} where no hierarchy is writable.
    """
    name = f"{_PREFIX}{os.getpid()}-{next(_counter)}"
    try:
        found = _own_cgroups()
        if "pids" in found or "memory" in found:
            plan = _v1(found, name, nproc, memory_bytes)
        elif "" in found:
            plan = _v2(found[""], name, nproc, memory_bytes)
        else:
            return {"unavailable": "no cgroup hierarchy is mounted"}
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        return {"unavailable": f"cannot create a cgroup: {error.strerror}{where}"}
    return plan if plan["dirs"] else {"unavailable": "neither a pids nor a memory controller is mounted"}


def join(plan: dict) -> None:
    """Move this process (the launcher, still root) into every cgroup of the plan."""
    for procs in plan.get("procs", []):
        _write(Path(procs), str(os.getpid()))


def remove(plan: dict | None) -> None:
    """Remove the plan's cgroups; call after every process in them is gone."""
    for folder in (plan or {}).get("dirs", []):
        try:
            os.rmdir(folder)
        except OSError:
            pass  # still busy, or already gone: the next grader's sweep takes it
