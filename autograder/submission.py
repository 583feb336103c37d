"""Finding and staging a submission.

A submission is a whole student repo (``assignments/<module>.py``) or flat
uploads (``<module>.py`` at the top, as Gradescope's upload dialog makes).
Either way it is staged as an ``assignments`` package the child can import,
copying regular files only: a symbolic link could otherwise make the grader,
which may run as root, copy files the student must never see.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from . import catalog

MAX_FILES = 200
MAX_FILE_BYTES = 2 * 1024 * 1024
SUPPORT_SOURCE = catalog.PROJECT_ROOT / "solutions"
"""Shared modules (``SHARED_MODULE = True``, e.g. ``jla.py``) and ``data/`` come from here."""


class SubmissionNotFound(Exception):
    """The module being graded is not in the submission."""


@dataclass(frozen=True)
class StagedSubmission:
    package_root: Path  # folder holding the ``assignments`` package
    source_dir: Path  # where the student's files were found
    files: tuple[str, ...]  # staged .py files, relative to the package


def find_module_dir(submission: Path, module: str) -> Path:
    """The folder that holds ``<module>.py``: repo layout first, then flat, then one level down."""
    submission = Path(submission)
    candidates = [submission / "assignments", submission]
    for child in sorted(p for p in submission.iterdir() if p.is_dir() and not p.is_symlink()):
        candidates += [child / "assignments", child]
    for folder in candidates:
        target = folder / f"{module}.py"
        if target.is_file() and not target.is_symlink():
            return folder
    found = sorted(str(p.relative_to(submission)) for p in submission.rglob("*.py"))[:20]
    raise SubmissionNotFound(
        f"Could not find {module}.py in your submission. Upload assignments/{module}.py "
        f"(or the whole repo). Python files found: {', '.join(found) or 'none'}."
    )


def _copy_regular_files(source: Path, dest: Path) -> list[str]:
    copied = []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            continue
        if len(copied) >= MAX_FILES:
            break
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target, follow_symlinks=False)
        copied.append(str(rel))
    return copied


def stage_submission(*, submission: Path, module: str, dest: Path) -> StagedSubmission:
    """Copy the student's files into ``dest/assignments`` plus the shipped support files."""
    source = find_module_dir(Path(submission), module)
    package = Path(dest) / "assignments"
    package.mkdir(parents=True, exist_ok=True)
    copied = [f for f in _copy_regular_files(source, package) if f.endswith(".py")]
    if not (package / "__init__.py").exists():
        (package / "__init__.py").write_text("")
    for name in catalog.shared_modules():
        if not (package / f"{name}.py").exists():
            shutil.copyfile(SUPPORT_SOURCE / f"{name}.py", package / f"{name}.py")
    data = SUPPORT_SOURCE / "data"
    for folder in sorted(p for p in data.iterdir() if p.is_dir()) if data.is_dir() else ():
        if not (package / "data" / folder.name).exists():
            shutil.copytree(folder, package / "data" / folder.name)
    return StagedSubmission(package_root=Path(dest), source_dir=source, files=tuple(copied))


def read_student_source(staged: StagedSubmission, module: str) -> str:
    """The student's source text, for structural checks (read as text, never imported here)."""
    return (staged.package_root / "assignments" / f"{module}.py").read_text(encoding="utf-8", errors="replace")
