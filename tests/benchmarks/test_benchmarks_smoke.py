"""Smoke tests for the course-claims benchmarks (``python -m benchmarks``).

One end-to-end run of the command-line entry point on the tiny plan,
shared by every test that reads its report, plus fast checks of the pieces
whose mistakes would silently skew the published numbers: timing, the
drift measure, the baselines and the grading hook.
"""
import json
import time

import jax
import numpy as np
import pytest

from benchmarks import runner
from benchmarks.__main__ import main
from benchmarks.baselines import (
    finite_difference_forces,
    max_relative_error,
    numpy_forces,
    numpy_potential,
    python_loop_forces,
)
from benchmarks.claims_leapfrog import energy_metrics
from benchmarks.grading_hook import NOT_MEASURED, grading_section
from benchmarks.machine import NO_GPU, gpu_device
from benchmarks.plan import TINY
from benchmarks.runner import SECTION_KEYS
from benchmarks.systems import random_positions
from benchmarks.timing import time_side_by_side
from solutions.grad_forces import grad_forces, potential_energy

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
RERUN = "rerun `python -m benchmarks --plan tiny --out /tmp/bench` and read the traceback in the JSON"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """Run the CLI once on the tiny plan; share its output folder and parsed JSON."""
    out = tmp_path_factory.mktemp("benchmarks")
    main(["--plan", "tiny", "--out", str(out), "--grading-json", str(out / "grading.json")])
    markdown = (out / "course_claims.md").read_text(encoding="utf-8")
    report = json.loads((out / "course_claims.json").read_text(encoding="utf-8"))
    return out, markdown, report


@pytest.mark.slow
def test_report_has_every_section(tiny_run):
    _, markdown, report = tiny_run
    missing_json = [key for key in SECTION_KEYS if key not in report["sections"]]
    assert not missing_json, f"expected JSON sections {SECTION_KEYS}, missing {missing_json}; check runner.CLAIM_GROUPS"
    for number, key in enumerate(SECTION_KEYS, start=1):
        heading = f"## {number}. {report['sections'][key]['title']}"
        assert heading in markdown, (
            f"expected heading {heading!r} in course_claims.md; it is missing: check report.render_markdown"
        )
    for heading in ("## Machine", "## Summary"):
        assert heading in markdown, f"expected {heading!r} in course_claims.md, not found"


@pytest.mark.slow
def test_no_claim_group_failed(tiny_run):
    _, _, report = tiny_run
    failed = {key: section["raw"]["error"] for key, section in report["sections"].items() if "error" in section["raw"]}
    assert not failed, f"expected every claim group to measure; these raised: {failed}; {RERUN}"


@pytest.mark.slow
def test_every_claim_has_a_verdict_and_a_gpu_cell(tiny_run):
    _, _, report = tiny_run
    for key, section in report["sections"].items():
        assert section["verdicts"], f"expected at least one verdict row in section {key!r}, saw none"
        for verdict in section["verdicts"]:
            assert verdict["gpu"], (
                f"expected a GPU cell (a number or the reason it is missing) in {verdict}, saw it empty"
            )
    if gpu_device() is None:
        gpu_cells = [v["gpu"] for s in report["sections"].values() if "error" not in s["raw"] for v in s["verdicts"]]
        assert NO_GPU in gpu_cells, (
            f"expected {NO_GPU!r} in the GPU column on a machine without a GPU, saw {set(gpu_cells)}"
        )


@pytest.mark.slow
def test_every_figure_is_a_png(tiny_run):
    pytest.importorskip("matplotlib", reason="figures need matplotlib (pip install matplotlib, or the bench extra)")
    out, _, report = tiny_run
    listed = [name for section in report["sections"].values() for name in section["figures"]]
    assert len(listed) >= 7, f"expected the 7 figures of the claim groups to be listed, saw {listed}"
    for key, section in report["sections"].items():
        for name in section["figures"]:
            path = out / name
            assert path.exists(), f"section {key!r} lists figure {name} but no file was written; check plots.py"
            assert path.read_bytes()[:8] == PNG_MAGIC, f"expected {name} to be a PNG, its header says otherwise"


@pytest.mark.slow
def test_a_second_device_fills_the_gpu_column(tmp_path, monkeypatch):
    """The GPU code path, exercised on the CPU: CI machines have no GPU."""
    cpu = jax.devices("cpu")[0]
    monkeypatch.setattr(runner, "measurement_devices", lambda: {"cpu": cpu, "gpu": cpu})
    groups = ("grad_cost", "finite_differences", "vmap_forces")
    sections, _, _ = runner.run_benchmarks(
        plan=TINY, out_dir=str(tmp_path), grading_path=str(tmp_path / "none.json"), only=groups, log=lambda _: None
    )
    for section in sections[:-1]:
        assert "error" not in section.raw, (
            f"expected {section.key} to measure on two devices, it raised {section.raw.get('error')}"
        )
        assert set(section.raw) == {"cpu", "gpu"}, (
            f"expected raw numbers for cpu and gpu in {section.key}, saw {set(section.raw)}"
        )
        for verdict in section.verdicts:
            assert verdict.gpu != NO_GPU, f"expected a measured GPU cell in {section.key}, saw {verdict.gpu!r}"


def test_side_by_side_timing_tells_slow_from_fast():
    times = time_side_by_side(
        {"slow": (time.sleep, (0.003,)), "fast": (abs, (1.0,))}, repeats=3, min_repeat_s=0.0
    )
    assert times["slow"].median_s >= 0.003, (
        f"expected a 3 ms sleep to time at >= 3 ms, saw {times['slow'].median_s:.2e} s"
    )
    assert times["fast"].median_s < times["slow"].median_s / 10, (
        f"expected abs() to time far below a 3 ms sleep, "
        f"saw {times['fast'].median_s:.2e} s vs {times['slow'].median_s:.2e} s"
    )
    assert times["fast"].calls_per_repeat == 1 and times["slow"].repeats == 3, (
        f"expected 3 repeats of 1 call, saw {times}"
    )


def test_drift_is_the_difference_of_whole_orbit_means():
    steps = 100
    phase = np.arange(5 * steps) / steps
    oscillation = 1e-4 * np.sin(2 * np.pi * phase) ** 2  # periodic: no secular drift
    metrics = energy_metrics(oscillation, steps_per_orbit=steps)
    assert abs(metrics["drift"]) < 1e-15, f"expected no drift for a periodic error, saw {metrics['drift']:.2e}"
    assert metrics["max_abs"] == pytest.approx(1e-4), f"expected max |ΔE/E| 1e-4, saw {metrics['max_abs']:.2e}"
    ramp = oscillation + 1e-6 * np.floor(phase)  # one step of 1e-6 per orbit
    drift = energy_metrics(ramp, steps_per_orbit=steps)["drift"]
    assert drift == pytest.approx(4e-6), (
        f"expected drift 4e-6 over 5 orbits (last minus first orbit mean), saw {drift:.2e}"
    )


def test_baselines_agree_with_the_reference_solutions():
    x, m = random_positions(n=12)
    eps2 = 1e-4
    reference = np.asarray(jax.jit(grad_forces)(x, m, eps2))
    for name, forces in (
        ("numpy_forces", numpy_forces(x, m, eps2)),
        ("python_loop_forces", python_loop_forces(x, m, eps2)),
    ):
        error = max_relative_error(forces, reference)
        assert error < 1e-13, f"expected {name} to match solutions.grad_forces to round-off, saw {error:.1e}"
    potential_error = abs(numpy_potential(x, m, eps2) - float(jax.jit(potential_energy)(x, m, eps2)))
    assert potential_error < 1e-13, (
        f"expected numpy_potential to match potential_energy, differs by {potential_error:.1e}"
    )
    fd, calls = finite_difference_forces(x, m, lambda x, m: numpy_potential(x, m, eps2))
    assert calls == 2 * 12 * 3, f"expected 2·N·d = 72 potential calls, counted {calls}"
    fd_error = max_relative_error(fd, reference)
    assert 1e-13 < fd_error < 1e-5, f"expected FD forces approximate (1e-13 < error < 1e-5), saw {fd_error:.1e}"


def test_grading_hook_says_not_measured_without_a_file(tmp_path):
    section = grading_section(path=str(tmp_path / "grading.json"))
    assert section.verdicts[0].cpu == NOT_MEASURED, (
        f"expected {NOT_MEASURED!r} without grading.json, saw {section.verdicts[0]}"
    )
    assert not section.tables, f"expected no table without grading.json, saw {section.tables}"


def test_grading_hook_lays_out_the_grading_benchmark(tmp_path):
    rows = [
        {"assignment": "grad_forces", "score": "10/10", "grade_wall_s": 12.5, "floor_wall_s": 3.0},
        {"assignment": "hmc", "score": "8/8", "grade_wall_s": 20.0, "floor_wall_s": 6.0},
    ]
    (tmp_path / "grading.json").write_text(json.dumps({"machine": "test box", "budget_s": 15, "rows": rows}))
    section = grading_section(path=str(tmp_path / "grading.json"))
    table = section.tables[0]
    assert "assignment" in table.columns and "grade_wall_s" in table.columns, (
        f"expected the file's columns, saw {table.columns}"
    )
    assert ("grad_forces", "10/10", "12.5 s", "3 s", "15 s") in table.rows, (
        f"expected seconds formatted per row, saw {table.rows}"
    )
    assert section.verdicts[0].holds == "does not hold", (
        f"expected hmc's 20 s to break the 15 s budget, saw verdict {section.verdicts[0].holds!r}"
    )
    assert any("test box" in note for note in section.notes), f"expected the machine in the notes, saw {section.notes}"
