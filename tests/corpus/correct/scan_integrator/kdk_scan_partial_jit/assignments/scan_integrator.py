"""Leapfrog integration with jax.lax.scan."""
from functools import partial
from typing import NamedTuple

import jax


class State(NamedTuple):
    x: jax.Array
    v: jax.Array


def leapfrog_step(state, dt, accel_fn):
    # kick (half) - drift - kick (half)
    v_half = state.v + 0.5 * dt * accel_fn(state.x)
    x_new = state.x + dt * v_half
    v_new = v_half + 0.5 * dt * accel_fn(x_new)
    return State(x_new, v_new)


@partial(jax.jit, static_argnames=["n_steps", "accel_fn"])
def integrate(state0, dt, n_steps, accel_fn):
    def body(carry, _):
        nxt = leapfrog_step(carry, dt, accel_fn)
        return nxt, nxt

    final, traj = jax.lax.scan(body, state0, None, length=n_steps)
    return final, traj
