"""Shared pieces for the packaging tests: a correct submission, the results
schema, and a helper that checks a results file against it."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest

from autograder import vocabulary
from autograder.packaging.bundle import PACKAGING_DIR, PROJECT_ROOT

SCHEMA_PATH = PACKAGING_DIR / "gradescope_results.schema.json"
# Grading as root drops student code to another user; `student` exists only on Gradescope.
RUN_AS = vocabulary.RUN_AS if os.geteuid() == 0 else ""


@pytest.fixture(scope="session")
def results_validator():
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def assert_valid_results(validator, data: dict) -> None:
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    report = "\n".join(f"- at {'/'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errors)
    assert not errors, f"results.json does not follow Gradescope's documented format:\n{report}"


def write_repo_submission(folder: Path, assignment: str, source: Path | None = None) -> Path:
    """A submission laid out like the student repo: assignments/<assignment>.py."""
    target = folder / "assignments" / f"{assignment}.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source or PROJECT_ROOT / "solutions" / f"{assignment}.py", target)
    return folder


@pytest.fixture(scope="session")
def correct_grad_forces(tmp_path_factory) -> Path:
    return write_repo_submission(tmp_path_factory.mktemp("correct"), "grad_forces")
