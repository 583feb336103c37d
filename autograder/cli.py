"""The `jaxgrade` command: a thin click layer over keyword-only functions."""
from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path

import click

from .batch import grade_batch as batch_grade_batch
from .batch.slurm import SlurmError, grade_batch_on_slurm
from .checks import ASSIGNMENTS
from .grading import grade_submission
from .packaging.gradescope import build_gradescope_zip
from .vocabulary import HIDDEN_FEEDBACK_MODES, VISIBILITIES


def default_of(function, parameter: str):
    """The default of ``function``'s keyword ``parameter``: the CLI takes it from there, never restates it."""
    return inspect.signature(function).parameters[parameter].default


assignment_option = click.option(
    "--assignment", "-a", required=True, type=click.Choice(ASSIGNMENTS), help="Module name of the assignment."
)


@click.group()
@click.version_option(package_name="jaxgrade")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="The course tree every command acts on (default: the current folder when it holds solutions/ "
              "and autograder/checks/, else the installed one).")
@click.pass_context
def main(ctx, root):
    """Auto-graded JAX assignments for computational physics."""
    from . import catalog

    try:
        other = catalog.tree_to_use(root, Path.cwd())
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if other is not None:
        if os.environ.get(catalog.ROOT_ENV) == str(other):  # already re-run, yet another grader was imported
            raise click.UsageError(f"{other} holds no importable autograder package")
        # Re-run on that tree's own grader, so that listing, grading and building see its assignments.
        path = os.pathsep.join(p for p in (str(other), os.environ.get("PYTHONPATH", "")) if p)
        env = dict(os.environ, PYTHONPATH=path, **{catalog.ROOT_ENV: str(other)})
        os.execvpe(sys.executable, [sys.executable, "-m", "autograder.cli", *sys.argv[1:]], env)
    ctx.obj = root


@main.command()
@click.argument("submission", type=click.Path(exists=True, file_okay=False, path_type=Path))
@assignment_option
@click.option(
    "--results", "results_path", required=True, type=click.Path(path_type=Path), help="Where to write results.json."
)
@click.option("--run-as", default=default_of(grade_submission, "run_as"), show_default=True,
              help="Unprivileged user for student code when grading as root.")
@click.option("--budget", default=default_of(grade_submission, "budget"), show_default=True,
              help="Seconds per graded call, compilation included.")
@click.option(
    "--hidden-visibility",
    default=default_of(grade_submission, "hidden_visibility"),
    show_default=True,
    type=click.Choice(VISIBILITIES),
    help="Gradescope visibility of the hidden checks.",
)
@click.option(
    "--hidden-feedback",
    default=default_of(grade_submission, "hidden_feedback"),
    show_default=True,
    type=click.Choice(HIDDEN_FEEDBACK_MODES),
    help="What the always-visible summary says about hidden checks: pass/fail and how to fix (fix), "
    "pass/fail only (status), or nothing (off). Never their inputs or expected values.",
)
@click.option(
    "--gpu",
    is_flag=True,
    help="Grade the GPU tier too (a GPU runner): its checks count in the maximum; where the sandbox sees no GPU "
    "they are reported not run and earn 0. Without --gpu they are left out.",
)
def grade(submission, assignment, results_path, run_as, budget, hidden_visibility, hidden_feedback, gpu):
    """Grade one SUBMISSION folder and write a Gradescope results.json.

    Exits 0 whenever a results file was written, however the submission fared.
    """
    from .results import possible_score
    from .xla_flags import use_grader_flags

    use_grader_flags(gpu=gpu)  # before this process's JAX starts its backend
    try:
        data = grade_submission(
            submission=submission,
            assignment=assignment,
            results_path=results_path,
            run_as=run_as,
            budget=budget,
            hidden_visibility=hidden_visibility,
            hidden_feedback=hidden_feedback,
            run_gpu_checks=gpu,
        )
    except Exception as exc:  # the grader failed, not the submission
        click.echo(f"jaxgrade: grading failed: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
    click.echo(f"{assignment}: {data['score']:g} / {possible_score(data):g}  ->  {results_path}")


@main.command()
@click.option("--check", is_flag=True, help="Only report drift: exit 1 if generated files differ from solutions/.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Default: jaxgrade's --root, else the current folder.")
@click.pass_obj
def regenerate(main_root, check, root):
    """Regenerate stubs, the student template and fixtures from solutions/."""
    root = Path(root or main_root or ".")
    from .generate import GenerationError, MarkerError
    from .generate import regenerate as run

    try:
        paths = run(root=root.resolve(), check=check)
    except (GenerationError, MarkerError) as exc:
        click.echo(f"jaxgrade regenerate: {exc}", err=True)
        sys.exit(1)
    if check:
        if paths:
            click.echo("Generated files have drifted from solutions/ (run `jaxgrade regenerate`):")
            for path in paths:
                click.echo(f"  {path}")
            sys.exit(1)
        click.echo("Generated files match solutions/.")
    else:
        click.echo(f"Wrote {len(paths)} files.")


@main.command("list")
def list_assignments():
    """The assignments of this tree, discovered from their own files, with their metadata."""
    from .catalog import discover

    for a in discover():
        checks = a.registry().checks
        public = sum(c.public for c in checks)
        fixture = "fixture" if a.fixture_recipe() else "no fixture"
        click.echo(f"{a.number or '-':>2}  {a.name:<18} {a.points:g} points, {len(checks)} checks ({public} public), "
                   f"{fixture}  {a.title}")


@main.command()
@click.argument("name")
@click.option("--title", default=None, help="The handout's title (default: the example's).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Default: jaxgrade's --root, else the current folder.")
@click.pass_obj
def new(main_root, name, title, root):
    """Scaffold a complete example assignment NAME (see docs/authoring.md).

    Writes the reference, handout, public tests, hidden checks and two corpus
    cases; then run `jaxgrade regenerate`.
    """
    root = Path(root or main_root or ".")
    from .generate.scaffold import ScaffoldError, scaffold

    try:
        paths = scaffold(name=name, root=root.resolve(), title=title)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    for path in paths:
        click.echo(f"  wrote {path}")
    click.echo("Next: jaxgrade regenerate, then edit the files above (docs/authoring.md).")


@main.command("grade-batch")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@assignment_option
@click.option("--csv", "csv_path", required=True, type=click.Path(path_type=Path), help="Gradebook CSV to write.")
@click.option("--jobs", "-j", default=default_of(batch_grade_batch, "jobs"),
              help="Parallel graders (default: one per core).")
@click.option(
    "--results-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Per-student results and logs (default: <csv stem>-results beside the CSV).",
)
@click.option(
    "--run-as",
    default=default_of(batch_grade_batch, "run_as"),
    show_default=True,
    help="When grading as root: the first uid student code runs as, one per parallel grader "
    "(61000, 61001, ...; no accounts needed). A user name works with --jobs 1.",
)
@click.option("--budget", default=default_of(batch_grade_batch, "budget"), show_default=True,
              help="Seconds per graded call, compilation included.")
@click.option(
    "--timeout",
    default=None,
    type=float,
    help="Seconds for one whole grading (default: from --budget and the number of checks).",
)
@click.option(
    "--gpu",
    is_flag=True,
    help="Grade the GPU tier too (a GPU server): every row's maximum includes it; rows whose sandbox saw no GPU "
    "report it not run. Use --jobs 1 or few: the graders share the GPU.",
)
@click.option("--slurm", is_flag=True, help="Grade on a Slurm cluster: one job array, each task grading into the "
              "shared results folder (docs/slurm.md); --jobs does not apply. With --gpu each task asks for "
              "--gres=gpu:1.")
@click.option("--partition", default=None, help="With --slurm: the partition (e.g. the GPU partition for --gpu).")
@click.option("--account", default=None, help="With --slurm: the account the job is charged to.")
@click.option("--time", "time_limit", default=None,
              help="With --slurm: each task's time limit in Slurm's format (default: from --timeout and --chunk).")
@click.option("--chunk", default=default_of(grade_batch_on_slurm, "chunk"), show_default=True,
              help="With --slurm: submissions graded one after another by each array task.")
@click.option("--sbatch-option", "sbatch_options", multiple=True, metavar="OPTION",
              help="With --slurm: passed to sbatch as given, e.g. --sbatch-option=--mem=4G (repeatable).")
def grade_batch(directory, assignment, csv_path, jobs, results_dir, run_as, budget, timeout, gpu,
                slurm, partition, account, time_limit, chunk, sbatch_options):
    """Grade every submission in DIRECTORY into a gradebook CSV (resumable).

    DIRECTORY holds one folder or one .zip per student, or is Gradescope's
    "Export Submissions" download (with submission_metadata.yml).
    """
    options = dict(directory=directory, assignment=assignment, csv_path=csv_path, results_dir=results_dir,
                   run_as=run_as, budget=budget, timeout=timeout, gpu_tier=gpu)
    try:
        if slurm:
            summary = grade_batch_on_slurm(**options, partition=partition, account=account, time_limit=time_limit,
                                           chunk=chunk, sbatch_options=sbatch_options)
        else:
            summary = batch_grade_batch(**options, jobs=jobs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except SlurmError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(summary)


@main.group()
def build():
    """Build autograder packages for Gradescope or Otter."""


@build.command("gradescope")
@click.argument("names", nargs=-1, type=click.Choice(ASSIGNMENTS + ("all",)))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"), show_default=True)
@click.option(
    "--time-limit",
    default=default_of(build_gradescope_zip, "time_limit"),
    show_default=True,
    help="Seconds one grading may take; keep it below the timeout in Gradescope's autograder settings.",
)
@click.option(
    "--hidden-visibility",
    default=default_of(build_gradescope_zip, "hidden_visibility"),
    show_default=True,
    type=click.Choice(VISIBILITIES),
    help="When students see the results of the hidden checks.",
)
@click.option(
    "--hidden-feedback",
    default=default_of(build_gradescope_zip, "hidden_feedback"),
    show_default=True,
    type=click.Choice(HIDDEN_FEEDBACK_MODES),
    help="What students see of the hidden checks before their details show: pass/fail and how to fix (fix), "
    "pass/fail only (status), or nothing (off).",
)
def build_gradescope(names, out, time_limit, hidden_visibility, hidden_feedback):
    """Write dist/<NAME>-autograder.zip for each assignment (or `all`)."""
    for name in _expand(names):
        click.echo(build_gradescope_zip(assignment=name, out_dir=out, time_limit=time_limit,
                                        hidden_visibility=hidden_visibility, hidden_feedback=hidden_feedback))


@build.command("otter")
@click.argument("names", nargs=-1, type=click.Choice(ASSIGNMENTS + ("all",)))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"), show_default=True)
def build_otter(names, out):
    """Write dist/<NAME>-otter.zip for `otter run -a` (see the README's trade-offs)."""
    from .packaging.otter import build_otter_zip

    for name in _expand(names):
        click.echo(build_otter_zip(assignment=name, out_dir=out))


@build.command("gpu-workflow")
@click.argument("names", nargs=-1, type=click.Choice(ASSIGNMENTS + ("all",)))
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=Path(".github/workflows"), show_default=True
)
def build_gpu_workflow(names, out):
    """Write a GitHub Actions workflow that grades the class on a self-hosted `gpu` runner (docs/gpu.md)."""
    from .packaging.gpu_workflow import write_gpu_workflow

    for name in _expand(names):
        click.echo(write_gpu_workflow(assignment=name, out_dir=out))


def _expand(names) -> tuple:
    if not names or "all" in names:
        return ASSIGNMENTS
    return tuple(dict.fromkeys(names))


if __name__ == "__main__":
    main()
