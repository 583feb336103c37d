"""Generate everything students get from ``solutions/``, or check it is current.

One source of truth: the reference modules (with solution markers), the
handouts and the public tests under ``solutions/`` produce

- ``assignments/``: the stub package (stubs, shared modules such as ``jla.py``, ``data/``);
- ``student_template/``: the repository students clone (README, packaging,
  the same stubs, handouts, public tests with fixtures, CI workflow).

The assignments are discovered from their own files (``autograder.catalog``);
while any of them breaks a rule of ``rules.py`` (a missing handout, public
tests, checks module or corpus case), nothing is generated or checked and
the error names every missing piece. Each checks module's
``public_fixture`` recipe computes its assignment's fixture.

Generation first plans every output in memory, then either writes what
changed or reports what differs. Text files are compared byte for byte;
fixtures by value (see ``fixture_files``). Nothing generated carries a
timestamp or a machine-specific path.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import catalog
from . import notebooks, template
from .fixture_files import fixture_difference, npz_bytes, read_npz
from .grading_table import points_json, with_points_table
from .markers import strip_solutions
from .rules import assignment_problems

PACKAGE_DIR = "assignments"
TEMPLATE_DIR = "student_template"
GENERATED_TREES = (PACKAGE_DIR, TEMPLATE_DIR)
SHARED_MODULES = {
    f"shipped/{name}.py": f"jaxgrade_{name}.py"
    for name in ("feedback", "diagnosis", "diagnosis_pytrees", "diagnosis_sampling", "diagnosis_chain")
}
"""``autograder/shipped/``, copied verbatim to the template's tests: path under autograder/ -> tests/ name."""

# Left behind by running Python or pytest inside a generated tree; never
# generated, never reported as stale.
_SCRATCH_DIRS = {"__pycache__", ".pytest_cache", ".hypothesis", ".venv", ".ipynb_checkpoints"}
_SCRATCH_SUFFIXES = (".pyc", ".egg-info")

_CODE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding `autograder`
_WORKER_TIMEOUT_S = 600
_COMPUTED: dict[str, dict[str, Fixture]] = {}
"""Fixtures already computed in this process, keyed on every byte the worker reads (``_inputs_digest``)."""


class GenerationError(RuntimeError):
    """A source under ``solutions/`` is missing or produces broken output."""


@dataclass(frozen=True)
class Fixture:
    """A planned ``.npz`` fixture, compared by value rather than by bytes."""

    arrays: dict[str, np.ndarray]


def regenerate(*, root: Path, check: bool = False) -> list[str]:
    """Write the generated trees under ``root``, or check them.

    Returns the paths (relative to ``root``, sorted, with ``/``) that were
    written or removed; with ``check=True`` nothing is written and the
    result lists the paths that differ from what would be generated,
    including missing files and stale extra ones. Empty means up to date.
    """
    root = Path(root).resolve()
    planned = plan(root=root)
    existing = _existing_files(root)
    differing = sorted(path for path, content in planned.items() if _differs(root / path, content))
    stale = sorted(existing - set(planned))
    if check:
        return sorted(differing + stale)
    for path in differing:
        _write(root / path, planned[path])
    for path in stale:
        _remove(root, path)
    return sorted(differing + stale)


def plan(*, root: Path) -> dict[str, bytes | Fixture]:
    """Every generated file: relative path -> bytes (text) or ``Fixture``."""
    solutions = root / "solutions"
    if not solutions.is_dir():
        raise GenerationError(f"{solutions} does not exist: run from the repository root or pass root=")
    problems = assignment_problems(root)
    if problems:
        raise GenerationError(
            "assignments are incomplete (docs/authoring.md lists what each needs):\n"
            + "\n".join(f"  - {problem}" for problem in problems)
        )
    package = _package_files(root)
    files: dict[str, bytes | Fixture] = {f"{PACKAGE_DIR}/{path}": data for path, data in package.items()}
    for path, content in _template_files(root, package).items():
        files[f"{TEMPLATE_DIR}/{path}"] = content
    files.update(_reference_copies(root))
    # Last, because it is slow: every cheaper source problem is reported first.
    for name, fixture in _compute_fixtures(root, package).items():
        files[f"{TEMPLATE_DIR}/tests/fixtures/{name}.npz"] = fixture
    return files


def assignment_diagnoses(assignments) -> dict[str, bytes]:
    """Each assignment's own verdicts (``checks/NAME_diagnosis.py`` or ``checks/NAME/diagnosis.py``), shipped.

    A public check and its public test diagnose a mistake with the same
    function; an assignment keeps it beside its checks module, and the
    template receives it as ``tests/jaxgrade_NAME_diagnosis.py``.
    """
    return {f"tests/jaxgrade_{a.name}_diagnosis.py": a.diagnosis.read_bytes() for a in assignments
            if a.diagnosis.is_file()}


def _reference_copies(root: Path) -> dict[str, bytes]:
    """Corpus cases that are the reference itself (expect.json ``"submission": "reference"``): kept equal to it."""
    files = {}
    for expect in sorted((root / "tests" / "corpus" / "correct").glob("*/*/expect.json")):
        name = expect.parent.parent.name
        reference = root / "solutions" / f"{name}.py"
        try:
            derived = json.loads(expect.read_text(encoding="utf-8")).get("submission") == "reference"
        except (ValueError, AttributeError):
            continue  # the assignment rules report a broken expect.json
        if derived and reference.is_file():
            files[(expect.parent.relative_to(root) / "assignments" / f"{name}.py").as_posix()] = reference.read_bytes()
    return files


def _package_files(root: Path) -> dict[str, bytes]:
    """The stub package: relative path inside ``assignments/`` -> bytes.

    Every assignment's reference becomes its stub; shared modules
    (``SHARED_MODULE = True``) and everything under ``solutions/data/`` are
    copied unchanged.
    """
    solutions = root / "solutions"
    files = {"__init__.py": template.ASSIGNMENTS_INIT.encode()}
    for assignment in catalog.discover(root):
        source = assignment.reference.read_text(encoding="utf-8")
        stub = strip_solutions(source, filename=f"solutions/{assignment.name}.py")
        files[f"{assignment.name}.py"] = stub.encode("utf-8")
    for name in catalog.shared_modules(root):
        files[f"{name}.py"] = (solutions / f"{name}.py").read_bytes()
    data_dir = solutions / "data"
    if data_dir.is_dir():
        for path in _source_files(data_dir):
            files[f"data/{path}"] = (data_dir / path).read_bytes()
    return files


def _template_files(root: Path, package: dict[str, bytes]) -> dict[str, bytes]:
    """The student template without its fixtures: relative path -> bytes."""
    solutions = root / "solutions"
    assignments = catalog.discover(root)
    files = {
        "README.md": template.readme([(a.name, a.title) for a in assignments]).encode(),
        "pyproject.toml": template.pyproject().encode(),
        "requirements.txt": template.requirements().encode(),
        ".gitignore": template.GITIGNORE.encode(),
        ".github/workflows/classroom.yml": template.classroom_workflow([a.name for a in assignments]).encode(),
    }
    files.update({f"{PACKAGE_DIR}/{path}": data for path, data in package.items()})

    handouts = _require(solutions / "handouts", what="handout folder")
    tests = _require(solutions / "public_tests", what="public test folder")
    for path in _source_files(handouts):
        files[f"handouts/{path}"] = (handouts / path).read_bytes()
    for assignment in assignments:  # "How it is graded" ends with the registry's points table
        handout = (handouts / f"{assignment.name}.md").read_text(encoding="utf-8")
        files[f"handouts/{assignment.name}.md"] = with_points_table(handout, assignment.registry().checks).encode()
    for path in _source_files(tests):
        files[f"tests/{path}"] = (tests / path).read_bytes()
    files.update(_notebook_files(root, package))
    # The points each public test puts at stake, for the local summary (tests/jaxgrade_points.py).
    files["tests/jaxgrade_points.json"] = points_json({a.name: a.registry() for a in assignments}).encode()
    # `@graded_as` names a check by its identifier; a failing local test shows the title the grader shows.
    titles = {a.name: {c.id: c.name for c in a.registry().checks if c.public} for a in assignments}
    files["tests/graded_checks.json"] = (json.dumps(titles, indent=2, sort_keys=True) + "\n").encode()
    # The autograder's own wording and verdicts, so local tests say what the grader says.
    for module, shipped in SHARED_MODULES.items():
        files[f"tests/{shipped}"] = _require(root / "autograder" / module, what="shared feedback module").read_bytes()
    files.update(assignment_diagnoses(assignments))
    return files


def _notebook_files(root: Path, package: dict[str, bytes]) -> dict[str, bytes]:
    """The handout notebooks (``notebooks/<name>.ipynb``) and the helper their last cell uses."""
    solutions = root / "solutions"
    repository = notebooks.template_repository(solutions)
    files = {f"tests/{notebooks.CHECKS_HELPER}": Path(__file__).with_name("templates").joinpath(
        notebooks.CHECKS_HELPER).read_bytes()}
    for assignment in catalog.discover(root):
        checks = assignment.registry().checks
        handout = with_points_table((solutions / "handouts" / f"{assignment.name}.md").read_text(encoding="utf-8"),
                                    checks)
        public_tests = (solutions / "public_tests" / f"test_{assignment.name}.py").read_text(encoding="utf-8")
        files[f"{notebooks.NOTEBOOK_DIR}/{assignment.name}.ipynb"] = notebooks.handout_notebook(
            name=assignment.name, handout=handout, stub=package[f"{assignment.name}.py"].decode("utf-8"),
            points=notebooks.public_points(checks, public_tests), repository=repository)
    return files


def _inputs_digest(root: Path, package: dict[str, bytes]) -> str:
    """A digest of everything the fixture worker reads: the stubs, ``solutions/`` and the checks code.

    The code is hashed both where the worker imports it from (this checkout) and
    under ``root`` (a copy of the repository may carry its own checks modules).
    """
    digest = hashlib.sha256(sys.executable.encode())
    for path in sorted(package):
        digest.update(b"\0stub\0" + path.encode() + b"\0" + package[path])
    bases = dict.fromkeys(b.resolve() for b in (root / "solutions", root / "autograder", _CODE_ROOT / "autograder"))
    for base in bases:  # root is usually this checkout: its code is read once
        for path in sorted(base.rglob("*")) if base.is_dir() else ():
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(b"\0" + str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _compute_fixtures(root: Path, package: dict[str, bytes]) -> dict[str, Fixture]:
    """The fixtures for ``package``: computed once per process for the same inputs (``_inputs_digest``).

    A check, a write and a second check (what ``regenerate`` then ``--check`` do in
    one process) would otherwise import JAX and run every recipe three times.
    """
    key = _inputs_digest(root, package)
    if key not in _COMPUTED:
        _COMPUTED[key] = _run_fixture_worker(root, package)
    return dict(_COMPUTED[key])


def _run_fixture_worker(root: Path, package: dict[str, bytes]) -> dict[str, Fixture]:
    """Import the new stubs and compute the fixtures, in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="jaxgrade-generate-") as scratch:
        scratch = Path(scratch)
        for path, data in package.items():
            target = scratch / "stubs" / PACKAGE_DIR / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        out = scratch / "fixtures"
        out.mkdir()
        env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=str(_CODE_ROOT))
        command = [sys.executable, "-m", "autograder.generate.worker",
                   "--root", str(root), "--stubs", str(scratch / "stubs"), "--out", str(out)]
        result = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True,
                                timeout=_WORKER_TIMEOUT_S)
        if result.returncode != 0:
            raise GenerationError(
                "computing the public-test fixtures failed:\n" + result.stderr.strip()[-4000:]
            )
        fixtures = {}
        for path in sorted(out.glob("*.npz")):  # one per assignment with a fixture recipe
            with np.load(path, allow_pickle=False) as data:
                fixtures[path.stem] = Fixture({key: data[key] for key in data.files})
        return fixtures


def _differs(path: Path, content: bytes | Fixture) -> bool:
    if not path.is_file():
        return True
    if isinstance(content, Fixture):
        try:
            existing = read_npz(path.read_bytes())
        except Exception:  # unreadable counts as different; it will be rewritten
            return True
        return fixture_difference(content.arrays, existing) is not None
    return path.read_bytes() != content


def _write(path: Path, content: bytes | Fixture) -> None:
    data = npz_bytes(content.arrays) if isinstance(content, Fixture) else content
    if path.is_dir():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _existing_files(root: Path) -> set[str]:
    found = set()
    for tree in GENERATED_TREES:
        base = root / tree
        if base.is_dir():
            found.update(f"{tree}/{path}" for path in _source_files(base))
    return found


def _source_files(base: Path) -> list[str]:
    """Files under ``base`` (relative, ``/``-separated, sorted), scratch skipped."""
    files = []
    for directory, subdirs, names in os.walk(base):
        subdirs[:] = sorted(d for d in subdirs if d not in _SCRATCH_DIRS and not d.endswith(_SCRATCH_SUFFIXES))
        for name in names:
            if name.endswith(_SCRATCH_SUFFIXES) or name == ".DS_Store":
                continue
            files.append((Path(directory) / name).relative_to(base).as_posix())
    return sorted(files)


def _remove(root: Path, path: str) -> None:
    """Delete a stale file, then the folders it leaves empty (not the tree itself)."""
    target = root / path
    target.unlink()
    tree_root = root / path.split("/", 1)[0]
    folder = target.parent
    while folder != tree_root and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _require(path: Path, *, what: str) -> Path:
    if not path.exists():
        raise GenerationError(f"missing {what}: {path} (sources of generated files live under solutions/)")
    return path
