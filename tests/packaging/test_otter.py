"""The Otter zip gives the same total as `jaxgrade grade`, submission by submission.

Real `otter run` (otter-grader 7.0.0, no containers) grades each corpus
submission's single file with the zip from `jaxgrade build otter`, and
`jaxgrade grade` grades the same submission; the totals must agree.

Otter executes the submitted file unconfined, in its own kernel, on the
machine running these tests. So only submissions whose top-level code is
harmless take part: every `correct` and `wrong` case, and the hostile cases
listed in SAFE_UNCONFINED (their attacks happen when a function is called,
which Otter's kernel never does, or they only damage the kernel itself).
Fork bombs, memory bombs and signal storms are left to the sandboxed route.
`monkeypatch_comparisons` is left out for another reason: by replacing
`builtins.max` in the kernel it makes `otter run` hang for good (Otter sets
no time limit on the kernel), which docs/otter.md reports.

Each comparison grades a submission twice (about a minute), so by default
one `correct` and one `wrong` case per assignment and two hostile cases are
compared; JAXGRADE_OTTER_ALL=1 compares every eligible case.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.packaging.bundle import PROJECT_ROOT
from autograder.packaging.otter import build_otter_zip, render_test_files

from .conftest import RUN_AS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:traitlets")
CORPUS = PROJECT_ROOT / "tests" / "corpus"
OTTER = Path(sys.executable).with_name("otter")
CASES_PER_KIND = {"correct": 1, "wrong": 1}
DEFAULT_HOSTILE = {"grad_forces/rigged_objects", "grad_forces/syntax_error"}
SAFE_UNCONFINED = {
    "grad_forces/syntax_error", "grad_forces/sys_exit_at_import", "grad_forces/keyboard_interrupt_at_import",
    "grad_forces/import_error", "grad_forces/rigged_objects",
    "grad_forces/pickle_payload", "grad_forces/hostile_exception_message", "grad_forces/os_exit_in_call",
    "grad_forces/stack_inspection",
}


def _module_file(case: Path) -> Path | None:
    """The case's one submitted module, or None if it is not a single-file submission."""
    assignment = case.parent.name
    files = [p for p in case.rglob("*.py") if p.name != "__init__.py"]
    if len(files) == 1 and files[0].name == f"{assignment}.py":
        return files[0]
    return None


def select_cases() -> list[Path]:
    every = os.environ.get("JAXGRADE_OTTER_ALL") == "1"
    chosen = []
    for assignment_dir in sorted(CORPUS.glob("*/*")):
        kind, assignment = assignment_dir.parent.name, assignment_dir.name
        cases = sorted(p.parent for p in assignment_dir.glob("*/expect.json") if _module_file(p.parent))
        if kind == "hostile":
            allowed = SAFE_UNCONFINED if every else DEFAULT_HOSTILE
            cases = [c for c in cases if f"{assignment}/{c.name}" in allowed]
        elif not every:
            cases = cases[: CASES_PER_KIND.get(kind, 0)]
        chosen += cases
    return chosen


CASES = select_cases()


@pytest.fixture(scope="session")
def otter_zips(tmp_path_factory):
    out, built = tmp_path_factory.mktemp("otter-dist"), {}

    def zip_for(assignment: str) -> Path:
        if assignment not in built:
            built[assignment] = build_otter_zip(assignment=assignment, out_dir=out)
        return built[assignment]

    return zip_for


def otter_total(zip_path: Path, module_file: Path, workdir: Path) -> tuple[float, dict]:
    submission = workdir / "otter-submission" / module_file.name
    submission.parent.mkdir(parents=True)
    shutil.copyfile(module_file, submission)
    out = workdir / "otter-out"
    out.mkdir()
    done = subprocess.run(
        [str(OTTER), "run", "-a", str(zip_path), "-o", str(out), "--no-logo", str(submission)],
        cwd=submission.parent, capture_output=True, text=True, timeout=1800,
    )
    assert (out / "results.json").is_file(), f"otter run wrote no results:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    results = json.loads((out / "results.json").read_text())
    return sum(t.get("score") or 0 for t in results["tests"]), results


def jaxgrade_results(case: Path, results_path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(case), "-a", case.parent.name,
         "--results", str(results_path), "--run-as", RUN_AS],
        capture_output=True, text=True, timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(results_path.read_text())


def test_one_otter_test_per_check_holding_no_expected_values():
    from autograder.checks import load_registry

    files = render_test_files("grad_forces")
    checks = load_registry("grad_forces").checks
    assert len(files) == len(checks)
    for source, check in zip(files.values(), checks):
        assert repr(check.name) in source and "OK_FORMAT = False" in source
        code = source.replace(check.name, "")
        assert "solutions" not in code and "reference" not in code.lower(), "Otter tests must only relay jaxgrade's result"
        compile(source, "otter-test", "exec")


@pytest.mark.slow
@pytest.mark.skipif(not OTTER.exists(), reason="otter-grader is not installed (pip install 'jaxgrade[otter]')")
@pytest.mark.parametrize("case", CASES, ids=["/".join(c.relative_to(CORPUS).parts) for c in CASES])
def test_otter_and_jaxgrade_give_the_same_total(case, otter_zips, tmp_path):
    # One after the other, not at once: every graded call has a time budget, and
    # a machine loaded by the test itself could make one route time out.
    otter_score, otter_results = otter_total(otter_zips(case.parent.name), _module_file(case), tmp_path)
    jaxgrade = jaxgrade_results(case, tmp_path / "jaxgrade-results.json")
    otter_detail = "\n".join(f"- {t['name']}: {t.get('score')}/{t.get('max_score')}" for t in otter_results["tests"])
    assert otter_score == pytest.approx(jaxgrade["score"], abs=1e-4), (
        f"otter run gave {otter_score}, jaxgrade grade gave {jaxgrade['score']}.\n"
        f"otter:\n{otter_detail}\njaxgrade said: {jaxgrade['output'][:1500]}"
    )


def test_the_corpus_offers_cases_to_compare():
    assert any(c.parent.parent.name == "correct" for c in CASES), "no correct single-file case in the corpus"
