"""The handout notebooks: generated from the single source, byte-stable, and their check cell works.

The slow test executes a generated notebook for real (nbclient, a Jupyter
kernel) in a copy of the student template, with the stub cells replaced by the
reference: its last cell must pass every public check and award their points,
and after a wrong redefinition the same cell must report the failure.
"""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.checks import load_registry
from autograder.generate import notebooks

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "student_template"


def load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(TEMPLATE / "notebooks" / f"{name}.ipynb", as_version=4)


def test_every_assignment_has_a_notebook_with_setup_handout_stub_and_checks():
    for stub in sorted((ROOT / "assignments").glob("*.py")):
        if stub.name in ("__init__.py", "jla.py"):
            continue
        notebook = load(stub.stem)
        sources = [cell.source for cell in notebook.cells]
        assert "colab.research.google.com/github/" in sources[0]
        assert 'jax.config.update("jax_enable_x64", True)' in sources[1]
        assert any(s.startswith("# Assignment") for s in sources), "the handout text is missing"
        assert "run_public_checks" in sources[-1] and 'if __name__ == "__main__":' in sources[-1]
        assert all(cell.get("execution_count") is None and not cell.get("outputs") for cell in notebook.cells
                   if cell.cell_type == "code")


def test_the_setup_installs_the_locked_versions():
    from autograder import lock

    setup = load("grad_forces").cells[1].source
    assert f'"jax=={lock.version("jax")}"' in setup and f'"numpy=={lock.version("numpy")}"' in setup


def test_stub_cells_split_at_top_level_definitions():
    stub = '"""Doc."""\nimport jax\n\n\n# helper\ndef f():\n    pass\n\n\n@jax.jit\ndef g():\n    pass\n'
    assert notebooks.stub_cells(stub) == ['"""Doc."""\nimport jax', "# helper\ndef f():\n    pass",
                                          "@jax.jit\ndef g():\n    pass"]


def test_the_repository_placeholder_until_the_instructor_sets_it(tmp_path):
    assert notebooks.template_repository(tmp_path) == notebooks.PLACEHOLDER_REPOSITORY
    (tmp_path / notebooks.REPOSITORY_FILE).write_text("physics-101/jax-template\n")
    assert notebooks.template_repository(tmp_path) == "physics-101/jax-template"


def test_the_grader_runs_the_notebook_cells_but_never_the_check_cell(tmp_path):
    from autograder.submission import read_student_source, stage_submission

    shutil.copyfile(TEMPLATE / "notebooks" / "grad_forces.ipynb", tmp_path / "grad_forces.ipynb")
    staged = stage_submission(submission=tmp_path, module="grad_forces", dest=tmp_path / "stage")
    assert staged.notices == (), "the generated notebook needs no IPython syntax"
    compile(read_student_source(staged, "grad_forces"), "notebook", "exec")


@pytest.mark.slow
def test_the_check_cell_passes_on_the_reference_and_reports_a_mistake(tmp_path):
    nbclient = pytest.importorskip("nbclient")
    template = tmp_path / "template"
    shutil.copytree(TEMPLATE, template, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".hypothesis"))
    notebook = load("grad_forces")
    code = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    setup, stubs, check = code[0], code[1:-1], code[-1]
    reference = (ROOT / "solutions" / "grad_forces.py").read_text(encoding="utf-8")
    wrong = "def potential_energy(x, m, eps2=0.0, G=1.0):\n    return 2.0 * _reference_potential(x, m, eps2, G)"
    cells = [notebook.cells[setup], nbformat.v4.new_code_cell(reference), copy.deepcopy(notebook.cells[check]),
             nbformat.v4.new_code_cell("_reference_potential = potential_energy\n" + wrong), notebook.cells[check]]
    assert stubs, "the notebook has stub cells to replace"
    notebook.cells = cells
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(template / "notebooks")}})
    client.execute()
    first, second = (json.dumps(notebook.cells[i].outputs) for i in (2, 4))
    public_tests = (ROOT / "solutions" / "public_tests" / "test_grad_forces.py").read_text(encoding="utf-8")
    points = notebooks.public_points(load_registry("grad_forces").checks, public_tests)
    total = f"{sum(points.values()):g}"
    assert f"Public checks of grad_forces: {total} of {total} points" in first, first[-3000:]
    assert "FAILED" in second and f"of {total} points" in second, second[-3000:]
