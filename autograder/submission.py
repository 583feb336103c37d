"""Finding and staging a submission.

A submission is a whole student repo (``assignments/<module>.py``) or flat
uploads (``<module>.py`` at the top, as Gradescope's upload dialog makes); a
Jupyter or Colab notebook ``<module>.ipynb`` stands for ``<module>.py``
anywhere (its code cells are the module: :mod:`autograder.notebook`).
Either way it is staged as an ``assignments`` package the child can import,
copying regular files only: a symbolic link could otherwise make the grader,
which may run as root, copy files the student must never see.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import catalog, notebook

MAX_FILES = 200
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024  # saved outputs (plots) make notebooks large; only their code is kept
SUPPORT_SOURCE = catalog.PROJECT_ROOT / "solutions"
"""Shared modules (``SHARED_MODULE = True``, e.g. ``jla.py``) and ``data/`` come from here."""


class SubmissionNotFound(Exception):
    """The module being graded is not in the submission."""


@dataclass(frozen=True)
class StagedSubmission:
    package_root: Path  # folder holding the ``assignments`` package
    source_dir: Path  # where the student's files were found
    files: tuple[str, ...]  # staged .py files, relative to the package
    graded_file: str = ""  # the file graded as the module, relative to the submission
    notices: tuple[str, ...] = ()  # what the feedback says about how the files were read


def _candidate_dirs(submission: Path) -> list[Path]:
    candidates = [submission / "assignments", submission]
    for child in sorted(p for p in submission.iterdir() if p.is_dir() and not p.is_symlink()):
        candidates += [child / "assignments", child]
    return candidates


def _regular(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def find_module_file(submission: Path, module: str) -> Path:
    """``<module>.py`` or ``<module>.ipynb``: repo layout first, then flat, then one level down.

    Where both exist in one folder, the ``.py`` is graded (:func:`choice_notice` says so).
    """
    submission = Path(submission)
    for folder in _candidate_dirs(submission):
        for suffix in (".py", notebook.NOTEBOOK_SUFFIX):
            if _regular(folder / f"{module}{suffix}"):
                return folder / f"{module}{suffix}"
    raise SubmissionNotFound(_not_found_message(submission, module))


def find_module_dir(submission: Path, module: str) -> Path:
    """The folder that holds ``<module>.py`` (or ``<module>.ipynb``)."""
    return find_module_file(submission, module).parent


def _not_found_message(submission: Path, module: str) -> str:
    notebooks = sorted(str(p.relative_to(submission)) for p in submission.rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in p.parts)[:5]
    found = sorted(str(p.relative_to(submission)) for p in submission.rglob("*.py"))[:20]
    message = (f"Could not find {module}.py or {module}.ipynb in your submission. Upload "
               f"assignments/{module}.py or your notebook {module}.ipynb (or the whole repo).")
    if notebooks:
        named = ", ".join(f'"{n}"' for n in notebooks)
        message += (f" Found a notebook named {named}: rename it to {module}.ipynb "
                    f"(in Colab: File > Rename; in Jupyter: right-click the file > Rename) and submit it again.")
    return message + f" Python files found: {', '.join(found) or 'none'}."


def _worked_on(path: Path) -> bool:
    """A notebook worth mentioning: it has functions of the student's (not only the handout's stubs)."""
    try:
        return path.stat().st_size > MAX_NOTEBOOK_BYTES or notebook.has_own_code(notebook.read_cells(path)[0])
    except notebook.NotebookUnreadable:
        return True


def choice_notice(submission: Path, graded: Path, module: str) -> str:
    """Why this file was graded when the submission also holds the other form of the module ('' if not).

    An untouched handout notebook beside a graded ``.py`` (a whole template repository) goes unmentioned.
    """
    other_suffix = notebook.NOTEBOOK_SUFFIX if graded.suffix == ".py" else ".py"
    others = sorted(p for p in submission.rglob(f"{module}{other_suffix}")
                    if _regular(p) and ".ipynb_checkpoints" not in p.parts)
    if graded.suffix == ".py":
        others = [p for p in others if _worked_on(p)]
    if not others:
        return ""
    rel, named = graded.relative_to(submission), ", ".join(str(p.relative_to(submission)) for p in others)
    if graded.suffix == ".py":
        return (f"Graded {rel}. Your submission also holds {named}, which was not graded: when a "
                f"submission has both, the .py file is graded. To have the notebook graded, submit "
                f"{module}.ipynb without {module}.py.")
    return (f"Graded the notebook {rel}; {named} was not graded (the .py file is graded only "
            f"where it sits in the folder the grader looks in first: assignments/, then the top).")


def _copy_regular_files(source: Path, dest: Path) -> list[str]:
    copied = []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        if path.is_symlink() or not path.is_file() or path.suffix == notebook.NOTEBOOK_SUFFIX:
            continue  # notebooks are read where they are, by _stage_notebooks: only their code cells go on
        if path.stat().st_size > MAX_FILE_BYTES:
            continue
        if len(copied) >= MAX_FILES:
            break
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target, follow_symlinks=False)
        copied.append(str(rel))
    return copied


def _stage_notebooks(source: Path, package: Path, module: str) -> list[str]:
    """Each ``<name>.ipynb`` in ``source`` without a ``<name>.py`` becomes the child's ``<name>.cells.json``."""
    for stale in package.rglob(f"*{notebook.CELLS_SUFFIX}"):  # only the grader writes these
        stale.unlink()
    notices = []
    for path in sorted(source.glob(f"*{notebook.NOTEBOOK_SUFFIX}")):
        if not path.stem.isidentifier() or (package / f"{path.stem}.py").exists() or not _regular(path):
            continue
        try:
            if path.stat().st_size > MAX_NOTEBOOK_BYTES:
                raise notebook.NotebookUnreadable(
                    f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB (clear its outputs: "
                    "Edit > Clear all outputs).")
            cells, found = notebook.read_cells(path)
        except notebook.NotebookUnreadable as exc:
            if path.stem != module:  # a broken notebook of another name is only not importable
                continue
            advice = "Download it again from Jupyter or Colab (File > Download > .ipynb)."
            raise SubmissionNotFound(f"{exc} {advice}") from None
        (package / f"{path.stem}{notebook.CELLS_SUFFIX}").write_text(
            notebook.cells_payload(path.name, cells), encoding="utf-8")
        notices += found
    return notices


def _neutralise_scripts(package: Path, files: list[str]) -> list[str]:
    """IPython lines in staged ``.py`` files (a Colab ``!pip``, a script export's ``get_ipython()``)."""
    notices = []
    for rel in files:
        path = package / rel
        text = path.read_text(encoding="utf-8", errors="replace")
        if "get_ipython" not in text and "!" not in text and "%" not in text:
            continue
        done = notebook.neutralise(text, rel)
        if done.notices:
            path.write_text(done.text, encoding="utf-8")
            notices += done.notices
    return notices


def stage_submission(*, submission: Path, module: str, dest: Path) -> StagedSubmission:
    """Copy the student's files into ``dest/assignments`` plus the shipped support files."""
    submission = Path(submission)
    graded = find_module_file(submission, module)
    source = graded.parent
    package = Path(dest) / "assignments"
    package.mkdir(parents=True, exist_ok=True)
    copied_all = _copy_regular_files(source, package)
    copied = [f for f in copied_all if f.endswith(".py")]
    choice = choice_notice(submission, graded, module)
    ipython = _stage_notebooks(source, package, module) + _neutralise_scripts(package, copied)
    summary = notebook.summarise_notices(ipython)
    notices = [text for text in (choice, summary) if text]
    if not (package / "__init__.py").exists():
        (package / "__init__.py").write_text("")
    for name in catalog.shared_modules():
        if not (package / f"{name}.py").exists():
            shutil.copyfile(SUPPORT_SOURCE / f"{name}.py", package / f"{name}.py")
    data = SUPPORT_SOURCE / "data"
    for folder in sorted(p for p in data.iterdir() if p.is_dir()) if data.is_dir() else ():
        if not (package / "data" / folder.name).exists():
            shutil.copytree(folder, package / "data" / folder.name)
    return StagedSubmission(package_root=Path(dest), source_dir=source, files=tuple(copied),
                            graded_file=str(graded.relative_to(submission)), notices=tuple(notices))


def read_student_source(staged: StagedSubmission, module: str) -> str:
    """The student's source text, for structural checks (read as text, never imported here)."""
    package = staged.package_root / "assignments"
    script = package / f"{module}.py"
    if script.exists():
        return script.read_text(encoding="utf-8", errors="replace")
    payload = json.loads((package / f"{module}{notebook.CELLS_SUFFIX}").read_text(encoding="utf-8"))
    return "\n\n".join(cell["source"] for cell in payload["cells"])
