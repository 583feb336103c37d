"""Make the interpreter reachable for the child's user without exposing anything else.

A grader running as root with Python under a home folder (pyenv or conda under
/root, mode 0700) cannot hand the child to an unprivileged user: that user
cannot even reach the interpreter. The launcher then gives the child a private
mount namespace. Each unsearchable folder on the way (a "cover", e.g. /root)
is hidden under an empty, read-only tmpfs of mode 0755, and only what the child
needs is bound back, read-only, at its original path: the interpreter's prefix,
the virtual environment, extra readable paths. Everything else under a cover
is gone for the child, whatever its permissions. Symlinks on the way inside a
cover are recreated, pointing where they pointed.

The parent plans (`plan_reach`, `why_unreachable`); the launcher applies the
plan (`apply_plan`) while it is still root and single-threaded. Standard
library only: the launcher imports this file by path.
"""
import ctypes
import os
import stat
from pathlib import Path

_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV = 1, 2, 4
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_CAP_SYS_ADMIN = 21
_FIX = ("install Python under /usr/local or /opt (or use the system Python), "
        "or run the grader as a normal user")


class Unreachable(Exception):
    """No plan can make a needed path reachable; the message says why and how to fix it."""


def permits(st: os.stat_result, uid: int, gid: int, bits: str) -> bool:
    """Whether the mode bits let uid/gid (with no extra groups) have `bits` of r/w/x."""
    shift = 6 if st.st_uid == uid else 3 if st.st_gid == gid else 0
    masks = {"r": stat.S_IROTH, "w": stat.S_IWOTH, "x": stat.S_IXOTH}
    return all(st.st_mode & (masks[b] << shift) for b in bits)


def _within(path: Path, ancestor: Path) -> bool:
    return path == ancestor or ancestor in path.parents


def _forms(path) -> list[Path]:
    """The path as written (absolute) and resolved: a symlinked interpreter needs both."""
    return list(dict.fromkeys([Path(os.path.abspath(path)), Path(os.path.realpath(path))]))


def _hops(path, limit: int = 40) -> list[Path]:
    """Every path a symlink chain passes through from ``path`` to its target, one link at a time.

    ``realpath`` alone jumps to the end: a venv's ``python`` linking to ``~/bin/python3``,
    itself a link to pyenv's interpreter, needs the middle link made too.
    """
    hops, current = [], Path(os.path.abspath(path))
    for _ in range(limit):
        step = Path(current.anchor)
        for part in current.parts[1:]:
            step = step / part
            if step.is_symlink():
                current = Path(os.path.abspath(step.parent / os.readlink(step) / current.relative_to(step)))
                hops.append(current)
                break
        else:
            break
    return hops


def _first_blocked(path: Path, uid: int, gid: int) -> Path | None:
    """The outermost folder above `path` that uid cannot search, or None."""
    for folder in reversed(path.parents):
        if not permits(os.stat(folder), uid, gid, "x"):
            return folder
    return None


def may_mount() -> bool:
    """Whether this process holds CAP_SYS_ADMIN, which a mount namespace needs."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("CapEff:"))
    return bool(int(line.split()[1], 16) >> _CAP_SYS_ADMIN & 1)


def plan_reach(needs, uid: int, gid: int, roots) -> dict | None:
    """Covers and entries that make every needed path reachable, or None if all already are.

    needs: [(path, bits)]. roots: folders to bind back whole when a needed path
    lies beneath one (the interpreter's prefix, the virtual environment); any
    other needed path is bound back by itself. Returns {"covers": [folder],
    "entries": [{"kind": "bind" | "symlink", "path", "target"?}]}, outer paths
    first. Raises Unreachable when the namespace would be needed but cannot be made.
    """
    roots = [Path(os.path.realpath(r)) for r in roots]
    covers, binds, links = set(), set(), {}
    work = [form for path, _ in needs if os.path.exists(path) for form in _forms(path) + _hops(path)]
    seen = set()
    while work:
        path = work.pop()
        if path in seen:
            continue
        seen.add(path)
        blocked = _first_blocked(path, uid, gid)
        if blocked is None:
            continue
        covers.add(blocked)
        step = blocked
        for part in path.relative_to(blocked).parts:
            step = step / part
            if step.is_symlink():
                links[step] = os.readlink(step)
                work += [Path(os.path.realpath(path))] + _hops(path)
                break
            if step == path or step in roots:
                binds.add(step)
                break
    if not covers:
        return None
    if not may_mount():
        raise Unreachable(f"{min(covers)} is not searchable by uid {uid} and this grader lacks "
                          f"CAP_SYS_ADMIN for a private mount namespace (as inside Docker); fix: {_FIX}")
    binds = {b for b in binds if not any(o != b and _within(b, o) for o in binds)}
    entries = [{"kind": "bind", "path": str(b)} for b in binds]
    entries += [{"kind": "symlink", "path": str(p), "target": t} for p, t in links.items()]
    entries.sort(key=lambda e: (len(Path(e["path"]).parts), e["path"]))
    return {"covers": sorted(str(c) for c in covers), "entries": entries}


def why_unreachable(path, bits: str, uid: int, gid: int, plan: dict | None) -> str | None:
    """Why uid cannot use `path` with `bits` once `plan` is applied, or None if it can.

    Inside a cover, folders above a bound path are the tmpfs's (mode 0755);
    from the bound path down, the real permissions count.
    """
    covers = [Path(c) for c in (plan or {}).get("covers", [])]
    binds = [Path(e["path"]) for e in (plan or {}).get("entries", []) if e["kind"] == "bind"]
    try:
        for form in _forms(path):
            for folder in reversed(form.parents):
                covered = any(_within(folder, c) for c in covers)
                bound = any(_within(folder, b) for b in binds)
                if (bound or not covered) and not permits(os.stat(folder), uid, gid, "x"):
                    return f"{folder} is not searchable by uid {uid}"
        real = Path(os.path.realpath(path))
        if any(_within(real, c) for c in covers) and not any(_within(real, b) for b in binds):
            return f"{real} lies under {covers[0]} but is not bound back"
        if not permits(os.stat(path), uid, gid, bits):
            return f"{path} lacks '{bits}' permission for uid {uid}"
    except OSError as error:
        return f"{path} cannot be checked: {error.strerror}"
    return None


def describe(plan: dict) -> str:
    binds = [e["path"] for e in plan["entries"] if e["kind"] == "bind"]
    return (f"private mount namespace: {', '.join(plan['covers'])} hidden under an empty read-only tmpfs, "
            f"only {', '.join(binds)} bound back read-only")


# -- launcher side ---------------------------------------------------------------
_libc = ctypes.CDLL(None, use_errno=True)


def _encode(text) -> bytes | None:
    return None if text is None else str(text).encode()


def _mount(source, target, fstype, flags: int, data=None) -> None:
    if _libc.mount(_encode(source), _encode(target), _encode(fstype), flags, _encode(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _mount_point(path: Path, source_fd: int) -> None:
    os.makedirs(path.parent, mode=0o755, exist_ok=True)
    if stat.S_ISDIR(os.fstat(source_fd).st_mode):
        os.makedirs(path, mode=0o755, exist_ok=True)
    else:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))


def apply_plan(plan: dict) -> str:
    """Enter a private mount namespace and build the plan in it (root, before the user switch)."""
    if _libc.unshare(_CLONE_NEWNS) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare(CLONE_NEWNS): {os.strerror(err)}; fix: {_FIX}")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)  # nothing we mount reaches the host
    binds = [Path(e["path"]) for e in plan["entries"] if e["kind"] == "bind"]
    # Open what is bound back before covering it; /proc/self/fd/N still names it afterwards.
    sources = {path: os.open(path, os.O_PATH | os.O_CLOEXEC) for path in binds}
    umask = os.umask(0o022)  # the launcher's umask is 077; mount points must be 0755
    try:
        for cover in plan["covers"]:
            _mount("tmpfs", cover, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m")
        for entry in plan["entries"]:
            path = Path(entry["path"])
            if entry["kind"] == "symlink":
                os.makedirs(path.parent, mode=0o755, exist_ok=True)
                os.symlink(entry["target"], path)
                continue
            _mount_point(path, sources[path])
            _mount(f"/proc/self/fd/{sources[path]}", path, None, _MS_BIND | _MS_REC)
            _mount(None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
        for cover in plan["covers"]:
            _mount(None, cover, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    finally:
        os.umask(umask)
        for fd in sources.values():
            os.close(fd)
    return describe(plan)
