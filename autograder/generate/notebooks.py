"""Handout notebooks: each assignment as ``student_template/notebooks/<name>.ipynb``.

Generated from the same single source as the stubs and handouts (the
reference's solution markers, the handout Markdown, the registry's points),
for students who work in Jupyter or on Colab:

1. an "Open in Colab" link and how to work in the notebook;
2. a setup cell: on Colab it installs the versions the autograder runs (from
   the lock, ``autograder/lock.py``) and fetches the public tests from the
   course's template repository; everywhere it turns on 64-bit mode, as the
   autograder does before it imports a submission;
3. the handout, with its points table;
4. the stub, one cell per top-level function or class;
5. a last cell that runs the public checks on the notebook's own functions
   (the autograder's verdicts and words) and lists the points at stake. It
   sits under ``if __name__ == "__main__":``, which the grader never runs.

The output is byte-stable: cell ids derive from the assignment's name and the
cell's place, and there are no execution counts or outputs.

The template repository's address (``owner/name`` on GitHub) is read from
``solutions/template_repository.txt``; until an instructor writes it there,
the notebooks carry the placeholder ``OWNER/REPOSITORY``.
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from .. import lock
from . import template

REPOSITORY_FILE = "template_repository.txt"  # under solutions/
PLACEHOLDER_REPOSITORY = "OWNER/REPOSITORY"
NOTEBOOK_DIR = "notebooks"
CHECKS_HELPER = "notebook_checks.py"  # shipped in the template's tests/
GPU_PACKAGES = ("jax-cuda12-plugin[with-cuda]", "jax-cuda12-pjrt")
"""What JAX needs on a Colab GPU, at the versions of the lock (the plugin matches jax exactly)."""


def template_repository(solutions: Path) -> str:
    """``owner/name`` of the course's template repository on GitHub (or the placeholder)."""
    path = Path(solutions) / REPOSITORY_FILE
    text = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
    return text or PLACEHOLDER_REPOSITORY


def colab_url(repository: str, name: str) -> str:
    return f"https://colab.research.google.com/github/{repository}/blob/main/{NOTEBOOK_DIR}/{name}.ipynb"


def _gpu_pins() -> list[str]:
    pins = []
    for package in GPU_PACKAGES:
        base, extra = (package.split("[", 1) + [""])[:2]
        pins.append(f"{base}{'[' + extra if extra else ''}=={lock.version(base)}")
    return pins


def intro_markdown(name: str, repository: str) -> str:
    return (
        f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(repository, name)})\n"
        "\n"
        f"**Working in this notebook.** Run the setup cell first. Write your code in the cells under "
        f"*Your code* (the same functions as `assignments/{name}.py`), then run the last cell: it runs "
        "the public checks on your functions, in the autograder's words, with the points at stake.\n"
        "\n"
        f"**Submitting.** Download the notebook (Colab: *File > Download > Download .ipynb*) and upload it "
        f"as **`{name}.ipynb`**: rename it if Colab called it `Copy of {name}.ipynb`. The autograder runs "
        "your code cells in order, skips `!` and `%` lines, and grades the functions they define; a cell "
        "that fails (a plot, a demo) is reported and costs nothing by itself."
    )


def setup_source(repository: str) -> str:
    pins = ", ".join(f'"{pin}"' for pin in template.PINNED_REQUIREMENTS)
    gpu = ", ".join(f'"{pin}"' for pin in _gpu_pins())
    return f'''# Setup: run this cell first.
# On Colab it installs the versions the autograder runs and fetches the public tests
# (if Colab then asks to restart the session, restart and run this cell again).
# Everywhere it turns on 64-bit mode, as the autograder does before importing your code.
import os
import shutil
import subprocess
import sys

TEMPLATE_REPOSITORY = "https://github.com/{repository}"  # your course's template (set by your instructor)
PINNED = [{pins}]
GPU = [{gpu}]

if "google.colab" in sys.modules:
    gpu = GPU if shutil.which("nvidia-smi") else []
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *PINNED, *gpu], check=True)
    if not os.path.isdir("/content/template"):
        subprocess.run(["git", "clone", "-q", "--depth", "1", TEMPLATE_REPOSITORY, "/content/template"], check=True)
    sys.path[:0] = ["/content/template", "/content/template/tests"]  # assignments/ (data), tests/
else:  # Jupyter, in notebooks/ of your copy of the template
    sys.path[:0] = [os.path.abspath(".."), os.path.abspath(os.path.join("..", "tests"))]

import jax

jax.config.update("jax_enable_x64", True)'''


def stub_cells(stub: str) -> list[str]:
    """The stub split into cells: the module's docstring and imports, then one cell per top-level block."""
    lines = stub.rstrip("\n").split("\n")
    starts = []
    for node in ast.parse(stub).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            while first > 1 and lines[first - 2].startswith("#"):  # comments above belong to it
                first -= 1
            starts.append(first - 1)
    bounds = [0] + starts + [len(lines)]
    cells = ["\n".join(lines[a:b]).strip("\n") for a, b in zip(bounds, bounds[1:])]
    return [cell for cell in cells if cell.strip()]


def check_source(name: str, points: dict[str, float]) -> str:
    entries = "".join(f"        {check!r}: {value!r},\n" for check, value in points.items())
    return f'''# Public checks: the autograder's public checks, run on the functions above, with its
# verdicts, how to fix each failure, and the points at stake. Rerun after every change.
# (The autograder never runs this cell: it grades your functions with every check.)
if __name__ == "__main__":
    from notebook_checks import run_public_checks

    POINTS = {{
{entries}    }}
    run_public_checks("{name}", globals(), POINTS)'''


def public_points(checks, public_tests: str) -> dict[str, float]:
    """Public check -> points, for the checks whose twin the public tests hold (``graded_as``)."""
    return {c.name: float(c.points) for c in checks
            if c.public and not c.gpu and (f'graded_as("{c.name}")' in public_tests or f"graded_as('{c.name}')"
                                           in public_tests)}


def handout_notebook(*, name: str, handout: str, stub: str, points: dict[str, float], repository: str) -> bytes:
    """The notebook's bytes (nbformat 4, stable ids, no outputs)."""
    v4 = nbformat.v4
    cells = [v4.new_markdown_cell(intro_markdown(name, repository)), v4.new_code_cell(setup_source(repository)),
             v4.new_markdown_cell(handout.strip("\n")), v4.new_markdown_cell("## Your code")]
    cells += [v4.new_code_cell(source) for source in stub_cells(stub)]
    cells += [v4.new_markdown_cell("## Check your work"), v4.new_code_cell(check_source(name, points))]
    for number, cell in enumerate(cells, start=1):
        cell["id"] = f"{name.replace('_', '-')}-{number:02d}"
    notebook = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": []},
    })
    nbformat.validate(notebook)
    return (nbformat.writes(notebook) + "\n").encode("utf-8")
