from functools import partial
from typing import NamedTuple

import jax


class State(NamedTuple):
    x: jax.Array
    v: jax.Array


def leapfrog_step(state, dt, accel_fn):
    # drift half, kick, drift half (leapfrog)
    x_half = state.x + 0.5 * dt * state.v
    v_new = state.v + dt * accel_fn(x_half)
    x_new = x_half + 0.5 * dt * v_new
    return State(x_new, v_new)


@partial(jax.jit, static_argnames=("n_steps", "accel_fn"))
def integrate(state0, dt, n_steps, accel_fn):
    def body(s, _):
        s = leapfrog_step(s, dt, accel_fn)
        return s, s

    return jax.lax.scan(body, state0, length=n_steps)
