"""``jaxgrade new NAME``: a complete, working example assignment to edit.

Writes only the new assignment's own files (see ``autograder.catalog``):

- ``solutions/NAME.py``: the reference, with solution markers;
- ``solutions/handouts/NAME.md``: the handout, numbered after the last one;
- ``solutions/public_tests/test_NAME.py``: the student's local tests;
- ``autograder/checks/NAME.py``: the hidden checks and the fixture recipe;
- ``tests/corpus/correct/NAME/reference/``: the reference as a submission (full marks); its
  ``expect.json`` says ``"submission": "reference"``, so ``jaxgrade regenerate`` keeps the copy
  equal to ``solutions/NAME.py`` and ``regenerate --check`` fails when it is stale;
- ``tests/corpus/wrong/NAME/forces_sign_flipped/``: a typical mistake and the checks it fails.

The example is a chain of anharmonic springs whose forces are
``-jax.grad`` of its energy, and ``relax``: a function with a static argument
(``n_steps``) and a tuple output of mixed shapes, checked with the same helpers.
Then ``jaxgrade regenerate`` makes the stub, the student template and the
fixture; nothing else needs editing.
"""
from __future__ import annotations

import json
import keyword
import zlib
from importlib import resources
from pathlib import Path
from string import Template

from .. import catalog

DEFAULT_TITLE = "forces of an anharmonic spring chain"
WRONG_CASE = "forces_sign_flipped"
WRONG_FAILS = ("force_values", "float32_kept", "compiles_once")  # check identifiers: function names in checks.py


class ScaffoldError(ValueError):
    """The name cannot be used for a new assignment."""


def _template(name: str) -> Template:
    text = resources.files(__package__).joinpath("templates", "new", f"{name}.txt").read_text(encoding="utf-8")
    return Template(text)


def planned_files(*, name: str, root: Path, title: str | None = None) -> dict[str, str]:
    """Relative path -> text of every file ``new`` would write for ``name``."""
    root = Path(root)
    _require_free(name, root)
    numbers = [a.number for a in catalog.discover(root) if a.number is not None]
    values = {
        "name": name,
        "title": title or DEFAULT_TITLE,
        "number": str(max(numbers, default=0) + 1),
        "seed": str(zlib.crc32(name.encode()) % 100_000),  # stable, and different per assignment
    }
    reference = _template("reference.py").substitute(values)
    # "submission": "reference": `regenerate` keeps the copy equal to solutions/NAME.py (and --check says so).
    correct_expect = {"description": "The reference solution itself.", "score": "full", "submission": "reference"}
    wrong_expect = {
        "description": "Forces with the wrong sign (+dE/dx). The grader and the public tests both say 'opposite sign'.",
        "failed": list(WRONG_FAILS),
        "says": {WRONG_FAILS[0]: "opposite sign of the reference"},
    }
    return {
        f"solutions/{name}.py": reference,
        f"solutions/handouts/{name}.md": _template("handout.md").substitute(values),
        f"solutions/public_tests/test_{name}.py": _template("public_test.py").substitute(values),
        f"autograder/checks/{name}.py": _template("checks.py").substitute(values),
        f"tests/corpus/correct/{name}/reference/assignments/{name}.py": reference,
        f"tests/corpus/correct/{name}/reference/expect.json": json.dumps(correct_expect) + "\n",
        f"tests/corpus/wrong/{name}/{WRONG_CASE}/assignments/{name}.py": _template("wrong.py").substitute(values),
        f"tests/corpus/wrong/{name}/{WRONG_CASE}/expect.json": json.dumps(wrong_expect, indent=1) + "\n",
    }


def scaffold(*, name: str, root: Path, title: str | None = None) -> list[str]:
    """Write the new assignment ``name`` under ``root``; returns the paths written (relative)."""
    files = planned_files(name=name, root=root, title=title)
    for path, text in files.items():
        target = Path(root) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return sorted(files)


def _require_free(name: str, root: Path) -> None:
    if not name.isidentifier() or keyword.iskeyword(name) or not name.islower() or name.startswith("_"):
        raise ScaffoldError(f"{name!r}: an assignment name is a lower-case Python identifier, e.g. normal_modes")
    taken = [path for path in (
        root / "solutions" / f"{name}.py",
        root / "autograder" / "checks" / f"{name}.py",
        root / "autograder" / "checks" / name,  # an assignment's package, or a helper package such as physics/
        root / "solutions" / "handouts" / f"{name}.md",
        root / "solutions" / "public_tests" / f"test_{name}.py",
    ) if path.exists()]
    if taken:
        raise ScaffoldError(f"{name!r} is taken: {', '.join(str(p.relative_to(root)) for p in taken)} already exists")
    if not (root / "solutions").is_dir() or not (root / "autograder" / "checks").is_dir():
        raise ScaffoldError(f"{root} holds no solutions/ and autograder/checks/: run from the repository root")


__all__ = ["ScaffoldError", "planned_files", "scaffold"]
