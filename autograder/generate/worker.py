"""Child process of ``regenerate``: import the new stubs, compute the fixtures.

Run as ``python -m autograder.generate.worker --root ROOT --stubs STAGING
--out DIR``. It is a separate process because it must import ``solutions``
and ``assignments`` from the tree being generated (possibly a copy of the
repository), with 64-bit mode switched on before anything is traced, the
way the autograder runs submissions.

Exit status 0 with one ``<assignment>.npz`` in ``DIR`` per assignment whose
checks module defines a fixture recipe ``public_fixture(*, reference,
inputs)``; status 1 with a message on stderr naming the file that failed.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402

from .. import catalog  # noqa: E402


def _import_stubs(stubs: Path, names: tuple[str, ...]) -> None:
    """Every generated stub must import as ``assignments.<name>`` from ``stubs``."""
    package = importlib.import_module("assignments")
    if Path(package.__file__).resolve().parent != (stubs / "assignments").resolve():
        raise RuntimeError(f"imported `assignments` from {package.__file__}, not from the staged stubs")
    for name in names:
        try:
            importlib.import_module(f"assignments.{name}")
        except Exception as error:
            raise RuntimeError(
                f"assignments/{name}.py: the generated stub does not import "
                f"({type(error).__name__}: {error}). Keep imports and module-level code "
                "that the stub needs outside the solution markers."
            ) from error


def _compute_fixtures(out: Path, assignments) -> None:
    inputs = importlib.import_module("fixture_inputs")
    for assignment in assignments:
        name, recipe = assignment.name, assignment.fixture_recipe()
        if recipe is None:
            continue  # this assignment's public tests need no reference answers
        reference = importlib.import_module(f"solutions.{name}")
        try:
            arrays = recipe(reference=reference, inputs=inputs)
        except Exception as error:
            raise RuntimeError(
                f"solutions/{name}.py: computing the public-test fixture failed "
                f"({type(error).__name__}: {error})"
            ) from error
        np.savez(out / f"{name}.npz", **{key: np.asarray(value) for key, value in arrays.items()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--stubs", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    # The staged stubs shadow any older assignments/ in the root.
    sys.path[:0] = [str(args.stubs), str(args.root), str(args.root / "solutions" / "public_tests")]
    try:
        assignments = catalog.discover(args.root)
        _import_stubs(args.stubs, tuple(a.name for a in assignments))
        _compute_fixtures(args.out, assignments)
    except RuntimeError as error:
        cause = error.__cause__
        if cause is not None:
            traceback.print_exception(cause, file=sys.stderr)
        print(str(error), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
