import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp


class State(NamedTuple):
    x: jax.Array
    v: jax.Array


def leapfrog_step(state, dt, accel_fn):
    v_half = state.v + dt / 2 * accel_fn(state.x)
    x_new = state.x + dt * v_half
    v_new = v_half + dt / 2 * accel_fn(x_new)
    return State(x_new, v_new)


@functools.partial(jax.jit, static_argnames=("n_steps", "accel_fn"))
def integrate(state0, dt, n_steps, accel_fn):
    def step(state, _):
        new = leapfrog_step(state, dt, accel_fn)
        return new, new

    final, traj = jax.lax.scan(step, state0, None, length=n_steps)
    # prepend the initial condition so the trajectory starts at t = 0
    traj = State(jnp.concatenate([state0.x[None], traj.x]), jnp.concatenate([state0.v[None], traj.v]))
    return final, traj
