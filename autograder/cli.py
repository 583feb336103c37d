"""The `jaxgrade` command: a thin click layer over keyword-only functions."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .checks import ASSIGNMENTS

assignment_option = click.option(
    "--assignment", "-a", required=True, type=click.Choice(ASSIGNMENTS), help="Module name of the assignment."
)


@click.group()
@click.version_option(package_name="jaxgrade")
def main():
    """Auto-graded JAX assignments for computational physics."""


@main.command()
@click.argument("submission", type=click.Path(exists=True, file_okay=False, path_type=Path))
@assignment_option
@click.option("--results", "results_path", required=True, type=click.Path(path_type=Path), help="Where to write results.json.")
@click.option("--run-as", default="nobody", show_default=True, help="Unprivileged user for student code when grading as root.")
@click.option("--budget", default=60.0, show_default=True, help="Seconds per graded call, compilation included.")
@click.option(
    "--hidden-visibility",
    default="after_published",
    show_default=True,
    type=click.Choice(["hidden", "after_due_date", "after_published", "visible"]),
    help="Gradescope visibility of the hidden checks.",
)
@click.option("--gpu/--no-gpu", "gpu", default=None, help="Force the GPU-tier checks on or off (default: when JAX sees a GPU).")
def grade(submission, assignment, results_path, run_as, budget, hidden_visibility, gpu):
    """Grade one SUBMISSION folder and write a Gradescope results.json.

    Exits 0 whenever a results file was written, however the submission fared.
    """
    from .grading import grade_submission
    from .results import possible_score

    try:
        data = grade_submission(
            submission=submission,
            assignment=assignment,
            results_path=results_path,
            run_as=run_as,
            budget=budget,
            hidden_visibility=hidden_visibility,
            run_gpu_checks=gpu,
        )
    except Exception as exc:  # the grader failed, not the submission
        click.echo(f"jaxgrade: grading failed: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
    click.echo(f"{assignment}: {data['score']:g} / {possible_score(data):g}  ->  {results_path}")


@main.command()
@click.option("--check", is_flag=True, help="Only report drift: exit 1 if generated files differ from solutions/.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)
def regenerate(check, root):
    """Regenerate stubs, the student template and fixtures from solutions/."""
    from .generate import regenerate as run

    paths = run(root=root.resolve(), check=check)
    if check:
        if paths:
            click.echo("Generated files have drifted from solutions/ (run `jaxgrade regenerate`):")
            for path in paths:
                click.echo(f"  {path}")
            sys.exit(1)
        click.echo("Generated files match solutions/.")
    else:
        click.echo(f"Wrote {len(paths)} files.")


@main.command("grade-batch")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@assignment_option
@click.option("--csv", "csv_path", required=True, type=click.Path(path_type=Path), help="Gradebook CSV to write.")
@click.option("--jobs", "-j", default=0, help="Parallel graders (default: one per core).")
@click.option("--results-dir", type=click.Path(path_type=Path), default=None, help="Per-student results and logs (default: <csv stem>-results beside the CSV).")
@click.option(
    "--run-as",
    default="61000",
    show_default=True,
    help="When grading as root: the first uid student code runs as, one per parallel grader (61000, 61001, ...; no accounts needed). A user name works with --jobs 1.",
)
@click.option("--budget", default=60.0, show_default=True, help="Seconds per graded call, compilation included.")
@click.option("--timeout", default=None, type=float, help="Seconds for one whole grading (default: from --budget and the number of checks).")
def grade_batch(directory, assignment, csv_path, jobs, results_dir, run_as, budget, timeout):
    """Grade every submission in DIRECTORY into a gradebook CSV (resumable).

    DIRECTORY holds one folder or one .zip per student, or is Gradescope's
    "Export Submissions" download (with submission_metadata.yml).
    """
    from .batch import grade_batch as run

    try:
        summary = run(directory=directory, assignment=assignment, csv_path=csv_path, jobs=jobs,
                      results_dir=results_dir, run_as=run_as, budget=budget, timeout=timeout)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(summary)


@main.group()
def build():
    """Build autograder packages for Gradescope or Otter."""


@build.command("gradescope")
@click.argument("names", nargs=-1, type=click.Choice(ASSIGNMENTS + ("all",)))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"), show_default=True)
@click.option(
    "--time-limit",
    default=540,
    show_default=True,
    help="Seconds one grading may take; keep it below the timeout in Gradescope's autograder settings.",
)
@click.option(
    "--hidden-visibility",
    default="after_published",
    show_default=True,
    type=click.Choice(["hidden", "after_due_date", "after_published", "visible"]),
    help="When students see the results of the hidden checks.",
)
def build_gradescope(names, out, time_limit, hidden_visibility):
    """Write dist/<NAME>-autograder.zip for each assignment (or `all`)."""
    from .packaging.gradescope import build_gradescope_zip

    for name in _expand(names):
        click.echo(build_gradescope_zip(assignment=name, out_dir=out, time_limit=time_limit, hidden_visibility=hidden_visibility))


@build.command("otter")
@click.argument("names", nargs=-1, type=click.Choice(ASSIGNMENTS + ("all",)))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"), show_default=True)
def build_otter(names, out):
    """Write dist/<NAME>-otter.zip for `otter run -a` (see the README's trade-offs)."""
    from .packaging.otter import build_otter_zip

    for name in _expand(names):
        click.echo(build_otter_zip(assignment=name, out_dir=out))


def _expand(names) -> tuple:
    if not names or "all" in names:
        return ASSIGNMENTS
    return tuple(dict.fromkeys(names))


if __name__ == "__main__":
    main()
