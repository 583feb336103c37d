import functools
from typing import NamedTuple

import jax


class State(NamedTuple):
    x: jax.Array
    v: jax.Array


def leapfrog_step(state, dt, accel_fn):
    # update one particle at a time, like my NumPy version from project 2
    x, v = state.x, state.v
    for i in range(x.shape[0]):
        v = v.at[i].add(dt / 2 * accel_fn(x)[i])
        x = x.at[i].add(dt * v[i])
        v = v.at[i].add(dt / 2 * accel_fn(x)[i])
    return State(x, v)


@functools.partial(jax.jit, static_argnames=("n_steps", "accel_fn"))
def integrate(state0, dt, n_steps, accel_fn):
    def step(state, _):
        new = leapfrog_step(state, dt, accel_fn)
        return new, new

    return jax.lax.scan(step, state0, None, length=n_steps)
