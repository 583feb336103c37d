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
    "reporter": "classroom-resources/autograding-grading-reporter@d13b5912daf5042ac1b71bc38bdb4a6bcd61d8ca  # v1",
}
CI_TEST_MINUTES = 15
"""Time limit of one assignment's public tests in CI (installing is a separate step)."""

CI_INSTALL_MINUTES = 10
"""Time limit of the one install of the pinned dependencies in CI."""

CLASSROOM_VARIABLE = "JAXGRADE_CLASSROOM"
"""Names the assignment whose points a CI step reports (read by tests/jaxgrade_points.py)."""


def classroom_workflow(assignments: list[str]) -> str:
    """The template's GitHub Actions workflow; ``assignments``: module names in course order.

    One job: one install, then a step per assignment that runs its public tests
    and leaves its public checks' points (tests/jaxgrade_points.py) as the step's
    ``result`` for GitHub Classroom's reporter.
    """
    steps, env = [], []
    for name in assignments:
        steps.append(
            f"      - name: Public tests of {name}\n"
            f"        id: {name}\n"
            f"        continue-on-error: true\n"
            f"        timeout-minutes: {CI_TEST_MINUTES}\n"
            f"        env:\n"
            f"          {CLASSROOM_VARIABLE}: {name}\n"
            f"        run: python -m pytest tests/test_{name}.py"
        )
        env.append(f'          {name.upper()}_RESULTS: "${{{{ steps.{name}.outputs.result }}}}"')
    return _render(
        "classroom.yml",
        python_version=PYTHON_VERSION,
        runner=RUNNER_IMAGE,
        job_minutes=str(CI_INSTALL_MINUTES + CI_TEST_MINUTES * len(assignments)),
        checkout=ACTIONS["checkout"],
        setup_python=ACTIONS["setup_python"],
        reporter=ACTIONS["reporter"],
        test_steps="\n".join(steps),
        reporter_env="\n".join(env),
        runner_ids=",".join(assignments),
    )
