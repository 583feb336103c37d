"""The Otter plugin that keeps every student file out of Otter's kernel.

Otter 7 runs a submission (a notebook, or a .py as one cell) in a Jupyter
kernel whose working folder, on its ``sys.path``, is the submission folder,
then runs the test files in that same kernel. Its first cell is ``from otter
import Notebook``: left alone, a student's ``otter.py`` would be imported
there, unconfined, before any test, in the process that reports the scores.
This plugin, listed in the zip's ``otter_config.json``, takes three of Otter's
plugin events in Otter's own process:

- ``before_grading``: moves every student file out of the submission folder
  (only Otter's copy of the tests stays), then grades the moved files with
  the real grader (through :mod:`autograder.grader_process`, the launcher
  every route uses: the student's functions run only inside jaxgrade's
  sandbox) and writes the results to
  ``<autograder>/results/jaxgrade-results.json``.
- ``before_execution``: removes the inert stand-in left for Otter's last read
  of the chosen file and hands Otter a one-line notebook to execute instead
  of the submission.
- ``after_grading``: sets every test's score, and the top-level feedback,
  from those results, so what Otter reports is the grader's whatever the
  kernel did.

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
from ..notebook import NOTEBOOK_SUFFIX
from ..submission import SubmissionNotFound, find_module_file
from . import fallback
from .otter_runtime import results_path

GRADER_DIR = Path("source") / "jaxgrade"  # where the zip's grader lands, under the autograder folder
OTTER_OWN = {"tests"}
"""What Otter itself put in the submission folder before the plugin runs (its copy of the tests)."""
PLACEHOLDER = (
    "# jaxgrade graded this submission in its sandbox, in a separate process;\n"
    "# Otter's kernel runs only the test files, which report jaxgrade's results.\n"
)


def write_inert(chosen: Path) -> None:
    """Content for the file name Otter chose, which it reads (never runs) before ``before_execution``."""
    import nbformat

    if chosen.suffix == NOTEBOOK_SUFFIX:
        chosen.write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
    else:
        chosen.write_text(PLACEHOLDER, encoding="utf-8")


def grader_environment(autograder_dir: Path) -> dict:
    """This environment, with the zip's grader first on the path when the zip carries one."""
    grader = Path(autograder_dir) / GRADER_DIR
    env = dict(os.environ)
    if (grader / "autograder").is_dir():
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(grader), env.get("PYTHONPATH")]))
    return env


def take_submission_away(submission_folder: Path, keep: set[str], dest: Path) -> None:
    """Move every student file out of the kernel's working folder (which is on its ``sys.path``).

    Whatever it is named (``otter.py``, a package, ``.OTTER_LOG``), nothing the
    student sent stays where Otter's kernel, or Otter itself, could import or load it.
    """
    for entry in sorted(Path(submission_folder).iterdir()):
        if entry.name in keep:
            continue
        shutil.move(str(entry), str(Path(dest) / entry.name))


def grading_folder(files: Path, chosen: Path, assignment: str, scratch: Path) -> Path:
    """The folder to grade: the student's files as sent when they hold the module under its name;
    otherwise Otter's one chosen file, under the module's name (Otter accepts any file name)."""
    try:
        find_module_file(files, assignment)
        return files
    except SubmissionNotFound:
        if chosen.suffix not in (".py", NOTEBOOK_SUFFIX) or not (files / chosen.name).is_file():
            return files  # the grader's own message says what was missing
    stage = scratch / "renamed"
    stage.mkdir()
    shutil.copyfile(files / chosen.name, stage / f"{assignment}{chosen.suffix}")
    return stage


def grade_folder(submission: Path, settings: GraderSettings, autograder_dir: Path) -> dict:
    """Grade ``submission`` with the real grader; write and return the results.

    A grading that fails still leaves results: every check failed, with the reason.
    """
    target = results_path(autograder_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jaxgrade-otter-log-") as scratch:
        with open(Path(scratch) / "grader.log", "w+b") as log:
            run = run_grader(settings, submission=submission, results_path=target, log=log,
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

    @property
    def submission_folder(self) -> Path:
        return Path(self.submission_path).resolve().parent  # Otter's kernel works here, on its sys.path

    def before_grading(self, config):
        """Take every student file out of the kernel's reach, then grade them in jaxgrade's sandbox.

        Runs before Otter reads anything of the student's beyond choosing the file
        (its log, ``.OTTER_LOG``, would be unpickled next). Only Otter's copy of the
        tests stays. The chosen file's name gets inert content, which Otter reads
        once before ``before_execution`` removes it.
        """
        folder, chosen = self.submission_folder, Path(self.submission_path)
        with tempfile.TemporaryDirectory(prefix="jaxgrade-otter-") as scratch:
            files = Path(scratch) / "files"
            files.mkdir()
            take_submission_away(folder, OTTER_OWN, files)
            write_inert(chosen)
            grade_folder(grading_folder(files, chosen, self.settings.assignment, Path(scratch)), self.settings,
                         self.autograder_dir)

    def before_execution(self, submission):
        """Leave the kernel's folder holding Otter's tests only; give Otter a placeholder to execute."""
        import nbformat

        for entry in self.submission_folder.iterdir():
            if entry.name not in OTTER_OWN:
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PLACEHOLDER)])

    def after_grading(self, results):
        """Every test's score is the grader's, whatever happened in the kernel."""
        graded = results_mod.read_results(results_path(self.autograder_dir), assignment=self.settings.assignment)
        # Otter names each test by its check's identifier (otter.TEST_FILE).
        scores = {check: float(t["score"]) for check, t in results_mod.by_check(graded).items()} if graded else {}
        for name in list(results.results):
            results.update_score(name, scores.get(name, 0.0))
        if graded and graded.get("output") and hasattr(results, "set_output"):
            # The top-level feedback of every route (what to fix first, notebook cells that failed,
            # IPython lines skipped), shown above the tests as on the Gradescope route.
            results.set_output(str(graded["output"]))
