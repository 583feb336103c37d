"""Notebooks as submissions: reading, neutralising IPython syntax, and staging (no child started here).

Grading them end to end is the corpus's job (tests/corpus/*/grad_forces/*notebook*).
"""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import notebook
from autograder.batch.safe_unzip import extract_zip
from autograder.submission import SubmissionNotFound, read_student_source, stage_submission


def write_notebook(path, *sources, markdown_first=True):
    cells = [nbformat.v4.new_markdown_cell("# Handout")] if markdown_first else []
    cells += [nbformat.v4.new_code_cell(s) for s in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=cells)), encoding="utf-8")
    return path


def test_shell_commands_and_magics_become_inert_line_for_line():
    text = "!pip install jax\n%matplotlib inline\nfiles = !ls\nimport jax\nif True:\n    %time f()\n"
    done = notebook.neutralise(text, "cell 2")
    compile(done.text, "cell", "exec")
    assert done.text.count("\n") == text.count("\n")
    assert "files = None" in done.text and "import jax" in done.text
    assert len(done.notices) == 4 and done.notices[0].startswith("cell 2, line 1: `!pip install jax`")


def test_valid_python_is_left_alone_even_where_a_line_starts_with_percent():
    text = "x = (10\n     % 3)\n"
    assert notebook.neutralise(text, "f.py") == notebook.Neutralised(text, ())


def test_a_script_exports_get_ipython_calls_are_skipped():
    text = "get_ipython().system('pip install jax')\nout = get_ipython().getoutput('ls')\nimport jax\n"
    done = notebook.neutralise(text, "grad_forces.py")
    skipped = "# IPython call, skipped by the grader"
    assert done.text.splitlines() == [f"pass  {skipped}", f"out = None  {skipped}", "import jax"]
    assert [n.split(":")[0] for n in done.notices] == ["grad_forces.py, line 1", "grad_forces.py, line 2"]


def test_a_cell_magic_that_is_not_python_skips_its_cell():
    done = notebook.neutralise("%%writefile helper.py\nprint('hi')\n", "cell 4")
    compile(done.text, "cell", "exec")
    assert "skipped this cell" in done.notices[0]
    timed = notebook.neutralise("%%time\nx = 1\n", "cell 5")
    assert timed.text == "\nx = 1\n" and "ran the cell without it" in timed.notices[0]


@pytest.mark.parametrize("cells", [[{"cell_type": "code", "source": ["x = 1\n", 7, None]}], ["junk"],
                                   [{"cell_type": "code", "source": 5}], 3, [{"cell_type": "code"}]])
def test_odd_notebooks_are_read_or_refused_but_never_break_the_grader(tmp_path, cells):
    odd = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "grad_forces.ipynb").write_text(json.dumps(odd))
    try:
        found, _ = notebook.read_cells(tmp_path / "grad_forces.ipynb")
    except notebook.NotebookUnreadable:
        return
    assert all(isinstance(cell.source, str) for cell in found)


def test_cells_are_numbered_as_on_screen(tmp_path):
    path = write_notebook(tmp_path / "grad_forces.ipynb", "import jax", "%matplotlib inline\nx = 1")
    cells, notices = notebook.read_cells(path)
    assert [c.number for c in cells] == [2, 3]
    assert notices == ["grad_forces.ipynb, cell 3, line 1: `%matplotlib inline` is an IPython magic; "
                       "the grader skipped it."]


def test_a_notebook_alone_is_staged_for_the_child(tmp_path):
    write_notebook(tmp_path / "sub" / "grad_forces.ipynb", "def potential_energy(x, m, eps2=0.0, G=1.0):\n    return 0")
    staged = stage_submission(submission=tmp_path / "sub", module="grad_forces", dest=tmp_path / "stage")
    payload = json.loads((tmp_path / "stage" / "assignments" / "grad_forces.cells.json").read_text())
    assert payload["notebook"] == "grad_forces.ipynb" and payload["cells"][0]["number"] == 2
    assert staged.graded_file == "grad_forces.ipynb" and staged.notices == ()
    assert "def potential_energy" in read_student_source(staged, "grad_forces")


def test_a_notebook_with_large_saved_outputs_keeps_its_code(tmp_path):
    path = write_notebook(tmp_path / "sub" / "grad_forces.ipynb", "x = 1")
    data = json.loads(path.read_text())
    data["cells"][1]["outputs"] = [{"output_type": "display_data", "metadata": {},
                                    "data": {"image/png": "A" * (3 * 2**20)}}]
    path.write_text(json.dumps(data))
    staged = stage_submission(submission=tmp_path / "sub", module="grad_forces", dest=tmp_path / "stage")
    assert read_student_source(staged, "grad_forces") == "x = 1"
    assert not (tmp_path / "stage" / "assignments" / "grad_forces.ipynb").exists(), "only the code goes on"


def test_with_a_py_and_a_notebook_the_py_is_graded_and_the_feedback_says_so(tmp_path):
    write_notebook(tmp_path / "sub" / "notebooks" / "grad_forces.ipynb", "def grad_forces(x, m):\n    return x")
    (tmp_path / "sub" / "assignments").mkdir(parents=True)
    (tmp_path / "sub" / "assignments" / "grad_forces.py").write_text("x = 2\n")
    staged = stage_submission(submission=tmp_path / "sub", module="grad_forces", dest=tmp_path / "stage")
    assert staged.graded_file == "assignments/grad_forces.py"
    assert staged.notices[0].startswith("Graded assignments/grad_forces.py. Your submission also holds "
                                        "notebooks/grad_forces.ipynb, which was not graded")


def test_the_untouched_handout_notebook_beside_the_py_goes_unmentioned(tmp_path):
    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "student_template" / "notebooks", tmp_path / "sub" / "notebooks")
    (tmp_path / "sub" / "assignments").mkdir()
    (tmp_path / "sub" / "assignments" / "grad_forces.py").write_text("x = 2\n")
    staged = stage_submission(submission=tmp_path / "sub", module="grad_forces", dest=tmp_path / "stage")
    assert staged.graded_file == "assignments/grad_forces.py" and staged.notices == ()


@pytest.mark.parametrize("name", ["Untitled0.ipynb", "Copy of grad_forces.ipynb"])
def test_a_misnamed_notebook_is_named_in_the_message(tmp_path, name):
    write_notebook(tmp_path / name, "x = 1")
    with pytest.raises(SubmissionNotFound, match=f'Found a notebook named "{name}": rename it to grad_forces.ipynb'):
        stage_submission(submission=tmp_path, module="grad_forces", dest=tmp_path / "stage")


@pytest.mark.parametrize("text", ["{not json", "[]", '{"cells": 3, "nbformat": 4, "nbformat_minor": 5}'])
def test_a_broken_notebook_says_how_to_get_a_good_one(tmp_path, text):
    (tmp_path / "grad_forces.ipynb").write_text(text)
    with pytest.raises(SubmissionNotFound, match="not a notebook Jupyter can open.*File > Download"):
        stage_submission(submission=tmp_path, module="grad_forces", dest=tmp_path / "stage")


def test_a_zipped_notebook_in_a_folder_is_found_and_checkpoints_are_not(tmp_path):
    archive = tmp_path / "alice.zip"
    source = write_notebook(tmp_path / "src.ipynb", "def grad_forces(x, m, eps2=0.0, G=1.0):\n    return x")
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(source, "homework/grad_forces.ipynb")
        zf.writestr("homework/.ipynb_checkpoints/grad_forces-checkpoint.ipynb", "{}")
    extract_zip(archive, tmp_path / "alice")
    staged = stage_submission(submission=tmp_path / "alice", module="grad_forces", dest=tmp_path / "stage")
    assert staged.graded_file == "homework/grad_forces.ipynb"
    assert "return x" in read_student_source(staged, "grad_forces")


def test_a_class_folder_of_loose_notebooks_is_one_submission_each(tmp_path):
    from autograder.batch.class_submissions import discover

    write_notebook(tmp_path / "class" / "alice.ipynb", "x = 1")
    (tmp_path / "class" / "bob").mkdir()
    (tmp_path / "class" / "carol.zip").write_bytes(b"")
    found = {s.key: s for s in discover(tmp_path / "class")}
    assert sorted(found) == ["alice", "bob", "carol"]
    assert found["alice"].is_notebook and not found["carol"].is_notebook and found["carol"].is_zip


@pytest.mark.slow
def test_batch_grading_takes_loose_and_zipped_notebooks(tmp_path):
    import csv

    from autograder.batch import grade as batch
    from autograder.checks import load_registry

    correct = next(Path(__file__).resolve().parents[1].glob("corpus/correct/grad_forces/colab_*/grad_forces.ipynb"))
    (tmp_path / "class").mkdir()
    shutil.copyfile(correct, tmp_path / "class" / "erin_12345_grad_forces.ipynb")
    with zipfile.ZipFile(tmp_path / "class" / "frank.zip", "w") as archive:
        archive.write(correct, "homework 1/grad_forces.ipynb")
    csv_path = tmp_path / "out" / "gradebook.csv"
    batch.grade_batch(directory=tmp_path / "class", assignment="grad_forces", csv_path=csv_path, jobs=1)
    with open(csv_path, newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    full = load_registry("grad_forces").max_score
    assert {k: float(r["score"]) for k, r in rows.items()} == {"erin_12345_grad_forces": full, "frank": full}


def test_a_colab_pip_line_in_a_py_is_skipped_with_its_line_named(tmp_path):
    (tmp_path / "grad_forces.py").write_text("!pip install jax\nimport jax\n\ndef grad_forces(x, m):\n    return x\n")
    staged = stage_submission(submission=tmp_path, module="grad_forces", dest=tmp_path / "stage")
    compile(read_student_source(staged, "grad_forces"), "grad_forces.py", "exec")
    assert "grad_forces.py, line 1: `!pip install jax` is an IPython shell command" in staged.notices[0]
