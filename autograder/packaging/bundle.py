"""What an autograder zip carries of the project, and how it is written.

Both the Gradescope and the Otter zip ship the grader's source: the
``autograder`` package (less ``generate/``, which builds student repos and is
never used while grading) and the reference ``solutions`` (modules and data,
not handouts or public tests). Zips are written reproducibly: entries sorted,
timestamps fixed, permissions explicit, so the same tree gives the same bytes.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .. import lock

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGING_DIR = Path(__file__).resolve().parent
FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis"}
GRADER_EXCLUDES = {
    "autograder": ("generate",),
    "solutions": ("handouts", "public_tests"),
}


def read_pinned_requirements(python: str | None = None) -> list[str]:
    """``name==version`` for each package of requirements-grader.txt, versions from the lock.

    For CPython ``python`` (e.g. Gradescope's "3.11.18"), or, without it, every lock
    line of each package with its environment markers, for pip to choose on any interpreter.
    """
    lines = (PACKAGING_DIR / "requirements-grader.txt").read_text(encoding="utf-8").splitlines()
    names = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return lock.pins(names, python) if python else lock.universal_pins(names)


def grader_source_files(project_root: Path = PROJECT_ROOT) -> dict[str, Path]:
    """Archive name -> file, for the grader's packages plus pyproject and README."""
    files: dict[str, Path] = {}
    for package, excluded in GRADER_EXCLUDES.items():
        base = project_root / package
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(base)
            if not path.is_file() or path.is_symlink():
                continue
            if rel.parts[0] in excluded or SKIPPED_PARTS.intersection(rel.parts) or path.suffix == ".pyc":
                continue
            files[f"{package}/{rel.as_posix()}"] = path
    files["pyproject.toml"] = project_root / "pyproject.toml"
    if (project_root / "README.md").is_file():
        files["README.md"] = project_root / "README.md"
    return files


def write_entry(archive: zipfile.ZipFile, name: str, data: bytes, *, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    archive.writestr(info, data)


def write_zip(path: Path, entries: dict[str, bytes], *, executables: tuple[str, ...] = ()) -> Path:
    """Write ``entries`` (archive name -> bytes) to ``path``, sorted, replacing any old zip."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".zip.partial")
    with zipfile.ZipFile(tmp, "w") as archive:
        for name in sorted(entries):
            write_entry(archive, name, entries[name], executable=name in executables)
    tmp.replace(path)
    return path


def render(template: str, values: dict[str, str]) -> str:
    """Replace each ``@KEY@`` in ``template``; fail loudly on any left unfilled."""
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    leftover = re.findall(r"@([A-Z_]+)@", template)
    if leftover:
        raise ValueError(f"template placeholders left unfilled: {leftover}")
    return template
