"""The codes JAX is compared against: NumPy, Python loops, finite differences.

These are written the way a student's pre-JAX Project 2 code would be:
NumPy broadcasting, or explicit loops over particles. They are baselines
only; the assignment functions themselves always come from ``solutions``.

Conventions: x (N, 3), m (N,), softening ``eps2 > 0``, G = 1 unless given.
"""
import jax.numpy as jnp
import numpy as np


def numpy_potential(x, m, eps2, G=1.0):
    """Softened potential, NumPy broadcasting over all pairs; returns a float."""
    separation = x[:, None, :] - x[None, :, :]  # (N, N, 3)
    r2 = np.sum(separation**2, axis=-1) + eps2
    inverse_distance = 1.0 / np.sqrt(r2)
    np.fill_diagonal(inverse_distance, 0.0)
    return -0.5 * G * (m @ inverse_distance @ m)


def numpy_forces(x, m, eps2, G=1.0):
    """Analytic forces, NumPy broadcasting over all pairs; (N, 3)."""
    separation = x[:, None, :] - x[None, :, :]  # (N, N, 3), x_i - x_j
    r2 = np.sum(separation**2, axis=-1) + eps2
    inverse_r3 = r2 ** -1.5
    np.fill_diagonal(inverse_r3, 0.0)
    weights = m[:, None] * m[None, :] * inverse_r3  # (N, N)
    return -G * np.einsum("ij,ijk->ik", weights, separation)


def python_loop_forces(x, m, eps2, G=1.0):
    """Analytic forces with a double Python loop over pairs (Project 2 style).

    Each unordered pair is visited once and Newton's third law fills in the
    partner, which is already the faster of the two obvious loop codes.
    """
    n = len(x)
    forces = np.zeros_like(x)
    for i in range(n):
        for j in range(i + 1, n):
            separation = x[i] - x[j]
            r2 = np.sum(separation**2) + eps2
            force = -G * m[i] * m[j] * separation / (r2 * np.sqrt(r2))
            forces[i] += force
            forces[j] -= force
    return forces


def finite_difference_forces(x, m, potential, *, h=1e-5):
    """The reading's central-difference forces: 2*N*d potential calls.

    ``x`` stays a NumPy array (copied and perturbed per component, exactly
    as in the reading); ``potential(x, m)`` may be NumPy or a jitted JAX
    function. Returns ``(forces, calls)``, forces of shape (N, d) and the
    number of potential evaluations made.
    """
    n, d = x.shape
    forces = np.zeros_like(x)
    calls = 0
    for i in range(n):
        for k in range(d):
            plus = x.copy()
            plus[i, k] += h
            minus = x.copy()
            minus[i, k] -= h
            u_plus = float(potential(plus, m))
            u_minus = float(potential(minus, m))
            forces[i, k] = -(u_plus - u_minus) / (2 * h)
            calls += 2
    return forces, calls


def finite_difference_gradient(log_density, theta, *, h=1e-5):
    """The reading's Project 4 gradient: central differences, 2*d calls.

    ``theta`` is a NumPy vector (d,); ``log_density(theta)`` returns a
    scalar. Returns the gradient as a NumPy array of shape (d,).
    """
    gradient = np.zeros_like(theta)
    for i in range(len(theta)):
        plus = theta.copy()
        plus[i] += h
        minus = theta.copy()
        minus[i] -= h
        gradient[i] = (float(log_density(plus)) - float(log_density(minus))) / (2 * h)
    return gradient


def reading_loop_potential(positions, masses, eps2, *, xp=jnp):
    """The reading's double-loop potential, verbatim apart from ``eps2``.

    ``xp`` is ``numpy`` for the pre-JAX baseline or ``jax.numpy``: eagerly,
    jnp dispatches every scalar operation separately; under ``jax.jit`` the
    loop unrolls into one program whose size grows as N(N-1)/2.
    """
    n = len(positions)
    total = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            r_vec = positions[j] - positions[i]
            r = xp.sqrt(xp.sum(r_vec**2) + eps2)
            total += -masses[i] * masses[j] / r
    return total


def numpy_sum_sin(x):
    """The reading's ``sum(x**2 + sin(x))`` in NumPy."""
    return np.sum(x**2 + np.sin(x))


def jnp_sum_sin(x):
    """The reading's ``sum(x**2 + sin(x))`` in jax.numpy (jit it or not)."""
    return jnp.sum(x**2 + jnp.sin(x))


def max_relative_error(value, reference):
    """max |value - reference| / max |reference|, float64 arithmetic.

    Normalised by the largest reference entry, not element-wise, so small
    force components near zero do not blow the number up.
    """
    value = np.asarray(value, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    return float(np.max(np.abs(value - reference)) / np.max(np.abs(reference)))
