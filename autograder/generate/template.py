"""Text of the student template's own files: README, packaging, CI.

The template's ``requirements.txt``, ``pyproject.toml`` and README all render
from ``PINNED_REQUIREMENTS``, whose versions come from the project's lock
(``constraints.txt``, see :mod:`autograder.lock`), never from the environment,
so the generated files are the same on every machine.
"""
from __future__ import annotations

from importlib import resources
from string import Template

from .. import lock

PYTHON_VERSION = "3.11"
"""Oldest Python the template supports, and the one its CI runs."""

TEMPLATE_PACKAGES = ("jax", "jaxlib", "numpy", "pytest", "hypothesis")
"""What a student's environment needs: the grader's versions of JAX and NumPy,
and the test tools (hypothesis draws the same inputs as the grader only at the
grader's version)."""

PINNED_REQUIREMENTS = tuple(lock.pins(TEMPLATE_PACKAGES))

TIME_BUDGET_SECONDS = 60
"""Budget of each graded call, compilation included (stated to students)."""

TITLES = {
    "grad_forces": "Forces by automatic differentiation",
    "jit_potential": "A compiled potential that never recompiles needlessly",
    "vmap_forces": "Pairwise forces with a double vmap",
    "scan_integrator": "Leapfrog with lax.scan",
    "hmc": "Hamiltonian Monte Carlo on supernova data",
    "dtype_audit": "A precision audit of a pytree",
}

ASSIGNMENTS_INIT = '''"""Your solutions to the JAX physics assignments.

One module per assignment; ``handouts/<name>.md`` says what each function
must do. The autograder imports them as ``assignments.<name>``: keep the file
names, function names and signatures. You may add helper modules here and
import them from your solutions (``from . import my_helpers``).
"""
'''

GITIGNORE = """.venv/
__pycache__/
*.egg-info/
.pytest_cache/
.hypothesis/
.ipynb_checkpoints/
"""


def _render(template_name: str, **values: str) -> str:
    text = resources.files(__package__).joinpath("templates", template_name).read_text(encoding="utf-8")
    return Template(text).substitute(values)


def readme(assignments: tuple[str, ...]) -> str:
    rows = "\n".join(
        f"| {TITLES[name]} | `assignments/{name}.py` | [handouts/{name}.md](handouts/{name}.md) |"
        for name in assignments
    )
    pins = "\n".join(f"- `{pin}`" for pin in PINNED_REQUIREMENTS)
    return _render(
        "README.md",
        assignment_table=rows,
        python_version=PYTHON_VERSION,
        pins_list=pins,
        time_budget=str(TIME_BUDGET_SECONDS),
    )


def pyproject() -> str:
    dependencies = "\n".join(f'    "{pin}",' for pin in PINNED_REQUIREMENTS)
    return _render("pyproject.toml", python_version=PYTHON_VERSION, dependencies=dependencies)


def requirements() -> str:
    return "# The versions the autograder runs. Install with: python -m pip install -r requirements.txt\n" + "".join(
        f"{pin}\n" for pin in PINNED_REQUIREMENTS
    )


def classroom_workflow() -> str:
    return _render("classroom.yml", python_version=PYTHON_VERSION)
