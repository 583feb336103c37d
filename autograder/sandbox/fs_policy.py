"""Which paths the sandboxed child may read, and which it must never see.

The child gets read access to exactly what a Python interpreter with JAX
needs: the interpreter, its standard library, site-packages, system shared
libraries and a few device and /proc files. It must never see the grader
itself: the `autograder` and `solutions` packages, jaxgrade's install
metadata and editable-install hooks, or the project checkout around them.

Landlock can only *grant* rights beneath a path; it cannot carve a hole in a
grant. So when a granted folder contains something hidden (site-packages
holding an installed `autograder`, say), we grant its entries one by one,
skipping the hidden ones, and recurse only where needed.
"""
import os
import sys
import sysconfig
from pathlib import Path

_SYSTEM_READ = (
    "/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32",
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
    "/etc/nsswitch.conf", "/etc/passwd", "/etc/group",
    "/dev/urandom", "/dev/random", "/dev/zero",
    # JAX reads CPU facts from /proc (cpuinfo, self/maps, stat) and /sys.
    "/proc", "/sys/devices/system/cpu", "/sys/devices/system/node",
)
_SYSTEM_WRITE = ("/dev/null",)

# Entry names inside site-packages (or its __pycache__) that belong to the grader.
_GRADER_PACKAGES = ("autograder", "solutions")
_GRADER_NAME_MARKERS = ("jaxgrade",)


def _resolved(path) -> Path:
    return Path(os.path.realpath(path))


def _within(path: Path, ancestor: Path) -> bool:
    text, prefix = str(path), str(ancestor)
    return text == prefix or text.startswith(prefix.rstrip("/") + "/")


def grader_package_dirs() -> list[Path]:
    """The folders of the grader's own packages, wherever they are installed."""
    here = _resolved(__file__).parent.parent  # .../autograder
    found = [here]
    solutions = here.parent / "solutions"
    if solutions.is_dir():
        found.append(solutions)
    return found


def project_checkout() -> Path | None:
    """The source checkout around the grader package, if it runs from one."""
    root = _resolved(__file__).parents[2]
    return root if (root / "pyproject.toml").is_file() else None


def python_dirs() -> list[Path]:
    """Standard library, site-packages and library folders of this interpreter."""
    paths = sysconfig.get_paths()
    found = [paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths]
    found += [sysconfig.get_config_var("LIBDIR") or "", os.path.join(sys.base_prefix, "lib")]
    return sorted({_resolved(p) for p in found if p and os.path.isdir(p)})


def _grader_entry(entry: Path, checkout: Path | None) -> bool:
    name = entry.name.lower()
    if entry.name in _GRADER_PACKAGES or any(m in name for m in _GRADER_NAME_MARKERS):
        return True
    if name.startswith("__editable__") and "jaxgrade" in name.replace("-", "_"):
        return True
    if name.endswith((".pth", ".egg-link")) and checkout is not None:
        try:
            text = entry.read_text(errors="replace")
        except OSError:
            return True  # cannot tell what it points to: keep it hidden
        return str(checkout) in text or any(p in text for p in _GRADER_PACKAGES)
    return False


def hidden_site_entries(site_dirs: list[Path], checkout: Path | None) -> list[Path]:
    """Entries of site-packages (and its __pycache__) that belong to the grader."""
    hidden = []
    for site in site_dirs:
        for folder in (site, site / "__pycache__"):
            if folder.is_dir():
                hidden += [_resolved(e) for e in folder.iterdir() if _grader_entry(e, checkout)]
    return hidden


def expand_grant(root: Path, *, hidden: list[Path], carve: list[Path]) -> tuple[list, list]:
    """What to grant so that `root` is covered except `hidden` and `carve`.

    Returns (granted, listed): paths granted whole, and folders that were split
    around something hidden and get only a listing right. Python's importer
    lists site-packages before it imports from it, so a split site-packages
    must stay listable; the cost is that names (never contents) of hidden
    entries beneath it show. Folders split around the checkout (`carve`) are
    not listable at all.

    `hidden` paths are never granted, even when asked for directly. `carve`
    paths are left out of grants that contain them, but a grant inside one
    (a virtual environment in the checkout) is honoured.
    """
    root = _resolved(root)
    if any(_within(root, h) for h in hidden):
        return [], []
    blockers = [b for b in hidden + carve if b != root and _within(b, root)]
    if not blockers or not root.is_dir():
        return [root], []
    granted = []
    listed = [] if any(_within(c, root) for c in carve) else [root]
    for child in sorted(root.iterdir()):
        target = _resolved(child)
        if target in carve or (child.is_symlink() and any(_within(target, c) for c in carve)):
            continue  # a link must not open a way into the checkout
        more_granted, more_listed = expand_grant(target, hidden=hidden, carve=carve)
        granted += more_granted
        listed += more_listed
    return granted, listed


def _outermost(paths: list[Path]) -> list[Path]:
    """Sorted, without duplicates or paths already covered by another one."""
    unique = set(paths)
    return sorted(p for p in unique if unique.isdisjoint(p.parents))


def venv_config(interpreter: str) -> list[Path]:
    """pyvenv.cfg next to or above a virtual environment's interpreter link.

    Python finds its virtual environment by reading this file relative to the
    path it was started as, before it resolves symlinks.
    """
    bin_dir = Path(os.path.abspath(interpreter)).parent
    return [cfg for cfg in (bin_dir / "pyvenv.cfg", bin_dir.parent / "pyvenv.cfg") if cfg.is_file()]


def build_rules(*, interpreter: str, scratch: Path, readable_paths=(), writable_devices=()) -> dict:
    """Landlock rules for a child started as `interpreter`, working in `scratch`.

    Returns {"read_execute", "read_write", "list_only", "hidden"}, each a list
    of path strings; "hidden" is for reports and tests, the launcher ignores it.
    `writable_devices` are device nodes opened read-write with their ioctls (GPU mode,
    see gpu.py); they come back under "devices".
    """
    checkout = project_checkout()
    site_dirs = python_dirs()
    hidden = sorted(set(grader_package_dirs() + hidden_site_entries(site_dirs, checkout)))
    carve = [checkout] if checkout else []
    wanted = [Path(p) for p in _SYSTEM_READ] + site_dirs + [Path(p) for p in readable_paths]
    wanted += [_resolved(interpreter)] + venv_config(interpreter)
    read_execute: list[Path] = []
    list_only: list[Path] = []
    for path in wanted:
        if os.path.exists(path):
            granted, listed = expand_grant(Path(path), hidden=hidden, carve=carve)
            read_execute += granted
            list_only += listed
    read_execute = _outermost(read_execute)
    read_write = [_resolved(scratch)] + [Path(p) for p in _SYSTEM_WRITE if os.path.exists(p)]
    return {
        "read_execute": [str(p) for p in read_execute],
        "read_write": [str(p) for p in read_write],
        "list_only": sorted({str(p) for p in list_only}),
        "devices": [str(p) for p in writable_devices if os.path.exists(p)],
        "hidden": [str(p) for p in hidden] + [str(p) for p in carve],
    }
