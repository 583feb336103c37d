import functools
from typing import NamedTuple

import jax


class State(NamedTuple):
    x: jax.Array
    v: jax.Array


def leapfrog_step(state, dt, accel_fn):
    # second-order midpoint step: same cost as leapfrog (two force evaluations)
    x_mid = state.x + 0.5 * dt * state.v
    v_mid = state.v + 0.5 * dt * accel_fn(state.x)
    return State(state.x + dt * v_mid, state.v + dt * accel_fn(x_mid))


@functools.partial(jax.jit, static_argnames=("n_steps", "accel_fn"))
def integrate(state0, dt, n_steps, accel_fn):
    def step(state, _):
        new = leapfrog_step(state, dt, accel_fn)
        return new, new

    return jax.lax.scan(step, state0, None, length=n_steps)
