import functools
from typing import NamedTuple

import jax


class State(NamedTuple):
    x: jax.Array
    v: jax.Array


def leapfrog_step(state, dt, accel_fn):
    # kick then drift (semi-implicit)
    v_new = state.v + dt * accel_fn(state.x)
    x_new = state.x + dt * v_new
    return State(x_new, v_new)


@functools.partial(jax.jit, static_argnames=("n_steps", "accel_fn"))
def integrate(state0, dt, n_steps, accel_fn):
    def step(state, _):
        new = leapfrog_step(state, dt, accel_fn)
        return new, new

    return jax.lax.scan(step, state0, None, length=n_steps)
