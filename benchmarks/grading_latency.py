"""Grading latency and memory per assignment, next to the floor it is compared with.

For each assignment, grade a correct submission from the corpus in a fresh
process (exactly what `jaxgrade grade` does) and record wall time and peak
resident memory of the grader (parent) and of the sandboxed child. In the same
run, measure the floor: a fresh process that only imports JAX and calls the
assignment's reference functions once (the compiles any grader must pay).

Run: ``.venv/bin/python -m benchmarks.grading_latency [--repeats 3]``
Writes ``benchmarks/results/grading.json`` and ``benchmarks/results/grading.md``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TARGET_SECONDS, TARGET_MB = 15.0, 768.0

GRADE_ONE = r"""
import json, resource, sys, time
from pathlib import Path
start = time.perf_counter()
from autograder.grading import grade_submission
data = grade_submission(
    submission=Path(sys.argv[1]), assignment=sys.argv[2], results_path=Path(sys.argv[3]), run_gpu_checks=False
)
wall = time.perf_counter() - start
max_score = sum(t["max_score"] for t in data["tests"])
print(json.dumps({"wall_s": wall, "score": data["score"], "max_score": max_score,
                  "parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "child_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

# The floor: import JAX, then call each reference function once at a small size.
FLOOR = r"""
import json, resource, sys, time
start = time.perf_counter()
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np
import importlib
ref = importlib.import_module("solutions." + sys.argv[1])
x = jnp.asarray(np.random.default_rng(0).normal(size=(8, 3))); m = jnp.ones(8); v = jnp.zeros((8, 3))
calls = {
    "grad_forces": lambda: (ref.potential_energy(x, m), ref.grad_forces(x, m)),
    "jit_potential": lambda: (ref.potential_energy_jit(x, m, 0.01, 1.0), ref.total_energy_jit(x, v, m, 0.01, 1.0)),
    "vmap_forces": lambda: (ref.pair_force(x[0], x[1], 1.0, 1.0), ref.vmap_forces(x, m)),
    "scan_integrator": lambda: ref.integrate(ref.State(x, v), 0.01, 16, lambda p: -p),
    "hmc": lambda: ref.hmc_step(jax.random.PRNGKey(0), jnp.zeros(2), lambda t: -0.5 * t @ t, 0.1, 5),
    "dtype_audit": lambda: ref.audit_dtypes({"a": x, "b": [m, 1.0]}),
}
# An assignment without a call here (a new one) gets the import-only floor.
jax.block_until_ready(calls.get(sys.argv[1], lambda: None)())
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall_s": time.perf_counter() - start, "peak_mb": peak_mb}))
"""


def correct_submission(assignment: str) -> Path:
    cases = sorted((ROOT / "tests" / "corpus" / "correct" / assignment).glob("*/expect.json"))
    if not cases:
        raise SystemExit(f"no correct submission for {assignment} in tests/corpus/correct/")
    return cases[0].parent


def _run_json(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(assignment: str, repeats: int) -> dict:
    grades, floors = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):  # interleaved, so both see the same machine load
            grades.append(_run_json(GRADE_ONE, str(correct_submission(assignment)), assignment, f"{tmp}/r.json"))
            floors.append(_run_json(FLOOR, assignment))
    wall = statistics.median(g["wall_s"] for g in grades)
    floor = statistics.median(f["wall_s"] for f in floors)
    return {
        "assignment": assignment,
        "score": f"{grades[0]['score']:g}/{grades[0]['max_score']:g}",
        "grade_wall_s": round(wall, 2),
        "floor_wall_s": round(floor, 2),
        "ratio": round(wall / floor, 2),
        "parent_peak_mb": round(max(g["parent_mb"] for g in grades)),
        "child_peak_mb": round(max(g["child_mb"] for g in grades)),
        "floor_peak_mb": round(max(f["peak_mb"] for f in floors)),
        "repeats": repeats,
    }


def machine() -> str:
    import os
    import platform

    model = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor(),
    )
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def to_markdown(rows: list[dict], where: str) -> str:
    lines = [
        "# Grading latency per assignment",
        "",
        f"Machine: {where}. Medians of the repeats; peaks are maxima. "
        f"Targets: <= {TARGET_SECONDS:g} s and <= {TARGET_MB:g} MB "
        "(parent + child) per assignment. The floor is a fresh process that imports JAX and calls the reference once.",
        "",
        "| assignment | score | grading wall (s) | floor wall (s) | grading / floor | parent peak (MB) "
        "| child peak (MB) | parent + child (MB) | floor peak (MB) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        both = r["parent_peak_mb"] + r["child_peak_mb"]
        lines.append(
            f"| {r['assignment']} | {r['score']} | {r['grade_wall_s']} | {r['floor_wall_s']} | {r['ratio']}x | "
            f"{r['parent_peak_mb']} | {r['child_peak_mb']} | {both} | {r['floor_peak_mb']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    from autograder.checks import ASSIGNMENTS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--assignment", action="append", choices=ASSIGNMENTS)
    args = parser.parse_args(argv)
    rows = [measure(a, args.repeats) for a in (args.assignment or ASSIGNMENTS)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    where = machine()
    (RESULTS / "grading.json").write_text(json.dumps({"machine": where, "rows": rows}, indent=2) + "\n")
    (RESULTS / "grading.md").write_text(to_markdown(rows, where))
    print(to_markdown(rows, where))


if __name__ == "__main__":
    main()
