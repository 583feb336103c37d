"""Checks of the vmap_forces assignment: pairwise forces with a double vmap.

Numbers and structure are graded apart, so a solution written with plain
broadcasting earns every numeric check and loses only the structure check:

- the values checks compare with the reference in float64;
- the structure check watches what runs: in the child, ``pair_force`` is
  replaced by a recorder that counts the ``jax.vmap`` levels batching its
  arguments and scales its result, so two nested vmaps around a ``pair_force``
  the forces really come from pass (however written: aliases, partials,
  decorators), and unused vmap code next to broadcasting does not; the
  program-size check compares the programs exported at two N and read in the
  grader's confined verifier (``evidence.py``, ``nbody_evidence.py``), which
  catches Python loops (broadcasting passes);
- how the self-pair is excluded is checked by behaviour. Index masking and
  position masking give the same forces whenever they are legal to compare:
  at eps2 = 0 coincident particles are illegal, and with eps2 > 0 a
  coincident pair exerts zero force either way (x_i - x_j = 0). What differs
  is the derivative: with softening the coincident pair has a stiffness
  dF_01/dx_0 = -G m_0 m_1 / eps2^(3/2) I. An index mask keeps it, so the
  Jacobian is continuous as particle 1 slides onto particle 0; a mask that
  compares positions (``x_i == x_j``, ``r2 == 0``) drops it exactly at the
  coincidence, and the Jacobian jumps. The check compares the student's
  Jacobian at the coincidence with the student's own Jacobian a hair away.

Property checks (dtype, finiteness, masking, structure, program size) are
gated on forces that point along the true ones, so a function returning
zeros cannot collect them.
"""
from __future__ import annotations

import functools

import numpy as np

from ..checking import evidence, tolerances
from ..checking.evidence import relative_difference
from ..checking.framework import CheckRegistry, Fail, Gate, NotShown, as_float_array, require_close, require_dtype
from ..checking.property_inputs import Inputs, reference_value, student_value, student_value64
from ..shipped import diagnosis
from .physics import nbody_evidence
from .physics import nbody_systems as systems

REGISTRY = CheckRegistry("vmap_forces")
USES_EXPORTED_PROGRAMS = True  # grading starts the verifier alongside the child (autograder/verifier)

SIZES = (2, 9, 24)
EXPORT_SIZES = (9, 24)  # sizes of the values check's softened systems (their eps2, G fill the baked routes)
SEED = 20253
VALUE_TOLERANCE = tolerances.VALUES
FLOAT32_TOLERANCE = tolerances.FLOAT32
# Coincidence test: particle 1 sits on particle 0, then SLIDE * sqrt(eps2) away.
# The pair's stiffness changes by ~SLIDE^2 = 1e-8 of itself, the other pairs'
# by less; a dropped stiffness is the largest entry of the Jacobian.
SLIDE = 1e-4
CONTINUITY_TOLERANCE = 1e-6

PAIR_FORCE_FACTOR = 3.0  # the recorded pair_force returns this multiple of the true pair force
SCALED_TOLERANCE = tolerances.CONSISTENCY  # the same computation, scaled: round-off only
FORCE_CHECK = "vmap_forces matches the reference on random systems (float64)"
NAN_FIX = (
    "Keep i == j from ever dividing by zero: replace the self-pair's softening (or its separation) "
    "by a safe value before calling pair_force, then mask the result by index (the double-`where` "
    "trick). A single `jnp.where` on the result hides the 1/0 from the value, not from reverse-mode "
    "derivatives: they multiply the discarded branch's inf by 0, and 0 * inf = NaN."
)
_require_finite = functools.partial(tolerances.require_finite_array, fix=NAN_FIX)  # what= names the array


@functools.lru_cache(maxsize=1)
def _drawn_systems() -> tuple:
    return tuple(systems.draw_systems(sizes=SIZES, seed=SEED))


def _system(n: int, *, softened: bool) -> systems.ParticleSystem:
    return next(s for s in _drawn_systems() if s.n == n and (s.eps2 > 0) == softened)


def _student_forces(ctx, system: systems.ParticleSystem) -> np.ndarray:
    """The student's vmap_forces on ``system`` in float64, compiled when it traces, computed once per grading."""
    return student_value64(ctx, "vmap_forces", system.inputs())


def _reference_forces(ctx, system: systems.ParticleSystem) -> np.ndarray:
    return reference_value(ctx, "vmap_forces", system.inputs())


def _verify_forces(ctx) -> None:
    """The loose gate: on every softened system of the values check, forces along the true ones."""
    for system in _drawn_systems():
        if system.eps2 > 0:  # eps2 = 0 is the finiteness check's own subject
            reason = systems.forces_point_wrong_way(_student_forces(ctx, system), _reference_forces(ctx, system))
            if reason:
                raise NotShown(
                    "does not compute forces along the gravitational ones", f"{system.describe()}: {reason}."
                )


FORCES = Gate("vmap_forces", _verify_forces, counts="the float32, eps2 = 0, masking and structure checks",
              fix=f"sum pair_force over j != i (see the check {FORCE_CHECK!r}).")


def _require_plausible_forces(ctx, system: systems.ParticleSystem) -> np.ndarray:
    ctx.require(FORCES)
    forces = _student_forces(ctx, system)
    reason = systems.forces_point_wrong_way(forces, _reference_forces(ctx, system))
    if reason:
        raise Fail(systems.gate_message(f"your forces ({system.describe()})", reason, FORCE_CHECK))
    return forces


PAIR_FIX = diagnosis.PAIR_FORCE_FIX


def _require(message: str | None) -> None:
    """Fail with a shared verdict's message (None: the property holds)."""
    if message is not None:
        raise Fail(message)


@REGISTRY.check("pair_force matches the reference for single pairs (float64)", points=1, public=True)
def pair_force_values(ctx):
    pairs = [(systems.two_unit_masses(), 0, 1)]
    pairs += [(s, i, j) for s in _drawn_systems() if s.n >= 9 for i, j in ((0, 1), (5, 2))]
    for system, i, j in pairs:
        args = [system.x[i], system.x[j], np.float64(system.m[i]), np.float64(system.m[j])]
        call = Inputs(tuple(args), {"eps2": system.eps2, "G": system.G})
        seen = as_float_array(student_value(ctx, "pair_force", call), what="pair_force")
        expected = reference_value(ctx, "pair_force", call)
        # The verdict and its diagnosis are shared with the public test (autograder/shipped/diagnosis.py).
        _require(diagnosis.forces_verdict(seen, expected, G=system.G, tolerance=VALUE_TOLERANCE, law_fix=PAIR_FIX,
                                          what=f"pair_force(x[{i}], x[{j}], m[{i}], m[{j}]) ({system.describe()})"))
    return f"pair_force matches on {len(pairs)} pairs (eps2 = 0 and > 0)."


@REGISTRY.check(FORCE_CHECK, points=2, public=True)
def force_values(ctx):
    for system in _drawn_systems():
        seen = _student_forces(ctx, system)
        expected = _reference_forces(ctx, system)
        _require(diagnosis.forces_verdict(seen, expected, G=system.G, m=system.m, tolerance=VALUE_TOLERANCE,
                                          law_fix=diagnosis.VMAP_SUM_FIX,
                                          what=f"vmap_forces ({system.describe()}), index (particle, axis)"))
    return f"Forces match on {len(_drawn_systems())} systems (N up to {max(SIZES)}, eps2 = 0 included)."


@REGISTRY.check("Float32 inputs give float32 forces that agree with float64", points=1)
def float32_preserved(ctx):
    ctx.require(FORCES)
    system = _system(9, softened=True)
    single = system.as_dtype(np.float32)
    double = systems.ParticleSystem(
        x=single.x.astype(np.float64), m=single.m.astype(np.float64), eps2=single.eps2, G=single.G
    )
    own64 = _require_plausible_forces(ctx, double)
    seen = student_value(ctx, "vmap_forces", single.inputs())
    require_dtype(seen, expected="float32", what="vmap_forces of float32 inputs")
    require_close(seen, own64, what="vmap_forces in float32 vs your float64 result", tolerance=FLOAT32_TOLERANCE,
                  fix="Compute in the input's dtype throughout.")
    return "float32 in, float32 out, within 1e-5 of float64."


@REGISTRY.check("Finite forces and derivatives at eps2 = 0, reverse mode included", points=2)
def finite_at_zero_softening(ctx):
    ctx.require(FORCES)
    system = _system(9, softened=False)
    _require_finite(_student_forces(ctx, system), what=f"vmap_forces at eps2 = 0 ({system.describe()})")
    _require_plausible_forces(ctx, system)
    for mode in ("jacrev", "jacfwd"):
        jacobian = student_value(ctx, "vmap_forces", system.inputs(), transforms=[{"kind": mode, "argnums": 0}])
        _require_finite(jacobian, what=f"jax.{mode}(vmap_forces) at eps2 = 0 (index: particle, axis, particle, axis)")
    return "Forces and their Jacobians (reverse and forward mode) are finite at eps2 = 0."


@REGISTRY.check("Self-interaction excluded by index, not by comparing positions", points=1)
def masked_by_index(ctx):
    ctx.require(FORCES)
    at = systems.coincident_pair_system()
    near = systems.coincident_pair_system(offset=SLIDE * np.sqrt(at.eps2))
    _require_plausible_forces(ctx, near)
    jacobians = {}
    for label, system in (("coincident", at), ("a hair apart", near)):
        jacobians[label] = as_float_array(
            student_value(ctx, "vmap_forces", system.inputs(), transforms=[{"kind": "jacfwd", "argnums": 0}]),
            what="jacobian"
        )
    _require_finite(jacobians["coincident"], what="jax.jacfwd(vmap_forces) with particles 0 and 1 coincident, eps2 > 0")
    jump = jacobians["coincident"] - jacobians["a hair apart"]
    scale = float(np.max(np.abs(jacobians["a hair apart"])))
    relative = float(np.max(np.abs(jump))) / scale if scale > 0 else float(np.max(np.abs(jump)))
    if not relative <= CONTINUITY_TOLERANCE:
        stiffness = at.G * at.m[0] * at.m[1] / at.eps2**1.5
        raise Fail(
            f"Particles 0 and 1 at the same place with eps2 = {at.eps2:g} (legal: softening keeps the force "
            f"finite). Their pair exerts no force, but it has a stiffness: d F_0 / d x_0 includes "
            f"-G m_0 m_1 / eps2^(3/2) = {-stiffness:.6g} on the diagonal. Expected your Jacobian at the "
            f"coincidence to match your Jacobian with particle 1 moved {SLIDE * np.sqrt(at.eps2):.1e} away "
            f"(smooth forces change smoothly); they differ by {relative:.3e} of the largest entry, at index "
            f"{tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(jump)), jump.shape))}. This is what a "
            "self-pair mask that compares positions (x_i == x_j, or a zero distance) does: it also drops "
            "distinct particles that happen to coincide. How to fix: pass the indices i and j through the "
            "two vmaps (e.g. jnp.arange(N)) and mask where i == j."
        )
    return "The Jacobian is continuous through a coincidence: self-pairs are masked by index."


def _recorded_run(ctx, system: systems.ParticleSystem) -> dict:
    """vmap_forces with pair_force recorded and scaled by PAIR_FORCE_FACTOR (child program, cached)."""
    return ctx.remember(("recorded pair_force", system.describe()), lambda: ctx.program(
        "forces_with_recorded_pair_force", system.x, system.m, system.eps2, system.G, PAIR_FORCE_FACTOR))


@REGISTRY.check("vmap_forces is two nested jax.vmap calls around pair_force", points=2)
def double_vmap_structure(ctx):
    """Structure by what runs, not by what the source says: in the child,
    pair_force (the module attribute and the function object, so aliases,
    functools.partial and decorators all reach it) is replaced by a recorder
    that notes how many jax.vmap levels batch its arguments and returns
    PAIR_FORCE_FACTOR times the true pair force. A double vmap shows two
    levels, and forces PAIR_FORCE_FACTOR times your own."""
    system = _system(9, softened=True)
    own = _require_plausible_forces(ctx, system)
    recorded = _recorded_run(ctx, system)
    levels = [int(level) for level in recorded["levels"]]
    scaled = as_float_array(recorded["forces"], what="vmap_forces with a recorded pair_force")
    how = (
        "How to fix: write one pair's force as a function of (x_i, x_j, m_i, m_j) that calls pair_force "
        "(masking i == j by index), then `over_j = jax.vmap(that, in_axes=(None, 0, None, 0, ...))` and "
        "`over_i = jax.vmap(over_j, in_axes=(0, None, 0, None, ...))`, and sum the (N, N, 3) result over j."
    )
    if not levels:
        raise Fail("vmap_forces never called pair_force while computing the forces (it was replaced by a recorder "
                   "that saw no call). The assignment builds all N x N pair forces from pair_force itself, lifted by "
                   "two nested jax.vmap calls; code that is never run does not count. " + how)
    deepest = max(levels)
    if deepest < 2:
        found = "no jax.vmap" if deepest == 0 else "one jax.vmap"
        calls = f"{recorded['calls']} call{'s' if recorded['calls'] != 1 else ''}"
        raise Fail(f"Expected pair_force to run under two nested jax.vmap levels (inner over j, outer over i); it "
                   f"ran under {found} ({calls} traced). Broadcasting or loops give the right numbers, and those "
                   "earned their points; this check is about the vmap structure. " + how)
    difference = relative_difference(scaled, PAIR_FORCE_FACTOR * own)
    if not difference <= SCALED_TOLERANCE:
        raise Fail(f"pair_force ran under two jax.vmap levels, but the forces do not come from it: with pair_force "
                   f"returning {PAIR_FORCE_FACTOR:g} times its force, expected forces {PAIR_FORCE_FACTOR:g} times "
                   f"yours ({system.describe()}); they differ by {difference:.2e} (relative). Return the sum over "
                   "j of the double-vmapped pair_force. " + how)
    return f"pair_force ran under {deepest} nested jax.vmap levels, and the forces come from it."


@REGISTRY.check("The traced program does not grow with N (no Python loop over particles)", points=1)
def program_size_independent_of_n(ctx):
    """Sizes of the programs exported from vmap_forces (evidence.py), read here, not in the child."""
    _require_plausible_forces(ctx, _system(9, softened=True))
    programs = _exported_programs(ctx)
    (small_n, small), (large_n, large) = sorted(programs.items())
    if evidence.grows(small, large):
        raise Fail(
            f"The compiled program of vmap_forces has {small.operation_count} operations at N = {small_n} but "
            f"{large.operation_count} at N = {large_n}; expected the same size for every N. A Python loop over "
            "particles (or over the j axis when summing) unrolls into the program. How to fix: let the two vmaps "
            "cover all pairs and reduce with jnp.sum(..., axis=1)."
        )
    return (f"Compiled program size: {small.operation_count} operations at N = {small_n}, "
            f"{large.operation_count} at N = {large_n}.")


def _exported_programs(ctx) -> dict:
    """{N: Evidence}: vmap_forces exported at EXPORT_SIZES, checked in the verifier (nbody_evidence, cached)."""

    def gather():
        baked = (_system(EXPORT_SIZES[0], softened=True).eps2, _system(EXPORT_SIZES[0], softened=True).G)
        programs = nbody_evidence.verified_programs(
            ctx, "vmap_forces", EXPORT_SIZES, arrays=lambda s, rng: [s.x, s.m], baked=baked,
            same_quantity=_same_forces, own=lambda s, args: _student_forces(ctx, s), kinds=(True,))
        failed = next((p for p in programs.values() if p.route is None), None)
        if failed is not None:
            raise Fail("vmap_forces could not be compiled into a program:\n" + evidence.summarize_failures(failed))
        return programs

    return ctx.remember("vmap_forces exported", gather)


def _same_forces(seen, expected, system) -> str:
    """The gate's verdict on a program's forces: along the reference's, particle by particle."""
    if len(seen) != 1:
        return f"it returned {len(seen)} arrays, expected the forces alone"
    return systems.forces_point_wrong_way(seen[0], expected[0])


# -- public-test fixture (computed by `jaxgrade regenerate`, 64-bit mode on) -----


def public_fixture(*, reference, inputs):
    """Reference answers on fixed inputs for tests/fixtures/vmap_forces.npz (name -> array)."""
    import jax

    vmap_forces = jax.jit(reference.vmap_forces)
    rng = np.random.default_rng(303)
    x, m = rng.normal(size=(8, 3)), rng.uniform(0.5, 1.5, size=8)
    eps2, G = 0.02, 1.0
    return {
        "x": x, "m": m, "eps2": np.float64(eps2), "G": np.float64(G),
        "pair_force_01": np.asarray(reference.pair_force(x[0], x[1], m[0], m[1], eps2=eps2, G=G)),
        "forces": np.asarray(vmap_forces(x, m, eps2, G)),
        "forces_eps0": np.asarray(vmap_forces(x, m, 0.0, G)),
    }
