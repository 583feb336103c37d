"""Parity: a public test and the graded check it is linked to give the same verdict on the same file.

Every correct and wrong corpus case goes through the student template's linked
public tests (``graded_as``), one process per assignment (tests/generate/parity_runner.py),
and each verdict is compared with the grader's on that case, as its expect.json
states it and tests/grading/test_corpus.py holds the grader to. Hostile cases
never run outside the grader's sandbox, and cases that hang on purpose
(``"budget"``) are left to the corpus test.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import catalog
from autograder.checks import load_registry

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "student_template"
CORPUS = REPO / "tests" / "corpus"
RUNNER = Path(__file__).with_name("parity_runner.py")


KNOWN_DISAGREEMENTS = {
    ("jit_potential/jitted_placeholder", "both_jitted"):
        "the grader withholds the jit check until W is the pair potential (a gate); the public jit test does "
        "not apply that gate yet",
    ("scan_integrator/identity_step_in_scan", "built_on_scan"):
        "the grader counts the scan structure of an exported program only once that program moves the particles "
        "as the reference does on inputs drawn after the export; the public test reads the structure alone",
    ("scan_integrator/particle_by_particle", "one_step_matches"):
        "the public step test has only uncoupled harmonic oscillators, where updating particle by particle "
        "is harmless; the graded check adds pairwise gravity (the public fixture needs that case too)",
}
"""(case, check) -> why the public test does not reach the grader's verdict yet. Each entry is a
parity gap to close; the test fails when a listed pair agrees (so the list cannot go stale)."""


def _is_module(case: Path, assignment: str) -> bool:
    """A plain ``.py`` module: notebooks and script exports calling get_ipython() are staged by the grader
    first (docs/notebooks.md), which the public tests do not do; tests/grading/test_notebook_submission.py
    and the corpus cover them."""
    files = [case / f"{assignment}.py", case / "assignments" / f"{assignment}.py"]
    return any(f.is_file() and "get_ipython(" not in f.read_text(errors="replace") for f in files)


def cases_of(assignment: str) -> list[Path]:
    cases = []
    for kind in ("correct", "wrong"):
        for expect in sorted((CORPUS / kind / assignment).glob("*/expect.json")):
            if "budget" not in json.loads(expect.read_text()) and _is_module(expect.parent, assignment):
                cases.append(expect.parent)
    return cases


def grader_passes(case: Path, check_id: str) -> bool:
    """The grader's verdict on check ``check_id`` for ``case``, as its expect.json states it."""
    expect = json.loads((case / "expect.json").read_text())
    if expect.get("score") == "full":
        return True
    if expect.get("score") == 0:
        return False
    return check_id not in expect["failed"]


def check_id(assignment: str, link: str) -> str:
    """The identifier of the check a ``graded_as(link)`` names."""
    for check in load_registry(assignment).checks:
        if link == check.id:
            return check.id
    raise AssertionError(f"{assignment}: graded_as({link!r}) names no check")


@pytest.mark.slow
@pytest.mark.parametrize("assignment", catalog.assignment_names())
def test_public_tests_and_graded_checks_agree_on_every_corpus_case(assignment, tmp_path):
    cases = cases_of(assignment)
    result = subprocess.run(
        [sys.executable, str(RUNNER), str(TEMPLATE), assignment, *map(str, cases)],
        capture_output=True, text=True, timeout=1800, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "JAX_PLATFORMS": "cpu", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    local = json.loads(result.stdout.strip().splitlines()[-1])
    disagreements, stale = [], []
    for case in cases:
        where = "/".join(case.relative_to(CORPUS).parts[1:])
        for link, passed in local[str(case)].items():
            check = check_id(assignment, link)
            agree = passed == grader_passes(case, check)
            if not agree and (where, check) not in KNOWN_DISAGREEMENTS:
                disagreements.append(f"{where}: the public test {'passes' if passed else 'fails'}, the graded "
                                     f"check {'fails' if passed else 'passes'}: {check!r}")
            if agree and (where, check) in KNOWN_DISAGREEMENTS:
                stale.append(f"{where}: {check!r} agrees now; remove it from KNOWN_DISAGREEMENTS")
    assert not disagreements + stale, "\n".join(disagreements + stale)
