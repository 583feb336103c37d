"""``python -m benchmarks.gpu_tier``: the GPU tier on the correct and wrong corpus, measured.

Meant for an NVIDIA GPU machine, run from a source checkout (``PYTHONPATH=.``
works with whatever JAX that machine has, no install needed):

    PYTHONPATH=. python -m benchmarks.gpu_tier --out gpu-tier-results

It writes, into ``--out``:

- ``gpu_tier.json``: the machine (devices, JAX version), the reference ensemble of
  each dtype (every member's drift and time), and for every scan_integrator corpus
  case the GPU-tier verdict, each dtype's drift, tolerance and margin, and times;
- ``gpu_tier.md``: the same as tables, ready for docs/gpu.md;
- ``results/<kind>__<case>.json``: each grading's results file.

Without a GPU at full scale every case is reported "not run" within seconds (the
route a CPU runner takes); ``--scale reduced`` runs the whole path at test size on
any device, so the script itself is exercised on a CPU (tests/benchmarks).
"""
from __future__ import annotations

import argparse
import json
import platform
import re
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"
ASSIGNMENT = "scan_integrator"
_NUMBER = r"([0-9][0-9.]*e[+-][0-9]+)"


def corpus_cases(selected=()) -> list[Path]:
    """The scan_integrator corpus cases (correct and wrong), or the ``kind/assignment/case`` ones named."""
    if selected:
        return [CORPUS / name for name in selected]
    return sorted(p for kind in ("correct", "wrong") for p in (CORPUS / kind / ASSIGNMENT).iterdir() if p.is_dir())


def machine() -> dict:
    import jax

    return {
        "jax": jax.__version__,
        "devices": [f"{d.platform}: {getattr(d, 'device_kind', '')}" for d in jax.devices()],
        "python": platform.python_version(),
        "host": platform.node(),
    }


def reference_ensemble(scale: str) -> dict:
    """Every ensemble member's drift and wall time, per dtype, on this process's default device."""
    import jax

    from autograder.checks.physics import energy_drift as ed
    from autograder.checks.physics.integrator_diagnosis import window_drift
    from solutions import scan_integrator as reference

    run = ed.run_for(scale)
    out = {"run": {k: getattr(run, k) for k in ("n_particles", "n_steps", "dt", "eps2", "every")}}
    if scale == "full" and jax.default_backend() != "gpu":
        out["not_run"] = "no GPU visible to JAX here: the full-scale ensemble is GPU-size work"
        return out
    for dtype in ed.DTYPES:
        members = []
        for member in ed.ensemble(dtype):
            started = time.perf_counter()
            drift = window_drift(ed.reference_series(reference, run, dtype, member))
            members.append({"member": member.label, "drift": drift, "seconds": time.perf_counter() - started})
        allowed = ed.allowed_drift([m["drift"] for m in members], dtype)
        out[dtype] = {"members": members, "allowed": allowed}
    return out


def grade_case(case: Path, scale: str, results_dir: Path) -> dict:
    """Grade one corpus case with the GPU tier; its verdict, per-dtype numbers and time."""
    from autograder.grading import grade_submission

    kind = case.parent.parent.name
    path = results_dir / f"{kind}__{case.name}.json"
    started = time.perf_counter()
    results = grade_submission(submission=case, assignment=ASSIGNMENT, results_path=path, run_gpu_checks=True,
                               gpu_scale=scale)
    seconds = time.perf_counter() - started
    test = next(t for t in results["tests"] if t.get("extra_data", {}).get("check") == "plummer_energy_drift")
    dtypes = {}
    for line in test["output"].splitlines():
        dtype = line.split(":", 1)[0]
        drift = re.search(r"(?:energy drift|yours is) " + _NUMBER, line)
        allowed = re.search(r"allowed " + _NUMBER, line)
        if dtype in ("float64", "float32") and allowed:
            value = float(drift.group(1)) if drift else None
            dtypes[dtype] = {"drift": value, "allowed": float(allowed.group(1)),
                             "margin": float(allowed.group(1)) / value if value else None}
    return {
        "case": f"{kind}/{case.name}", "kind": kind, "score": test["score"], "max_score": test["max_score"],
        "status": test["status"], "ran": results["extra_data"].get("gpu_tier", {}).get("ran"),
        "grading_seconds": seconds, "dtypes": dtypes, "output": test["output"],
    }


def markdown(report: dict) -> str:
    lines = [f"# GPU tier on the corpus ({report['scale']} scale)", "",
             f"- JAX {report['machine']['jax']}; devices: {', '.join(report['machine']['devices'])}",
             f"- run: {report['ensemble']['run']}", "", "## Reference ensemble", "",
             "| dtype | member | drift | seconds |", "| --- | --- | ---: | ---: |"]
    for dtype in ("float64", "float32") if "not_run" not in report["ensemble"] else ():
        for m in report["ensemble"][dtype]["members"]:
            lines.append(f"| {dtype} | {m['member']} | {m['drift']:.2e} | {m['seconds']:.2f} |")
        lines.append(f"| {dtype} | **allowed** | {report['ensemble'][dtype]['allowed']:.2e} | |")
    lines += ["", "## Corpus", "",
              "| case | GPU tier | float64 drift / allowed | float32 drift / allowed | grading s |",
              "| --- | --- | --- | --- | ---: |"]
    for c in report["cases"]:
        cells = []
        for dtype in ("float64", "float32"):
            d = c["dtypes"].get(dtype)
            cells.append(f"{d['drift']:.2e} / {d['allowed']:.2e}" if d and d["drift"] is not None else "-")
        verdict = "not run" if not c["ran"] else f"{c['score']:g}/{c['max_score']:g} {c['status']}"
        lines.append(f"| {c['case']} | {verdict} | {cells[0]} | {cells[1]} | {c['grading_seconds']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_tier", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for gpu_tier.json, gpu_tier.md, results/")
    parser.add_argument("--scale", choices=("full", "reduced"), default="full")
    parser.add_argument("--cases", nargs="*", default=(), help="corpus cases as kind/assignment/case (default: all)")
    args = parser.parse_args(argv)
    (args.out / "results").mkdir(parents=True, exist_ok=True)
    report = {"scale": args.scale, "machine": machine(), "ensemble": reference_ensemble(args.scale), "cases": []}
    for case in corpus_cases(args.cases):
        report["cases"].append(grade_case(case, args.scale, args.out / "results"))
        print(f"{report['cases'][-1]['case']}: {report['cases'][-1]['status']}", flush=True)
    (args.out / "gpu_tier.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (args.out / "gpu_tier.md").write_text(markdown(report), encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
