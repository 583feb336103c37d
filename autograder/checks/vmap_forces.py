"""Checks of the vmap_forces assignment: pairwise forces with a double vmap.

Numbers and structure are graded apart, so a solution written with plain
broadcasting earns every numeric check and loses only the structure check:

- the values checks compare with the reference in float64;
- the structure check reads the source (``ast``, never executed): two nested
  ``jax.vmap`` applications whose innermost function is ``pair_force`` or a
  function that calls it; the program-size check compares traced programs at
  two N, which catches Python loops (broadcasting passes it too);
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

import ast
import functools

import numpy as np

from . import nbody_systems as systems
from .framework import CheckRegistry, Fail, as_float_array, require_close, require_dtype

REGISTRY = CheckRegistry("vmap_forces")

SIZES = (2, 9, 24)
TRACE_SIZES = (4, 12)
SEED = 20253
VALUE_TOLERANCE = 1e-12
FLOAT32_TOLERANCE = 1e-5
# Coincidence test: particle 1 sits on particle 0, then SLIDE * sqrt(eps2) away.
# The pair's stiffness changes by ~SLIDE^2 = 1e-8 of itself, the other pairs'
# by less; a dropped stiffness is the largest entry of the Jacobian.
SLIDE = 1e-4
CONTINUITY_TOLERANCE = 1e-6

FORCE_CHECK = "vmap_forces matches the reference on random systems (float64)"
NAN_FIX = (
    "Keep i == j from ever dividing by zero: replace the self-pair's softening (or its separation) "
    "by a safe value before calling pair_force, then mask the result by index (the double-`where` "
    "trick). A single `jnp.where` on the result hides the 1/0 from the value, not from reverse-mode "
    "derivatives: they multiply the discarded branch's inf by 0, and 0 * inf = NaN."
)


@functools.lru_cache(maxsize=1)
def _drawn_systems() -> tuple:
    return tuple(systems.draw_systems(sizes=SIZES, seed=SEED))


def _system(n: int, *, softened: bool) -> systems.ParticleSystem:
    return next(s for s in _drawn_systems() if s.n == n and (s.eps2 > 0) == softened)


def _call(ctx, system: systems.ParticleSystem, *, transforms=()):
    kwargs = {"eps2": system.eps2, "G": system.G}
    return ctx.program("call_compiled", "vmap_forces", [system.x, system.m], kwargs, list(transforms))


def _student_forces(ctx, system: systems.ParticleSystem) -> np.ndarray:
    key = ("vmap_forces", system.x.tobytes(), system.m.tobytes(), system.eps2, system.G)
    return ctx.remember(key, lambda: as_float_array(_call(ctx, system), what=f"vmap_forces ({system.describe()})"))


def _reference_forces(ctx, system: systems.ParticleSystem) -> np.ndarray:
    return systems.reference64(ctx.reference.vmap_forces, system.x, system.m, system.eps2, system.G)


def _require_plausible_forces(ctx, system: systems.ParticleSystem) -> np.ndarray:
    forces = _student_forces(ctx, system)
    reason = systems.forces_point_wrong_way(forces, _reference_forces(ctx, system))
    if reason:
        raise Fail(systems.gate_message(f"your forces ({system.describe()})", reason, FORCE_CHECK))
    return forces


@REGISTRY.check("pair_force matches the reference for single pairs (float64)", points=1, public=True)
def pair_force_values(ctx):
    pairs = [(systems.two_unit_masses(), 0, 1)]
    pairs += [(s, i, j) for s in _drawn_systems() if s.n >= 9 for i, j in ((0, 1), (5, 2))]
    for system, i, j in pairs:
        args = [system.x[i], system.x[j], np.float64(system.m[i]), np.float64(system.m[j])]
        seen = as_float_array(
            ctx.program("call_compiled", "pair_force", args, {"eps2": system.eps2, "G": system.G}), what="pair_force"
        )
        expected = systems.reference64(ctx.reference.pair_force, *args, system.eps2, system.G)
        fix = systems.scale_hint(seen, expected, G=system.G) or (
            "F_ij = -G m_i m_j (x_i - x_j) / (|x_i - x_j|^2 + eps2)^(3/2): the force on i, pointing towards j."
        )
        require_close(seen, expected, what=f"pair_force(x[{i}], x[{j}], m[{i}], m[{j}]) ({system.describe()})",
                      tolerance=VALUE_TOLERANCE, fix=fix)
    return f"pair_force matches on {len(pairs)} pairs (eps2 = 0 and > 0)."


@REGISTRY.check(FORCE_CHECK, points=2, public=True)
def force_values(ctx):
    for system in _drawn_systems():
        seen = _student_forces(ctx, system)
        expected = _reference_forces(ctx, system)
        fix = systems.scale_hint(seen, expected, G=system.G) or (
            "F_i = sum over j != i of pair_force(x_i, x_j, m_i, m_j): vmap over j inside, over i outside, "
            "then sum over the j axis (axis=1)."
        )
        require_close(seen, expected, what=f"vmap_forces ({system.describe()}), index (particle, axis)",
                      tolerance=VALUE_TOLERANCE, fix=fix)
    return f"Forces match on {len(_drawn_systems())} systems (N up to {max(SIZES)}, eps2 = 0 included)."


@REGISTRY.check("Float32 inputs give float32 forces that agree with float64", points=1)
def float32_preserved(ctx):
    system = _system(9, softened=True)
    single = system.as_dtype(np.float32)
    double = systems.ParticleSystem(x=single.x.astype(np.float64), m=single.m.astype(np.float64), eps2=single.eps2, G=single.G)
    own64 = _require_plausible_forces(ctx, double)
    seen = ctx.program("call_compiled", "vmap_forces", [single.x, single.m], {"eps2": single.eps2, "G": single.G})
    require_dtype(seen, expected="float32", what="vmap_forces of float32 inputs")
    require_close(seen, own64, what="vmap_forces in float32 vs your float64 result", tolerance=FLOAT32_TOLERANCE,
                  fix="Compute in the input's dtype throughout.")
    return "float32 in, float32 out, within 1e-5 of float64."


def _require_finite(value, *, what: str) -> None:
    value = np.asarray(value, dtype=np.float64)
    bad = np.argwhere(~np.isfinite(value))
    if bad.size:
        raise Fail(
            f"{what}: expected finite values, got {len(bad)} NaN/inf entries, the first at index "
            f"{tuple(int(i) for i in bad[0])}. How to fix: {NAN_FIX}"
        )


@REGISTRY.check("Finite forces and derivatives at eps2 = 0, reverse mode included", points=2)
def finite_at_zero_softening(ctx):
    system = _system(9, softened=False)
    _require_finite(_student_forces(ctx, system), what=f"vmap_forces at eps2 = 0 ({system.describe()})")
    _require_plausible_forces(ctx, system)
    for mode in ("jacrev", "jacfwd"):
        jacobian = _call(ctx, system, transforms=[{"kind": mode, "argnums": 0}])
        _require_finite(jacobian, what=f"jax.{mode}(vmap_forces) at eps2 = 0 (index: particle, axis, particle, axis)")
    return "Forces and their Jacobians (reverse and forward mode) are finite at eps2 = 0."


@REGISTRY.check("Self-interaction excluded by index, not by comparing positions", points=1)
def masked_by_index(ctx):
    at = systems.coincident_pair_system()
    near = systems.coincident_pair_system(offset=SLIDE * np.sqrt(at.eps2))
    _require_plausible_forces(ctx, near)
    jacobians = {}
    for label, system in (("coincident", at), ("a hair apart", near)):
        jacobians[label] = as_float_array(_call(ctx, system, transforms=[{"kind": "jacfwd", "argnums": 0}]), what="jacobian")
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


def _is_vmap(node) -> bool:
    return (isinstance(node, ast.Name) and node.id == "vmap") or (isinstance(node, ast.Attribute) and node.attr == "vmap")


def _is_partial(node) -> bool:
    return (isinstance(node, ast.Name) and node.id == "partial") or (isinstance(node, ast.Attribute) and node.attr == "partial")


def _vmapped_function(call: ast.Call):
    """The function a call applies jax.vmap to, or None: ``vmap(f, ...)``, ``partial(vmap, ...)(f)``."""
    if _is_vmap(call.func):
        if call.args:
            return call.args[0]
        return next((k.value for k in call.keywords if k.arg in ("fun", "f")), None)
    inner = call.func
    if isinstance(inner, ast.Call) and _is_partial(inner.func) and inner.args and _is_vmap(inner.args[0]) and call.args:
        return call.args[0]
    return None


def _is_vmap_decorator(node) -> bool:
    return _is_vmap(node) or (isinstance(node, ast.Call) and _is_partial(node.func) and bool(node.args) and _is_vmap(node.args[0]))


class VmapNesting:
    """How many nested ``jax.vmap`` applications wrap a call of ``pair_force``.

    ``depth(node)`` is -1 when ``node`` never reaches ``pair_force``, 0 when it
    calls it directly, and one more per ``vmap`` around the function that
    does. Names are followed to the functions and assignments of the module
    (any scope), so helpers, lambdas, ``partial(jax.vmap, ...)`` and
    ``@jax.vmap`` decorators all count. Read-only: nothing is executed.
    """

    def __init__(self, tree: ast.Module):
        self.bindings: dict[str, list] = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.bindings.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.bindings.setdefault(target.id, []).append(node.value)
        self._following: set = set()

    def depth_of_name(self, name: str) -> int:
        if name == "pair_force":
            return 0
        if name in self._following:
            return -1
        self._following.add(name)
        try:
            return max((self.depth(node) for node in self.bindings.get(name, [])), default=-1)
        finally:
            self._following.discard(name)

    def depth(self, node) -> int:
        if isinstance(node, ast.Name):
            return self.depth_of_name(node.id)
        if isinstance(node, ast.Attribute) and node.attr == "pair_force":
            return 0
        if isinstance(node, ast.Call):
            target = _vmapped_function(node)
            if target is not None:
                inner = self.depth(target)
                return inner + 1 if inner >= 0 else -1
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = max((self.depth(statement) for statement in node.body), default=-1)
            wraps = sum(_is_vmap_decorator(d) for d in node.decorator_list)
            return body + wraps if body >= 0 else -1
        return max((self.depth(child) for child in ast.iter_child_nodes(node)), default=-1)


def vmap_nesting_of(source: str, function: str = "vmap_forces") -> int:
    """Nesting depth of vmaps around pair_force inside ``function`` (-1: pair_force never reached)."""
    return VmapNesting(ast.parse(source)).depth_of_name(function)


@REGISTRY.check("vmap_forces is two nested jax.vmap calls around pair_force", points=2)
def double_vmap_structure(ctx):
    _require_plausible_forces(ctx, _system(9, softened=True))
    try:
        depth = vmap_nesting_of(ctx.source)
    except SyntaxError as exc:
        raise Fail(f"Could not read your source to check its structure: {exc}.") from None
    how = (
        "How to fix: write one pair's force as a function of (x_i, x_j, m_i, m_j) that calls pair_force "
        "(masking i == j by index), then `over_j = jax.vmap(that, in_axes=(None, 0, None, 0, ...))` and "
        "`over_i = jax.vmap(over_j, in_axes=(0, None, 0, None, ...))`, and sum the (N, N, 3) result over j."
    )
    if depth < 0:
        raise Fail("vmap_forces never calls pair_force. The assignment builds all N x N pair forces from "
                   "pair_force itself, lifted by two nested jax.vmap calls. " + how)
    if depth < 2:
        found = "no jax.vmap" if depth == 0 else "one jax.vmap"
        raise Fail(f"Expected two nested jax.vmap calls around pair_force (inner over j, outer over i); found "
                   f"{found} around it. Broadcasting gives the right numbers, and those earned their points; "
                   "this check is about the vmap structure. " + how)
    return f"Found {depth} nested jax.vmap levels around pair_force."


@REGISTRY.check("The traced program does not grow with N (no Python loop over particles)", points=1)
def program_size_independent_of_n(ctx):
    _require_plausible_forces(ctx, _system(9, softened=True))
    sizes = {}
    for n in TRACE_SIZES:
        system = systems.draw_systems(sizes=(n,), softened=(True,), seed=SEED)[0]
        stats = ctx.program("traced_program", "vmap_forces", [system.x, system.m], {"eps2": system.eps2, "G": system.G})
        sizes[n] = int(stats["n_eqns"])
    small, large = (sizes[n] for n in TRACE_SIZES)
    if small != large:
        raise Fail(
            f"The traced program of vmap_forces has {small} equations at N = {TRACE_SIZES[0]} but {large} at "
            f"N = {TRACE_SIZES[1]}; expected the same size for every N. A Python loop over particles (or over "
            "the j axis when summing) unrolls into the program. How to fix: let the two vmaps cover all pairs "
            "and reduce with jnp.sum(..., axis=1)."
        )
    return f"Program size: {small} equations at both N = {TRACE_SIZES[0]} and N = {TRACE_SIZES[1]}."
