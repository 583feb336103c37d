"""The Otter zip gives the same total as `jaxgrade grade`, and the student's file never runs in Otter.

Real `otter run` (otter-grader 7.0.0, no containers) grades each selected
corpus submission's single file with the zip from `jaxgrade build otter`.
The zip's plugin grades the file with the real grader in its sandbox and has
Otter execute a placeholder instead, so hostile cases are safe to run here:
their top-level code runs only in jaxgrade's confined child.

Each `otter run` costs a kernel start plus a grading, so by default a
`correct` and a `wrong` grad_forces case are compared with `jaxgrade grade`,
three hostile cases (rewriting results, reading the reference and hidden
checks, the network) must score what the corpus expects, and one submission
that would forge Otter's scores from inside the kernel must not. A correct
Colab notebook must get jaxgrade's total, and a file named ``otter.py`` (which
the kernel's ``from otter import Notebook`` would import from the submission
folder), alone or zipped with a notebook, must score 0 without being imported.
With JAXGRADE_OTTER_ALL=1 every single-file case of the corpus (.py or
notebook) is compared.
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
CASES_PER_KIND = {"correct": 0, "wrong": 1}  # the correct case is the Colab notebook (DEFAULT_NOTEBOOKS)
DEFAULT_ASSIGNMENTS = {"grad_forces"}
DEFAULT_NOTEBOOKS = {"correct/grad_forces/colab_notebook_magics_and_plot"}
# Attacks on what Otter adds (its results file, the reference it ships); the sandbox itself is the
# corpus's to test (JAXGRADE_OTTER_ALL=1 runs every case).
DEFAULT_HOSTILE = {"grad_forces/rewrite_results", "grad_forces/steal_reference"}


def _module_file(case: Path) -> Path | None:
    """The case's one submitted module (a .py or a notebook), or None if it is not a single-file submission."""
    assignment = case.parent.name
    files = [p for p in case.rglob("*") if p.suffix in (".py", ".ipynb") and p.name != "__init__.py"]
    if len(files) == 1 and files[0].stem == assignment:
        return files[0]
    return None


def select_cases() -> list[Path]:
    every = os.environ.get("JAXGRADE_OTTER_ALL") == "1"
    chosen = []
    for assignment_dir in sorted(CORPUS.glob("*/*")):
        kind, assignment = assignment_dir.parent.name, assignment_dir.name
        cases = sorted(p.parent for p in assignment_dir.glob("*/expect.json") if _module_file(p.parent))
        if every:
            chosen += cases
        elif kind == "hostile":
            chosen += [c for c in cases if f"{assignment}/{c.name}" in DEFAULT_HOSTILE]
        elif assignment in DEFAULT_ASSIGNMENTS:
            scripts = [c for c in cases if _module_file(c).suffix == ".py"]
            chosen += scripts[: CASES_PER_KIND.get(kind, 0)]
            chosen += [c for c in cases if f"{kind}/{assignment}/{c.name}" in DEFAULT_NOTEBOOKS]
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
    """``otter run`` on one file (a .py, a notebook or a zip of several); Otter's total and results."""
    submission = workdir / "otter-submission" / module_file.name
    submission.parent.mkdir(parents=True)
    shutil.copyfile(module_file, submission)
    out = workdir / "otter-out"
    out.mkdir()
    done = subprocess.run(
        [str(OTTER), "run", "-a", str(zip_path), "-o", str(out), "--no-logo", str(submission)],
        cwd=submission.parent, capture_output=True, text=True, timeout=1800,
    )
    assert (out / "results.json").is_file(), (
        f"otter run wrote no results:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
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
        assert f"name = {check.id!r}" in source and "OK_FORMAT = False" in source
        code = source.replace(check.name, "")
        assert "solutions" not in code and "reference" not in code.lower(), (
            "Otter tests must only relay jaxgrade's result")
        compile(source, "otter-test", "exec")


needs_otter = pytest.mark.skipif(
    not OTTER.exists(), reason="otter-grader is not installed (pip install 'jaxgrade[otter]')")


@pytest.mark.slow
@needs_otter
@pytest.mark.parametrize("case", CASES, ids=["/".join(c.relative_to(CORPUS).parts) for c in CASES])
def test_otter_and_jaxgrade_give_the_same_total(case, otter_zips, tmp_path):
    # One after the other, not at once: every graded call has a time budget, and
    # a machine loaded by the test itself could make one route time out.
    otter_score, otter_results = otter_total(otter_zips(case.parent.name), _module_file(case), tmp_path)
    otter_detail = "\n".join(f"- {t['name']}: {t.get('score')}/{t.get('max_score')}" for t in otter_results["tests"])
    if case.parent.parent.name == "hostile":  # the corpus test holds `jaxgrade grade` to the same expectation
        expected = json.loads((case / "expect.json").read_text())["score"]
        assert otter_score == pytest.approx(expected, abs=1e-4), (
            f"{case.name} through otter run scored {otter_score}, expected {expected}:\n{otter_detail}")
        return
    jaxgrade = jaxgrade_results(case, tmp_path / "jaxgrade-results.json")
    assert otter_score == pytest.approx(jaxgrade["score"], abs=1e-4), (
        f"otter run gave {otter_score}, jaxgrade grade gave {jaxgrade['score']}.\n"
        f"otter:\n{otter_detail}\njaxgrade said: {jaxgrade['output'][:1500]}"
    )
    assert otter_results.get("output") == jaxgrade["output"], "Otter's page should carry jaxgrade's top-level feedback"


# Top-level code that, run in Otter's kernel, would forge every test's result and
# leave a mark; in jaxgrade's child (no ipykernel there) it does nothing.
KERNEL_FORGERY = """
import sys, types

if "ipykernel" in sys.modules:
    open({marker!r}, "w").write("ran in Otter's kernel")

    class Forged:
        def __init__(self, name, max_score):
            self.name, self.score, self.max_score, self.message = name, max_score, max_score, "forged"
            self.earned, self.missed = max_score, 0.0

    fake = types.ModuleType("autograder.packaging.otter_runtime")
    fake.check_outcome = lambda *, assignment, check_id, max_score: Forged(check_id, max_score)
    sys.modules["autograder.packaging.otter_runtime"] = fake


def potential_energy(x, m, eps2=0.0, G=1.0):
    return (x * 0.0).sum()


def grad_forces(x, m, eps2=0.0, G=1.0):
    return x * 0.0
"""


@pytest.mark.slow
@needs_otter
def test_the_submission_never_runs_in_otters_kernel(otter_zips, tmp_path):
    marker = tmp_path / "kernel-ran-the-submission"
    source = tmp_path / "source" / "grad_forces.py"
    source.parent.mkdir()
    source.write_text(KERNEL_FORGERY.format(marker=str(marker)))
    score, results = otter_total(otter_zips("grad_forces"), source, tmp_path)
    assert not marker.exists(), "the submitted file ran in Otter's kernel"
    assert score == 0, f"a submission that returns zeros scored {score} through Otter: {results['tests']}"


def test_the_zip_grades_through_the_plugin(otter_zips):
    import zipfile

    with zipfile.ZipFile(otter_zips("grad_forces")) as archive:
        config = json.loads(archive.read("otter_config.json"))
        environment = archive.read("environment.yml").decode()
    plugin = "autograder.packaging.otter_plugin.JaxgradeOtterPlugin"
    assert config["plugins"] == [{plugin: {"assignment": "grad_forces"}}]
    assert "/autograder/source/jaxgrade" in environment, "Otter's environment must be able to import the plugin"


def test_the_corpus_offers_cases_to_compare():
    assert any(c.parent.parent.name == "correct" for c in CASES), "no correct single-file case in the corpus"


# A file named otter.py: Otter's kernel starts with `from otter import Notebook`, run in
# the submission folder, so left there this file would be imported first, as the grader's
# user, and could rewrite the results every test reads (10/10 for nothing).
OTTER_MODULE_FORGERY = """
import glob, json, os

open({marker!r}, "w").write("ran in Otter's kernel")
for path in glob.glob(os.path.join(os.getcwd(), "..", "results", "*.json")):
    data = json.load(open(path))
    for test in data.get("tests", []):
        test["score"] = test.get("max_score", 0)
    json.dump(data, open(path, "w"))


class Notebook:
    def __init__(self, *args, **kwargs):
        pass
"""

STUB_NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": None, "id": "stub", "metadata": {}, "outputs": [],
               "source": "def potential_energy(x, m, eps2=0.0, G=1.0):\n    raise NotImplementedError\n"}],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
}


@pytest.mark.slow
@needs_otter
@pytest.mark.parametrize("zipped_with_a_notebook", [False, True], ids=["alone", "zipped-with-a-notebook"])
def test_a_file_named_otter_py_never_runs_in_otters_kernel(otter_zips, tmp_path, zipped_with_a_notebook):
    import zipfile

    marker = tmp_path / "kernel-imported-otter-py"
    source = tmp_path / "source" / "otter.py"
    source.parent.mkdir()
    source.write_text(OTTER_MODULE_FORGERY.format(marker=str(marker)))
    if zipped_with_a_notebook:
        bundle = tmp_path / "source" / "submission.zip"
        with zipfile.ZipFile(bundle, "w") as archive:
            archive.write(source, "otter.py")
            archive.writestr("grad_forces.ipynb", json.dumps(STUB_NOTEBOOK))
        source = bundle
    score, results = otter_total(otter_zips("grad_forces"), source, tmp_path)
    assert not marker.exists(), "a student's otter.py was imported by Otter's kernel"
    assert score == 0, f"a submission that implements nothing scored {score} through Otter: {results['tests']}"
