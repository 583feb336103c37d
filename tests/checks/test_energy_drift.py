"""The GPU tier's tolerance: from an ensemble of reference runs, TF32-aware, never looser than it must be."""
import pytest

from autograder.checks import energy_drift as ed


def test_the_ensemble_varies_initial_conditions_and_dt_and_adds_tf32_only_to_float32():
    for dtype in ed.DTYPES:
        members = ed.ensemble(dtype)
        assert sum(m.perturbation_seed is not None for m in members) >= 2
        assert {m.dt_factor for m in members} >= {0.98, 1.0, 1.02}
    assert [m.precision for m in ed.ensemble("float64")] == ["highest"] * len(ed.ensemble("float64")), (
        "a TF32 member must never widen the float64 tolerance")
    assert [m.precision for m in ed.ensemble("float32")].count("tensorfloat32") == 1


def test_allowed_drift_is_twice_the_worst_run_or_wider_with_a_wide_ensemble():
    assert ed.allowed_drift([1e-7, 1e-7, 1e-7], "float64") == pytest.approx(2e-7 + ed.FLOOR["float64"])
    wide = ed.allowed_drift([1e-7, 5e-7], "float64")
    assert wide == pytest.approx(5e-7 + 4 * 4e-7 + ed.FLOOR["float64"])
    assert ed.allowed_drift([0.0], "float32") == ed.FLOOR["float32"]


def test_perturbed_initial_conditions_differ_at_1e_10_only():
    run = ed.REDUCED
    base, _ = ed.initial_conditions(run)
    moved, _ = ed.initial_conditions(run, perturbation_seed=1)
    relative = abs(moved.x - base.x).max() / abs(base.x).max()
    assert 0 < relative < 1e-8
    assert (moved.v == base.v).all()


def test_scales_share_the_code_and_differ_in_size():
    assert ed.run_for("full") == ed.FULL and ed.run_for("reduced") == ed.REDUCED
    assert ed.FULL.n_particles == 2048 and ed.FULL.n_steps == 4000
    assert ed.REDUCED.n_particles < 100 and ed.REDUCED.n_steps <= 200
