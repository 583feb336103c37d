"""Pairwise forces with a double ``jax.vmap``.

Write the force between ONE pair of particles as a plain function of
vectors, then let ``jax.vmap`` lift it to all N x N pairs: an inner ``vmap``
over the partner j, an outer ``vmap`` over the particle i. The result is the
same (N, N, 3) broadcast you would write by hand, without writing it.

Conventions: ``x`` has shape ``(N, 3)``, ``m`` shape ``(N,)``; ``eps2 >= 0``
and ``G`` are scalars (Python floats or arrays of ``x``'s dtype). Outputs
keep the input dtype.
"""
import jax
import jax.numpy as jnp


def pair_force(x_i, x_j, m_i, m_j, eps2=0.0, G=1.0):
    """Force on particle i due to particle j.

        F_ij = -G m_i m_j (x_i - x_j) / (|x_i - x_j|^2 + eps2)^(3/2)

    Args:
        x_i, x_j: positions, shape (3,) each.
        m_i, m_j: masses, scalars.
        eps2: softening length squared, scalar >= 0.
        G: gravitational constant, scalar.

    Returns:
        Force, shape (3,), in ``x_i``'s dtype. Works on single vectors: no
        batch dimension, no loop.
    """
    raise NotImplementedError("pair_force: not implemented yet — see handouts/vmap_forces.md")


def vmap_forces(x, m, eps2=0.0, G=1.0):
    """Total force on every particle from two nested ``jax.vmap`` calls.

    Args:
        x: positions, shape (N, 3).
        m: masses, shape (N,).
        eps2: softening length squared, scalar >= 0.
        G: gravitational constant, scalar.

    Returns:
        Forces, shape (N, 3), ``x``'s dtype: ``F_i = sum_{j != i} F_ij``.

    Requirements:
        - Two nested ``jax.vmap`` calls around ``pair_force``: inner over j,
          outer over i, giving all (N, N, 3) pair forces; then sum over j.
        - Exclude the self-interaction by INDEX (``i == j``), never by
          comparing positions (two particles may sit at the same place).
        - ``eps2 = 0`` must give finite forces AND finite derivatives for
          distinct particles: keep ``i == j`` from ever dividing by zero,
          not even in a branch that ``jnp.where`` later discards.
        - No Python loops over particles.
    """
    raise NotImplementedError("vmap_forces: not implemented yet — see handouts/vmap_forces.md")
