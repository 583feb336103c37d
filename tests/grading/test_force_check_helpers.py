"""The pieces the force checks stand on: the gates that keep trivial functions
from earning property checks, and the accuracy of the references the 1e-12
tolerances are measured against. (The vmap-structure probe is tested in
test_behaviour_probes.py.)"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import grad_forces, vmap_forces
from autograder.checks.physics import nbody_systems


def test_gate_accepts_signs_and_per_particle_factors():
    expected = np.array([[1.0, 2.0, 0.0], [-1.0, -2.0, 0.0]])
    assert nbody_systems.forces_point_wrong_way(-2.0 * expected, expected) == ""
    assert nbody_systems.forces_point_wrong_way(expected / np.array([[3.0], [0.5]]), expected) == ""


@pytest.mark.parametrize("seen", [np.zeros((2, 3)), np.ones((2, 3)), np.full((2, 3), np.nan), np.zeros((3, 3))])
def test_gate_rejects_trivial_forces(seen):
    expected = np.array([[1.0, 2.0, 0.0], [-1.0, -2.0, 0.0]])
    assert nbody_systems.forces_point_wrong_way(seen, expected) != ""


def test_scale_hint_names_the_usual_factors():
    expected = np.array([1.0, -2.0, 3.0])
    assert "twice" in nbody_systems.scale_hint(2 * expected, expected)
    assert "opposite sign" in nbody_systems.scale_hint(-expected, expected)
    assert "factor G" in nbody_systems.scale_hint(expected / 2.5, expected, G=2.5)
    assert nbody_systems.scale_hint(expected + [0.0, 0.1, 0.0], expected) == ""


def test_drawn_systems_are_well_separated_and_cover_both_softenings():
    for system in grad_forces._drawn_systems() + vmap_forces._drawn_systems():
        gaps = np.linalg.norm(system.x[:, None] - system.x[None], axis=-1) + np.diag(np.full(system.n, np.inf))
        spacing_bound = nbody_systems.MIN_SEPARATION * 0.25  # smallest cell length the strategy draws
        assert gaps.min() >= spacing_bound
    assert {s.eps2 == 0 for s in grad_forces._drawn_systems()} == {True, False}


def _pairwise_forces(system):
    """F_i = -G m_i sum_{j != i} m_j (x_i - x_j) / (r^2 + eps2)^(3/2), one pair at a time in NumPy."""
    forces = np.zeros_like(system.x)
    for i in range(system.n):
        for j in range(system.n):
            if i != j:
                d = system.x[i] - system.x[j]
                forces[i] -= system.G * system.m[i] * system.m[j] * d / (d @ d + system.eps2) ** 1.5
    return forces


@pytest.mark.parametrize("module", [grad_forces, vmap_forces], ids=["grad_forces", "vmap_forces"])
def test_reference_forces_are_far_inside_the_value_tolerance(module):
    import importlib

    reference = importlib.import_module(f"solutions.{module.REGISTRY.assignment}")
    function = getattr(reference, module.REGISTRY.assignment)
    worst = 0.0
    for system in module._drawn_systems():
        seen = nbody_systems.reference64(function, system.x, system.m, system.eps2, system.G)
        expected = _pairwise_forces(system)
        worst = max(worst, float(np.max(np.abs(seen - expected)) / np.max(np.abs(expected))))
    assert worst <= module.VALUE_TOLERANCE / 100, f"reference error {worst:.2e} leaves too little margin"


def test_acceleration_hint_spots_forces_divided_by_mass():
    forces = np.array([[1.0, 2.0, 0.0], [-1.0, -2.0, 0.0]])
    m = np.array([2.0, 0.5])
    assert "acceleration" in nbody_systems.acceleration_hint(forces / m[:, None], forces, m)
    assert nbody_systems.acceleration_hint(forces, forces, m) == ""
