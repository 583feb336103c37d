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
    raise NotImplementedError("potential_energy: not implemented yet — see handouts/grad_forces.md")


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
    raise NotImplementedError("grad_forces: not implemented yet — see handouts/grad_forces.md")
