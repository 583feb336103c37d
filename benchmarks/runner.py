"""Run every claim group on every device, then write the report and figures.

Each claim group measures on the CPU and, when JAX sees one, on a GPU, in
the same process and the same run, so every number sits next to its
baseline measured under the same conditions.
"""
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import NamedTuple

import jax

from benchmarks import claims_compile, claims_fd, claims_grad, claims_jit, claims_leapfrog, claims_vmap
from benchmarks.grading_hook import GRADING_FILE, grading_section
from benchmarks.machine import describe_machine, load_average, measurement_devices
from benchmarks.report import UNMEASURED, Section, Verdict, write_report

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
GRADING_PATH = os.path.join(RESULTS_DIR, GRADING_FILE)


class ClaimGroup(NamedTuple):
    """How to measure one claim group and how to present it.

    Attributes:
        key: the section's key in the report and the JSON.
        title: heading used if the measurement itself fails.
        measure: ``(*, plan, device) -> dict`` of raw numbers on one device.
        section: ``(*, plan, raw_by_backend) -> Section``.
        figures: ``{file name: name of a function in plots.py}``; each is
            called as ``plot(raw_by_backend, path)``.
    """

    key: str
    title: str
    measure: Callable
    section: Callable
    figures: dict


CLAIM_GROUPS = (
    ClaimGroup(
        "grad_cost",
        "Reverse-mode grad cost",
        claims_grad.measure_grad_cost,
        claims_grad.grad_cost_section,
        {"grad_cost.png": "plot_grad_cost"},
    ),
    ClaimGroup(
        "finite_differences",
        "Finite-difference forces",
        claims_fd.measure_finite_differences,
        claims_fd.finite_differences_section,
        {"finite_differences.png": "plot_finite_differences"},
    ),
    ClaimGroup(
        "jit_speedup",
        "jit speed-ups",
        claims_jit.measure_jit,
        claims_jit.jit_section,
        {"jit_speedup.png": "plot_jit_speedup"},
    ),
    ClaimGroup(
        "vmap_forces",
        "Double-vmap forces",
        claims_vmap.measure_forces,
        claims_vmap.forces_section,
        {"forces_scaling.png": "plot_forces_scaling"},
    ),
    ClaimGroup(
        "leapfrog_precision",
        "Leapfrog energy error",
        claims_leapfrog.measure_leapfrog,
        claims_leapfrog.leapfrog_section,
        {"energy_error.png": "plot_energy_error", "dt_convergence.png": "plot_dt_convergence"},
    ),
    ClaimGroup(
        "compile_vs_run",
        "Compile time vs run time",
        claims_compile.measure_compile,
        claims_compile.compile_section,
        {"compile_vs_run.png": "plot_compile_vs_run"},
    ),
)
SECTION_KEYS = tuple(group.key for group in CLAIM_GROUPS) + ("grading_latency",)


def _failed_section(group, error):
    """A section that says the measurement broke, instead of silently missing."""
    reason = f"{type(error).__name__}: {error}"
    return Section(
        key=group.key,
        title=group.title,
        reading="(measurement failed; see the note)",
        verdicts=[Verdict(group.title, "—", f"{UNMEASURED}: {reason}", UNMEASURED, UNMEASURED)],
        tables=[],
        notes=[f"The measurement raised {reason}. Traceback in the JSON under `raw.traceback`."],
        figures=[],
        raw={"error": reason, "traceback": traceback.format_exc()},
    )


def _draw_figures(group, section, raw_by_backend, out_dir):
    """Draw the section's figures; without matplotlib, say so instead."""
    try:
        from benchmarks import plots  # matplotlib is optional (the bench extra)
    except ImportError as error:
        note = f"Figures not drawn: {error}. Install matplotlib and rerun."
        return section._replace(figures=[], notes=section.notes + [note])
    for name, plot_name in group.figures.items():
        if name in section.figures:
            getattr(plots, plot_name)(raw_by_backend, os.path.join(out_dir, name))
    return section


def _run_group(group, *, plan, devices, out_dir, log):
    start = time.perf_counter()
    try:
        raw_by_backend = {}
        for backend, device in devices.items():
            with jax.default_device(device):
                raw_by_backend[backend] = group.measure(plan=plan, device=device)
        section = _draw_figures(group, group.section(plan=plan, raw_by_backend=raw_by_backend), raw_by_backend, out_dir)
    except Exception as error:  # one broken group must not cost the other numbers
        section = _failed_section(group, error)
    log(f"  {group.key}: {time.perf_counter() - start:.1f} s")
    return section


def run_benchmarks(*, plan, out_dir=RESULTS_DIR, grading_path=GRADING_PATH, only=None, log=None):
    """Measure every claim group (or those in ``only``) and write the report.

    Args:
        plan: a ``benchmarks.plan.Plan`` (sizes and repeats).
        out_dir: folder for ``course_claims.md``/``.json`` and the PNGs.
        grading_path: the grading benchmark's JSON, included if it exists.
        only: optional iterable of section keys to run.
        log: ``print``-like progress function (default: stderr).

    Returns:
        ``(sections, markdown_path, json_path)``.
    """
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    jax.config.update("jax_enable_x64", True)  # float64 cases need it; float32 ones are explicit
    os.makedirs(out_dir, exist_ok=True)
    machine = describe_machine()
    devices = measurement_devices()
    log(f"benchmarks ({plan.name}) on {', '.join(str(device) for device in devices.values())}")
    start = time.perf_counter()
    sections = [
        _run_group(group, plan=plan, devices=devices, out_dir=out_dir, log=log)
        for group in CLAIM_GROUPS
        if only is None or group.key in only
    ]
    sections.append(grading_section(path=grading_path))
    wall_s = time.perf_counter() - start
    machine["load_average_at_end"] = load_average()
    markdown_path, json_path = write_report(
        out_dir=out_dir, sections=sections, machine=machine, plan=plan, wall_s=wall_s
    )
    log(f"wrote {markdown_path} and {json_path} ({wall_s:.0f} s)")
    return sections, markdown_path, json_path
