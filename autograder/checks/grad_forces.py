"""Checks of the grad_forces assignment: forces as ``-jax.grad`` of the potential.

Each check isolates one idea, so that one mistake costs one check where the
physics allows it:

- the values checks compare with the reference in float64, tightly enough
  (1e-12, max-normalised) that finite differences cannot pass: autodiff
  reaches ~3e-16 on these systems, the best central difference ~5e-10;
- the float32, third-law and jit checks compare the student's results with
  the student's own float64 results or with a conservation law, so a wrong
  force law is not charged several times over;
- the eps2 = 0 check differentiates twice (forward and reverse mode), which
  is where a self-pair masked by a single ``jnp.where`` turns into NaN;
- the autodiff check is behavioural: in the child, ``potential_energy`` gets
  a ``jax.custom_jvp`` rule (a factor and an added field, drawn per grading),
  and is replaced by a potential of another form; forces from
  ``jax.grad(potential_energy)`` follow both, hand-derived or finite-difference
  forces neither (``child/programs_behaviour.py``).

The property checks (autodiff, third law, float32, eps2 = 0, jit) are gated on forces
that point along the true ones, so a function returning zeros or the
positions cannot collect them.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from ..checking import tolerances
from ..checking.evidence import relative_difference
from ..checking.framework import CheckRegistry, Fail, Gate, NotShown, as_float_array, require_close, require_dtype
from ..checking.property_inputs import Inputs, reference_value, student_value, student_value64
from ..shipped import diagnosis
from .physics import nbody_systems as systems

REGISTRY = CheckRegistry("grad_forces")

SIZES = (2, 7, 32)  # few sizes: every new N compiles the student's code again
SEED = 20251
VALUE_TOLERANCE = tolerances.VALUES  # 1e-12; reference vs NumPy pair loop: <= 5e-16 on these systems
TWO_BODY_TOLERANCE = 1e-6  # a sanity check of sign and factors, not of precision (finite differences land near 1e-9)
THIRD_LAW_TOLERANCE = 1e-7  # |sum_i F_i| / max |F_i|: round-off ~1e-15, finite differences ~1e-9, real violations O(1)
FLOAT32_TOLERANCE = tolerances.FLOAT32  # 1e-5; float32 autodiff lands near 3e-7
JIT_TOLERANCE = tolerances.JIT  # 1e-10; XLA may reorder sums; anything larger is a different function

AUTODIFF_CHECK = "grad_forces differentiates potential_energy: it follows potential_energy's derivative rule"
AUTODIFF_TOLERANCE = tolerances.CONSISTENCY  # 1e-9; the same computation twice, scaled and shifted
FOREIGN_TOLERANCE = 1e-11  # autodiff of plane waves ~1e-15; the best central difference ~4e-11
FORCE_CHECK = "grad_forces matches the analytic force to machine precision (float64)"

NAN_FIX = (
    "Use the double-`where` trick: replace the self-pair squared distance by a safe value "
    "(say 1) before the square root and the division, then mask the result by index. A "
    "single `jnp.where` on the result hides the 1/0 from the value, not from the derivative."
)


@functools.lru_cache(maxsize=1)
def _drawn_systems() -> tuple:
    return tuple(systems.draw_systems(sizes=SIZES, seed=SEED))


def _softened(n: int) -> systems.ParticleSystem:
    return next(s for s in _drawn_systems() if s.n == n and s.eps2 > 0)


def _unsoftened(n: int) -> systems.ParticleSystem:
    return next(s for s in _drawn_systems() if s.n == n and s.eps2 == 0)


def _student(ctx, function: str, system: systems.ParticleSystem):
    """The student's ``function`` on ``system`` in float64, computed once per grading.

    Runs compiled when the code traces (see ``call_compiled``): same numbers,
    a fraction of the eager compile time. Code that does not trace still
    gets its values graded; ``works_under_jit`` is where that costs points.
    """
    return student_value64(ctx, function, system.inputs())


def _reference(ctx, function: str, system: systems.ParticleSystem) -> np.ndarray:
    return reference_value(ctx, function, system.inputs())


def _require(message: str | None) -> None:
    """Fail with a shared verdict's message (None: the property holds)."""
    if message is not None:
        raise Fail(message)


def _verify_forces(ctx) -> None:
    """The loose gate: on every softened system of the values check, forces along the true ones."""
    for system in _drawn_systems():
        if system.eps2 > 0:  # eps2 = 0 is the finiteness check's own subject
            reason = systems.forces_point_wrong_way(
                _student(ctx, "grad_forces", system), _reference(ctx, "grad_forces", system)
            )
            if reason:
                raise NotShown(
                    "does not compute forces along the gravitational ones", f"{system.describe()}: {reason}."
                )


FORCES = Gate("grad_forces", _verify_forces, counts="the third-law, float32, eps2 = 0 and jit checks",
              fix=f"make grad_forces return -jax.grad(potential_energy) (see the check {FORCE_CHECK!r}).")


def _require_plausible_forces(ctx, system: systems.ParticleSystem, forces) -> None:
    """The property checks' gate: forces along the true ones (see ``forces_point_wrong_way``)."""
    ctx.require(FORCES)
    reason = systems.forces_point_wrong_way(forces, _reference(ctx, "grad_forces", system))
    if reason:
        raise Fail(systems.gate_message(f"your forces ({system.describe()})", reason, FORCE_CHECK))


@REGISTRY.check("Two unit masses at x = +1 and -1 attract with |F| = 1/4", points=1, public=True)
def two_body_forces(ctx):
    system = systems.two_unit_masses()
    seen = _student(ctx, "grad_forces", system)
    expected = np.array([[-0.25, 0.0, 0.0], [0.25, 0.0, 0.0]])
    # The verdict and its diagnosis are shared with the public test (autograder/shipped/diagnosis.py).
    _require(diagnosis.forces_verdict(seen, expected, what="grad_forces of two unit masses 2 apart (G = 1, eps2 = 0)",
                                      G=system.G, m=system.m, tolerance=TWO_BODY_TOLERANCE))
    return "Each mass feels |F| = 1/4 towards the other."


@REGISTRY.check("potential_energy matches the reference on random systems (float64)", points=1, public=True)
def potential_values(ctx):
    for system in (systems.two_unit_masses(), *_drawn_systems()):
        seen = _student(ctx, "potential_energy", system)
        expected = _reference(ctx, "potential_energy", system)
        _require(diagnosis.potential_verdict(seen, expected, what=f"potential_energy ({system.describe()})",
                                             G=system.G, tolerance=VALUE_TOLERANCE))
    return f"W matches the reference on {1 + len(_drawn_systems())} systems (N up to {max(SIZES)}, eps2 = 0 included)."


@REGISTRY.check(FORCE_CHECK, points=2)
def force_values(ctx):
    for system in _drawn_systems():
        seen = _student(ctx, "grad_forces", system)
        expected = _reference(ctx, "grad_forces", system)
        what = f"grad_forces ({system.describe()}), index (particle, axis)"
        _require(diagnosis.forces_verdict(seen, expected, what=what, G=system.G, m=system.m, tolerance=VALUE_TOLERANCE))
    return f"Forces agree with the analytic law to 1e-12 on {len(_drawn_systems())} systems."


@dataclasses.dataclass(frozen=True)
class AutodiffProbe:
    """The derivative rules of one grading, drawn afresh (``draw_probe``), never from a fixed seed.

    The marked rule: ``potential_energy``'s derivative times ``factor`` plus
    ``field``, so -jax.grad gives ``factor * F - field``. The foreign potential:
    ``G sum_i m_i sum_k a_k cos(k_k . x_i + phi_k)``, whose forces the grader
    computes here (``foreign_forces``).
    """

    factor: float
    field: np.ndarray  # (N, 3)
    wavevectors: np.ndarray  # (K, 3)
    amplitudes: np.ndarray  # (K,)
    phases: np.ndarray  # (K,)

    def foreign_forces(self, system: systems.ParticleSystem) -> np.ndarray:
        """-grad of the foreign potential: G m_i sum_k a_k sin(k_k . x_i + phi_k) k_k."""
        sines = np.sin(system.x @ self.wavevectors.T + self.phases) * self.amplitudes
        return system.G * system.m[:, None] * (sines @ self.wavevectors)


def draw_probe(system: systems.ParticleSystem, force_scale: float, rng=None) -> AutodiffProbe:
    """Fresh rules for ``system``: OS entropy unless ``rng`` is given, so no submission can know them in advance."""
    rng = rng if rng is not None else np.random.default_rng()
    spread = float(np.std(system.x)) or 1.0
    return AutodiffProbe(
        factor=float(rng.uniform(1.5, 4.5)),
        field=force_scale * rng.normal(size=system.x.shape),
        wavevectors=rng.normal(size=(4, 3)) / spread,
        amplitudes=force_scale * spread * rng.uniform(0.5, 1.5, size=4),
        phases=rng.uniform(0.0, 2 * np.pi, size=4),
    )


@REGISTRY.check(AUTODIFF_CHECK, points=1)
def forces_by_autodiff(ctx):
    """Autodiff, verified by behaviour on two independent signals, with rules drawn for this
    grading only (an in-process probe can be detected, see docs/checks.md; it cannot be
    known in advance): (1) potential_energy keeps its values but carries a custom_jvp rule,
    factor times its true derivative plus a field; (2) potential_energy is replaced by an
    external-field potential of another form. Forces from jax.grad(potential_energy) follow
    both; hand-derived or finite-difference forces follow neither."""
    ctx.require(FORCES)
    system = _softened(7)
    own = _student(ctx, "grad_forces", system)
    scale = float(np.max(np.abs(_reference(ctx, "grad_forces", system))))
    probe = ctx.remember("autodiff probe", lambda: draw_probe(system, scale))
    marked = as_float_array(
        ctx.program("forces_with_marked_potential", system.x, system.m, system.eps2, system.G, probe.factor,
                    probe.field),
        what="grad_forces with a marked potential_energy",
    )
    foreign = as_float_array(
        ctx.program("forces_with_foreign_potential", system.x, system.m, system.eps2, system.G, probe.wavevectors,
                    probe.amplitudes, probe.phases),
        what="grad_forces with another potential_energy",
    )
    # The gate lets a sign or a per-particle factor through (accelerations, +grad): those are autodiff too,
    # so each particle's factor is read from the student's own forces and applied to what the probes add.
    factors = _per_particle_factors(own, _reference(ctx, "grad_forces", system))
    problems = [_marked_problem(marked, own, probe, system, factors),
                _foreign_problem(foreign, own, probe, system, factors)]
    problems = [p for p in problems if p]
    if not problems:
        return ("grad_forces follows potential_energy's derivative rule and differentiates whatever "
                f"potential_energy is: the forces come from jax.grad ({system.describe()}).")
    raise Fail(
        "grad_forces must be -jax.grad(potential_energy): the assignment teaches automatic differentiation. "
        + " ".join(problems)
        + " Hand-derived forces are exact but are not what this assignment teaches, and finite differences are "
        "neither. How to fix: `return -jax.grad(potential_energy)(x, m, eps2, G)`, calling the module's own "
        "potential_energy."
    )


def _per_particle_factors(own, reference) -> np.ndarray:
    """(N, 1): each particle's force as a multiple of the reference's (1 for the assignment's forces)."""
    own, reference = np.asarray(own, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    norms = np.sum(reference * reference, axis=1, keepdims=True)
    return np.sum(own * reference, axis=1, keepdims=True) / np.where(norms > 0, norms, 1.0)


def _signs(factors) -> list:
    """How grad_forces may map -grad of potential_energy and still be autodiff: as is, negated, or per particle."""
    return [1.0, -1.0, factors, -factors]


def _closest(seen, candidates) -> tuple:
    """(difference, index) of the candidate ``seen`` is closest to."""
    return min(((relative_difference(seen, c), i) for i, c in enumerate(candidates)), key=lambda pair: pair[0])


def _marked_problem(marked, own, probe: AutodiffProbe, system, factors) -> str:
    # -grad (or +grad) of the module's own potential, whatever it is, or each particle's factor of it
    candidates = [probe.factor * own - s * probe.field for s in _signs(factors)]
    difference, best = _closest(marked, candidates)
    expected = candidates[best]
    if difference <= AUTODIFF_TOLERANCE:
        return ""
    unchanged = relative_difference(marked, own) <= AUTODIFF_TOLERANCE
    seen = ("your forces did not change at all: they do not come from differentiating potential_energy"
            if unchanged else
            f"forces that differ from that by {relative_difference(marked, expected):.2e} (relative): they do not "
            "come from jax.grad of the module's potential_energy alone")
    return (f"Expected: with potential_energy given a derivative rule (jax.custom_jvp) that multiplies its true "
            f"derivative by {probe.factor:.4g} and adds a fixed field, forces {probe.factor:.4g} times yours minus "
            f"that field ({system.describe()}). Seen: {seen}.")


def _foreign_problem(foreign, own, probe: AutodiffProbe, system, factors) -> str:
    candidates = [s * probe.foreign_forces(system) for s in _signs(factors)]
    difference, best = _closest(foreign, candidates)
    expected = candidates[best]
    if difference <= FOREIGN_TOLERANCE:
        return ""
    unchanged = relative_difference(foreign, own) <= AUTODIFF_TOLERANCE
    seen = ("your gravitational forces, unchanged: grad_forces does not differentiate potential_energy"
            if unchanged else
            f"forces that differ from -grad of that potential by {relative_difference(foreign, expected):.2e} "
            "(relative)")
    return (f"Expected: with potential_energy replaced by another potential (an external field, "
            f"G sum_i m_i sum_k a_k cos(k_k . x_i + phi_k)), the forces -grad of that potential "
            f"({system.describe()}). Seen: {seen}.")


def _ratio(seen, reference) -> float:
    reference = np.asarray(reference, dtype=np.float64)
    return (
        float(np.sum(np.asarray(seen) * reference) / np.sum(reference * reference))
        if np.any(reference)
        else float("nan")
    )


@REGISTRY.check("Newton's third law: the forces on all particles sum to zero", points=1)
def third_law(ctx):
    ctx.require(FORCES)
    for system in (_softened(7), _softened(32)):
        forces = _student(ctx, "grad_forces", system)
        _require_plausible_forces(ctx, system, forces)
        total = forces.sum(axis=0)
        scale = float(np.max(np.abs(forces)))
        imbalance = float(np.max(np.abs(total))) / scale if scale > 0 else float("inf")
        if not imbalance <= THIRD_LAW_TOLERANCE:
            raise Fail(
                f"Total force on the system ({system.describe()}): expected (0, 0, 0) up to round-off "
                f"(|sum F| / max |F| <= {THIRD_LAW_TOLERANCE:g}), saw {np.array2string(total, precision=6)} "
                f"(relative {imbalance:.3e}). Gravity pairs up: F_ij = -F_ji, so the total must vanish. "
                "How to fix: return the force -dW/dx_i itself, not the acceleration (do not divide "
                "by m_i), and build W from the differences x_i - x_j only."
            )
    return "Sum of forces is zero to round-off (N = 7 and 32)."


@REGISTRY.check("Float32 inputs give float32 results that agree with your own float64 results", points=1)
def float32_preserved(ctx):
    ctx.require(FORCES)
    # One system with Python-float scalars, one with float32 0-d arrays: both are legal.
    for system, scalars_as_arrays in ((_softened(7), False), (_softened(32), True)):
        single = system.as_dtype(np.float32)
        eps2, G = (np.float32(single.eps2), np.float32(single.G)) if scalars_as_arrays else (single.eps2, single.G)
        kind = "float32 arrays" if scalars_as_arrays else "Python floats"
        for function in ("potential_energy", "grad_forces"):
            seen = student_value(ctx, function, Inputs((single.x, single.m), {"eps2": eps2, "G": G}))
            require_dtype(seen, expected="float32", what=f"{function} of float32 inputs (eps2 and G as {kind})")
            double = systems.ParticleSystem(
                x=single.x.astype(np.float64), m=single.m.astype(np.float64), eps2=single.eps2, G=single.G
            )
            own64 = _student(ctx, function, double)
            if function == "grad_forces":
                _require_plausible_forces(ctx, double, own64)
            # The verdict is shared with the public float32 test (autograder/shipped/diagnosis.py).
            _require(diagnosis.float32_verdict(
                seen, own64, what=f"{function} in float32 vs your own float64 result ({system.describe()})"))
    return "float32 in, float32 out, within 1e-5 of float64."


@REGISTRY.check("Finite forces and second derivatives at eps2 = 0 (no NaN from self-pairs)", points=2)
def finite_at_zero_softening(ctx):
    ctx.require(FORCES)
    system = _unsoftened(7)
    forces = _student(ctx, "grad_forces", system)
    require_finite = tolerances.require_finite_array
    require_finite(forces, what=f"grad_forces at eps2 = 0 ({system.describe()}, distinct particles)", fix=NAN_FIX)
    _require_plausible_forces(ctx, system, forces)
    for mode in ("jacfwd", "jacrev"):
        jacobian = student_value(ctx, "grad_forces", system.inputs(), transforms=[{"kind": mode, "argnums": 0}])
        require_finite(
            jacobian,
            what=f"jax.{mode}(grad_forces) at eps2 = 0 (index: force particle, axis, position particle, axis)",
            fix=NAN_FIX + (" Reverse mode (jacrev) multiplies the discarded branch's infinite "
                           "derivative by a zero cotangent, and 0 * inf = NaN." if mode == "jacrev" else ""),
        )
    mass_gradient = student_value(ctx, "potential_energy", system.inputs(), transforms=[{"kind": "grad", "argnums": 1}])
    require_finite(mass_gradient, what="jax.grad(potential_energy, argnums=1) (the masses) at eps2 = 0", fix=NAN_FIX)
    return "Forces, their Jacobians (forward and reverse mode) and dW/dm are finite at eps2 = 0."


@REGISTRY.check("grad_forces and potential_energy work under jax.jit", points=1)
def works_under_jit(ctx):
    ctx.require(FORCES)
    system = _softened(7)
    args = (system.x, system.m, system.eps2, system.G)  # all traced under jit
    for function in ("potential_energy", "grad_forces"):
        jitted = as_float_array(ctx.call(function, *args, transforms=[{"kind": "jit"}]), what=f"jax.jit({function})")
        plain = _student(ctx, function, system)
        if function == "grad_forces":
            _require_plausible_forces(ctx, system, plain)
        require_close(
            jitted, plain, what=f"jax.jit({function}) vs your {function} called directly ({system.describe()})",
            tolerance=JIT_TOLERANCE,
            fix="Keep the function pure: no Python `if` on eps2 or G, no NumPy calls on traced arrays, "
            "no state kept between calls.",
        )
    return "Both functions trace and compile under jax.jit with eps2 and G traced."


# -- public-test fixture (computed by `jaxgrade regenerate`, 64-bit mode on) -----


def public_fixture(*, reference, inputs):
    """Reference answers on fixed inputs for tests/fixtures/grad_forces.npz (name -> array)."""
    import jax

    potential_energy, grad_forces = jax.jit(reference.potential_energy), jax.jit(reference.grad_forces)
    rng = np.random.default_rng(101)
    x, m = rng.normal(size=(8, 3)), rng.uniform(0.5, 1.5, size=8)
    eps2, G = 0.01, 1.3
    return {
        "x": x, "m": m, "eps2": np.float64(eps2), "G": np.float64(G),
        "potential": np.asarray(potential_energy(x, m, eps2, G)),
        "forces": np.asarray(grad_forces(x, m, eps2, G)),
        "potential_eps0": np.asarray(potential_energy(x, m, 0.0, G)),
        "forces_eps0": np.asarray(grad_forces(x, m, 0.0, G)),
    }
