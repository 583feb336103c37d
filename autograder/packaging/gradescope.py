"""The Gradescope autograder zip for one assignment.

Layout (Gradescope's spec: the zip is unpacked into ``/autograder/source``)::

    setup.sh          run once, as root, when Gradescope builds the image
    run_autograder    run for each submission; writes /autograder/results/results.json
    pyproject.toml    so setup.sh can install the grader from /autograder/source
    README.md
    autograder/       the grader (hidden checks included; root-only after setup)
    solutions/        reference modules and data the checks compare against

Nothing else: no tests, no corpus, no student template.
"""
from __future__ import annotations

from pathlib import Path

from ..checks import ASSIGNMENTS
from ..checks.framework import VISIBILITIES
from ..grading import HIDDEN_VISIBILITY
from .. import lock
from .bundle import PACKAGING_DIR, grader_source_files, read_pinned_requirements, render, write_zip

PYTHON_VERSION = "3.11.18"  # a CPython build the locked uv knows; same minor version as the project's tests
DEFAULT_TIME_LIMIT = 540  # seconds: inside Gradescope's default 10-minute limit, with room to write results
TEMPLATES = PACKAGING_DIR / "templates"


def _pinned_lines(requirements: list[str]) -> str:
    """The requirement list as continued shell words, one per line."""
    words = [f"    '{req}'" for req in requirements]
    return " \\\n".join(words)


def render_setup_sh() -> str:
    requirements = read_pinned_requirements()
    jax_pin = next(r for r in requirements if r.startswith("jax=="))
    return render(
        (TEMPLATES / "setup.sh").read_text(encoding="utf-8"),
        {
            "JAX_VERSION": jax_pin.split("==", 1)[1],
            "UV_VERSION": lock.version("uv"),
            "PYTHON_VERSION": PYTHON_VERSION,
            "PINNED_REQUIREMENTS": _pinned_lines([*requirements, *lock.pins(["setuptools"])]),
        },
    )


def render_run_autograder(*, assignment: str, time_limit: int, hidden_visibility: str = HIDDEN_VISIBILITY) -> str:
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}, not {hidden_visibility!r}")
    return render(
        (TEMPLATES / "run_autograder.sh").read_text(encoding="utf-8"),
        {"ASSIGNMENT": assignment, "TIME_LIMIT": str(int(time_limit)), "HIDDEN_VISIBILITY": hidden_visibility},
    )


def build_gradescope_zip(
    *, assignment: str, out_dir: Path, time_limit: int = DEFAULT_TIME_LIMIT, hidden_visibility: str = HIDDEN_VISIBILITY
) -> Path:
    """Write ``out_dir/<assignment>-autograder.zip`` and return its path.

    ``time_limit`` (seconds) bounds one grading; keep it below the timeout set
    in Gradescope's autograder settings, or a slow submission ends with no
    results at all instead of a message. ``hidden_visibility``: when students
    see the hidden checks' results (Gradescope's visibility values).
    """
    if assignment not in ASSIGNMENTS:
        raise ValueError(f"unknown assignment {assignment!r}; choose one of {', '.join(ASSIGNMENTS)}")
    entries = {name: path.read_bytes() for name, path in grader_source_files().items()}
    entries["setup.sh"] = render_setup_sh().encode("utf-8")
    run_autograder = render_run_autograder(assignment=assignment, time_limit=time_limit, hidden_visibility=hidden_visibility)
    entries["run_autograder"] = run_autograder.encode("utf-8")
    return write_zip(
        Path(out_dir) / f"{assignment}-autograder.zip", entries, executables=("setup.sh", "run_autograder")
    )
