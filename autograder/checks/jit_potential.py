"""Checks of the jit_potential assignment: a compiled potential that never
recompiles needlessly.

Compiles are counted in the child through ``jax.monitoring`` (real XLA
compiles, so a ``jax.jit`` built inside the function on every call is caught
too), on sizes no other check uses so that the first call must compile.
``eps2`` and ``G`` travel as Python floats throughout: a fixed input type,
so a second compile can only come from static arguments or a rebuilt jit.

The values checks hold W to the reference; the checks of compiling, program
size, dtype and finiteness are gated on the student's W being a plausible
potential (finite, nonzero, different for different systems), so that a
jitted function returning a constant cannot collect them.
"""
from __future__ import annotations

import functools

import numpy as np

from . import nbody_systems as systems
from .framework import CheckRegistry, Fail, as_float_array, require_close, require_dtype

REGISTRY = CheckRegistry("jit_potential")

VALUE_SIZES = (3, 9)
COMPILE_SIZES = (11, 13)  # used by no other check: the first call at each must compile
TRACE_SIZES = (4, 12)
SEED = 20252
VALUE_TOLERANCE = 1e-12
FLOAT32_TOLERANCE = 1e-5

W_CHECK = "potential_energy_jit matches the reference on random systems (float64)"
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


def _student_potential(ctx, system: systems.ParticleSystem) -> np.ndarray:
    key = ("W", system.x.tobytes(), system.m.tobytes(), system.eps2, system.G)
    return ctx.remember(
        key,
        lambda: as_float_array(
            ctx.call("potential_energy_jit", system.x, system.m, system.eps2, system.G),
            what=f"potential_energy_jit ({system.describe()})",
        ),
    )


def _reference_potential(ctx, system: systems.ParticleSystem) -> np.ndarray:
    return systems.reference64(ctx.reference.potential_energy_jit, system.x, system.m, system.eps2, system.G)


def _require_plausible_potential(ctx) -> None:
    """The gate of the property checks: W is finite, nonzero and depends on the system."""
    values = [_student_potential(ctx, s) for s in _value_systems()]
    shapes = {v.shape for v in values}
    if shapes != {()}:
        reason = f"it returned shapes {sorted(shapes)} instead of a scalar"
    elif not all(np.isfinite(v) and v != 0 for v in values):
        reason = f"it returned {[float(v) for v in values]} on {len(values)} systems (zero or not finite)"
    elif len({float(v) for v in values}) < len(values):
        reason = f"it returned the same value {float(values[0])!r} for different systems"
    else:
        return
    raise Fail(
        f"This check counts only once potential_energy_jit computes a potential energy, and {reason}. "
        f"Fix the values first (see the check {W_CHECK!r})."
    )


@REGISTRY.check("potential_energy_jit and total_energy_jit are jax.jit-compiled functions", points=1, public=True)
def both_jitted(ctx):
    for name in ("potential_energy_jit", "total_energy_jit"):
        if not ctx.program("is_jitted", name):
            raise Fail(
                f"{name}: expected the module attribute to be a jax.jit-compiled function (it has no "
                ".lower/.trace methods). How to fix: put @jax.jit directly above `def " + name + "`. "
                "Calling jax.jit inside a plain function does not count: it builds a new compiled "
                "program on every call."
            )
    return "Both attributes are jax.jit-compiled."


@REGISTRY.check("Two unit masses 2 apart: W = -1/2", points=1, public=True)
def two_body_potential(ctx):
    system = systems.two_unit_masses()
    seen = _student_potential(ctx, system)
    fix = systems.scale_hint(seen, -0.5) or "W = -G m1 m2 / r: count each unordered pair once, and no self-pairs."
    require_close(seen, -0.5, what="potential_energy_jit of unit masses at (+1,0,0), (-1,0,0), G = 1, eps2 = 0", tolerance=1e-12, fix=fix)
    return "W = -1/2."


@REGISTRY.check(W_CHECK, points=2)
def potential_values(ctx):
    for system in _value_systems():
        seen = _student_potential(ctx, system)
        expected = _reference_potential(ctx, system)
        fix = systems.scale_hint(seen, expected, G=system.G) or (
            "W = -G sum_{i<j} m_i m_j / sqrt(|x_i - x_j|^2 + eps2), each pair once, no self-pairs, "
            "eps2 the only softening."
        )
        require_close(seen, expected, what=f"potential_energy_jit ({system.describe()})", tolerance=VALUE_TOLERANCE, fix=fix)
    return f"W matches the reference on {len(_value_systems())} systems (eps2 = 0 included)."


@REGISTRY.check("total_energy_jit returns (K, W, E) with E = K + W (float64)", points=1)
def total_energy_values(ctx):
    for system in _value_systems():
        v = _velocities(system)
        seen = ctx.call("total_energy_jit", system.x, v, system.m, system.eps2, system.G)
        if not isinstance(seen, (list, tuple)) or len(seen) != 3:
            raise Fail(f"total_energy_jit: expected a tuple (K, W, E) of three scalars, got {type(seen).__name__} ({seen!r:.200}).")
        K, W, E = (as_float_array(part, what=f"total_energy_jit: {name}") for part, name in zip(seen, "KWE"))
        expected_K, _, _ = systems.reference64(ctx.reference.total_energy_jit, system.x, v, system.m, system.eps2, system.G)
        where = f"({system.describe()})"
        require_close(K, expected_K, what=f"K {where}", tolerance=VALUE_TOLERANCE,
                      fix=systems.scale_hint(K, expected_K) or "K = sum_i m_i |v_i|^2 / 2 (mind the 1/2).")
        require_close(W, _student_potential(ctx, system), what=f"W of total_energy_jit vs your potential_energy_jit {where}",
                      tolerance=VALUE_TOLERANCE, fix="Compute W in total_energy_jit exactly as potential_energy_jit does (call the same helper).")
        require_close(E, K + W, what=f"E vs your K + W {where}", tolerance=VALUE_TOLERANCE, fix="Return E = K + W.")
    return "K matches the reference; W agrees with potential_energy_jit; E = K + W."


@REGISTRY.check("Float32 inputs give float32 energies that agree with float64", points=1)
def float32_preserved(ctx):
    _require_plausible_potential(ctx)
    system = next(s for s in _value_systems() if s.n == max(VALUE_SIZES) and s.eps2 > 0).as_dtype(np.float32)
    v32 = _velocities(system).astype(np.float32)
    double = systems.ParticleSystem(x=system.x.astype(np.float64), m=system.m.astype(np.float64), eps2=system.eps2, G=system.G)
    W32 = ctx.call("potential_energy_jit", system.x, system.m, system.eps2, system.G)
    require_dtype(W32, expected="float32", what="potential_energy_jit of float32 inputs")
    require_close(W32, _student_potential(ctx, double), what="potential_energy_jit in float32 vs your float64 result",
                  tolerance=FLOAT32_TOLERANCE, fix="Compute in the input's dtype throughout.")
    parts32 = ctx.call("total_energy_jit", system.x, v32, system.m, system.eps2, system.G)
    parts64 = ctx.call("total_energy_jit", double.x, v32.astype(np.float64), double.m, double.eps2, double.G)
    for name, part32, part64 in zip("KWE", parts32, parts64):
        require_dtype(part32, expected="float32", what=f"total_energy_jit: {name} of float32 inputs")
        require_close(part32, as_float_array(part64, what=name), what=f"total_energy_jit: {name} in float32 vs your float64 result",
                      tolerance=FLOAT32_TOLERANCE, fix="Compute in the input's dtype throughout.")
    return "float32 in, float32 out (W, K, E), within 1e-5 of float64."


@functools.lru_cache(maxsize=None)
def _softened_system(n: int, seed: int) -> systems.ParticleSystem:
    return systems.draw_systems(sizes=(n,), softened=(True,), seed=seed)[0]


def _compile_sequence(ctx, function: str) -> list:
    """Compiles per call for ``function``: new N, new x, new m, new eps2, new G, second N."""
    a, a2, b = (_softened_system(n, seed) for n, seed in ((COMPILE_SIZES[0], SEED), (COMPILE_SIZES[0], SEED + 7), (COMPILE_SIZES[1], SEED)))
    va, vb = _velocities(a), _velocities(b)

    def args(system, v, x=None, m=None):
        x = system.x if x is None else x
        m = system.m if m is None else m
        return [x, m] if function == "potential_energy_jit" else [x, v, m]

    steps = [
        ("the first call at N = %d" % a.n, args(a, va), a.eps2, a.G),
        ("new positions", args(a, va, x=a2.x), a.eps2, a.G),
        ("new masses", args(a, va, x=a2.x, m=a2.m), a.eps2, a.G),
        ("a new eps2", args(a, va, x=a2.x, m=a2.m), a2.eps2, a.G),
        ("a new G", args(a, va, x=a2.x, m=a2.m), a2.eps2, a2.G),
        ("the first call at N = %d" % b.n, args(b, vb), b.eps2, b.G),
        ("new eps2 and G at N = %d" % b.n, args(b, vb), a.eps2, a.G),
    ]
    calls = [[list(arguments) + [eps2, G], {}] for _, arguments, eps2, G in steps]
    counts = ctx.remember(("compiles", function), lambda: ctx.program("compile_counts", function, calls))
    return [(label, int(count["compiles"])) for (label, *_), count in zip(steps, counts)]


def _require_compiles(ctx, expectations: dict, *, fix: str) -> str:
    seen_all = []
    for function in ("potential_energy_jit", "total_energy_jit"):
        sequence = _compile_sequence(ctx, function)
        seen_all.append(f"{function}: " + ", ".join(f"{label}: {n}" for label, n in sequence))
        for label, compiles in sequence:
            if label in expectations and compiles != expectations[label]:
                raise Fail(
                    f"{function}: expected {expectations[label]} XLA compile(s) for {label}, saw {compiles}.\n"
                    f"  all calls: {seen_all[-1]}\n  How to fix: {fix}"
                )
    return "; ".join(seen_all)


@REGISTRY.check("A new N compiles exactly once; new positions and masses reuse the program", points=1)
def compiles_once_per_shape(ctx):
    _require_plausible_potential(ctx)
    first, second = COMPILE_SIZES
    expectations = {f"the first call at N = {first}": 1, "new positions": 0, "new masses": 0, f"the first call at N = {second}": 1}
    fix = (
        "Decorate the function with @jax.jit and do all the work inside it: array work done outside "
        "jit compiles piece by piece, and a jax.jit built inside the function compiles on every call."
    )
    return "Compiles per call: " + _require_compiles(ctx, expectations, fix=fix)


@REGISTRY.check("New eps2 or G values do not recompile (traced, not static)", points=1)
def parameters_traced(ctx):
    _require_plausible_potential(ctx)
    expectations = {"a new eps2": 0, "a new G": 0, f"new eps2 and G at N = {COMPILE_SIZES[1]}": 0}
    return "Compiles per call: " + _require_compiles(ctx, expectations, fix=STATIC_FIX)


@REGISTRY.check("The traced program does not grow with N (no Python loop over particles)", points=1)
def program_size_independent_of_n(ctx):
    _require_plausible_potential(ctx)
    sizes = {}
    for function in ("potential_energy_jit", "total_energy_jit"):
        for n in TRACE_SIZES:
            system = _softened_system(n, SEED)
            arrays = [system.x, system.m] if function == "potential_energy_jit" else [system.x, _velocities(system), system.m]
            # eps2 and G as keywords stay Python constants here, so a static-argument
            # mistake costs the recompile check, not this one.
            stats = ctx.program("traced_program", function, arrays, {"eps2": system.eps2, "G": system.G})
            sizes[function, n] = int(stats["n_eqns"])
        small, large = (sizes[function, n] for n in TRACE_SIZES)
        if small != large:
            raise Fail(
                f"{function}: the traced program has {small} equations at N = {TRACE_SIZES[0]} but {large} at "
                f"N = {TRACE_SIZES[1]}; expected the same size for every N. A Python loop over particles "
                "unrolls into the program (and compile time grows with N^2). How to fix: broadcast over "
                "pairs, x[:, None, :] - x[None, :, :], and mask i < j by index."
            )
    return "Program sizes (equations): " + ", ".join(f"{f} N={n}: {k}" for (f, n), k in sizes.items())


@REGISTRY.check("Finite gradients at eps2 = 0 (no NaN from self-pairs)", points=1)
def finite_gradients_at_zero_softening(ctx):
    _require_plausible_potential(ctx)
    system = next(s for s in _value_systems() if s.n == max(VALUE_SIZES) and s.eps2 == 0)
    for argnums, what in ((0, "positions"), (1, "masses")):
        gradient = as_float_array(
            ctx.call("potential_energy_jit", system.x, system.m, 0.0, system.G, transforms=[{"kind": "grad", "argnums": argnums}]),
            what=f"jax.grad(potential_energy_jit, argnums={argnums})",
        )
        bad = np.argwhere(~np.isfinite(gradient))
        if bad.size:
            raise Fail(
                f"jax.grad of potential_energy_jit with respect to the {what} at eps2 = 0 ({system.describe()}, "
                f"distinct particles): expected finite values, got NaN/inf at index {tuple(int(i) for i in bad[0])}. "
                "How to fix: the double-`where` trick: replace the self-pair squared distance by 1 before the "
                "square root and the division, then mask the result by index. Reverse mode multiplies the "
                "discarded branch's infinite derivative by zero, and 0 * inf = NaN."
            )
    return "dW/dx and dW/dm are finite at eps2 = 0."
