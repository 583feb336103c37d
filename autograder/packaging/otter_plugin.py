"""The Otter plugin that keeps the student's file out of Otter's kernel.

Otter 7 runs a submission as a notebook cell in a Jupyter kernel, then runs
the test files in that same kernel. Left alone, the student's file would run
there unconfined, before any test, in the process that reports the scores.
This plugin, listed in the zip's ``otter_config.json``, takes two of Otter's
plugin events in Otter's own process:

- ``before_execution``: grades the submitted file with the real grader
  (through :mod:`autograder.grader_process`, the launcher every route uses:
  the student's functions run only inside jaxgrade's sandbox), writes the
  results to ``<autograder>/results/jaxgrade-results.json``, and hands Otter
  a one-line notebook to execute instead of the submission. The student's
  file never runs in Otter's kernel.
- ``after_grading``: sets every test's score from those results, so the
  scores Otter reports are the grader's whatever the kernel did.

The test files (:mod:`.otter`) read the same results file for each check's
message. Otter imports this module from the environment it runs in (the
grader installed there, see docs/otter.md); the grading itself runs the
grader shipped in the zip (``<autograder>/source/jaxgrade``).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from otter.plugins import AbstractOtterPlugin

from .. import results as results_mod
from .. import vocabulary
from ..grader_process import GraderSettings, run_grader
from . import fallback
from .otter_runtime import results_path

GRADER_DIR = Path("source") / "jaxgrade"  # where the zip's grader lands, under the autograder folder
PLACEHOLDER = (
    "# jaxgrade graded this submission in its sandbox, in a separate process;\n"
    "# Otter's kernel runs only the test files, which report jaxgrade's results.\n"
)


def grader_environment(autograder_dir: Path) -> dict:
    """This environment, with the zip's grader first on the path when the zip carries one."""
    grader = Path(autograder_dir) / GRADER_DIR
    env = dict(os.environ)
    if (grader / "autograder").is_dir():
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(grader), env.get("PYTHONPATH")]))
    return env


def grade_file(source: Path, settings: GraderSettings, autograder_dir: Path) -> dict:
    """Grade the one submitted file (staged as ``<assignment>.py``); write and return the results.

    A grading that fails still leaves results: every check failed, with the reason.
    """
    target = results_path(autograder_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jaxgrade-otter-") as scratch:
        stage = Path(scratch) / "submission"
        stage.mkdir()
        shutil.copyfile(source, stage / f"{settings.assignment}.py")
        with open(Path(scratch) / "grader.log", "w+b") as log:
            run = run_grader(settings, submission=stage, results_path=target, log=log,
                             env=grader_environment(autograder_dir))
            log.seek(0)
            tail = log.read()[-2000:].decode("utf-8", "replace")
    if run.results is not None:
        return run.results
    print(f"jaxgrade: {run.problem}; the grader's last output:\n{tail}")  # Otter's log: instructors only
    message = (fallback.time_limit_message(settings.time_limit) if run.timed_out
               else fallback.autograder_failure_message(run.problem))
    return fallback.write_crash_results(
        results_path=target, assignment=settings.assignment, message=message,
        extra_data={"autograder_failure": run.problem}, hidden_visibility=settings.hidden_visibility,
        gpu_tier=settings.gpu_tier,
    )


class JaxgradeOtterPlugin(AbstractOtterPlugin):
    """Configured in ``otter_config.json`` with ``{"assignment": NAME}`` (and optionally ``gpu_tier``)."""

    @property
    def autograder_dir(self) -> Path:
        return Path(self.submission_path).resolve().parents[1]  # <autograder>/submission/<file>

    @property
    def settings(self) -> GraderSettings:
        config = self.plugin_config or {}
        return GraderSettings(
            assignment=config["assignment"], gpu_tier=bool(config.get("gpu_tier", False)),
            time_limit=float(config.get("time_limit", vocabulary.OTTER_TIME_LIMIT_SECONDS)),
        )

    def before_execution(self, submission):
        """Grade the file in jaxgrade's sandbox; give Otter a placeholder to execute instead."""
        grade_file(Path(self.submission_path), self.settings, self.autograder_dir)
        import nbformat

        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PLACEHOLDER)])

    def after_grading(self, results):
        """Every test's score is the grader's, whatever happened in the kernel."""
        graded = results_mod.read_results(results_path(self.autograder_dir), assignment=self.settings.assignment)
        # Otter names each test by its check's identifier (otter.TEST_FILE).
        scores = {check: float(t["score"]) for check, t in results_mod.by_check(graded).items()} if graded else {}
        for name in list(results.results):
            results.update_score(name, scores.get(name, 0.0))
