"""Public tests for ``assignments/grad_forces.py`` (a subset of the graded checks)."""
import jax
import jax.numpy as jnp
import numpy as np

from assignments import grad_forces as student
from fixture_inputs import load_fixture
from public_helpers import assert_close, assert_dtype, assert_finite

FIXTURE = load_fixture("grad_forces")

# Compiled once and shared by the tests below: compiling a whole function is
# much faster than running it operation by operation.
potential_energy = jax.jit(student.potential_energy)
grad_forces = jax.jit(student.grad_forces)


def two_unit_masses(dtype=jnp.float64):
    """Two unit masses at (+1, 0, 0) and (-1, 0, 0)."""
    x = jnp.asarray([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]], dtype=dtype)
    return x, jnp.ones(2, dtype=dtype)


def analytic_forces(x, m, eps2, G):
    """F_i = -G m_i sum_j m_j (x_i - x_j) / (|x_i - x_j|^2 + eps2)^(3/2), in NumPy."""
    separation = x[:, None, :] - x[None, :, :]
    r2 = np.sum(separation**2, axis=-1) + eps2
    np.fill_diagonal(r2, np.inf)  # no self-force
    weights = m[None, :] / r2**1.5
    return -G * m[:, None] * np.einsum("ij,ijk->ik", weights, separation)


def test_two_body_potential():
    x, m = two_unit_masses()
    W = potential_energy(x, m, 0.0, 1.0)
    assert_close(
        W, -0.5, what="W of two unit masses 2 apart (G = 1, eps2 = 0)", tolerance=1e-12,
        fix="W = -G m1 m2 / r = -1/2 here: count each unordered pair once (i < j), and no self-pairs.",
    )


def test_two_body_forces_attract():
    x, m = two_unit_masses()
    F = grad_forces(x, m, 0.0, 1.0)
    assert_close(
        F, [[-0.25, 0.0, 0.0], [0.25, 0.0, 0.0]], what="forces on two unit masses 2 apart",
        tolerance=1e-12, fix="F = -jax.grad(potential_energy)(x, ...): mind the minus sign (gravity attracts).",
    )


def test_forces_are_autodiff_exact():
    x, m, eps2, G = FIXTURE["x"], FIXTURE["m"], float(FIXTURE["eps2"]), float(FIXTURE["G"])
    F = grad_forces(jnp.asarray(x), jnp.asarray(m), eps2, G)
    assert_close(
        F, analytic_forces(x, m, eps2, G), what="forces vs the analytic force law (float64)", tolerance=1e-12,
        fix="Differentiate the potential with jax.grad: finite differences only reach ~1e-9.",
    )


def test_matches_reference_values():
    x, m, G = jnp.asarray(FIXTURE["x"]), jnp.asarray(FIXTURE["m"]), float(FIXTURE["G"])
    for eps2, suffix in ((float(FIXTURE["eps2"]), ""), (0.0, "_eps0")):
        W = potential_energy(x, m, eps2, G)
        assert_close(W, FIXTURE[f"potential{suffix}"], what=f"potential_energy at eps2 = {eps2}", tolerance=1e-10)
        F = grad_forces(x, m, eps2, G)
        assert_close(F, FIXTURE[f"forces{suffix}"], what=f"grad_forces at eps2 = {eps2}", tolerance=1e-10)


def test_float32_in_float32_out():
    x, m = jnp.asarray(FIXTURE["x"], jnp.float32), jnp.asarray(FIXTURE["m"], jnp.float32)
    eps2, G = float(FIXTURE["eps2"]), float(FIXTURE["G"])
    W = potential_energy(x, m, eps2, G)
    F = grad_forces(x, m, eps2, G)
    assert_dtype(W, jnp.float32, what="potential_energy of float32 inputs")
    assert_dtype(F, jnp.float32, what="grad_forces of float32 inputs")
    assert_close(F, FIXTURE["forces"], what="float32 forces", tolerance=1e-5)


def test_derivatives_finite_at_zero_softening():
    x, m = jnp.asarray(FIXTURE["x"][:4]), jnp.asarray(FIXTURE["m"][:4])
    jacobian = jax.jit(jax.jacfwd(lambda positions: student.grad_forces(positions, m, eps2=0.0)))(x)
    mass_gradient = jax.jit(jax.grad(lambda masses: student.potential_energy(x, masses, eps2=0.0)))(m)
    assert_finite(jacobian, what="d grad_forces / dx at eps2 = 0 (distinct particles)")
    assert_finite(mass_gradient, what="d potential_energy / dm at eps2 = 0 (distinct particles)")
