"""The GitHub Actions workflow that grades a class on a self-hosted GPU runner.

``jaxgrade build gpu-workflow NAME`` writes it for one assignment; the
instructor commits it to their private grading repository (this project with
the reference solutions). The template is ``templates/gpu_grading.yml``: it
installs the ``cuda`` extra under the version lock, refuses to grade when JAX
sees no GPU, grades with ``grade-batch --gpu`` and uploads the gradebook, the
summary and every results file as artifacts. docs/gpu.md describes the runner.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path


def render_gpu_workflow(assignment: str) -> str:
    """The workflow text for ``assignment`` (a module name)."""
    if not assignment.isidentifier():
        raise ValueError(f"not an assignment module name: {assignment!r}")
    template = resources.files("autograder.packaging").joinpath("templates/gpu_grading.yml").read_text("utf-8")
    return template.replace("@ASSIGNMENT@", assignment)


def write_gpu_workflow(*, assignment: str, out_dir: Path) -> Path:
    """Write ``out_dir/jaxgrade-gpu-<assignment>.yml``; returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"jaxgrade-gpu-{assignment}.yml"
    path.write_text(render_gpu_workflow(assignment), encoding="utf-8")
    return path
