import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax


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
    traj0 = State(jnp.zeros((n_steps,) + state0.x.shape, state0.x.dtype),
                  jnp.zeros((n_steps,) + state0.v.shape, state0.v.dtype))

    def cond(carry):
        i, _, _ = carry
        return i < n_steps

    def body(carry):
        i, state, traj = carry
        state = leapfrog_step(state, dt, accel_fn)
        traj = State(traj.x.at[i].set(state.x), traj.v.at[i].set(state.v))
        return i + 1, state, traj

    _, final, traj = lax.while_loop(cond, body, (0, state0, traj0))
    return final, traj
