"""N-body test systems and reference evaluation shared by the force checks
(grad_forces, jit_potential, vmap_forces).

Systems are drawn with hypothesis from fixed seeds, so every grading run sees
the same inputs. Positions sit on a jittered grid: any two particles are at
least ``MIN_SEPARATION`` grid cells apart, which keeps ``eps2 = 0`` legal and
the float64 comparisons well conditioned.

References run in the parent under ``jax.enable_x64(True)`` (the parent does
not switch 64-bit mode on globally) and through a cached ``jax.jit``, because
eager reference gradients cost about a second of compiles per new N.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# References in float64 (the grading process leaves 64-bit mode off): one definition, for any assignment.
from ...checking.properties import reference64  # noqa: F401
from ...checking.property_inputs import Inputs

# The diagnoses are shared with the student template's public tests (one definition).
from ...shipped.diagnosis import acceleration_hint, max_normalised_error_or_inf, scale_hint  # noqa: F401

GRID = 4  # cells per axis: room for up to 64 particles
JITTER = 0.3  # each particle moves at most this many cells from its cell centre
MIN_SEPARATION = 1.0 - 2 * JITTER  # in cells


@dataclass(frozen=True)
class ParticleSystem:
    """One test input: x (N, 3) float64, m (N,) float64, scalars eps2 >= 0 and G."""

    x: np.ndarray
    m: np.ndarray
    eps2: float
    G: float

    @property
    def n(self) -> int:
        return int(self.m.shape[0])

    def describe(self) -> str:
        return f"N = {self.n}, eps2 = {self.eps2:.4g}, G = {self.G:.4g}"

    def inputs(self) -> Inputs:
        """The call ``f(x, m, eps2=eps2, G=G)`` for the helper layer (``checking/property_inputs.py``)."""
        return Inputs((self.x, self.m), {"eps2": self.eps2, "G": self.G}, label=self.describe())

    def as_dtype(self, dtype) -> ParticleSystem:
        """The same system rounded to ``dtype`` (scalars stay Python floats of the rounded value)."""
        cast = np.dtype(dtype).type
        return ParticleSystem(
            x=self.x.astype(dtype), m=self.m.astype(dtype), eps2=float(cast(self.eps2)), G=float(cast(self.G))
        )


def particle_systems(*, n: int, softened: bool):
    """Hypothesis strategy for systems of ``n`` particles, with ``eps2 > 0`` or ``eps2 = 0``."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    if not 2 <= n <= GRID**3:
        raise ValueError(f"n must be between 2 and {GRID**3}")

    @st.composite
    def build(draw):
        cells = draw(st.permutations(range(GRID**3)))[:n]
        jitter = draw(hnp.arrays(np.float64, (n, 3), elements=st.floats(-JITTER, JITTER), fill=st.nothing()))
        spacing = draw(st.floats(0.25, 4.0))  # length of one grid cell
        m = draw(hnp.arrays(np.float64, (n,), elements=st.floats(0.1, 10.0), fill=st.nothing()))
        G = draw(st.floats(0.2, 5.0))
        # Softening up to about one cell: strong enough to matter, never dominant.
        eps2 = draw(st.floats(1e-3, 1.0)) * spacing**2 if softened else 0.0
        centres = np.array(np.unravel_index(np.asarray(cells), (GRID,) * 3), dtype=np.float64).T
        x = (centres - (GRID - 1) / 2 + jitter) * spacing
        return ParticleSystem(x=x, m=m, eps2=float(eps2), G=float(G))

    return build()


def draw_systems(*, sizes, softened=(False, True), per_kind: int = 1, seed: int) -> list[ParticleSystem]:
    """``per_kind`` systems for every (size, softened) pair, in a fixed order."""
    from ...checking.framework import draw_examples

    systems = []
    for n in sizes:
        for soft in softened:
            strategy = particle_systems(n=n, softened=soft)
            # Hypothesis opens with its simplest example (every value at its minimum): skip it.
            drawn = draw_examples(strategy, count=per_kind + 1, seed=seed + 1000 * n + int(soft))
            systems += drawn[1:]
    return systems


def two_unit_masses() -> ParticleSystem:
    """The course's sanity system: unit masses at (+1, 0, 0) and (-1, 0, 0), G = 1, eps2 = 0."""
    x = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    return ParticleSystem(x=x, m=np.ones(2), eps2=0.0, G=1.0)


def coincident_pair_system(*, n: int = 5, eps2: float = 0.04, offset: float = 0.0) -> ParticleSystem:
    """Particles 0 and 1 at the same place (``offset`` apart along z), softened.

    With ``eps2 > 0`` this is a legal input. The coincident pair exerts no
    force, but it does have a stiffness: d F_01 / d x_0 = -G m_0 m_1 / eps2^(3/2)
    times the identity, which only index masking keeps.
    """
    rng = np.random.default_rng(20240)
    x = rng.uniform(-1.0, 1.0, size=(n, 3)) + 3.0 * np.arange(n)[:, None]  # spread out
    x[1] = x[0] + np.array([0.0, 0.0, offset])
    m = np.linspace(0.8, 1.6, n)
    return ParticleSystem(x=x, m=m, eps2=eps2, G=1.3)


def forces_point_wrong_way(seen, expected, *, parallel: float = 1e-6) -> str:
    """Why ``seen`` (N, 3) is not, particle by particle, parallel to ``expected``; '' if it is.

    Checks of properties (dtype, conservation, finiteness, compiling) use this
    as a gate, so that a function returning zeros or the positions cannot earn
    them. A sign or a per-particle factor (accelerations) passes the gate:
    those mistakes cost the value checks already.
    """
    seen = np.asarray(seen, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if seen.shape != expected.shape:
        return f"expected shape {expected.shape}, got {seen.shape}"
    if not np.all(np.isfinite(seen)):
        return "the forces contain NaN or inf"
    norms_e = np.linalg.norm(expected, axis=-1)
    norms_s = np.linalg.norm(seen, axis=-1)
    for i in np.flatnonzero(norms_e > 1e-9 * norms_e.max()):
        cosine = float(seen[i] @ expected[i]) / (norms_s[i] * norms_e[i]) if norms_s[i] > 0 else 0.0
        if abs(cosine) < 1 - parallel:
            return (
                f"particle {i}: the reference force is {np.array2string(expected[i], precision=5)}, "
                f"yours is {np.array2string(seen[i], precision=5)} (not along the same line)"
            )
    return ""


def gate_message(what: str, reason: str, values_check: str) -> str:
    return (
        f"This check counts only once {what} point along the true gravitational forces, and here they "
        f"do not: {reason}. Fix the values first (see the check {values_check!r})."
    )
