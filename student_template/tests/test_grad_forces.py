"""Public tests for ``assignments/grad_forces.py`` (a subset of the graded checks).

The verdicts are the autograder's own (``jaxgrade_diagnosis``): a failing test
names the mistake in the words the graded check uses.
"""
import jax
import jax.numpy as jnp
import numpy as np

from assignments import grad_forces as student
from fixture_inputs import load_fixture
from jaxgrade_diagnosis import float32_verdict, forces_verdict, potential_verdict
from public_helpers import assert_dtype, assert_finite, graded_as, require

FIXTURE = load_fixture("grad_forces")

# Compiled once and shared by the tests below: compiling a whole function is
# much faster than running it operation by operation. eps2 and G stay fixed
# numbers, as in the graded value checks: only the graded jit check traces them.
potential_energy = jax.jit(student.potential_energy, static_argnums=(2, 3))
grad_forces = jax.jit(student.grad_forces, static_argnums=(2, 3))


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


@graded_as("potential_values")
def test_potential_matches_reference():
    x, m = two_unit_masses()
    require(potential_verdict(np.asarray(potential_energy(x, m, 0.0, 1.0)), -0.5, G=1.0, tolerance=1e-12,
                              what="potential_energy of two unit masses 2 apart (G = 1, eps2 = 0)"))
    x, m, G = jnp.asarray(FIXTURE["x"]), jnp.asarray(FIXTURE["m"]), float(FIXTURE["G"])
    for eps2, suffix in ((float(FIXTURE["eps2"]), ""), (0.0, "_eps0")):
        W = np.asarray(potential_energy(x, m, eps2, G))
        what = f"potential_energy (N = 8, eps2 = {eps2}, G = {G})"
        require(potential_verdict(W, FIXTURE[f"potential{suffix}"], what=what, G=G, tolerance=1e-12))


@graded_as("two_body_forces")
def test_two_body_forces_attract():
    x, m = two_unit_masses()
    F = np.asarray(grad_forces(x, m, 0.0, 1.0))
    require(forces_verdict(F, [[-0.25, 0.0, 0.0], [0.25, 0.0, 0.0]], G=1.0, m=np.ones(2), tolerance=1e-6,
                           what="grad_forces of two unit masses 2 apart (G = 1, eps2 = 0)"))


def test_forces_match_reference_to_machine_precision():
    x, m, G = FIXTURE["x"], FIXTURE["m"], float(FIXTURE["G"])
    for eps2, suffix in ((float(FIXTURE["eps2"]), ""), (0.0, "_eps0")):
        F = np.asarray(grad_forces(jnp.asarray(x), jnp.asarray(m), eps2, G))
        what = f"grad_forces (N = 8, eps2 = {eps2}, G = {G}), index (particle, axis)"
        require(forces_verdict(F, FIXTURE[f"forces{suffix}"], what=what, G=G, m=m, tolerance=1e-12))
        require(forces_verdict(F, analytic_forces(x, m, eps2, G), what=what + " vs the analytic force law",
                               G=G, m=m, tolerance=1e-12))


def test_float32_in_float32_out():
    x, m = jnp.asarray(FIXTURE["x"], jnp.float32), jnp.asarray(FIXTURE["m"], jnp.float32)
    eps2, G = float(FIXTURE["eps2"]), float(FIXTURE["G"])
    W = potential_energy(x, m, eps2, G)
    F = grad_forces(x, m, eps2, G)
    assert_dtype(W, jnp.float32, what="potential_energy of float32 inputs")
    assert_dtype(F, jnp.float32, what="grad_forces of float32 inputs")
    # As the graded float32 check: against your own float64 result (a wrong force law costs the values tests).
    x64, m64 = jnp.asarray(FIXTURE["x"]), jnp.asarray(FIXTURE["m"])
    for name, seen, own64 in (("potential_energy", W, potential_energy(x64, m64, eps2, G)),
                              ("grad_forces", F, grad_forces(x64, m64, eps2, G))):
        require(float32_verdict(np.asarray(seen), np.asarray(own64),
                                what=f"{name} in float32 vs your own float64 result (N = {len(m64)})"))


def test_derivatives_finite_at_zero_softening():
    x, m = jnp.asarray(FIXTURE["x"][:4]), jnp.asarray(FIXTURE["m"][:4])
    jacobian = jax.jit(jax.jacfwd(lambda positions: student.grad_forces(positions, m, eps2=0.0)))(x)
    mass_gradient = jax.jit(jax.grad(lambda masses: student.potential_energy(x, masses, eps2=0.0)))(m)
    assert_finite(jacobian, what="d grad_forces / dx at eps2 = 0 (distinct particles)")
    assert_finite(mass_gradient, what="d potential_energy / dm at eps2 = 0 (distinct particles)")
