"""Gravitational forces by automatic differentiation.

Write the softened N-body potential once, then let ``jax.grad`` produce the
forces: ``F = -dW/dx``. No hand-derived force law, no finite differences.

Conventions (shared by every assignment):

- ``x``: positions, shape ``(N, 3)``; ``m``: masses, shape ``(N,)``, positive.
- ``eps2``: softening length squared, a scalar ``>= 0``; ``G``: gravitational
  constant. Both may arrive as Python floats or as arrays of ``x``'s dtype.
- Dtype preserving: float32 in, float32 out; float64 in, float64 out.
"""
import jax
import jax.numpy as jnp


# BEGIN SOLUTION
def _upper_pair_mask(n):
    """Boolean ``(n, n)`` mask of the unordered pairs ``i < j``.

    Chosen by index, never by position, so coincident particles are not
    silently dropped and self-pairs never reach the division.
    """
    index = jnp.arange(n)
    return index[:, None] < index[None, :]


def _pair_inverse_distances(x, eps2, mask):
    """``1 / sqrt(|x_i - x_j|^2 + eps2)`` where ``mask``, exactly 0 elsewhere.

    The double ``where`` matters: masking only the result would still evaluate
    ``1 / sqrt(0)`` on the diagonal when ``eps2 = 0``, and the reverse-mode
    derivative multiplies that infinity by a zero cotangent, giving NaN.
    Replacing the masked squared distances by 1 *before* the division keeps
    every branch finite, so values and derivatives of all orders stay finite.

    x: (N, 3); mask: (N, N) bool. Returns (N, N) in ``x``'s dtype.
    """
    separation = x[:, None, :] - x[None, :, :]  # (N, N, 3)
    r2 = jnp.sum(separation**2, axis=-1) + eps2  # (N, N)
    safe_r2 = jnp.where(mask, r2, jnp.ones_like(r2))
    return jnp.where(mask, 1 / jnp.sqrt(safe_r2), jnp.zeros_like(r2))
# END SOLUTION


def potential_energy(x, m, eps2=0.0, G=1.0):
    """Softened gravitational potential energy, each unordered pair once.

        W(x) = -G * sum_{i<j} m_i m_j / sqrt(|x_i - x_j|^2 + eps2)

    Args:
        x: positions, shape (N, 3).
        m: masses, shape (N,).
        eps2: softening length squared, scalar >= 0.
        G: gravitational constant, scalar.

    Returns:
        Scalar array of ``x``'s dtype.

    Requirements:
        - Vectorised: no Python loop over particles (broadcast the (N, N)
          pair separations instead).
        - ``eps2 = 0`` is legal when distinct particles do not coincide: the
          value AND its derivatives with respect to ``x`` and ``m`` must be
          finite. Self-pairs must be excluded without ever dividing by zero,
          not even in a branch that ``jnp.where`` later discards: reverse-mode
          autodiff differentiates both branches.
        - Build constants from the input dtype so float32 stays float32.
    """
    # BEGIN SOLUTION
    mask = _upper_pair_mask(x.shape[0])
    inverse_distances = _pair_inverse_distances(x, eps2, mask)  # (N, N)
    return -G * (m @ inverse_distances @ m)
    # END SOLUTION


def grad_forces(x, m, eps2=0.0, G=1.0):
    """Force on every particle as ``-jax.grad`` of ``potential_energy``.

        F_i = -dW/dx_i

    Args:
        x: positions, shape (N, 3).
        m: masses, shape (N,).
        eps2: softening length squared, scalar >= 0.
        G: gravitational constant, scalar.

    Returns:
        Forces, shape (N, 3), ``x``'s dtype.

    Requirements:
        - Automatic differentiation of your potential, not finite
          differences: in float64 the result must match the analytic force
          to about machine precision (max |dF| / max |F| <= 1e-12).
        - Finite at ``eps2 = 0`` for distinct particles, and differentiable
          again (its own Jacobian must be finite too).
    """
    # BEGIN SOLUTION
    return -jax.grad(potential_energy)(x, m, eps2, G)
    # END SOLUTION
