"""The student template's public tests say what the grader says, one screen per failure.

The corpus holds typical mistakes with the words the grader's check output must
contain (``"says"`` in expect.json). Here the same submissions are dropped into a
copy of ``student_template/`` and its tests run with plain ``pytest``: each
mistake must be named in those same words, in a report of one screen that shows
no helper source, no local variables and no traced program.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import catalog
from autograder.checks import load_registry

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "student_template"
CORPUS = REPO / "tests" / "corpus" / "wrong"
TESTS_DIR = REPO / "solutions" / "public_tests"

# corpus case -> (assignment, the public test that is the graded check's twin)
MISTAKES = {
    "grad_forces/forces_opposite_sign": ("grad_forces", "test_two_body_forces_attract"),
    "scan_integrator/symplectic_euler": ("scan_integrator", "test_one_step_matches_reference"),
    "jit_potential/not_jitted": ("jit_potential", "test_both_are_jitted"),
    "hmc/swapped_keys": ("hmc", "test_gaussian_steps_match_reference"),
    "dtype_audit/weak_type_attribute": ("dtype_audit", "test_audit_fields_match_reference"),
}
SCREEN_LINES = 40
_HEADER = re.compile(r"^_{3,} (test_\w+) _{3,}$")


def _module_file(case: Path, assignment: str) -> Path:
    flat = case / f"{assignment}.py"
    return flat if flat.is_file() else case / "assignments" / f"{assignment}.py"


@pytest.fixture(scope="module")
def local_reports(tmp_path_factory) -> dict[str, str]:
    """Public test name -> its failure report, for the mistaken modules in a template copy."""
    template = tmp_path_factory.mktemp("parity") / "template"
    shutil.copytree(TEMPLATE, template, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    for case, (assignment, _) in MISTAKES.items():
        shutil.copyfile(_module_file(CORPUS / case, assignment), template / "assignments" / f"{assignment}.py")
    reports = {}
    for assignment in sorted({assignment for assignment, _ in MISTAKES.values()}):
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"tests/test_{assignment}.py"], cwd=template,
            capture_output=True, text=True, timeout=600,
            env={"PATH": "/usr/bin:/bin", "HOME": str(template), "JAX_PLATFORMS": "cpu"},
        )
        assert "FAILURES" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]
        body = result.stdout.split("= FAILURES =", 1)[1].split("short test summary info", 1)[0]
        body = body.split(" points at stake =", 1)[0]  # the run's points summary follows the last failure
        name = None
        for line in body.splitlines():
            header = _HEADER.match(line)
            if header:
                name = f"{assignment}::{header.group(1)}"
                reports[name] = []
            elif name:
                reports[name].append(line)
    return {test: "\n".join(lines).rstrip("= \n") for test, lines in reports.items()}


@pytest.mark.parametrize("case", sorted(MISTAKES))
def test_local_tests_name_the_mistake_in_the_graders_words(case, local_reports):
    assignment, test_name = MISTAKES[case]
    expect = json.loads((CORPUS / case / "expect.json").read_text())
    report = local_reports.get(f"{assignment}::{test_name}")
    assert report is not None, f"{test_name} passed on {case}; failures: {sorted(local_reports)}"
    for check_id, words in expect["says"].items():
        if check_id in _twins(assignment):
            title = load_registry(assignment).by_id(check_id).name  # students read the title, as on Gradescope
            assert f"[graded check: {title}]" in report
            assert words in report, f"the grader says {words!r} for {case}; the public test said:\n{report}"


@pytest.mark.parametrize("case", sorted(MISTAKES))
def test_each_failure_fits_on_one_screen(case, local_reports):
    assignment, _ = MISTAKES[case]
    mine = {name: report for name, report in local_reports.items() if name.startswith(f"{assignment}::")}
    assert mine
    for name, report in mine.items():
        lines = report.splitlines()
        assert len(lines) <= SCREEN_LINES, f"{name}: {len(lines)} lines\n{report}"
        assert "how to fix" in report.lower(), f"{name} does not say how to fix:\n{report}"
        for leak in ("Traceback", "public_helpers.py", "jaxgrade_diagnosis", "__tracebackhide__"):
            assert leak not in report, f"{name} shows {leak!r}:\n{report}"
        # Source lines of a helper; a message may still name `def potential_energy_jit` in a fix.
        assert not any(re.match(r"^\s*def \w+\(", line) for line in lines), f"{name} shows source:\n{report}"
        assert not any(re.match(r"^(>|E )\s", line) for line in lines), f"{name} shows source or locals:\n{report}"


# Public checks that have local tests of the same property but not the same verdict yet.
NOT_YET_TWINNED: set[str] = set()


@pytest.mark.parametrize("assignment", catalog.assignment_names())
def test_every_public_check_has_a_local_twin(assignment):
    """A public test marked ``graded_as`` names a public check; each public check has such a twin."""
    public = {check.id for check in load_registry(assignment).checks if check.public}
    twins = _twins(assignment)
    assert twins <= public, f"{assignment}: graded_as names checks that are not public: {twins - public}"
    if assignment not in NOT_YET_TWINNED:
        assert twins == public, f"{assignment}: public checks without a local twin: {public - twins}"


def _twins(assignment: str) -> set[str]:
    source = (TESTS_DIR / f"test_{assignment}.py").read_text(encoding="utf-8")
    return set(re.findall(r'@graded_as\("([^"]+)"\)', source))
