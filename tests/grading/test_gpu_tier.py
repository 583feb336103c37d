"""The GPU tier's decisions, on a machine without a GPU.

Without --gpu the tier is left out (not in the results, not in the maximum).
With --gpu it is always in the maximum; where the sandboxed child sees no GPU it
is reported not run (0 points, failed, the reason) within seconds, never run at
GPU size on the CPU. At the reduced scale the whole GPU-tier path runs end to end
through the sandbox on the CPU: a correct submission passes, a drifting one fails.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from autograder.checks import load_registry
from autograder.gpu_tier import GpuTier
from autograder.grading import grade_submission
from autograder.results import by_check

from .production import grade_like_production

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CORRECT = CORPUS / "correct/scan_integrator/kdk_scan_partial_jit"
GPU_CHECK = "plummer_energy_drift"


def _gpu_test(results: dict) -> dict:
    return by_check(results)[GPU_CHECK]


def _max(results: dict) -> float:
    return sum(t["max_score"] for t in results["tests"])


def test_without_gpu_the_tier_is_left_out_of_grading():
    registry = load_registry("scan_integrator")
    assert any(c.gpu for c in registry.checks), "scan_integrator has a GPU-tier check"
    assert not any(c.gpu for c in registry.for_grading(gpu_tier=False).checks)
    assert registry.for_grading(gpu_tier=True).max_score == registry.max_score


def test_a_submission_that_cannot_be_graded_keeps_the_gpu_maximum(tmp_path):
    """Every row of a --gpu gradebook has the same maximum, crashes included."""
    empty = tmp_path / "empty"
    empty.mkdir()
    results = grade_like_production(empty, assignment="scan_integrator", results_path=tmp_path / "r.json",
                                    gpu_tier=True)
    assert _max(results) == load_registry("scan_integrator").max_score
    assert _gpu_test(results)["status"] == "failed"


def test_devices_decide_and_reduced_scale_needs_none():
    cpu, cuda = ({"platform": "cpu", "kind": "cpu"},), ({"platform": "gpu", "kind": "NVIDIA H100"},)
    assert GpuTier(devices=cpu).not_run_reason().startswith("Not run: no GPU visible inside the sandbox")
    assert GpuTier(devices=cuda).not_run_reason() is None
    assert GpuTier(scale="reduced", devices=cpu).not_run_reason() is None
    with pytest.raises(ValueError):
        GpuTier(scale="huge")


@pytest.fixture(scope="module")
def graded_with_gpu_flag(tmp_path_factory):
    path = tmp_path_factory.mktemp("gpu") / "results.json"
    started = time.perf_counter()
    grade_like_production(CORRECT, assignment="scan_integrator", results_path=path, gpu_tier=True)
    return json.loads(path.read_text()), time.perf_counter() - started


@pytest.mark.slow
def test_gpu_flag_without_a_gpu_reports_the_tier_not_run(graded_with_gpu_flag):
    results, seconds = graded_with_gpu_flag
    gpu = _gpu_test(results)
    assert gpu["output"].startswith("Not run: no GPU visible inside the sandbox"), gpu["output"]
    assert (gpu["score"], gpu["status"]) == (0.0, "failed"), gpu
    assert gpu["max_score"] == next(c.points for c in load_registry("scan_integrator").checks if c.gpu)
    assert _max(results) == load_registry("scan_integrator").max_score, "the GPU point stays in the maximum"
    assert results["score"] == _max(results) - gpu["max_score"], "everything else passes for a correct submission"
    others = [t for t in results["tests"] if t is not gpu]
    assert f"{len(others)} of {len(results['tests'])} checks passed" in results["output"], results["output"]
    assert "not run: no GPU visible inside the sandbox" in results["output"]
    assert "NOT RUN GPU tier" in results["output"], "the hidden-checks summary must not call it a mistake to fix"
    tier = results["extra_data"]["gpu_tier"]
    assert tier["ran"] is False and tier["devices"] and all(d["platform"] == "cpu" for d in tier["devices"])
    assert results["extra_data"]["protections"]["gpu_mode"]["active"], "the sandbox ran in GPU mode"
    assert seconds < 120, f"grading with --gpu on a CPU took {seconds:.0f} s: GPU-size work must not run here"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "passes"),
    [("correct/scan_integrator/kdk_scan_partial_jit", True), ("wrong/scan_integrator/symplectic_euler", False)],
)
def test_reduced_scale_gpu_tier_runs_end_to_end_through_the_sandbox(tmp_path, case, passes):
    # In this process: `jaxgrade grade` has no option for the reduced scale (a test-only setting).
    results = grade_submission(submission=CORPUS / case, assignment="scan_integrator", results_path=tmp_path / "r.json",
                               run_gpu_checks=True, gpu_scale="reduced")
    gpu = _gpu_test(results)
    assert "reduced test scale" in gpu["output"], gpu["output"]
    assert results["extra_data"]["gpu_tier"]["ran"] is True
    for dtype in ("float64", "float32"):
        assert f"{dtype}:" in gpu["output"] and "reference ensemble of" in gpu["output"], gpu["output"]
    if passes:
        assert gpu["score"] == gpu["max_score"] == 1, gpu["output"]
    else:
        assert gpu["score"] == 0 and "should be at most" in gpu["output"], gpu["output"]
