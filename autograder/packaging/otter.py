"""The Otter autograder zip for one assignment.

For courses that collect work through Otter (``otter run -a ZIP FILE.py``, or
the zip uploaded to Gradescope as an Otter autograder). The zip is what
``otter generate`` makes (``otter_config.json``, ``requirements.txt``,
``environment.yml``, ``setup.sh``, ``run_autograder``, ``run_otter.py``,
``tests/``) plus the grader's source under ``jaxgrade/``.

The zip's ``otter_config.json`` lists :mod:`.otter_plugin`, which grades the
submitted file with the real grader in a separate process (the student's
functions run only in jaxgrade's sandbox) and has Otter execute a placeholder
instead of the file, so the student's code never runs in Otter's kernel.
There is one exception-based Otter test per jaxgrade check; each reads its
check's result through :mod:`.otter_runtime`. The tests hold no expected
values and no checking logic, so Otter and jaxgrade give the same score, and a
check's partial credit survives: a check is an "earned" test case worth the
points it scored plus a failing "missed" one worth the rest.
"""
from __future__ import annotations

import contextlib
import json
import tempfile
import zipfile
from pathlib import Path

from ..checks import load_registry
from .bundle import grader_source_files, read_pinned_requirements, write_zip

PYTHON_VERSION = "3.11"  # the minor version the project's tests run on (Otter installs it with conda)
GRADER_PREFIX = "jaxgrade"
OTTER_CONFIG = {"lang": "python", "show_hidden": True, "show_stdout": False}
# Imported by Otter's own process (by name: importing it here would need Otter installed).
PLUGIN = f"{__package__}.otter_plugin.JaxgradeOtterPlugin"
# Gradescope's Otter image installs the grader shipped in the zip into Otter's
# environment, so that Otter's own process can import the plugin.
GRADER_REQUIREMENT = f"/autograder/source/{GRADER_PREFIX}"


def otter_config(assignment: str) -> dict:
    """The zip's otter_config.json: Otter's settings plus the plugin that grades in jaxgrade's sandbox."""
    return dict(OTTER_CONFIG, plugins=[{PLUGIN: {"assignment": assignment}}])

TEST_FILE = '''"""Check {number} of {assignment}: {name}

Graded by jaxgrade in its sandbox, in a separate process (see the zip's Otter
plugin); this file only reports the result.
"""
import os
import sys

from otter.test_files import test_case

OK_FORMAT = False

for _root in (os.path.join(os.getcwd(), "..", "source", "{prefix}"), "/autograder/source/{prefix}"):
    if os.path.isdir(_root):
        sys.path.insert(0, os.path.abspath(_root))
        break

from autograder.packaging.otter_runtime import check_outcome

name = {check_id!r}  # Otter's key for this test: the check's stable identifier
_outcome = check_outcome(assignment={assignment!r}, check_id=name, max_score={points!r})
all_or_nothing = _outcome.max_score == 0  # a check worth nothing here (e.g. GPU-only) has no test cases

if _outcome.earned > 0:
    @test_case(name="points earned", points=_outcome.earned, hidden={hidden!r}, success_message=_outcome.message)
    def earned():
        pass

if _outcome.missed > 0:
    @test_case(name="points missed", points=_outcome.missed, hidden={hidden!r})
    def missed():
        raise AssertionError(_outcome.message)
'''


def render_test_files(assignment: str) -> dict[str, str]:
    """File name -> source of the Otter test for each check, in check order."""
    checks = load_registry(assignment).for_grading(gpu_tier=False).checks  # Otter grades without a GPU
    width = max(2, len(str(len(checks))))
    return {
        f"q{number:0{width}d}.py": TEST_FILE.format(
            number=number, assignment=assignment, name=check.name, check_id=check.id, points=float(check.points),
            hidden=not check.public, prefix=GRADER_PREFIX,
        )
        for number, check in enumerate(checks, start=1)
    }


def _otter_generate(build: Path) -> dict[str, bytes]:
    """Run Otter's own generator in ``build``; return the entries of the zip it made."""
    try:
        from otter.generate import main as otter_generate
    except ImportError:
        raise RuntimeError("building an Otter zip needs Otter: pip install 'jaxgrade[otter]'") from None
    with contextlib.chdir(build):  # Otter also looks for default files in the working directory
        otter_generate(
            tests_dir="tests", output_path="otter.zip", config="otter_config.json",
            requirements="requirements.txt", no_environment=True, python_version=PYTHON_VERSION,
        )
    with zipfile.ZipFile(build / "otter.zip") as archive:
        return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}


def build_otter_zip(*, assignment: str, out_dir: Path) -> Path:
    """Write ``out_dir/<assignment>-otter.zip`` and return its path."""
    with tempfile.TemporaryDirectory(prefix="jaxgrade-otter-build-") as scratch:
        build = Path(scratch)
        (build / "tests").mkdir()
        for file_name, source in render_test_files(assignment).items():
            (build / "tests" / file_name).write_text(source, encoding="utf-8")
        requirements = [*read_pinned_requirements(), GRADER_REQUIREMENT]
        (build / "requirements.txt").write_text("\n".join(requirements) + "\n", encoding="utf-8")
        (build / "otter_config.json").write_text(json.dumps(otter_config(assignment), indent=2), encoding="utf-8")
        entries = _otter_generate(build)
    for name, path in grader_source_files().items():
        entries[f"{GRADER_PREFIX}/{name}"] = path.read_bytes()
    return write_zip(Path(out_dir) / f"{assignment}-otter.zip", entries, executables=("setup.sh", "run_autograder"))
