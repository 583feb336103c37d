"""The scan_integrator checks' own machinery: structure verdicts, mistake
naming, energy measures, thresholds the reference must meet, and the GPU
tier run on a CPU with a small Plummer sphere."""
from __future__ import annotations

from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import solutions.scan_integrator as reference
from autograder.checks.physics import dynamics_fixtures as fx
from autograder.checks.physics import integrator_diagnosis as diagnosis
from autograder.checks.scan_integrator import cases
from autograder.child import targets

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _stats(n_eqns, *primitives):
    return {"n_eqns": n_eqns, "primitives": {p: 1 for p in primitives}}


def test_structure_accepts_a_scan_of_constant_size():
    assert diagnosis.structure_problem([_stats(120, "scan", "mul"), _stats(120, "scan", "mul")], (4, 16)) is None


def test_structure_reports_growth_and_missing_scan():
    grows = diagnosis.structure_problem([_stats(103, "mul"), _stats(403, "mul")], (4, 16))
    assert "grows with n_steps" in grows and "103" in grows and "403" in grows
    while_loop = diagnosis.structure_problem([_stats(90, "while"), _stats(90, "while")], (4, 16))
    assert "while" in while_loop and "lax.scan" in while_loop


@pytest.mark.parametrize("mistake", [m[0] for m in diagnosis.KNOWN_MISTAKES], ids=lambda f: f.__name__)
def test_each_known_mistake_is_named(mistake):
    phase, m = fx.random_cluster(5, seed=3)
    accel = fx.pairwise_accel(m, 0.01)
    with fx.reference_x64():
        x, v = mistake(jnp.asarray(phase.x), jnp.asarray(phase.v), 0.01, accel)
    seen = fx.Phase(np.asarray(x), np.asarray(v))
    name = next(n for f, n, _ in diagnosis.KNOWN_MISTAKES if f is mistake)
    assert name in diagnosis.describe_step_mistake(seen, phase, 0.01, accel)


def test_a_correct_step_is_not_called_a_mistake():
    phase, m = fx.random_cluster(5, seed=3)
    accel = fx.pairwise_accel(m, 0.01)
    with fx.reference_x64():
        step = reference.leapfrog_step(reference.State(jnp.asarray(phase.x), jnp.asarray(phase.v)), 0.01, accel)
    seen = fx.Phase(np.asarray(step.x), np.asarray(step.v))
    assert "matches" not in diagnosis.describe_step_mistake(seen, phase, 0.01, accel)


def test_window_drift_measures_a_linear_trend_not_oscillations():
    t = np.linspace(0.0, 1.0, 1001)
    oscillating = -1.0 + 1e-3 * np.sin(2 * np.pi * 50 * t)
    drifting = oscillating + 1e-4 * t
    assert diagnosis.window_drift(oscillating) < 1e-5
    assert diagnosis.window_drift(drifting) == pytest.approx(0.8e-4, rel=0.05)


def test_reference_meets_the_long_run_thresholds_with_margin():
    coarse, fine, fifty_orbits = cases.reference_kepler_errors(reference)
    assert 3.9 < coarse / fine < 4.1  # the check accepts 3.6 .. 4.4
    assert fifty_orbits < 2e-3  # bounded: close to the one-orbit error at T/250
    assert coarse < 1e-3


@pytest.mark.parametrize("seed", [0, 1])
def test_parent_fixtures_mirror_the_child_targets(seed):
    phase, m = fx.random_cluster(6, seed=seed)
    with fx.reference_x64():
        x, v = jnp.asarray(phase.x), jnp.asarray(phase.v)
        pairs = [
            (targets.build("pairwise", m=jnp.asarray(m), eps2=0.01)(x), fx.pairwise_accel(m, 0.01)(x)),
            (targets.build("kepler")(x[:1]), fx.kepler_accel(x[:1])),
            (targets.build("harmonic", omega2=2.0)(x), fx.harmonic_accel(2.0)(x)),
            (targets.build("pairwise_energy", m=jnp.asarray(m), eps2=0.01)(x, v), fx.pairwise_energy(m, 0.01)(x, v)),
        ]
    for child_value, parent_value in pairs:
        np.testing.assert_array_equal(np.asarray(child_value), np.asarray(parent_value))


def test_plummer_sphere_is_centred_and_bound():
    phase, m = fx.plummer_sphere(512, seed=7)
    assert np.allclose(m @ phase.x, 0.0, atol=1e-12) and np.allclose(m @ phase.v, 0.0, atol=1e-12)
    with fx.reference_x64():
        energy = float(fx.pairwise_energy(m, 0.0025)(jnp.asarray(phase.x), jnp.asarray(phase.v)))
    assert -0.17 < energy < -0.12  # Plummer: E = -3 pi / 64 = -0.147 for G = M = a = 1
