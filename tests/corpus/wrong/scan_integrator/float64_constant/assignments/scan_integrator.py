import functools
from typing import NamedTuple

import jax
import numpy as np

HALF = np.float64(0.5)


class State(NamedTuple):
    x: jax.Array
    v: jax.Array


def leapfrog_step(state, dt, accel_fn):
    v_half = state.v + HALF * dt * accel_fn(state.x)
    x_new = state.x + dt * v_half
    v_new = v_half + HALF * dt * accel_fn(x_new)
    return State(x_new, v_new)


@functools.partial(jax.jit, static_argnames=("n_steps", "accel_fn"))
def integrate(state0, dt, n_steps, accel_fn):
    def step(state, _):
        new = leapfrog_step(state, dt, accel_fn)
        return new, new

    return jax.lax.scan(step, state0, None, length=n_steps)
