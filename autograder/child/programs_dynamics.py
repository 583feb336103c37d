"""Harness programs for the dynamics and sampling assignments (scan_integrator,
hmc, dtype_audit).

Each program composes the student's own functions and returns raw results:
states, trajectories, gradients, energies. Nothing here knows what the
right answer is; the grader compares what comes back.

Programs exist where a single call cannot do the job: when several calls must
share one callable (a static ``accel_fn`` or ``log_prob_fn`` rebuilt per
request would force a recompile), or when a call must run inside a context
(``jax.enable_x64``) or under a transformation the grader composes.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from .program_registry import program


# -- scan_integrator -----------------------------------------------------------
@program
def integrate_runs(mod, state0, accel_fn, runs):
    """``[integrate(state0, dt, n_steps, accel_fn) for dt, n_steps in runs]``,
    all with the same ``accel_fn`` object."""
    return [mod.integrate(state0, dt, int(n_steps), accel_fn) for dt, n_steps in runs]


@program
def integrate_round_trip(mod, state0, dt, n_steps, accel_fn):
    """Integrate forward, flip the velocities, integrate again for as long.

    Returns ``(forward_final, returned)``; for a time-reversible integrator
    ``returned`` is ``state0`` with its velocities flipped.
    """
    forward, _ = mod.integrate(state0, dt, n_steps, accel_fn)
    flipped = forward._replace(v=-forward.v)
    returned, _ = mod.integrate(flipped, dt, n_steps, accel_fn)
    return forward, returned


@program
def grad_final_state(mod, state0, dt, n_steps, accel_fn, weight_x, weight_v):
    """``d/dx0 [sum(weight_x * final.x) + sum(weight_v * final.v)]``, shape (N, 3),
    where ``final = integrate(state0 with x = x0, dt, n_steps, accel_fn)[0]``."""

    def scalar(x0):
        final, _ = mod.integrate(state0._replace(x=x0), dt, n_steps, accel_fn)
        return jnp.sum(weight_x * final.x) + jnp.sum(weight_v * final.v)

    return jax.jit(jax.grad(scalar))(state0.x)  # one compile instead of one per autodiff stage


@program
def energy_series(mod, state0, dt, n_chunks, chunk_steps, accel_fn, energy_fn, every):
    """Total energy along an integration run in chunks of ``chunk_steps``.

    Integrates ``n_chunks`` times ``chunk_steps`` steps with the student's
    ``integrate`` (restarting each chunk from the last final state, so the
    trajectory held in memory stays one chunk long) and evaluates
    ``energy_fn(x, v)`` at the start and after every ``every``-th step.
    Returns the energies, shape (1 + n_chunks * chunk_steps // every,).
    """
    energies_of = jax.jit(lambda xs, vs: jax.lax.map(lambda xv: energy_fn(*xv), (xs, vs)))
    energies = [jnp.reshape(energy_fn(state0.x, state0.v), (1,))]
    state = state0
    for _ in range(int(n_chunks)):
        state, trajectory = mod.integrate(state, dt, int(chunk_steps), accel_fn)
        picked = slice(every - 1, None, every)
        energies.append(energies_of(trajectory.x[picked], trajectory.v[picked]))
    return jnp.concatenate(energies)


# -- hmc -----------------------------------------------------------------------
def _key(seed: int, typed: bool):
    return jax.random.key(seed) if typed else jax.random.PRNGKey(seed)


@program
def hmc_steps(mod, log_prob_fn, thetas, seeds, step_size, n_leapfrog, typed=False):
    """One ``hmc_step`` per ``(theta, seed)`` pair, under one ``jax.jit`` with
    ``log_prob_fn`` and ``n_leapfrog`` static. Returns a list of the raw
    ``(theta_new, accepted)`` results."""
    step = jax.jit(mod.hmc_step, static_argnums=(2, 4))
    return [
        step(_key(int(seed), typed), theta, log_prob_fn, step_size, int(n_leapfrog))
        for theta, seed in zip(thetas, seeds)
    ]


# -- dtype_audit ---------------------------------------------------------------
@program
def x64_inside_context(mod, enabled):
    """``x64_enabled()`` called inside ``jax.enable_x64(enabled)``."""
    with jax.enable_x64(bool(enabled)):
        return mod.x64_enabled()


@program
def audit_inside_context(mod, tree, enabled):
    """``audit_dtypes(tree)`` called inside ``jax.enable_x64(enabled)``."""
    with jax.enable_x64(bool(enabled)):
        return mod.audit_dtypes(tree)


@program
def promote_to(mod, tree, dtype_name=None):
    """``promote_floats(tree, jnp.<dtype_name>)``, or with the default dtype
    when ``dtype_name`` is None (the scalar types students pass, not
    ``np.dtype`` objects)."""
    if dtype_name is None:
        return mod.promote_floats(tree)
    return mod.promote_floats(tree, getattr(jnp, str(dtype_name)))
