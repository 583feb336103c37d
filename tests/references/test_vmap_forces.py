"""Validation of solutions/vmap_forces.py: pair formula, agreement with autodiff."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings

from solutions.grad_forces import grad_forces
from solutions.vmap_forces import pair_force, vmap_forces

from ._support import (
    analytic_forces,
    configurations,
    count_equations,
    max_normalised_error,
    random_configuration,
)

jitted_vmap_forces = jax.jit(vmap_forces)
jitted_grad_forces = jax.jit(grad_forces)


def test_pair_force_on_two_unit_masses():
    F = pair_force(jnp.array([1.0, 0.0, 0.0]), jnp.array([-1.0, 0.0, 0.0]), 1.0, 1.0)
    np.testing.assert_allclose(
        F, [-0.25, 0.0, 0.0], atol=1e-15,
        err_msg="expected |F| = 1/4 pointing from +1 towards -1 on the x axis",
    )


def test_two_body_forces():
    x = jnp.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    expected = [[-0.25, 0.0, 0.0], [0.25, 0.0, 0.0]]
    np.testing.assert_allclose(vmap_forces(x, jnp.ones(2)), expected, atol=1e-15)


@settings(max_examples=25, derandomize=True, deadline=None)
@given(configurations(max_n=8))
def test_double_vmap_agrees_with_autodiff_forces(configuration):
    x, m = configuration
    for eps2 in (0.0, 0.1):
        vmapped = jitted_vmap_forces(x, m, eps2, 1.3)
        autodiff = jitted_grad_forces(x, m, eps2, 1.3)
        error = max_normalised_error(vmapped, autodiff)
        assert error <= 1e-12, (
            f"expected double-vmap and grad forces to agree to <= 1e-12 (eps2={eps2}), "
            f"saw max|dF|/max|F| = {error:.2e}"
        )


def test_matches_the_pairwise_formula():
    x, m = random_configuration(seed=11, n=16)
    error = max_normalised_error(jitted_vmap_forces(x, m, 0.0, 1.0), analytic_forces(x, m))
    assert error <= 1e-13


def test_coincident_particles_are_still_a_pair():
    # Self-exclusion is by index: two distinct particles at the same place
    # still interact through the softening. Their force is 0 there, but its
    # derivative is not: dF_0/dx_1 = G m_0 m_1 / eps2^(3/2) * identity. A mask
    # that compares positions would drop the pair and give 0.
    x = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    m = np.array([1.0, 1.0, 1.0])
    eps2 = 0.01
    F = np.asarray(jitted_vmap_forces(x, m, eps2, 1.0))
    np.testing.assert_allclose(F, analytic_forces(x, m, eps2), rtol=1e-13, atol=1e-15)
    # Two unit masses 2 away pull the third with 2 * (2 / (4 + eps2)^(3/2)).
    assert F[2, 0] == pytest.approx(-2 * 2 / (4 + eps2) ** 1.5, rel=1e-13)
    jacobian = np.asarray(jax.jit(jax.jacfwd(vmap_forces))(x, m, eps2))  # (N, 3, N, 3)
    np.testing.assert_allclose(
        jacobian[0, :, 1, :], np.eye(3) / eps2**1.5, rtol=1e-12,
        err_msg="expected the coincident pair (0, 1) to keep its softened coupling",
    )


def test_float32_in_gives_float32_out():
    x, m = random_configuration(seed=12, n=8, dtype=np.float32)
    F = jitted_vmap_forces(jnp.asarray(x), jnp.asarray(m), 0.0, 1.0)
    assert F.dtype == jnp.float32, f"expected float32 forces for float32 input, saw {F.dtype}"
    assert max_normalised_error(F, analytic_forces(x, m)) <= 1e-5


def test_eps2_zero_gives_finite_forward_and_reverse_derivatives():
    x, m = random_configuration(seed=13, n=6)
    forward = np.asarray(jax.jit(jax.jacfwd(vmap_forces))(x, m, 0.0))
    reverse = np.asarray(jax.jit(jax.jacrev(vmap_forces))(x, m, 0.0))
    mass_jacobian = np.asarray(jax.jit(jax.jacrev(vmap_forces, argnums=1))(x, m, 0.0))
    for name, value in [("jacfwd", forward), ("jacrev", reverse), ("d/dm", mass_jacobian)]:
        assert np.all(np.isfinite(value)), f"{name} of vmap_forces has NaN/inf at eps2 = 0"
    assert max_normalised_error(reverse, forward) <= 1e-12


def test_program_size_does_not_grow_with_n():
    sizes = {}
    for n in (4, 32):
        x, m = random_configuration(seed=14, n=n)
        sizes[n] = count_equations(jax.make_jaxpr(vmap_forces)(x, m, 0.0, 1.0))
    assert sizes[4] == sizes[32], (
        f"expected the same jaxpr size for every N, saw {sizes}: a Python loop over particles?"
    )
