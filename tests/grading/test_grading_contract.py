"""The promises `jaxgrade grade` makes whatever the submission: deterministic
results, a valid file at the path asked for, exit status 0, and no free points."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.checks import ASSIGNMENTS

from .production import grade_like_production

ROOT = Path(__file__).resolve().parents[2]
CORRECT = sorted((ROOT / "tests" / "corpus" / "correct" / "grad_forces").glob("*/expect.json"))[0].parent


def _checks(results: dict) -> list:
    return [(t["name"], t["score"], t["max_score"], t["status"], t["output"]) for t in results["tests"]]


@pytest.mark.slow
def test_the_same_submission_gets_the_same_results_every_run(tmp_path):
    first = grade_like_production(CORRECT, assignment="grad_forces", results_path=tmp_path / "a.json")
    second = grade_like_production(CORRECT, assignment="grad_forces", results_path=tmp_path / "b.json")
    assert _checks(first) == _checks(second)
    assert first["score"] == second["score"] == sum(t["max_score"] for t in first["tests"])


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_an_unchanged_stub_scores_zero(assignment, tmp_path):
    stub = tmp_path / "submission" / "assignments"
    stub.mkdir(parents=True)
    (stub / f"{assignment}.py").write_text((ROOT / "assignments" / f"{assignment}.py").read_text())
    results = grade_like_production(stub.parent, assignment=assignment, results_path=tmp_path / "r.json")
    assert results["score"] == 0
    # Checks that call the stub say so; structural checks may explain themselves otherwise.
    assert any("Not implemented yet" in t["output"] for t in results["tests"]), [
        t["output"][:200] for t in results["tests"]
    ]


@pytest.mark.slow
def test_cli_exits_zero_and_replaces_a_stale_results_folder(tmp_path):
    results_path = tmp_path / "results.json"
    results_path.mkdir()  # stale folder where the file should go
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "grade",
            str(empty),
            "-a",
            "grad_forces",
            "--results",
            str(results_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(results_path.read_text())
    assert results["score"] == 0 and "Could not find grad_forces.py" in results["tests"][0]["output"]


def test_cli_exits_nonzero_when_the_grader_itself_fails(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "grade",
            str(tmp_path),
            "-a",
            "grad_forces",
            "--results",
            "/proc/forbidden/results.json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode != 0 and "grading failed" in done.stderr


HANGING_POTENTIAL = '''
import jax.numpy as jnp


def potential_energy(x, m, eps2=0.0, G=1.0):
    while True:
        pass


def grad_forces(x, m, eps2=0.0, G=1.0):
    d = x[:, None, :] - x[None, :, :]
    self_pair = jnp.eye(x.shape[0], dtype=bool)
    r2 = jnp.where(self_pair, 1.0, jnp.sum(d**2, axis=-1) + eps2)
    inv_r3 = jnp.where(self_pair, 0.0, r2**-1.5)
    return -G * m[:, None] * jnp.einsum("ij,ijk->ik", m[None, :] * inv_r3, d)
'''


@pytest.mark.slow
def test_a_call_over_budget_fails_only_the_checks_that_depend_on_it(tmp_path):
    package = tmp_path / "submission" / "assignments"
    package.mkdir(parents=True)
    (package / "grad_forces.py").write_text(HANGING_POTENTIAL)
    results = grade_like_production(package.parent, assignment="grad_forces", results_path=tmp_path / "r.json",
                                    budget=3)
    by_name = {t["name"]: t for t in results["tests"]}
    timed_out = [n for n, t in by_name.items() if "Time limit" in t["output"]]
    assert timed_out and all(by_name[n]["score"] == 0 for n in timed_out)
    forces_only = [t for t in results["tests"] if "potential" not in t["name"].lower() and t["name"] not in timed_out]
    assert forces_only and all(t["score"] == t["max_score"] for t in forces_only), [
        (t["name"], t["output"][:200]) for t in forces_only
    ]
