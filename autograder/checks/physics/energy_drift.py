"""The GPU tier's energy-drift problem: sizes, the reference ensemble, the tolerance.

A Plummer sphere is integrated with the student's ``integrate`` in float64 and
in float32; its energy drift (``integrator_diagnosis.window_drift``: mean energy
of the last 20% of samples against the first 20%, relative to E0) must stay
within what the reference solution itself shows on the same device, in the
same grading run.

One reference run is a poor yardstick: drift is a noisy statistic. The
tolerance comes from an ensemble of reference runs of the same problem:

- the graded initial conditions at the graded dt;
- the same with positions perturbed at 1e-10 (two perturbations), which shows
  how far round-off differences between two correct programs can move the drift;
- dt scaled by 0.98 and 1.02, which shows how much the statistic wanders with the
  step (a symplectic integrator's drift is not monotone in dt);
- float32 only: the same run with matrix products in TF32, the default for
  float32 dots on recent NVIDIA GPUs (the force is an ``einsum``). On a CPU this
  member equals the first; on such a GPU it widens the float32 tolerance by what
  TF32 alone does, so a TF32 force is not punished.

allowed = max(2 * largest, largest + 4 * (largest - smallest)) + FLOOR[dtype]:
twice the worst correct run, or more where the ensemble itself is wide. Real
mistakes (half a kick missing, a float32 cast in the float64 run, Euler) drift
by orders of magnitude more (docs/gpu.md has the numbers measured so far), and
the TF32 member only enters the float32 tolerance: a TF32 force cannot hide drift
in the float64 run, and a float32 run must still stay within the worst TF32
reference.

Scale: ``FULL`` is the GPU size; ``REDUCED`` is the same code at test size, used
by the test suite on a CPU (autograder.gpu_tier, scale "reduced").
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import jax
import jax.numpy as jnp
import numpy as np

from . import dynamics_fixtures as fx
from .dynamics_fixtures import reference_x64
from .integrator_diagnosis import window_drift

DTYPES = ("float64", "float32")
FLOOR = {"float64": 1e-9, "float32": 2e-6}
"""Absolute drift always allowed: far below any real mistake, above round-off noise in the statistic."""
PERTURBATION = 1e-10


@dataclass(frozen=True)
class DriftRun:
    """One energy-drift run: ``n_chunks * chunk_steps`` steps of ``dt``, energy every ``every`` steps."""

    n_particles: int
    n_chunks: int
    chunk_steps: int
    dt: float = 0.005
    eps2: float = 0.05**2
    every: int = 10
    seed: int = 7

    @property
    def n_steps(self) -> int:
        return self.n_chunks * self.chunk_steps


FULL = DriftRun(n_particles=2048, n_chunks=8, chunk_steps=500)
REDUCED = DriftRun(n_particles=64, n_chunks=2, chunk_steps=100, every=5)


def run_for(scale: str) -> DriftRun:
    """The run of the GPU tier at ``scale`` ("full" or "reduced")."""
    return REDUCED if scale == "reduced" else FULL


@dataclass(frozen=True)
class Member:
    """One reference run of the ensemble."""

    label: str
    perturbation_seed: int | None = None
    dt_factor: float = 1.0
    precision: str = "highest"


def ensemble(dtype: str) -> tuple[Member, ...]:
    members = (
        Member("graded run"),
        Member("positions perturbed by 1e-10 (a)", perturbation_seed=1),
        Member("positions perturbed by 1e-10 (b)", perturbation_seed=2),
        Member("dt x 0.98", dt_factor=0.98),
        Member("dt x 1.02", dt_factor=1.02),
    )
    if dtype == "float32":
        members += (Member("TF32 matrix products", precision="tensorfloat32"),)
    return members


def initial_conditions(run: DriftRun, perturbation_seed: int | None = None) -> tuple[fx.Phase, np.ndarray]:
    """The Plummer sphere of ``run`` in float64 (perturbed at 1e-10 for ensemble members)."""
    phase, m = fx.plummer_sphere(run.n_particles, seed=run.seed)
    if perturbation_seed is not None:
        rng = np.random.default_rng(1000 + perturbation_seed)
        phase = fx.Phase(x=phase.x * (1 + PERTURBATION * rng.standard_normal(phase.x.shape)), v=phase.v)
    return phase, m


def reference_series(reference, run: DriftRun, dtype: str, member: Member = Member("graded run")) -> np.ndarray:
    """The reference's energy series for one member, sampled as the child's energy_series program samples.

    Runs on this process's default device (the GPU on a GPU runner), in ``dtype``
    throughout: masses, positions and velocities; ``dt`` a Python float, as in the child.
    """
    phase, _ = initial_conditions(run, member.perturbation_seed)
    dt = run.dt * member.dt_factor
    with reference_x64(), jax.default_matmul_precision(member.precision):
        accel, energy, energies_of = _physics(run.n_particles, run.seed, run.eps2, dtype)
        state = reference.State(jnp.asarray(phase.x, dtype=dtype), jnp.asarray(phase.v, dtype=dtype))
        series = [np.atleast_1d(np.asarray(energy(state.x, state.v), dtype=np.float64))]
        picked = slice(run.every - 1, None, run.every)
        for _ in range(run.n_chunks):
            state, trajectory = reference.integrate(state, dt, run.chunk_steps, accel)
            series.append(np.asarray(energies_of(trajectory.x[picked], trajectory.v[picked]), dtype=np.float64))
    return np.concatenate(series)


@functools.cache
def _physics(n_particles: int, seed: int, eps2: float, dtype: str):
    """(accel, energy, energies_of) for one system, the same objects for every member of an ensemble.

    ``integrate`` takes ``accel_fn`` as a static argument: one closure per system means one
    compilation per dtype and precision, not one per member.
    """
    _, m = fx.plummer_sphere(n_particles, seed=seed)
    m = np.asarray(m, dtype=dtype)
    accel, energy = fx.pairwise_accel(m, eps2), fx.pairwise_energy(m, eps2)
    energies_of = jax.jit(lambda xs, vs: jax.lax.map(lambda xv: energy(*xv), (xs, vs)))
    return accel, energy, energies_of


@dataclass(frozen=True)
class Tolerance:
    """The reference ensemble's drifts and the drift allowed from them."""

    dtype: str
    drifts: tuple  # ((label, drift), ...)
    allowed: float

    @property
    def largest(self) -> float:
        return max(d for _, d in self.drifts)

    @property
    def smallest(self) -> float:
        return min(d for _, d in self.drifts)

    def summary(self) -> str:
        return (f"reference ensemble of {len(self.drifts)} runs: drift {self.smallest:.2e} .. {self.largest:.2e}; "
                f"allowed {self.allowed:.2e}")


def allowed_drift(drifts, dtype: str) -> float:
    largest, smallest = max(drifts), min(drifts)
    return max(2 * largest, largest + 4 * (largest - smallest)) + FLOOR[dtype]


@functools.cache
def tolerance(reference, run: DriftRun, dtype: str) -> Tolerance:
    """The ensemble's drifts for ``run`` in ``dtype`` (cached for the process: it does not depend on the student)."""
    drifts = tuple((m.label, window_drift(reference_series(reference, run, dtype, m))) for m in ensemble(dtype))
    return Tolerance(dtype=dtype, drifts=drifts, allowed=allowed_drift([d for _, d in drifts], dtype))


def scaled(run: DriftRun, **changes) -> DriftRun:
    """``run`` with some fields changed (benchmarks and tests choose other sizes)."""
    return replace(run, **changes)
