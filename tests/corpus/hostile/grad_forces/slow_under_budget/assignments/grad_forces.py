"""Correct forces, but every call of grad_forces takes 60% of its budget.

No call is a hang, so hang-once never fires; without a total, each check that
needs grad_forces would wait almost a full budget, and enough of them push a
grading past Gradescope's limit. The grader adds slow calls up: once they pass
one budget, grad_forces is not called again.
"""
import time

import jax
import jax.numpy as jnp

BUDGET = 5.0  # expect.json's budget


def potential_energy(x, m, eps2=0.0, G=1.0):
    n = x.shape[0]
    i = jnp.arange(n)
    upper = i[:, None] < i[None, :]
    dx = x[:, None, :] - x[None, :, :]
    r2 = jnp.sum(dx * dx, axis=-1) + eps2
    inv_r = jnp.where(upper, 1.0 / jnp.sqrt(jnp.where(upper, r2, 1.0)), 0.0)
    return -G * jnp.sum(m[:, None] * m[None, :] * inv_r)


def grad_forces(x, m, eps2=0.0, G=1.0):
    time.sleep(0.6 * BUDGET)  # under jit this runs once per trace: every graded request traces afresh
    return -jax.grad(potential_energy)(x, m, eps2, G)
