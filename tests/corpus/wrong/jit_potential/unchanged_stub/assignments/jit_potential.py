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
    raise NotImplementedError("potential_energy_jit: not implemented yet — see handouts/jit_potential.md")


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
    raise NotImplementedError("total_energy_jit: not implemented yet — see handouts/jit_potential.md")
