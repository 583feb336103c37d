"""The scan_integrator public tests' fixture: reference answers on fixed inputs (``jaxgrade regenerate`` reads it)."""
from __future__ import annotations

import numpy as np


def public_fixture(*, reference, inputs):
    """Reference answers on fixed inputs for tests/fixtures/scan_integrator.npz (name -> array)."""
    rng = np.random.default_rng(404)
    x0, v0 = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    dt, n_steps = 0.05, 25
    state0 = reference.State(x=x0, v=v0)
    one_step = reference.leapfrog_step(state0, dt, inputs.harmonic_accel)
    final, trajectory = reference.integrate(state0, dt, n_steps, inputs.harmonic_accel)
    return {
        "x0": x0, "v0": v0, "dt": np.float64(dt), "n_steps": np.int64(n_steps),
        "step_x": np.asarray(one_step.x), "step_v": np.asarray(one_step.v),
        "final_x": np.asarray(final.x), "final_v": np.asarray(final.v),
        "trajectory_x": np.asarray(trajectory.x), "trajectory_v": np.asarray(trajectory.v),
    }
