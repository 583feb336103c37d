"""The scan_integrator GPU tier: a 2048-particle Plummer sphere's energy drift, float64 and float32.

Registered in ``__init__.py`` (last, after the CPU checks); graded only with
``--gpu``, or at the reduced test scale (``autograder/gpu_tier.py``).
"""
from __future__ import annotations

import jax
import numpy as np

from ...checking.framework import Fail, Partial, Target, as_float_array
from ..physics import energy_drift
from ..physics.integrator_diagnosis import window_drift
from . import cases, gates


def plummer_energy_drift(ctx):
    """Energy drift of an N-body run at GPU scale, float64 and float32 (half the points each).

    The student's ``integrate`` runs in the child, the reference ensemble in this
    process on the same device (energy_drift.py says how the tolerance is set). Runs
    only when the GPU tier is graded and the child sees a GPU, or at the reduced test
    scale (autograder/gpu_tier.py); docs/gpu.md says what has been measured where.
    """
    gates.require_scan(ctx)
    ctx.require(*gates.PHYSICS)
    scale = getattr(ctx.gpu_tier, "scale", "full")
    run = energy_drift.run_for(scale)
    if scale == "full" and jax.default_backend() != "gpu":  # the grader's setup, not the student's code
        raise RuntimeError("the grader's own JAX sees no GPU, so the GPU tier's references cannot run on the "
                           "child's device; install the cuda extra and do not set JAX_PLATFORMS=cpu for the grader")
    verdicts = [_drift_verdict(ctx, run, dtype) for dtype in energy_drift.DTYPES]
    failed = [message for ok, message in verdicts if not ok]
    lines = "\n".join(message for _, message in verdicts)
    where = f"{run.n_particles} particles, {run.n_steps} steps of dt = {run.dt}" + (
        " (reduced test scale)" if scale == "reduced" else "") + f", references on {jax.devices()[0].device_kind}"
    if len(failed) == len(verdicts):
        raise Fail(f"{where}:\n{lines}\n{DRIFT_FIX}")
    if failed:
        return Partial(0.5, f"{where}: half the points.\n{lines}\n{DRIFT_FIX}")
    return f"{where}:\n{lines}"


DRIFT_FIX = (
    "How to fix: use the kick-drift-kick step (half kick, full drift, half kick) inside lax.scan, and keep the "
    "state in the dtype it came in (no casts of x, v or dt): a float64 run must stay float64 throughout."
)


def _drift_verdict(ctx, run, dtype: str) -> tuple[bool, str]:
    """(passed, one line) for the run in ``dtype``: the student's drift against the ensemble's tolerance."""
    phase, m = energy_drift.initial_conditions(run)
    masses = np.asarray(m, dtype=dtype)
    seen = ctx.program(
        "energy_series", cases.state_arg(phase, dtype=np.dtype(dtype)), run.dt, run.n_chunks, run.chunk_steps,
        cases.pairwise_target(masses, run.eps2, dtype=np.dtype(dtype)),
        Target("pairwise_energy", {"m": masses, "eps2": run.eps2}), run.every,
    )
    seen = as_float_array(seen, what=f"energy series ({dtype})")
    if not np.all(np.isfinite(seen)):
        return False, f"{dtype}: the energies became NaN or inf: the step is unstable or divides by zero somewhere."
    tolerance = energy_drift.tolerance(ctx.reference, run, dtype)
    drift = window_drift(seen)
    if drift <= tolerance.allowed:
        return True, f"{dtype}: energy drift {drift:.2e} ({tolerance.summary()})."
    return False, (
        f"{dtype}: the relative energy drift (mean of the last 20% of samples vs the first 20%) should be at most "
        f"{tolerance.allowed:.2e} ({tolerance.summary()}); yours is {drift:.2e}."
    )
