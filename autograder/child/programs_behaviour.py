"""Harness programs that establish structure by behaviour, not by reading source.

- ``forces_with_marked_potential``: the student's ``grad_forces`` while the
  module's ``potential_energy`` carries a ``jax.custom_jvp`` rule that scales
  its true derivative by ``factor`` and adds ``field``. Forces from
  ``jax.grad`` follow the rule; hand-derived or finite-difference forces do not.
- ``forces_with_foreign_potential``: the same, with ``potential_energy``
  replaced by a potential of another form altogether (an external field).
- ``forces_with_recorded_pair_force``: the student's ``vmap_forces`` while
  ``pair_force`` is replaced by a recorder that notes how many ``jax.vmap``
  levels batch its arguments, and returns ``factor`` times the true pair force
  (so the grader sees whether the forces really come from ``pair_force``).
- ``export_function`` / ``export_integrate``: serialized ``jax.export``
  programs (see ``exporting.py``).

Nothing here decides anything: plain numbers and bytes go back to the grader.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from . import exporting, names, probes
from .program_registry import program
from .programs_forces import compiled_or_eager
from .substitute import substituted


# -- autodiff, by derivative rules the student's code cannot know ----------------
# The grader draws every number below afresh for each grading and keeps the answers:
# the child is told the rules, never what the forces should come out as.
def _marked_potential(original, factor: float, field):
    """``original`` with a custom_jvp rule: ``factor`` times the true derivative, plus ``field``.

    The value is untouched, so only a derivative sees the rule: ``jax.grad``
    of it is ``factor * grad(original) + field``.
    """
    field = jnp.asarray(field)

    @jax.custom_jvp
    def potential_energy(x, m, eps2=0.0, G=1.0):
        return original(x, m, eps2, G)

    @potential_energy.defjvp
    def rule(primals, tangents):
        value, tangent = jax.jvp(original, primals, tangents)
        return value, factor * tangent + jnp.sum(field.astype(value.dtype) * tangents[0])

    return potential_energy


@program
def forces_with_marked_potential(mod, x, m, eps2, G, factor, field):
    """``grad_forces(x, m, eps2, G)`` computed while ``potential_energy``'s
    derivative rule is ``factor`` times the true one plus ``field`` (N, 3); shape (N, 3)."""
    with substituted(mod, "potential_energy", lambda original: _marked_potential(original, float(factor), field)):
        return _compiled_or_eager(mod.grad_forces, x, m, eps2, G)


def _external_field_potential(wavevectors, amplitudes, phases):
    """A potential of another form: G * sum_i m_i sum_k a_k cos(k_k . x_i + phi_k)."""
    wavevectors, amplitudes, phases = (jnp.asarray(a) for a in (wavevectors, amplitudes, phases))

    def potential_energy(x, m, eps2=0.0, G=1.0):
        waves = jnp.cos(x @ wavevectors.T.astype(x.dtype) + phases.astype(x.dtype))
        return G * jnp.sum(m[:, None] * amplitudes.astype(x.dtype) * waves)

    return potential_energy


@program
def forces_with_foreign_potential(mod, x, m, eps2, G, wavevectors, amplitudes, phases):
    """``grad_forces(x, m, eps2, G)`` computed while ``potential_energy`` is an external
    field of random plane waves (``_external_field_potential``); shape (N, 3)."""
    foreign = _external_field_potential(wavevectors, amplitudes, phases)
    with substituted(mod, "potential_energy", lambda original: foreign):
        return _compiled_or_eager(mod.grad_forces, x, m, eps2, G)


def _compiled_or_eager(fn, *args):
    """``fn(*args)`` compiled where it traces, else eagerly (``programs_forces.compiled_or_eager``):
    code that cannot take a traced eps2 loses the jit check, not this one."""
    return compiled_or_eager(fn, list(args), {})


# -- vmap structure, by what pair_force sees ------------------------------------
def batching_levels(values) -> int:
    """How many distinct ``jax.vmap`` levels batch any leaf of ``values``."""
    traces = set()
    for leaf in jax.tree_util.tree_leaves(values):
        while type(leaf).__name__ == "BatchTracer":
            traces.add(id(getattr(leaf, "_trace", None) or getattr(leaf, "trace", None)))
            leaf = leaf.val
    return len(traces)


@program
def forces_with_recorded_pair_force(mod, x, m, eps2, G, factor):
    """``vmap_forces(x, m, eps2, G)`` with ``pair_force`` recorded and scaled.

    Returns ``{"forces": (N, 3) array, "levels": [vmap levels seen by each
    traced call of pair_force]}``; the recorder returns ``factor`` times the
    original pair force.
    """
    levels = []

    def make_recorder(original):
        def pair_force(*args, **kwargs):
            levels.append(batching_levels((args, kwargs)))
            return float(factor) * original(*args, **kwargs)  # a Python float keeps the dtype

        return pair_force

    with substituted(mod, "pair_force", make_recorder):
        try:
            forces = probes.block(jax.jit(mod.vmap_forces)(x, m, eps2, G))
        except Exception:
            levels.clear()
            forces = probes.block(mod.vmap_forces(x, m, eps2, G))
    return {"forces": forces, "levels": levels[:1000], "calls": len(levels)}


# -- structural evidence: exported programs --------------------------------------
@program
def export_function(mod, function: str, inputs: list, constants: list = (), static: dict = None):
    """``mod.function`` exported on abstract inputs (``[[dtype, shape], ...]``).

    ``static``: keyword arguments passed with these values on every route (the
    function's static arguments, e.g. ``{"n_steps": 100}``); route names: ``child/names.py``.

    Routes: ``jit`` (the module attribute itself is a ``jax.jit`` function),
    ``wrapped`` (the attribute inside a ``jax.jit`` of ours); then, with the
    last ``len(constants)`` arguments given these values instead of abstract
    ones (static parameters: only the structure can be read), ``jit_constants``
    (the attribute itself) and ``constants`` (inside a ``jax.jit`` of ours).
    """
    attribute, static = getattr(mod, function), dict(static or {})

    def fn(*args):
        return attribute(*args, **static)

    def own_jit(*args):  # the attribute's own jax.jit, static values passed as the keywords it declares
        return jax.export.export(attribute, platforms=exporting.PLATFORMS)(*args, **static)

    avals = [exporting.abstract(d) for d in inputs]
    routes = [
        (names.ROUTE_JIT, lambda: own_jit(*avals)),
        (names.ROUTE_WRAPPED, lambda: exporting.export(jax.jit(fn), *avals)),
    ]
    if constants:
        baked = list(constants)
        arrays = avals[: len(avals) - len(baked)]
        routes.append((names.ROUTE_JIT_CONSTANTS, lambda: own_jit(*arrays, *baked)))
        routes.append((names.ROUTE_CONSTANTS, lambda: exporting.export(jax.jit(lambda *a: fn(*a, *baked)), *arrays)))
    return exporting.export_first(routes)


@program
def export_integrate(mod, state_inputs: list, n_steps: int, accel_fn, constant_dt: float):
    """``integrate(State(x, v), dt, n_steps, accel_fn)`` exported with x, v and dt abstract.

    Routes: ``jit`` (the module attribute, with its own static arguments),
    ``wrapped`` (inside a ``jax.jit`` of ours, n_steps and accel_fn closed over),
    ``dt_constant`` (dt baked in as ``constant_dt``: only the structure can be read).
    """
    exporting.register_state(mod.State)
    state = mod.State(*(exporting.abstract(d) for d in state_inputs))
    dt = exporting.abstract(["float64", []])
    n_steps = int(n_steps)
    integrate = mod.integrate
    return exporting.export_first([
        ("jit", lambda: exporting.export(integrate, state, dt, n_steps, accel_fn)),
        ("wrapped", lambda: exporting.export(jax.jit(lambda s, d: integrate(s, d, n_steps, accel_fn)), state, dt)),
        ("dt_constant", lambda: exporting.export(
            jax.jit(lambda s: integrate(s, constant_dt, n_steps, accel_fn)), state)),
    ])
