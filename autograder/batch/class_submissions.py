"""Finding every student's submission in a folder, and who each one belongs to.

Three layouts are understood:

- one subfolder per student (``alice/assignments/grad_forces.py``), named by
  the student's id;
- one zip per student (``alice.zip``), unpacked later by :mod:`.safe_unzip`;
- one notebook per student (``alice.ipynb``, as a learning platform's download
  names it), graded as the assignment's notebook whatever its name;
- Gradescope's "Export Submissions" download: a folder per submission
  (``submission_<id>/``) beside ``submission_metadata.yml``, which maps each
  folder to its submitters::

      submission_123456:
        :submitters:
        - :name: Ada Lovelace
          :sid: '1815'
          :email: ada@example.edu
        :created_at: 2026-03-01 14:22:32.365935000 -08:00
        :score: 8.0

  (Ruby-style ``:key`` names, as Gradescope writes them.) The export may be
  given as that folder or as the folder holding it (``assignment_<id>_export``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..notebook import NOTEBOOK_SUFFIX

GRADESCOPE_METADATA = "submission_metadata.yml"


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class ClassSubmission:
    key: str  # unique within the batch; names the results file
    path: Path  # a folder, or a zip to unpack
    students: tuple[Student, ...]

    @property
    def is_zip(self) -> bool:
        return self.path.suffix.lower() == ".zip"

    @property
    def is_notebook(self) -> bool:
        """A loose notebook: graded as ``<assignment>.ipynb`` (the file's name is the student's)."""
        return self.path.suffix.lower() == NOTEBOOK_SUFFIX


class RosterError(Exception):
    """submission_metadata.yml exists but cannot be read."""


def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "_")) and not path.is_symlink()


def export_root(directory: Path) -> Path | None:
    """The folder holding Gradescope's metadata file: ``directory`` or its only subfolder."""
    if (directory / GRADESCOPE_METADATA).is_file():
        return directory
    subfolders = [p for p in directory.iterdir() if p.is_dir() and _visible(p)]
    if len(subfolders) == 1 and (subfolders[0] / GRADESCOPE_METADATA).is_file():
        return subfolders[0]
    return None


def _field(record: dict, name: str) -> str:
    """``:name`` as Gradescope writes it, or plain ``name``; always text."""
    value = record.get(f":{name}", record.get(name))
    return "" if value is None else str(value)


def read_gradescope_roster(metadata_path: Path) -> dict[str, tuple[Student, ...]]:
    """Submission folder name -> its submitters, from submission_metadata.yml."""
    try:
        import yaml
    except ImportError:  # PyYAML ships with the otter and dev extras
        raise RosterError("reading submission_metadata.yml needs PyYAML: pip install pyyaml") from None
    try:
        data = yaml.safe_load(metadata_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RosterError(f"{metadata_path} is not readable YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RosterError(f"{metadata_path} should map submission folders to their submitters")
    roster = {}
    for folder, record in data.items():
        submitters = (record.get(":submitters") or record.get("submitters") or []) if isinstance(record, dict) else []
        students = tuple(
            Student(id=_field(s, "sid") or _field(s, "email") or str(folder), name=_field(s, "name"),
                    email=_field(s, "email"))
            for s in submitters if isinstance(s, dict)
        )
        roster[str(folder)] = students or (Student(id=str(folder)),)
    return roster


def discover(directory: Path) -> list[ClassSubmission]:
    """Every submission under ``directory``, sorted by key."""
    directory = Path(directory)
    root = export_root(directory)
    if root is not None:
        roster = read_gradescope_roster(root / GRADESCOPE_METADATA)
        folders = sorted(p for p in root.iterdir() if p.is_dir() and _visible(p))
        return [ClassSubmission(p.name, p, roster.get(p.name, (Student(id=p.name),))) for p in folders]
    found: dict[str, ClassSubmission] = {}
    for path in sorted(directory.iterdir()):
        if not _visible(path):
            continue
        if path.is_dir():
            found[path.name] = ClassSubmission(path.name, path, (Student(id=path.name),))
    for path in sorted(directory.iterdir()):
        if _visible(path) and path.is_file() and path.suffix.lower() in (".zip", NOTEBOOK_SUFFIX):
            key = path.stem if path.stem not in found else path.name
            found[key] = ClassSubmission(key, path, (Student(id=path.stem),))
    return [found[key] for key in sorted(found)]
