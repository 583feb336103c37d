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
    # BEGIN SOLUTION
    separation = x_i - x_j  # (3,)
    r2 = jnp.sum(separation**2) + eps2
    return -G * m_i * m_j * separation / (r2 * jnp.sqrt(r2))
    # END SOLUTION


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
    # BEGIN SOLUTION
    eps2 = jnp.asarray(eps2, dtype=x.dtype)

    def masked_pair_force(x_i, x_j, m_i, m_j, i, j):
        # On the diagonal x_i - x_j is exactly 0; a unit softening there keeps
        # the division (and its derivatives) finite, and the outer where then
        # removes the term outright.
        is_self = i == j
        safe_eps2 = jnp.where(is_self, jnp.ones_like(eps2), eps2)
        force = pair_force(x_i, x_j, m_i, m_j, safe_eps2, G)
        return jnp.where(is_self, jnp.zeros_like(force), force)

    over_j = jax.vmap(masked_pair_force, in_axes=(None, 0, None, 0, None, 0))
    over_i_and_j = jax.vmap(over_j, in_axes=(0, None, 0, None, 0, None))
    index = jnp.arange(x.shape[0])
    pair_forces = over_i_and_j(x, x, m, m, index, index)  # (N, N, 3)
    return jnp.sum(pair_forces, axis=1)
    # END SOLUTION
