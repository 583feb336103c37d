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
from ..vocabulary import CALL_BUDGET_SECONDS

PYTHON_VERSION = "3.11"
"""Oldest Python the template supports, and the one its CI runs."""

TEMPLATE_PACKAGES = ("jax", "jaxlib", "numpy", "pytest", "hypothesis")
"""What a student's environment needs: the grader's versions of JAX and NumPy,
and the test tools (hypothesis draws the same inputs as the grader only at the
grader's version)."""

PINNED_REQUIREMENTS = tuple(lock.universal_pins(TEMPLATE_PACKAGES))
"""The lock's lines of these packages, environment markers included where a version is per interpreter."""

TIME_BUDGET_SECONDS = int(CALL_BUDGET_SECONDS)
"""Budget of each graded call, compilation included (stated to students; defined in vocabulary)."""

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


VENV_SIZE = "650 MB"
"""A fresh ``.venv`` with ``PINNED_REQUIREMENTS`` (measured: 645 MB, Python 3.11, Linux x86-64, pip 23.2;
jaxlib 349 MB and SciPy 143 MB of it). Measure again when the pins change."""


def readme(assignments: list[tuple[str, str]]) -> str:
    """The template's README; ``assignments`` is [(module name, title)] in course order."""
    rows = "\n".join(
        f"| {title} | `assignments/{name}.py` | [handouts/{name}.md](handouts/{name}.md) "
        f"| [notebooks/{name}.ipynb](notebooks/{name}.ipynb) |"
        for name, title in assignments
    )
    pins = "\n".join(f"- `{pin}`" for pin in PINNED_REQUIREMENTS)
    return _render(
        "README.md",
        assignment_table=rows,
        python_version=PYTHON_VERSION,
        pins_list=pins,
        time_budget=str(TIME_BUDGET_SECONDS),
        venv_size=VENV_SIZE,
    )


def pyproject() -> str:
    dependencies = "\n".join(f'    "{pin}",' for pin in PINNED_REQUIREMENTS)
    return _render("pyproject.toml", python_version=PYTHON_VERSION, dependencies=dependencies)


def requirements() -> str:
    return "# The versions the autograder runs. Install with: python -m pip install -r requirements.txt\n" + "".join(
        f"{pin}\n" for pin in PINNED_REQUIREMENTS
    )


RUNNER_IMAGE = "ubuntu-24.04"
"""The CI runner image, named exactly so that it does not float."""

ACTIONS = {  # full commit SHAs of the release tags in the comments
    "checkout": "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1",
    "setup_python": "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97  # v7.0.0",
    "command_grader": "classroom-resources/autograding-command-grader@d5b3fa6f50f7f629b7bfae0cc3e4c58852b412d5  # v1",
    "reporter": "classroom-resources/autograding-grading-reporter@d13b5912daf5042ac1b71bc38bdb4a6bcd61d8ca  # v1",
}
CI_TEST_MINUTES = 15
"""Time limit of one assignment's public tests in CI (installing is a separate step)."""


CLASSROOM_POINTS_PER_ASSIGNMENT = 1
"""What GitHub Classroom counts for an assignment whose public tests all pass. The command
grader awards whole points only (it parses max-score as an integer) and all or nothing per
command, so the dashboard counts finished assignments; the graded points are on Gradescope."""


def classroom_workflow(assignments: list[str]) -> str:
    """The template's GitHub Actions workflow; ``assignments``: module names in course order.

    One status per assignment (a matrix that does not stop at the first
    failure), and one GitHub Classroom report in which each assignment is a
    command-grader step.
    """
    steps, env = [], []
    for name in assignments:
        step_id = f"public-{name.replace('_', '-')}"
        steps.append(
            f"      - name: {name}\n"
            f"        id: {step_id}\n"
            f"        uses: {ACTIONS['command_grader']}\n"
            f"        with:\n"
            f"          test-name: {name}\n"
            f"          command: python -m pytest -q tests/test_{name}.py\n"
            f"          timeout: {CI_TEST_MINUTES}\n"
            f"          max-score: {CLASSROOM_POINTS_PER_ASSIGNMENT}"
        )
        env.append(f'          {step_id.upper()}_RESULTS: "${{{{ steps.{step_id}.outputs.result }}}}"')
    return _render(
        "classroom.yml",
        python_version=PYTHON_VERSION,
        runner=RUNNER_IMAGE,
        assignment_list=", ".join(assignments),
        checkout=ACTIONS["checkout"],
        setup_python=ACTIONS["setup_python"],
        reporter=ACTIONS["reporter"],
        grader_steps="\n".join(steps),
        reporter_env="\n".join(env),
        runner_ids=",".join(f"public-{name.replace('_', '-')}" for name in assignments),
    )
