"""A compiled potential that never recompiles needlessly.

``jax.jit`` traces a function once per combination of input shapes and
dtypes, compiles that trace with XLA, and reuses the compiled program for
every later call with the same shapes and dtypes. Two things waste that:

- marking numeric parameters (``eps2``, ``G``) static, which recompiles for
  every new value; and
- Python loops over particles, which unroll into a program that grows with N
  and takes ever longer to compile.

Conventions: ``x`` and ``v`` have shape ``(N, 3)``, ``m`` shape ``(N,)``;
``eps2 >= 0`` and ``G`` are scalars (Python floats or arrays of ``x``'s
dtype). Outputs keep the input dtype.
"""
import jax
import jax.numpy as jnp


# BEGIN SOLUTION
def _pair_potential(x, m, eps2, G):
    """``-G sum_{i<j} m_i m_j / sqrt(|x_i - x_j|^2 + eps2)``, broadcast over pairs.

    Self-pairs and the lower triangle are masked by index with a double
    ``where`` (mask the input of the division as well as its output), so
    ``eps2 = 0`` gives finite values and finite derivatives.

    x: (N, 3); m: (N,). Returns a scalar of ``x``'s dtype.
    """
    index = jnp.arange(x.shape[0])
    upper = index[:, None] < index[None, :]  # (N, N)
    separation = x[:, None, :] - x[None, :, :]  # (N, N, 3)
    r2 = jnp.sum(separation**2, axis=-1) + eps2
    safe_r2 = jnp.where(upper, r2, jnp.ones_like(r2))
    inverse_distances = jnp.where(upper, 1 / jnp.sqrt(safe_r2), jnp.zeros_like(r2))
    return -G * (m @ inverse_distances @ m)


def _kinetic_energy(v, m):
    """``sum_i m_i |v_i|^2 / 2``; v: (N, 3), m: (N,). Returns a scalar."""
    return 0.5 * jnp.sum(m * jnp.sum(v**2, axis=-1))
# END SOLUTION


@jax.jit  # SOLUTION
def potential_energy_jit(x, m, eps2, G):
    """Softened potential energy, compiled with ``jax.jit``.

        W(x) = -G * sum_{i<j} m_i m_j / sqrt(|x_i - x_j|^2 + eps2)

    Args:
        x: positions, shape (N, 3).
        m: masses, shape (N,).
        eps2: softening length squared, scalar >= 0 (traced, not static).
        G: gravitational constant, scalar (traced, not static).

    Returns:
        Scalar array of ``x``'s dtype.

    Requirements:
        - The module attribute ``potential_energy_jit`` must itself be a
          ``jax.jit``-compiled function (decorate it).
        - New values of ``x``, ``m``, ``eps2`` or ``G`` with the same shapes
          and dtypes must reuse the compiled program; a new N compiles
          exactly once. So ``eps2`` and ``G`` must NOT be static arguments.
        - No Python loop over particles: the traced program must have the
          same size for every N.
        - Finite values and derivatives at ``eps2 = 0`` (distinct particles).
    """
    # BEGIN SOLUTION
    return _pair_potential(x, m, eps2, G)
    # END SOLUTION


@jax.jit  # SOLUTION
def total_energy_jit(x, v, m, eps2, G):
    """Kinetic, potential and total energy, compiled with ``jax.jit``.

    Args:
        x: positions, shape (N, 3).
        v: velocities, shape (N, 3).
        m: masses, shape (N,).
        eps2: softening length squared, scalar >= 0 (traced).
        G: gravitational constant, scalar (traced).

    Returns:
        Tuple ``(K, W, E)`` of scalars in ``x``'s dtype:
        ``K = sum_i m_i |v_i|^2 / 2``, ``W`` as in ``potential_energy_jit``,
        ``E = K + W``.

    Requirements: the same as ``potential_energy_jit`` (decorated with
    ``jax.jit``, ``eps2`` and ``G`` traced, no Python loop over particles).
    """
    # BEGIN SOLUTION
    kinetic = _kinetic_energy(v, m)
    potential = _pair_potential(x, m, eps2, G)
    return kinetic, potential, kinetic + potential
    # END SOLUTION
