"""The course's assignments, discovered from each assignment's own files.

Nothing in the framework lists the assignments. An assignment ``<name>`` is a
reference module ``solutions/<name>.py`` with its companions:

- ``solutions/handouts/<name>.md``, whose first line ``# Assignment <N>: <title>``
  gives the course order (N) and the title;
- ``solutions/public_tests/test_<name>.py``, the student's local tests;
- ``autograder/checks/<name>.py``, the hidden checks: a module-level
  ``REGISTRY = CheckRegistry("<name>")`` and, optionally, a fixture recipe
  ``public_fixture(*, reference, inputs)`` (see docs/authoring.md). An
  assignment whose checks need helper modules of their own is a package
  instead, ``autograder/checks/<name>/``, its ``__init__.py`` holding the same;
- optionally the verdicts its public checks share with its public tests,
  ``autograder/checks/<name>_diagnosis.py`` (``<name>/diagnosis.py`` in a
  package), shipped as ``tests/jaxgrade_<name>_diagnosis.py``.

A module under ``solutions/`` that is not an assignment (a data loader that
students receive unchanged, such as ``jla.py``) says so with a module-level
``SHARED_MODULE = True``; every other module there is an assignment, so a new
reference can never be skipped in silence. Helper modules in
``autograder/checks/`` (such as ``physics/``) define no ``REGISTRY`` and are
never mistaken for assignments.

Each piece of an assignment's metadata has one source: its title and course
number come from the handout's first line; its checks, their points and
whether each is public (visible at once; the others take the visibility the
instructor chooses at build time) from ``REGISTRY``; its public-test fixture
from ``public_fixture``.

Discovery reads files only (``ast``, no imports), so it is cheap enough for
the command line. The Gradescope and Otter zips carry ``solutions/`` without
handouts or public tests: there the names are all that is discovered, and
they are sorted by name instead of by course order.
"""
from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""The folder holding ``autograder/`` and ``solutions/``."""

SHARED_MARKER = "SHARED_MODULE"
"""A module-level ``SHARED_MODULE = True`` marks a solutions module as shared, not an assignment."""

HEADING = re.compile(r"^# Assignment (\d+): (.+?)\s*$")
"""The first line of every handout."""


@dataclass(frozen=True)
class Assignment:
    """One assignment and where its files live (paths under ``root``)."""

    name: str
    root: Path

    @property
    def reference(self) -> Path:
        return self.root / "solutions" / f"{self.name}.py"

    @property
    def handout(self) -> Path:
        return self.root / "solutions" / "handouts" / f"{self.name}.md"

    @property
    def public_tests(self) -> Path:
        return self.root / "solutions" / "public_tests" / f"test_{self.name}.py"

    @property
    def package(self) -> Path:
        """``autograder/checks/<name>/``: where the checks live when they have helper modules of their own."""
        return self.root / "autograder" / "checks" / self.name

    @property
    def checks(self) -> Path:
        """The module defining ``REGISTRY``: ``checks/<name>.py``, or ``checks/<name>/__init__.py`` in a package."""
        if self.package.is_dir():
            return self.package / "__init__.py"
        return self.root / "autograder" / "checks" / f"{self.name}.py"

    @property
    def diagnosis(self) -> Path:
        """Optional: the verdicts its public checks share with its public tests (shipped to the template)."""
        if self.package.is_dir():
            return self.package / "diagnosis.py"
        return self.root / "autograder" / "checks" / f"{self.name}_diagnosis.py"

    @property
    def heading(self) -> tuple[int, str] | None:
        """(course number, title) from the handout's first line; None if absent or malformed."""
        if not self.handout.is_file():
            return None
        lines = self.handout.read_text(encoding="utf-8").splitlines()
        match = HEADING.match(lines[0]) if lines else None
        return (int(match.group(1)), match.group(2)) if match else None

    @property
    def number(self) -> int | None:
        heading = self.heading
        return heading[0] if heading else None

    @property
    def title(self) -> str:
        """The handout's title, first letter capitalised (the name when there is no handout)."""
        heading = self.heading
        title = heading[1] if heading else self.name
        return title[:1].upper() + title[1:]

    def registry(self):
        """The assignment's ``CheckRegistry`` (imports ``autograder.checks.<name>``)."""
        return importlib.import_module(f"autograder.checks.{self.name}").REGISTRY

    @property
    def points(self) -> float:
        return self.registry().max_score

    def fixture_recipe(self):
        """The checks module's ``public_fixture`` (None when the public tests need no fixture)."""
        return getattr(importlib.import_module(f"autograder.checks.{self.name}"), "public_fixture", None)


def module_assignments(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level ``NAME = value`` statements of a parsed module: name -> value node."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found[node.target.id] = node.value
    return found


def is_shared_module(path: Path) -> bool:
    """Whether ``solutions/<name>.py`` declares ``SHARED_MODULE = True`` (unparsable: no)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError:
        return False
    value = module_assignments(tree).get(SHARED_MARKER)
    return isinstance(value, ast.Constant) and value.value is True


def shared_modules(root: Path = PROJECT_ROOT) -> tuple[str, ...]:
    """Names of the solutions modules students receive unchanged (e.g. ``jla``)."""
    return tuple(name for name, shared in _solution_modules(root) if shared)


def discover(root: Path = PROJECT_ROOT) -> tuple[Assignment, ...]:
    """Every assignment under ``root``, in course order (handout number, then name)."""
    found = [Assignment(name=name, root=Path(root)) for name, shared in _solution_modules(root) if not shared]
    return tuple(sorted(found, key=lambda a: (a.number is None, a.number or 0, a.name)))


def assignment_names(root: Path = PROJECT_ROOT) -> tuple[str, ...]:
    return tuple(a.name for a in discover(root))


def get(name: str, root: Path = PROJECT_ROOT) -> Assignment:
    """The assignment ``name``; ``ValueError`` naming the known ones if there is none."""
    names = assignment_names(root)
    if name not in names:
        raise ValueError(f"unknown assignment {name!r}; choose one of {', '.join(names)}")
    return Assignment(name=name, root=Path(root))


def _solution_modules(root: Path) -> list[tuple[str, bool]]:
    """(name, shared?) for each ``solutions/<name>.py`` that is not private (``_``) or a package file."""
    folder = Path(root) / "solutions"
    if not folder.is_dir():
        return []
    modules = []
    for path in sorted(folder.glob("*.py")):
        if path.stem.startswith("_") or not path.stem.isidentifier():
            continue
        modules.append((path.stem, is_shared_module(path)))
    return modules


# -- which tree a command acts on ----------------------------------------------------
ROOT_ENV = "JAXGRADE_ROOT"
"""Set by the command line when it re-runs itself on another course tree (so it does so once)."""


def is_course_tree(folder: Path) -> bool:
    """``folder`` holds a course: ``solutions/`` and the grader with its ``autograder/checks/``."""
    folder = Path(folder)
    return (folder / "solutions").is_dir() and (folder / "autograder" / "checks").is_dir()


def tree_to_use(root: Path | None, cwd: Path) -> Path | None:
    """The course tree a command must act on when it is not the one imported here, else None.

    ``root`` (``--root``) when given, else the current folder when it is a
    course tree. Every command (``list``, ``grade``, ``build``, ``new``,
    ``regenerate``) then acts on that one tree, whichever copy of the grader
    was installed. ValueError when ``root`` is not a course tree.
    """
    if root is not None and not is_course_tree(root):
        raise ValueError(f"{root} is not a course tree: it needs solutions/ and autograder/checks/")
    chosen = Path(root) if root is not None else (Path(cwd) if is_course_tree(cwd) else None)
    if chosen is None or chosen.resolve() == PROJECT_ROOT:
        return None
    return chosen.resolve()


__all__ = [
    "Assignment", "PROJECT_ROOT", "ROOT_ENV", "assignment_names", "discover", "get", "is_course_tree",
    "shared_modules", "tree_to_use",
]
