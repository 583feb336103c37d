"""The GPU-tier validation script runs end to end on a CPU at the reduced scale
(on a GPU machine it runs the same code at full scale; docs/gpu.md)."""
import json

import pytest

from benchmarks import gpu_tier


def test_case_list_covers_the_correct_and_wrong_corpus():
    kinds = {case.parent.parent.name for case in gpu_tier.corpus_cases()}
    assert kinds == {"correct", "wrong"}


@pytest.mark.slow
def test_script_writes_drift_tolerance_and_timing(tmp_path):
    """A wrong case at the reduced scale: the numbers show its drift over the allowed drift."""
    report = gpu_tier.main(["--out", str(tmp_path), "--scale", "reduced",
                            "--cases", "wrong/scan_integrator/symplectic_euler"])
    (case,) = report["cases"]
    assert case["ran"] and case["status"] == "failed", case["output"]
    for dtype in ("float64", "float32"):
        numbers = case["dtypes"][dtype]
        assert numbers["drift"] > numbers["allowed"] > 0 and numbers["margin"] < 1, numbers
        members = report["ensemble"][dtype]["members"]
        assert len(members) >= 5 and all(m["seconds"] > 0 for m in members)
    saved = json.loads((tmp_path / "gpu_tier.json").read_text())
    assert saved["cases"][0]["case"] == "wrong/symplectic_euler"
    table = (tmp_path / "gpu_tier.md").read_text()
    assert "| wrong/symplectic_euler | 0/1 failed |" in table and "**allowed**" in table
    assert (tmp_path / "results" / "wrong__symplectic_euler.json").is_file()


def test_full_scale_ensemble_is_not_run_without_a_gpu():
    import jax

    if jax.default_backend() == "gpu":
        pytest.skip("this machine has a GPU: the full-scale ensemble would run")
    assert "not_run" in gpu_tier.reference_ensemble("full")
