"""The problems the scan_integrator checks pose, and the reference's answers.

Initial conditions, the child-side descriptions of the same problems
(``State`` built in the child, accelerations from ``child/targets.py``), and
the reference solution run on them in the parent, in float64.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ...checking.framework import Attr, Construct, Target
from ...checking.property_inputs import Inputs
from ..physics import dynamics_fixtures as fx
from ..physics.dynamics_fixtures import reference_x64
from ..physics.integrator_diagnosis import kepler_energy_error

SCAN_PROBE_STEPS = (4, 16)
"""n_steps at which integrate's traced program is measured (traced, never compiled)."""
SHORT_STEPS = 32
"""Steps of the runs that grade numbers even when integrate is not scan-based."""
JIT_STEP = [{"kind": "jit", "static_argnums": [2]}]
"""leapfrog_step is called under jit with accel_fn static, as integrate will use it."""


def state_arg(phase, dtype=np.float64):
    """The student's ``State(x, v)``, built in the child from NumPy arrays."""
    return Construct(Attr("State"), (phase.x.astype(dtype), phase.v.astype(dtype)))


def call(phase, *args, label: str, dtype=np.float64) -> Inputs:
    """``f(State(x, v), *args)`` for leapfrog_step (dt, accel_fn) or integrate (dt, n_steps, accel_fn).

    Called with ``student_value(..., eager=True)``: accel_fn is built in the
    child and cannot be traced, so the grader's own jit would only fail first.
    """
    return Inputs((state_arg(phase, dtype), *args), label=label)


def pairwise_target(m, eps2, dtype=np.float64):
    """Softened pairwise gravity with masses ``m``, built in the child (mirrors fx.pairwise_accel)."""
    return Target("pairwise", {"m": np.asarray(m, dtype=dtype), "eps2": eps2, "G": 1.0})


def short_cluster():
    return fx.random_cluster(8, seed=21)


@functools.cache  # the same accel objects every time: the reference step compiles once per process
def one_step_cases() -> tuple:
    """(label, initial phase, dt, child-side accel, parent-side accel) for the one-step check."""
    cluster, m = fx.random_cluster(6, seed=11)
    rng = np.random.default_rng(12)
    oscillators = fx.Phase(x=rng.normal(size=(5, 3)), v=rng.normal(size=(5, 3)))
    return (
        ("6 particles, pairwise gravity (eps2 = 0.01)", cluster, 0.01,
         pairwise_target(m, 0.01), fx.pairwise_accel(m, 0.01)),
        ("5 harmonic oscillators (omega^2 = 2)", oscillators, 0.1,
         Target("harmonic", {"omega2": 2.0}), fx.harmonic_accel(2.0)),
        ("Kepler orbit at apocentre", fx.kepler_apocentre(), 0.05, Target("kepler"), fx.kepler_accel),
    )


@functools.cache
def reference_short_run(reference):
    """The reference's integrate on short_cluster() (dt = 0.01, SHORT_STEPS steps), in float64.

    The same for every student: a long-lived grader (batch/worker.py) computes it once.
    """
    phase, m = short_cluster()
    with reference_x64():
        return reference.integrate(reference.State(phase.x, phase.v), 0.01, SHORT_STEPS, fx.pairwise_accel(m, 0.01))


@functools.cache
def _jitted_reference_step(reference):
    return jax.jit(reference.leapfrog_step, static_argnums=2)


def reference_step(reference, phase, dt, accel):
    """The reference's leapfrog_step from ``phase``, in float64."""
    with reference_x64():
        return _jitted_reference_step(reference)(reference.State(jnp.asarray(phase.x), jnp.asarray(phase.v)), dt, accel)


# -- the long runs ---------------------------------------------------------------
KEPLER_RUNS = (  # (dt, n_steps): one orbit at T/500 and T/1000, fifty orbits at T/250
    (fx.KEPLER_PERIOD / 500, 500),
    (fx.KEPLER_PERIOD / 1000, 1000),
    (fx.KEPLER_PERIOD / 250, 12500),
)


@functools.cache
def reference_kepler_errors(reference) -> tuple:
    """max |dE/E| of the reference for each of KEPLER_RUNS (cached for the process)."""
    phase = fx.kepler_apocentre()
    with reference_x64():
        state0 = reference.State(phase.x, phase.v)
        runs = [reference.integrate(state0, dt, n, fx.kepler_accel)[1] for dt, n in KEPLER_RUNS]
        return tuple(kepler_energy_error(fx.Phase(np.asarray(t.x), np.asarray(t.v)), phase) for t in runs)
