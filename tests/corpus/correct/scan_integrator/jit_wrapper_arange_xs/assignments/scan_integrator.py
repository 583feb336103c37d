"""Assignment 4: leapfrog integrator on lax.scan."""
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax


class State(NamedTuple):
    x: jax.Array  # (N, 3)
    v: jax.Array  # (N, 3)


def leapfrog_step(state, dt, accel_fn):
    x, v = state
    half = jnp.asarray(dt, dtype=x.dtype) / 2  # keep float32 states in float32
    v = v + half * accel_fn(x)
    x = x + 2 * half * v
    v = v + half * accel_fn(x)
    return State(x, v)


@functools.partial(jax.jit, static_argnums=(2, 3))
def integrate(state0, dt, n_steps, accel_fn):
    def one_step(state, step_index):
        del step_index  # only used to drive the loop
        state = leapfrog_step(state, dt, accel_fn)
        return state, state

    return lax.scan(one_step, state0, jnp.arange(n_steps))
