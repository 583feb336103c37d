"""Validation of solutions/grad_forces.py against physics and a NumPy oracle."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from solutions.grad_forces import grad_forces, potential_energy

from ._support import (
    analytic_forces,
    analytic_potential,
    configurations,
    max_normalised_error,
    random_configuration,
)

HYPOTHESIS = settings(max_examples=25, derandomize=True, deadline=None)

# One compiled program per N keeps the property tests fast.
jitted_forces = jax.jit(grad_forces)
jitted_potential = jax.jit(potential_energy)


@pytest.fixture(scope="module")
def two_unit_masses():
    """Unit masses at (+1, 0, 0) and (-1, 0, 0): W = -1/2, |F| = 1/4."""
    return jnp.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]), jnp.ones(2)


def test_two_body_potential_is_minus_one_half(two_unit_masses):
    x, m = two_unit_masses
    W = potential_energy(x, m)
    assert float(W) == pytest.approx(-0.5, abs=1e-15), (
        f"expected W = -G m1 m2 / r = -1/2 for unit masses 2 apart, saw {float(W)}"
    )


def test_two_body_forces_are_one_quarter_and_attractive(two_unit_masses):
    x, m = two_unit_masses
    F = np.asarray(grad_forces(x, m))
    expected = np.array([[-0.25, 0.0, 0.0], [0.25, 0.0, 0.0]])
    np.testing.assert_allclose(
        F, expected, atol=1e-15,
        err_msg="expected |F| = G m1 m2 / r^2 = 1/4, each force pointing at the other particle",
    )


def test_forces_match_the_pairwise_formula_to_machine_precision():
    x, m = random_configuration(seed=1, n=16)
    for eps2 in (0.0, 0.05):
        expected = analytic_forces(x, m, eps2, 1.7)
        error = max_normalised_error(jitted_forces(x, m, eps2, 1.7), expected)
        assert error <= 1e-12, (
            f"expected autodiff forces to match the pair formula to <= 1e-12 (eps2={eps2}), "
            f"saw max|dF|/max|F| = {error:.2e}"
        )


def test_potential_matches_the_pair_sum():
    x, m = random_configuration(seed=2, n=12)
    W = float(potential_energy(x, m, 0.01, 2.0))
    assert W == pytest.approx(analytic_potential(x, m, 0.01, 2.0), rel=1e-13)


@HYPOTHESIS
@given(configurations())
def test_newtons_third_law(configuration):
    x, m = configuration
    F = np.asarray(jitted_forces(x, m, 0.0, 1.0))
    net = np.abs(F.sum(axis=0)).max()
    assert net <= 1e-12 * np.abs(F).max() * len(m), (
        f"expected the forces to sum to zero (action = reaction), saw a net force {net:.2e}"
    )


@HYPOTHESIS
@given(configurations(), hnp.arrays(np.float64, (3,), elements=st.floats(-10.0, 10.0)))
def test_translation_invariance(configuration, shift):
    x, m = configuration
    W, W_shifted = jitted_potential(x, m, 0.0, 1.0), jitted_potential(x + shift, m, 0.0, 1.0)
    F, F_shifted = jitted_forces(x, m, 0.0, 1.0), jitted_forces(x + shift, m, 0.0, 1.0)
    assert float(W_shifted) == pytest.approx(float(W), rel=1e-12, abs=1e-12)
    assert max_normalised_error(F_shifted, F) <= 1e-10, "forces changed under a rigid shift"


def test_float32_in_gives_float32_out():
    x, m = random_configuration(seed=3, n=8, dtype=np.float32)
    W, F = jitted_potential(x, m, 0.01, 1.0), jitted_forces(x, m, 0.01, 1.0)
    assert (W.dtype, F.dtype) == (jnp.float32, jnp.float32), (
        f"expected float32 outputs for float32 inputs, saw W {W.dtype}, F {F.dtype}"
    )
    error = max_normalised_error(F, analytic_forces(x, m, 0.01))
    assert error <= 1e-5, f"float32 forces off by {error:.2e} (max-normalised)"


@jax.jit
def _values_and_derivatives_at_zero_softening(x, m):
    return {
        "W": potential_energy(x, m, 0.0),
        "F": grad_forces(x, m, 0.0),
        "jacfwd(grad_forces)": jax.jacfwd(grad_forces)(x, m, 0.0),  # (N, 3, N, 3)
        "jacrev(grad_forces)": jax.jacrev(grad_forces)(x, m, 0.0),
        "dW/dm": jax.grad(potential_energy, argnums=1)(x, m, 0.0),
    }


@pytest.fixture(scope="module")
def at_zero_softening():
    x, m = random_configuration(seed=4, n=6)
    return x, m, {name: np.asarray(value)
                  for name, value in _values_and_derivatives_at_zero_softening(x, m).items()}


def test_eps2_zero_gives_finite_values_and_derivatives(at_zero_softening):
    _, _, values = at_zero_softening
    for name, value in values.items():
        assert np.all(np.isfinite(value)), (
            f"expected finite {name} at eps2 = 0 for distinct particles, saw NaN/inf; "
            "self-pairs must be masked before the division (double where)"
        )


def test_forward_and_reverse_second_derivatives_agree(at_zero_softening):
    _, _, values = at_zero_softening
    forward, reverse = values["jacfwd(grad_forces)"], values["jacrev(grad_forces)"]
    assert max_normalised_error(reverse, forward) <= 1e-12


def test_mass_gradient_matches_the_pair_sum(at_zero_softening):
    x, m, values = at_zero_softening
    # W is linear in each m_k, so dW/dm_k = (W - W with m_k = 0) / m_k.
    W = analytic_potential(x, m)
    expected = []
    for k in range(len(m)):
        without_k = m.copy()
        without_k[k] = 0.0
        expected.append((W - analytic_potential(x, without_k)) / m[k])
    np.testing.assert_allclose(values["dW/dm"], expected, rtol=1e-12)


def test_force_jacobian_is_symmetric_and_blind_to_rigid_shifts(at_zero_softening):
    x, _, values = at_zero_softening
    n = len(x)
    jacobian = values["jacfwd(grad_forces)"].reshape(3 * n, 3 * n)
    scale = np.abs(jacobian).max()
    # dF/dx = -Hessian of W: symmetric, and shifting every particle equally
    # changes no force.
    np.testing.assert_allclose(jacobian, jacobian.T, atol=1e-12 * scale)
    rigid_shift = np.tile(np.eye(3), (n, 1))  # (3N, 3)
    assert np.abs(jacobian @ rigid_shift).max() <= 1e-12 * scale
