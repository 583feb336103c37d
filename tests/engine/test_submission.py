"""Finding and staging submissions: repo layout, flat uploads, symlinks."""
from __future__ import annotations

import os

import pytest

from autograder.submission import SubmissionNotFound, stage_submission


def _write(path, text="x = 1\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    "layout",
    ["assignments/grad_forces.py", "grad_forces.py", "repo-main/assignments/grad_forces.py", "upload/grad_forces.py"],
)
def test_layouts_are_found(tmp_path, layout):
    sub = tmp_path / "sub"
    _write(sub / layout)
    _write((sub / layout).parent / "helpers.py")
    staged = stage_submission(submission=sub, module="grad_forces", dest=tmp_path / "stage")
    package = staged.package_root / "assignments"
    assert (package / "grad_forces.py").read_text() == "x = 1\n"
    assert (package / "helpers.py").exists()  # siblings travel along
    assert (package / "__init__.py").exists() and (package / "jla.py").exists()
    assert (package / "data" / "jla" / "jla_mub.txt").exists()


def test_missing_module_names_what_was_found(tmp_path):
    _write(tmp_path / "sub" / "assignments" / "hmc.py")
    with pytest.raises(SubmissionNotFound, match="hmc.py"):
        stage_submission(submission=tmp_path / "sub", module="grad_forces", dest=tmp_path / "stage")


def test_symlinks_are_never_followed(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("REFERENCE = 42\n")
    sub = tmp_path / "sub" / "assignments"
    _write(sub / "grad_forces.py")
    os.symlink(secret, sub / "helpers.py")
    os.symlink(tmp_path, sub / "everything")
    staged = stage_submission(submission=tmp_path / "sub", module="grad_forces", dest=tmp_path / "stage")
    package = staged.package_root / "assignments"
    assert not (package / "helpers.py").exists() and not (package / "everything").exists()
    assert "helpers.py" not in staged.files


def test_symlinked_module_is_not_a_submission(tmp_path):
    secret = tmp_path / "grad_forces_reference.py"
    secret.write_text("x = 1\n")
    (tmp_path / "sub").mkdir()
    os.symlink(secret, tmp_path / "sub" / "grad_forces.py")
    with pytest.raises(SubmissionNotFound):
        stage_submission(submission=tmp_path / "sub", module="grad_forces", dest=tmp_path / "stage")
