"""A check's identifier is its key everywhere; its title is free text.

Rewording every title (here by replacing the registries' checks with reworded
copies) must leave every link intact: the corpus expectations, the public
tests' ``graded_as``, the Otter test files, the gradebook's columns and batch
resume. Cheap: nothing is graded.
"""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from autograder import catalog, results
from autograder.batch import gradebook
from autograder.checking.framework import CheckRegistry
from autograder.checks import load_registry
from autograder.packaging.otter import render_test_files

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def reworded(monkeypatch):
    """Every assignment's checks, each title reworded; identifiers untouched."""
    for name in catalog.assignment_names():
        registry = load_registry(name)
        checks = [dataclasses.replace(c, name=f"Reworded: {c.name}") for c in registry.checks]
        monkeypatch.setattr(registry, "checks", checks)
    return {name: load_registry(name) for name in catalog.assignment_names()}


def test_the_identifier_is_the_function_name_and_unique():
    registry = CheckRegistry("demo")

    @registry.check("A title students read", points=1)
    def some_property(ctx):
        return "ok"

    assert registry.checks[0].id == "some_property" and registry.by_id("some_property").name == "A title students read"
    with pytest.raises(ValueError, match="duplicate check identifier 'some_property'"):
        registry.check("Another title", points=1)(some_property)


def test_corpus_expectations_survive_reworded_titles(reworded):
    from tests.grading.test_corpus import CASES, expectation

    for case in CASES:
        expectation(case)


def test_public_test_links_survive_reworded_titles(reworded):
    for name, registry in reworded.items():
        source = (ROOT / "solutions" / "public_tests" / f"test_{name}.py").read_text(encoding="utf-8")
        linked = set(re.findall(r'@graded_as\("([^"]+)"\)', source))
        assert linked == {c.id for c in registry.checks if c.public}, name


def test_otter_tests_keep_their_names_under_reworded_titles(reworded):
    registry = reworded["grad_forces"]
    for source, check in zip(render_test_files("grad_forces").values(), registry.checks):
        assert f"name = {check.id!r}" in source and "Reworded: " in source


def test_gradebook_and_resume_read_results_written_before_the_rewording(reworded, tmp_path):
    """Results graded under the old titles still fill the columns and still count as complete."""
    registry = reworded["grad_forces"]
    old = [results.CheckResult(name=f"Old title {i}", score=c.points, max_score=c.points, output="ok", check_id=c.id)
           for i, c in enumerate(registry.checks)]
    data = results.build_results(results.GradingOutcome(assignment="grad_forces", checks=old))
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    assert results.read_results(path, assignment="grad_forces", check_ids=[c.id for c in registry.checks])

    class Submission:
        key, students = "ada", [type("Student", (), {"id": "1", "name": "Ada", "email": "a@x"})()]

    graded = type("Graded", (), {"results": data, "submission": Submission, "note": "", "resumed": True})()
    row = gradebook.gradebook_rows([graded], registry)[0]
    assert [row[c.id] for c in registry.checks] == [f"{c.points:g}" for c in registry.checks]


def test_an_expectation_naming_a_title_fails_naming_the_identifier(tmp_path):
    from tests.grading.test_corpus import CORPUS, expectation

    check = load_registry("grad_forces").by_id("third_law")
    case = CORPUS / "wrong" / "grad_forces" / "zz_title_case"  # read only: the folder is never created
    real = Path.read_text

    def read(path, *args, **kwargs):
        return json.dumps({"failed": [check.name]}) if path == case / "expect.json" else real(path, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "read_text", read)
        with pytest.raises(AssertionError, match="use their identifiers.*third_law"):
            expectation(case)
