"""Checks of the jit_potential assignment: a compiled potential that never
recompiles needlessly.

Compiling is judged from evidence the student's process cannot rewrite
(``jit_potential/evidence.py``): each function is exported with ``jax.export``
on abstract inputs, and the program is read and run in the grader's confined
verifier. Only a ``jax.jit`` function exports as itself; a static eps2 or G
cannot take an abstract value; a Python loop over particles makes the program
grow with N. Nothing counts until the exported program computes the
energies on inputs the child never saw, and the student's own results on others.

The values checks hold W to the reference; the checks of jitting, compiling,
program size, dtype and finiteness are gated (``ctx.require``) on the
student's W being the pair potential up to a named whole-factor slip (sign,
double count, forgotten G) and (K, W, E) being the energies, so that a jitted
placeholder cannot collect them.
"""
from __future__ import annotations

import functools

import numpy as np

from ...checking import tolerances
from ...checking.framework import CheckRegistry, Fail, Gate, NotShown, as_float_array, require_close, require_dtype
from ...checking.loose_gates import not_the_same_quantity
from ...checking.properties import require_matches_reference
from ...checking.property_inputs import Inputs, reference_value, student_value, student_value64
from ...shipped import diagnosis
from ..physics import nbody_systems as systems
from . import evidence as evidence_of

REGISTRY = CheckRegistry("jit_potential")
USES_EXPORTED_PROGRAMS = True  # grading starts the verifier alongside the child (autograder/verifier)

VALUE_SIZES = (3, 9)
SEED = 20252
VALUE_TOLERANCE = tolerances.VALUES
FLOAT32_TOLERANCE = tolerances.FLOAT32

W_CHECK = "potential_energy_jit matches the reference on random systems (float64)"
W_FIX = (
    "W = -G sum_{i<j} m_i m_j / sqrt(|x_i - x_j|^2 + eps2), each pair once, no self-pairs, eps2 the only softening."
)
STATIC_FIX = (
    "Decorate the function itself with @jax.jit and keep eps2 and G traced: leave them out of "
    "static_argnums/static_argnames (a static argument recompiles for every new value), and do not "
    "call jax.jit inside the function (that builds and compiles a new program on every call)."
)


@functools.lru_cache(maxsize=1)
def _value_systems() -> tuple:
    return tuple(systems.draw_systems(sizes=VALUE_SIZES, seed=SEED))


def _velocities(system: systems.ParticleSystem) -> np.ndarray:
    """Deterministic velocities for ``system``, shape (N, 3)."""
    return np.random.default_rng(system.n).normal(size=system.x.shape)


def _inputs(system: systems.ParticleSystem) -> Inputs:
    """The call ``potential_energy_jit(x, m, eps2, G)``, every argument positional as the handout calls it."""
    return Inputs((system.x, system.m, system.eps2, system.G), label=system.describe())


def _total_inputs(system: systems.ParticleSystem, v=None) -> Inputs:
    """The call ``total_energy_jit(x, v, m, eps2, G)``, with deterministic velocities unless ``v`` is given."""
    v = _velocities(system) if v is None else v
    return Inputs((system.x, v, system.m, system.eps2, system.G), label=system.describe())


def _student_potential(ctx, system: systems.ParticleSystem) -> np.ndarray:
    """The student's W on ``system`` in float64, computed once per grading (the helper layer's memo)."""
    return student_value64(ctx, "potential_energy_jit", _inputs(system))


def _reference_potential(ctx, system: systems.ParticleSystem) -> np.ndarray:
    return reference_value(ctx, "potential_energy_jit", _inputs(system))


def _verify_potential(ctx) -> None:
    """The loose gate: W is the reference's, or it times a named whole-factor slip (sign, 2, G)."""
    for system in _value_systems():
        reason = not_the_same_quantity(_student_potential(ctx, system), _reference_potential(ctx, system), G=system.G)
        if reason:
            raise NotShown(
                "does not compute the pair potential", f"potential_energy_jit ({system.describe()}): {reason}."
            )


def _student_total(ctx, system: systems.ParticleSystem):
    """total_energy_jit on ``system`` with deterministic velocities: the raw reply (cached)."""
    return student_value(ctx, "total_energy_jit", _total_inputs(system))


def _reference_total(ctx, system: systems.ParticleSystem) -> tuple:
    return reference_value(ctx, "total_energy_jit", _total_inputs(system))


def _verify_total(ctx) -> None:
    """The loose gate: (K, W, E) with K the kinetic energy (up to a named factor) and E = K + W."""
    for system in _value_systems():
        seen = _student_total(ctx, system)
        if not isinstance(seen, (list, tuple)) or len(seen) != 3:
            raise NotShown("does not return (K, W, E)", f"total_energy_jit returned {type(seen).__name__}.")
        K, W, E = (as_float_array(part, what=f"total_energy_jit: {name}") for part, name in zip(seen, "KWE"))
        expected_K, expected_W, _ = _reference_total(ctx, system)
        for name, value, expected in (("K", K, expected_K), ("W", W, expected_W), ("E", E, expected_K + expected_W)):
            reason = (
                not_the_same_quantity(value, expected, G=system.G) if name != "E" else not_the_same_quantity(E, K + W)
            )
            if reason:
                raise NotShown(
                    "does not compute the energies", f"total_energy_jit ({system.describe()}), {name}: {reason}."
                )


POTENTIAL = Gate("potential_energy_jit", _verify_potential, counts="the jit, compile, size, dtype and gradient checks",
                 fix=f"make potential_energy_jit compute W (see the check {W_CHECK!r}).")
TOTAL = Gate("total_energy_jit", _verify_total, counts="its compile, size, dtype and jit checks",
             fix="make total_energy_jit return (K, W, E) (see the check "
                 "'total_energy_jit returns (K, W, E) with E = K + W (float64)').")
BOTH = (POTENTIAL, TOTAL)


def _require_plausible_potential(ctx) -> None:
    """The gate of the property checks that measure both functions."""
    ctx.require(*BOTH)


@REGISTRY.check("potential_energy_jit and total_energy_jit are jax.jit-compiled functions", points=1, public=True)
def both_jitted(ctx):
    ctx.require(*BOTH)  # a jax.jit of anything (even of a function that only raises) is not the point
    for name in evidence_of.FUNCTIONS:
        # The verdict and its wording are shared with the public test (autograder/shipped/diagnosis.py).
        message = diagnosis.jitted_verdict(name, evidence_of.jit_problem(name, _programs(ctx, name)))
        if message is not None:
            raise Fail(message)
    return "Both attributes are jax.jit-compiled (each exported as a jit function and reproduced your results)."


@REGISTRY.check("Two unit masses 2 apart: W = -1/2", points=1, public=True)
def two_body_potential(ctx):
    system = systems.two_unit_masses()
    seen = _student_potential(ctx, system)
    # The verdict and its diagnosis are shared with the public test (autograder/shipped/diagnosis.py).
    what = "potential_energy_jit of unit masses at (+1,0,0), (-1,0,0), G = 1, eps2 = 0"
    message = diagnosis.potential_verdict(seen, -0.5, what=what, G=1.0, tolerance=1e-12,
                                          law_fix=diagnosis.TWO_BODY_POTENTIAL_FIX)
    if message is not None:
        raise Fail(message)
    return "W = -1/2."


@REGISTRY.check(W_CHECK, points=2)
def potential_values(ctx):
    require_matches_reference(
        ctx, "potential_energy_jit", [_inputs(system) for system in _value_systems()], tolerance=VALUE_TOLERANCE,
        fix=W_FIX, diagnose=lambda seen, expected, inputs: systems.scale_hint(seen, expected, G=inputs.args[3]),
    )
    return f"W matches the reference on {len(_value_systems())} systems (eps2 = 0 included)."


@REGISTRY.check("total_energy_jit returns (K, W, E) with E = K + W (float64)", points=1)
def total_energy_values(ctx):
    for system in _value_systems():
        seen = _student_total(ctx, system)
        if not isinstance(seen, (list, tuple)) or len(seen) != 3:
            raise Fail("total_energy_jit: expected a tuple (K, W, E) of three scalars, "
                       f"got {type(seen).__name__} ({seen!r:.200}).")
        K, W, E = (as_float_array(part, what=f"total_energy_jit: {name}") for part, name in zip(seen, "KWE"))
        expected_K, _, _ = _reference_total(ctx, system)
        where = f"({system.describe()})"
        require_close(K, expected_K, what=f"K {where}", tolerance=VALUE_TOLERANCE,
                      fix=systems.scale_hint(K, expected_K) or "K = sum_i m_i |v_i|^2 / 2 (mind the 1/2).")
        require_close(W, _student_potential(ctx, system),
                      what=f"W of total_energy_jit vs your potential_energy_jit {where}", tolerance=VALUE_TOLERANCE,
                      fix="Compute W in total_energy_jit exactly as potential_energy_jit does (call the same helper).")
        require_close(E, K + W, what=f"E vs your K + W {where}", tolerance=VALUE_TOLERANCE, fix="Return E = K + W.")
    return "K matches the reference; W agrees with potential_energy_jit; E = K + W."


@REGISTRY.check("Float32 inputs give float32 energies that agree with float64", points=1)
def float32_preserved(ctx):
    _require_plausible_potential(ctx)
    system = next(s for s in _value_systems() if s.n == max(VALUE_SIZES) and s.eps2 > 0).as_dtype(np.float32)
    v32 = _velocities(system).astype(np.float32)
    double = systems.ParticleSystem(
        x=system.x.astype(np.float64), m=system.m.astype(np.float64), eps2=system.eps2, G=system.G
    )
    W32 = student_value(ctx, "potential_energy_jit", _inputs(system))
    require_dtype(W32, expected="float32", what="potential_energy_jit of float32 inputs")
    require_close(W32, _student_potential(ctx, double), what="potential_energy_jit in float32 vs your float64 result",
                  tolerance=FLOAT32_TOLERANCE, fix="Compute in the input's dtype throughout.")
    parts32 = student_value(ctx, "total_energy_jit", _total_inputs(system, v32))
    parts64 = student_value(ctx, "total_energy_jit", _total_inputs(double, v32.astype(np.float64)))
    for name, part32, part64 in zip("KWE", parts32, parts64):
        require_dtype(part32, expected="float32", what=f"total_energy_jit: {name} of float32 inputs")
        require_close(part32, as_float_array(part64, what=name),
                      what=f"total_energy_jit: {name} in float32 vs your float64 result",
                      tolerance=FLOAT32_TOLERANCE, fix="Compute in the input's dtype throughout.")
    return "float32 in, float32 out (W, K, E), within 1e-5 of float64."


def _programs(ctx, function: str) -> dict:
    """{N: Evidence}: ``function`` exported at each of VALUE_SIZES, checked in the verifier (evidence.py)."""
    softened = next(s for s in _value_systems() if s.eps2 > 0)
    if function == "potential_energy_jit":
        return evidence_of.exported_programs(
            ctx, function, VALUE_SIZES, lambda s, rng: [s.x, s.m], (softened.eps2, softened.G), _same_potential)
    return evidence_of.exported_programs(
        ctx, function, VALUE_SIZES, lambda s, rng: [s.x, rng.normal(size=s.x.shape), s.m],
        (softened.eps2, softened.G), _same_energies)


def _same_potential(seen, expected, system) -> str:
    """The loose gate's verdict on a program's W (see loose_gates)."""
    if len(seen) != 1:
        return f"it returned {len(seen)} arrays, expected W alone"
    return not_the_same_quantity(seen[0], expected[0], G=system.G)


def _same_energies(seen, expected, system) -> str:
    """The loose gate's verdict on a program's (K, W, E): K and W the energies (up to a named slip), E = K + W."""
    if len(seen) != 3:
        return f"it returned {len(seen)} arrays, expected (K, W, E)"
    K, W, E = seen
    for name, value, reference in (("K", K, expected[0]), ("W", W, expected[1])):
        reason = not_the_same_quantity(value, reference, G=system.G)
        if reason:
            return f"{name}: {reason}"
    reason = not_the_same_quantity(E, np.asarray(K) + np.asarray(W))
    return f"E: {reason}" if reason else ""


@REGISTRY.check("A new N compiles exactly once; new positions and masses reuse the program", points=1)
def compiles_once_per_shape(ctx):
    _require_plausible_potential(ctx)
    for function in evidence_of.FUNCTIONS:
        problem = evidence_of.jit_problem(function, _programs(ctx, function))
        if problem:
            raise Fail(
                f"Expected one compiled program per N, reused for new positions and masses; {problem}.\n"
                "How to fix: decorate the function with @jax.jit and do all the work inside it: array work done "
                "outside jit compiles piece by piece, and a jax.jit built inside the function compiles on every call."
            )
    return (
        f"Each function is one jit program per N (exported at N = {', '.join(map(str, VALUE_SIZES))}) with x and m "
        "as inputs: run on new positions and masses, it computed the energies and reproduced your results."
    )


@REGISTRY.check("New eps2 or G values do not recompile (traced, not static)", points=1)
def parameters_traced(ctx):
    _require_plausible_potential(ctx)
    for function in evidence_of.FUNCTIONS:
        problem = evidence_of.parameters_problem(function, _programs(ctx, function))
        if problem:
            raise Fail(f"Expected eps2 and G to be inputs of the compiled program; {problem}\nHow to fix: {STATIC_FIX}")
    return "eps2 and G are inputs of the compiled programs: run with new values, they computed the energies."


@REGISTRY.check("The traced program does not grow with N (no Python loop over particles)", points=1)
def program_size_independent_of_n(ctx):
    _require_plausible_potential(ctx)
    programs = {function: _programs(ctx, function) for function in evidence_of.FUNCTIONS}
    for function, by_size in programs.items():
        problem = evidence_of.size_problem(function, by_size)
        if problem:
            raise Fail(
                f"{problem} A Python loop over particles unrolls into the program (and compile time grows with "
                "N^2). How to fix: broadcast over pairs, x[:, None, :] - x[None, :, :], and mask i < j by index."
            )
    return "Compiled program sizes (operations): " + evidence_of.sizes_text(programs)


@REGISTRY.check("Finite gradients at eps2 = 0 (no NaN from self-pairs)", points=1)
def finite_gradients_at_zero_softening(ctx):
    ctx.require(POTENTIAL)
    system = next(s for s in _value_systems() if s.n == max(VALUE_SIZES) and s.eps2 == 0)
    for argnums, what in ((0, "positions"), (1, "masses")):
        gradient = as_float_array(
            student_value(ctx, "potential_energy_jit", _inputs(system),
                          transforms=[{"kind": "grad", "argnums": argnums}]),
            what=f"jax.grad(potential_energy_jit, argnums={argnums})",
        )
        first = tolerances.first_non_finite(gradient)
        if first is not None:
            raise Fail(
                f"jax.grad of potential_energy_jit with respect to the {what} at eps2 = 0 ({system.describe()}, "
                f"distinct particles): expected finite values, got NaN/inf at index {first}. "
                "How to fix: the double-`where` trick: replace the self-pair squared distance by 1 before the "
                "square root and the division, then mask the result by index. Reverse mode multiplies the "
                "discarded branch's infinite derivative by zero, and 0 * inf = NaN."
            )
    return "dW/dx and dW/dm are finite at eps2 = 0."


# -- public-test fixture (computed by `jaxgrade regenerate`, 64-bit mode on) -----


def public_fixture(*, reference, inputs):
    """Reference answers on fixed inputs for tests/fixtures/jit_potential.npz (name -> array)."""
    rng = np.random.default_rng(202)
    x, m = rng.normal(size=(8, 3)), rng.uniform(0.5, 1.5, size=8)
    v = rng.normal(scale=0.3, size=(8, 3))
    eps2, G = 0.05, 0.7
    kinetic, potential, total = reference.total_energy_jit(x, v, m, eps2, G)
    return {
        "x": x, "v": v, "m": m, "eps2": np.float64(eps2), "G": np.float64(G),
        "potential": np.asarray(reference.potential_energy_jit(x, m, eps2, G)),
        "kinetic": np.asarray(kinetic), "total_potential": np.asarray(potential), "total": np.asarray(total),
    }
