# HW4 - leapfrog with lax.scan
# I carry the acceleration through the scan so each step only evaluates accel_fn once.
from typing import NamedTuple

import jax
import jax.numpy as jnp


class State(NamedTuple):
    x: jnp.ndarray
    v: jnp.ndarray


def _kdk(x, v, a, dt, accel_fn):
    """kick-drift-kick given the acceleration a = accel_fn(x); returns x, v and the new acceleration"""
    v = v + (dt / 2.0) * a
    x = x + dt * v
    a_new = accel_fn(x)
    v = v + (dt / 2.0) * a_new
    return x, v, a_new


def leapfrog_step(state, dt, accel_fn):
    x, v, _ = _kdk(state.x, state.v, accel_fn(state.x), dt, accel_fn)
    return State(x=x, v=v)


def _integrate(state0, dt, n_steps, accel_fn):
    def body(carry, _):
        state, a = carry
        x, v, a = _kdk(state.x, state.v, a, dt, accel_fn)
        new = State(x=x, v=v)
        return (new, a), new

    (final, _), trajectory = jax.lax.scan(body, (state0, accel_fn(state0.x)), xs=None, length=n_steps)
    return final, trajectory


integrate = jax.jit(_integrate, static_argnums=(2, 3))
