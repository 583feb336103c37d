"""Batch grading a small class: gradebook rows, the summary, resuming, and
submissions that break things without stopping the batch."""
from __future__ import annotations

import csv
import json
import os
import zipfile
from pathlib import Path

import pytest

from autograder.batch import grade as batch
from autograder.batch.class_submissions import ClassSubmission, Student, discover
from autograder.batch.gradebook import gradebook_rows
from autograder.checks import load_registry
from autograder.packaging.bundle import PROJECT_ROOT

from .conftest import write_repo_submission

REGISTRY = load_registry("grad_forces")
SOLUTION = PROJECT_ROOT / "solutions" / "grad_forces.py"


def make_class(folder: Path) -> Path:
    """alice: correct; bob: forces with the wrong sign (flat upload); carol: a zip
    with a ../ entry; dave: a .zip that is not a zip."""
    write_repo_submission(folder / "alice", "grad_forces")
    wrong = SOLUTION.read_text().replace("return -jax.grad(", "return jax.grad(")
    assert wrong != SOLUTION.read_text(), "the reference changed: update how bob's wrong answer is made"
    (folder / "bob").mkdir()
    (folder / "bob" / "grad_forces.py").write_text(wrong)
    with zipfile.ZipFile(folder / "carol.zip", "w") as archive:
        archive.writestr("assignments/grad_forces.py", SOLUTION.read_text())
        archive.writestr("../../outside.py", "print('escaped')\n")
    (folder / "dave.zip").write_bytes(b"this is not a zip file")
    return folder


def read_rows(csv_path: Path) -> dict[str, dict]:
    with open(csv_path, newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    class_dir = make_class(root / "class")
    csv_path = root / "out" / "gradebook.csv"
    summary = batch.grade_batch(directory=class_dir, assignment="grad_forces", csv_path=csv_path, jobs=2)
    return class_dir, csv_path, summary


@pytest.mark.slow
def test_gradebook_has_a_row_per_student_with_a_column_per_check(graded_class):
    _, csv_path, _ = graded_class
    rows = read_rows(csv_path)
    assert sorted(rows) == ["alice", "bob", "carol", "dave"]
    check_ids = [c.id for c in REGISTRY.checks]
    fixed = ["student_id", "name", "email", "submission", "score", "max_score"]
    assert list(rows["alice"]) == [*fixed, *check_ids, "note"]
    assert float(rows["alice"]["score"]) == REGISTRY.max_score, rows["alice"]
    assert 0 < float(rows["bob"]["score"]) < REGISTRY.max_score, "a wrong sign should lose some points, not all"
    for name in ("carol", "dave"):
        assert float(rows[name]["score"]) == 0
        assert "zip was not unpacked" in rows[name]["note"]
    assert "outside the folder" in rows["carol"]["note"]
    assert not (csv_path.parent.parent / "outside.py").exists() and not (csv_path.parent / "outside.py").exists()
    per_check = sum(float(rows["bob"][check]) for check in check_ids)
    assert per_check == pytest.approx(float(rows["bob"]["score"])), "check columns should add up to the score"


@pytest.mark.slow
def test_each_student_has_a_results_file(graded_class):
    _, csv_path, _ = graded_class
    results_dir = csv_path.with_name("gradebook-results")
    for student in ("alice", "bob", "carol", "dave"):
        data = json.loads((results_dir / f"{student}.json").read_text())
        assert data["extra_data"]["assignment"] == "grad_forces"


@pytest.mark.slow
def test_summary_ranks_checks_by_failures(graded_class):
    _, csv_path, summary = graded_class
    assert csv_path.with_name("gradebook-summary.md").read_text() == summary
    assert "graded: 4 (0 from an earlier run), not graded: 0" in summary
    table = [line for line in summary.splitlines()
             if line.startswith("| ") and not line.startswith(("| check", "| ---"))]
    failed = [int(line.split("|")[3]) for line in table]
    assert len(table) == len(REGISTRY.checks)
    assert failed == sorted(failed, reverse=True), "most-failed checks come first"
    # carol and dave fail everything, alice nothing; bob fails some but not all.
    assert set(failed) <= {2, 3} and failed[0] == 3 and failed[-1] == 2, summary
    assert all(line.split("|")[4].strip() == "4" for line in table)


@pytest.mark.slow
def test_resume_skips_complete_results_and_regrades_the_rest(graded_class, tmp_path, monkeypatch):
    class_dir, csv_path, _ = graded_class
    results_dir = csv_path.with_name("gradebook-results")
    (results_dir / "alice.json").write_text('{"score": 10, "tes')  # as if killed mid-write
    untouched = {name: (results_dir / f"{name}.json").stat().st_mtime_ns for name in ("bob", "carol", "dave")}
    graded_folders = []
    original = batch.BatchGrader._run_grader

    def recording(self, folder, *args):
        graded_folders.append(Path(folder).name)
        return original(self, folder, *args)

    monkeypatch.setattr(batch.BatchGrader, "_run_grader", recording)
    summary = batch.grade_batch(directory=class_dir, assignment="grad_forces", csv_path=csv_path, jobs=1)
    assert graded_folders == ["alice"], f"only the incomplete result should be graded again; graded {graded_folders}"
    assert "graded: 4 (3 from an earlier run)" in summary
    for name, mtime in untouched.items():
        assert (results_dir / f"{name}.json").stat().st_mtime_ns == mtime, f"{name}'s finished results were rewritten"
    assert float(read_rows(csv_path)["alice"]["score"]) == REGISTRY.max_score


def test_a_hanging_grading_becomes_a_row_with_a_note(tmp_path):
    class_dir = tmp_path / "class"
    write_repo_submission(class_dir / "erin", "grad_forces")
    csv_path = tmp_path / "gradebook.csv"
    summary = batch.grade_batch(directory=class_dir, assignment="grad_forces", csv_path=csv_path, jobs=1, timeout=1)
    row = read_rows(csv_path)["erin"]
    assert row["score"] == "" and "took longer than 1 s" in row["note"], row
    assert not (tmp_path / "gradebook-results" / "erin.json").exists(), "a failed grading must be retried on resume"
    assert "not graded: 1" in summary


def test_a_grader_fault_for_one_student_does_not_stop_the_rest(tmp_path):
    class FlakyGrader:
        assignment = "grad_forces"

        def grade(self, submission, run_as, worker=None):
            if submission.key == "bad":
                raise RuntimeError("disk full")
            return batch.Graded(submission, {"score": 1.0, "tests": []})

    submissions = [ClassSubmission(k, tmp_path / k, (Student(k),)) for k in ("a", "bad", "c")]
    graded = {g.submission.key: g for g in batch._grade_all(FlakyGrader(), submissions, [None, None], reuse=False)}
    assert graded["a"].results and graded["c"].results
    assert graded["bad"].results is None and "RuntimeError: disk full" in graded["bad"].note


def test_gradescope_export_layout_names_every_submitter(tmp_path):
    export = tmp_path / "assignment_25828_export"
    write_repo_submission(export / "submission_111", "grad_forces")
    (export / "submission_222").mkdir(parents=True)
    (export / "submission_222" / "grad_forces.py").write_text("x = 1\n")
    (export / "submission_metadata.yml").write_text(
        "submission_111:\n"
        "  :submitters:\n"
        "  - :name: Ada Lovelace\n"
        "    :sid: '1815'\n"
        "    :email: ada@example.edu\n"
        "  :created_at: 2026-03-01 14:22:32.365935000 -08:00\n"
        "  :score: 10.0\n"
        "submission_222:\n"
        "  :submitters:\n"
        "  - :name: Emmy Noether\n"
        "    :sid: '1882'\n"
        "    :email: emmy@example.edu\n"
        "  - :name: Sofia Kovalevskaya\n"
        "    :sid: '1850'\n"
        "    :email: sofia@example.edu\n"
    )
    found = discover(tmp_path)  # the folder holding the export works as well as the export itself
    assert [s.key for s in found] == ["submission_111", "submission_222"]
    assert found[0].students == (Student("1815", "Ada Lovelace", "ada@example.edu"),)
    assert [s.id for s in found[1].students] == ["1882", "1850"]
    results = {"score": 2.0, "tests": [{"name": c.name, "score": 0.0, "max_score": c.points,
                                        "extra_data": {"check": c.id}} for c in REGISTRY.checks]}
    rows = gradebook_rows([batch.Graded(found[1], results)], REGISTRY)
    assert [(r["student_id"], r["email"], r["score"]) for r in rows] == [
        ("1882", "emmy@example.edu", "2"), ("1850", "sofia@example.edu", "2")]


def test_plain_layout_mixes_folders_and_zips(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "bob.zip").write_bytes(b"")
    (tmp_path / "alice.zip").write_bytes(b"")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "notes.txt").write_text("")
    keys = [(s.key, s.is_zip) for s in discover(tmp_path)]
    assert keys == [("alice", False), ("alice.zip", True), ("bob", True)]


def test_parallel_graders_never_share_a_uid(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert batch.worker_users("61000", 3) == ["61000", "61001", "61002"]
    assert batch.worker_users("61000:61000", 2) == ["61000:61000", "61001:61000"]
    assert batch.worker_users("nobody", 1) == ["nobody"]
    with pytest.raises(ValueError, match="uid of its own"):
        batch.worker_users("nobody", 2)


def test_submissions_that_would_share_a_results_file_are_refused(tmp_path):
    (tmp_path / "class" / "a b").mkdir(parents=True)
    (tmp_path / "class" / "a_b").mkdir()
    with pytest.raises(ValueError, match="would share the results file a_b.json"):
        batch.grade_batch(directory=tmp_path / "class", assignment="grad_forces", csv_path=tmp_path / "g.csv", jobs=1)


def test_every_row_of_a_gpu_gradebook_has_the_same_maximum(tmp_path):
    """With --gpu, a row whose sandbox saw no GPU keeps the GPU point in its maximum (not run = failed);
    without --gpu the GPU tier has no column at all."""
    from types import SimpleNamespace

    from autograder.batch.gradebook import summary_markdown, write_gradebook

    registry = load_registry("scan_integrator").for_grading(gpu_tier=True)

    def row_tests(gpu_ran: bool) -> list:
        return [{"name": c.name, "extra_data": {"check": c.id},
                 "score": c.points if (gpu_ran or not c.gpu) else 0.0, "max_score": c.points,
                 "status": "passed" if (gpu_ran or not c.gpu) else "failed"} for c in registry.checks]

    graded = []
    for key, gpu_ran in (("ada", True), ("bob", False)):
        tests = row_tests(gpu_ran)
        student = SimpleNamespace(id=key, name=key, email=f"{key}@example.org")
        graded.append(SimpleNamespace(results={"score": sum(t["score"] for t in tests), "tests": tests}, note="",
                                      resumed=False, submission=SimpleNamespace(students=[student], key=key)))
    rows = gradebook_rows(graded, registry)
    assert {float(r["max_score"]) for r in rows} == {registry.max_score}
    assert float(rows[1]["score"]) < registry.max_score
    assert "full marks: 1" in summary_markdown(graded, registry)
    cpu_registry = load_registry("scan_integrator").for_grading(gpu_tier=False)
    cpu_columns = write_gradebook(tmp_path / "g.csv", [], cpu_registry).read_text().splitlines()[0]
    assert not any(c.gpu for c in registry.checks if c.id in cpu_columns.split(","))
