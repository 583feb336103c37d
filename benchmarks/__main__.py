"""``python -m benchmarks [--quick] [--out DIR] [--only KEY ...]``.

Measures the course reading's speed and precision claims on this machine
and writes ``course_claims.md``, ``course_claims.json`` and PNG figures.
The full run takes a few minutes on two cores; ``--quick`` about one.
"""
import argparse
import os

import jax

# Before anything builds an array: float64 cases need 64-bit mode, and
# switching it on later would leave earlier arrays in float32.
jax.config.update("jax_enable_x64", True)

from benchmarks.plan import FULL, PLANS, QUICK  # noqa: E402
from benchmarks.runner import GRADING_PATH, RESULTS_DIR, SECTION_KEYS, run_benchmarks  # noqa: E402


def _parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[1])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats (smoke run)")
    parser.add_argument("--plan", choices=sorted(PLANS), help="named plan (overrides --quick)")
    parser.add_argument(
        "--out",
        help=f"results folder (default: {RESULTS_DIR} for the full plan, a subfolder named after the plan otherwise)",
    )
    parser.add_argument(
        "--grading-json", default=GRADING_PATH, help=f"grading benchmark results to include (default: {GRADING_PATH})"
    )
    parser.add_argument("--only", nargs="+", choices=SECTION_KEYS[:-1], help="run only these claim groups")
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse_args(argv)
    plan = PLANS[args.plan] if args.plan else (QUICK if args.quick else FULL)
    # Smoke runs must not overwrite the committed full results.
    out_dir = args.out or (RESULTS_DIR if plan is FULL else os.path.join(RESULTS_DIR, plan.name))
    run_benchmarks(plan=plan, out_dir=out_dir, grading_path=args.grading_json, only=args.only)


if __name__ == "__main__":
    main()
