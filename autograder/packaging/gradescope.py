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

from .. import lock
from ..checks import ASSIGNMENTS
from ..vocabulary import (
    GRADESCOPE_RUN_AS,
    GRADESCOPE_TIME_LIMIT_SECONDS,
    HIDDEN_FEEDBACK,
    HIDDEN_FEEDBACK_MODES,
    HIDDEN_VISIBILITY,
    require_visibility,
)
from .bundle import PACKAGING_DIR, grader_source_files, read_pinned_requirements, render, write_zip

PYTHON_VERSION = "3.11.18"  # a CPython build the locked uv knows; same minor version as the project's tests
TEMPLATES = PACKAGING_DIR / "templates"


def _pinned_lines(requirements: list[str]) -> str:
    """The requirement list as continued shell words, one per line."""
    words = [f"    '{req}'" for req in requirements]
    return " \\\n".join(words)


def render_setup_sh() -> str:
    requirements = read_pinned_requirements(PYTHON_VERSION)  # the lock's lines for the managed CPython
    jax_pin = next(r for r in requirements if r.startswith("jax=="))
    return render(
        (TEMPLATES / "setup.sh").read_text(encoding="utf-8"),
        {
            "JAX_VERSION": jax_pin.split("==", 1)[1],
            "UV_VERSION": lock.version("uv", PYTHON_VERSION),
            "PYTHON_VERSION": PYTHON_VERSION,
            "PINNED_REQUIREMENTS": _pinned_lines([*requirements, *lock.pins(["setuptools"], PYTHON_VERSION)]),
        },
    )


def render_run_autograder(*, assignment: str, time_limit: int, hidden_visibility: str = HIDDEN_VISIBILITY,
                          hidden_feedback: str = HIDDEN_FEEDBACK) -> str:
    require_visibility(hidden_visibility)
    if hidden_feedback not in HIDDEN_FEEDBACK_MODES:
        raise ValueError(f"hidden_feedback must be one of {', '.join(HIDDEN_FEEDBACK_MODES)}, not {hidden_feedback!r}")
    return render(
        (TEMPLATES / "run_autograder.sh").read_text(encoding="utf-8"),
        {"ASSIGNMENT": assignment, "TIME_LIMIT": str(int(time_limit)), "HIDDEN_VISIBILITY": hidden_visibility,
         "HIDDEN_FEEDBACK": hidden_feedback, "RUN_AS": GRADESCOPE_RUN_AS},
    )


def build_gradescope_zip(
    *, assignment: str, out_dir: Path, time_limit: int = GRADESCOPE_TIME_LIMIT_SECONDS,
    hidden_visibility: str = HIDDEN_VISIBILITY, hidden_feedback: str = HIDDEN_FEEDBACK,
) -> Path:
    """Write ``out_dir/<assignment>-autograder.zip`` and return its path.

    ``time_limit`` (seconds) bounds one grading; keep it below the timeout set
    in Gradescope's autograder settings, or a slow submission ends with no
    results at all instead of a message. ``hidden_visibility``: when students
    see the hidden checks' results (Gradescope's visibility values).
    ``hidden_feedback``: what the always-visible summary says of them before
    that (one of ``HIDDEN_FEEDBACK_MODES``).
    """
    if assignment not in ASSIGNMENTS:
        raise ValueError(f"unknown assignment {assignment!r}; choose one of {', '.join(ASSIGNMENTS)}")
    entries = {name: path.read_bytes() for name, path in grader_source_files().items()}
    entries["setup.sh"] = render_setup_sh().encode("utf-8")
    run_autograder = render_run_autograder(assignment=assignment, time_limit=time_limit,
                                           hidden_visibility=hidden_visibility, hidden_feedback=hidden_feedback)
    entries["run_autograder"] = run_autograder.encode("utf-8")
    return write_zip(
        Path(out_dir) / f"{assignment}-autograder.zip", entries, executables=("setup.sh", "run_autograder")
    )
