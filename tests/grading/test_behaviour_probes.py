"""The behavioural probes and the export evidence, on small modules built here.

The child programs run in this process on modules written as source text (no
sandbox needed: the code is ours). They must see a double vmap however it is
written, see none where the forces come from broadcasting, tell autodiff from
hand-derived forces, and the parent must read exported programs correctly.
"""
from __future__ import annotations

import textwrap
import types

import jax
import numpy as np
import pytest

from autograder.checking import evidence
from autograder.checking.framework import Context
from autograder.checks.grad_forces import draw_probe
from autograder.checks.physics.nbody_systems import ParticleSystem
from autograder.child import programs  # noqa: F401  (registers the programs)
from autograder.child.program_registry import get
from autograder.verifier import Verifier
from autograder.verifier.runtime import server

HEADER = """
import functools
from functools import partial
import jax
import jax.numpy as jnp
from jax import vmap

def pair_force(x_i, x_j, m_i, m_j, eps2=0.0, G=1.0):
    d = x_i - x_j
    r2 = jnp.sum(d**2) + eps2
    return -G * m_i * m_j * d / (r2 * jnp.sqrt(r2))
"""

@pytest.fixture(scope="module", autouse=True)
def _x64_as_in_the_child():
    """The programs run as in the child, which turns 64-bit mode on (child/server.py); this process does not."""
    with jax.enable_x64(True):
        yield


RNG = np.random.default_rng(3)
X, M, EPS2, G = RNG.normal(size=(5, 3)), RNG.uniform(0.5, 2.0, size=5), 0.01, 1.3


def _module(body: str) -> types.ModuleType:
    module = types.ModuleType("student_probe")
    exec(compile(HEADER + textwrap.dedent(body), "student_probe.py", "exec"), module.__dict__)
    return module


VMAP_FORMS = {
    "direct": """
        def vmap_forces(x, m, eps2=0.0, G=1.0):
            f = jax.vmap(jax.vmap(pair_force, (None, 0, None, 0, None, None)), (0, None, 0, None, None, None))
            F = f(x, x, m, m, eps2, G)
            i = jnp.arange(x.shape[0])
            return jnp.sum(jnp.where((i[:, None] == i[None, :])[..., None], 0.0, jnp.nan_to_num(F)), axis=1)
    """,
    "alias": """
        vm = jax.vmap
        def vmap_forces(x, m, eps2=0.0, G=1.0):
            over_j = vm(lambda a, b, c, d: pair_force(a, b, c, d, eps2 + 1e-300, G), (None, 0, None, 0))
            F = vm(over_j, (0, None, 0, None))(x, x, m, m)
            i = jnp.arange(x.shape[0])
            return jnp.sum(jnp.where((i[:, None] == i[None, :])[..., None], 0.0, jnp.nan_to_num(F)), axis=1)
    """,
    "partial_at_import": """
        _over_j = partial(jax.vmap, in_axes=(None, 0, None, 0, None, None))(pair_force)
        _over_ij = partial(vmap, in_axes=(0, None, 0, None, None, None))(_over_j)
        def vmap_forces(x, m, eps2=0.0, G=1.0):
            F = _over_ij(x, x, m, m, eps2, G)
            i = jnp.arange(x.shape[0])
            return jnp.sum(jnp.where((i[:, None] == i[None, :])[..., None], 0.0, jnp.nan_to_num(F)), axis=1)
    """,
    "decorated_jit": """
        @jax.jit
        def vmap_forces(x, m, eps2=0.0, G=1.0):
            @partial(jax.vmap, in_axes=(0, 0, 0))
            def on_i(i, x_i, m_i):
                @partial(jax.vmap, in_axes=(0, 0, 0))
                def on_j(j, x_j, m_j):
                    return jnp.where(i == j, 0.0, pair_force(x_i, x_j, m_i, m_j, jnp.where(i == j, 1.0, eps2), G))
                return jnp.sum(on_j(jnp.arange(x.shape[0]), x, m), axis=0)
            return on_i(jnp.arange(x.shape[0]), x, m)
    """,
}

NOT_VMAP_FORMS = {
    "unused_vmap_text_broadcasting": """
        def _never_used(x, m):
            return vmap(vmap(pair_force))(x, x, m, m)
        def vmap_forces(x, m, eps2=0.0, G=1.0):
            d = x[:, None, :] - x[None, :, :]
            r2 = jnp.sum(d**2, axis=-1) + eps2 + jnp.eye(x.shape[0])
            w = jnp.where(jnp.eye(x.shape[0], dtype=bool), 0.0, r2**-1.5)
            return -G * jnp.einsum("ij,ijk->ik", m[:, None] * m[None, :] * w, d)
    """,
    "python_loop": """
        def vmap_forces(x, m, eps2=0.0, G=1.0):
            n = x.shape[0]
            return jnp.stack([sum(pair_force(x[i], x[j], m[i], m[j], eps2, G) for j in range(n) if j != i)
                              for i in range(n)])
    """,
}


def _recorded(body: str) -> dict:
    return get("forces_with_recorded_pair_force")(_module(body), X, M, EPS2, G, 3.0)


@pytest.mark.parametrize("form", sorted(VMAP_FORMS))
def test_recorder_sees_two_vmap_levels_and_scaled_forces(form):
    module = _module(VMAP_FORMS[form])
    own = np.asarray(module.vmap_forces(X, M, EPS2, G))
    recorded = get("forces_with_recorded_pair_force")(module, X, M, EPS2, G, 3.0)
    assert max(recorded["levels"]) == 2
    assert evidence.relative_difference(recorded["forces"], 3.0 * own) < 1e-9
    # restored: the module computes its own forces again
    assert evidence.relative_difference(module.vmap_forces(X, M, EPS2, G), own) < 1e-12


@pytest.mark.parametrize("form", sorted(NOT_VMAP_FORMS))
def test_recorder_sees_no_double_vmap(form):
    recorded = _recorded(NOT_VMAP_FORMS[form])
    assert max(recorded["levels"], default=0) < 2


GRAD_FORMS = {
    "autodiff": ("""
        def grad_forces(x, m, eps2=0.0, G=1.0):
            return -jax.grad(potential_energy)(x, m, eps2, G)
    """, 3.0),
    "autodiff_captured_at_import": ("""
        _dW = jax.grad(potential_energy)
        def grad_forces(x, m, eps2=0.0, G=1.0):
            return -_dW(x, m, eps2, G)
    """, 3.0),
    "hand_derived": ("""
        def grad_forces(x, m, eps2=0.0, G=1.0):
            d = x[:, None, :] - x[None, :, :]
            r2 = jnp.sum(d**2, axis=-1) + eps2 + jnp.eye(x.shape[0])
            w = jnp.where(jnp.eye(x.shape[0], dtype=bool), 0.0, r2**-1.5)
            return -G * jnp.einsum("ij,ijk->ik", m[:, None] * m[None, :] * w, d)
    """, 1.0),
}

POTENTIAL = """
def potential_energy(x, m, eps2=0.0, G=1.0):
    n = x.shape[0]
    upper = jnp.arange(n)[:, None] < jnp.arange(n)[None, :]
    r2 = jnp.sum((x[:, None] - x[None]) ** 2, axis=-1) + eps2
    inv = jnp.where(upper, 1 / jnp.sqrt(jnp.where(upper, r2, 1.0)), 0.0)
    return -G * (m @ inv @ m)
"""


SYSTEM = ParticleSystem(x=X, m=M, eps2=EPS2, G=G)


@pytest.mark.parametrize("form", sorted(GRAD_FORMS))
def test_marked_potential_tells_autodiff_from_hand_derived(form):
    body, factor = GRAD_FORMS[form]
    autodiff = factor != 1.0
    module = _module(POTENTIAL + textwrap.dedent(body))
    own = np.asarray(module.grad_forces(X, M, EPS2, G))
    probe = draw_probe(SYSTEM, float(np.max(np.abs(own))), rng=np.random.default_rng(7))
    marked = get("forces_with_marked_potential")(module, X, M, EPS2, G, probe.factor, probe.field)
    expected = probe.factor * own - probe.field if autodiff else own
    assert evidence.relative_difference(marked, expected) < 1e-9
    foreign = get("forces_with_foreign_potential")(module, X, M, EPS2, G, probe.wavevectors, probe.amplitudes,
                                                   probe.phases)
    expected = probe.foreign_forces(SYSTEM) if autodiff else own
    assert evidence.relative_difference(foreign, expected) < 1e-12
    assert evidence.relative_difference(module.grad_forces(X, M, EPS2, G), own) < 1e-12  # restored


def test_probes_are_drawn_afresh_for_each_grading():
    first, second = (draw_probe(SYSTEM, 1.0) for _ in range(2))
    assert first.factor != second.factor and not np.array_equal(first.field, second.field)


@pytest.fixture(scope="module")
def ctx():
    """A context whose exported programs are read and run in a confined verifier, as in grading."""
    verifier = Verifier(seed_material=b"test_behaviour_probes")
    yield Context(assignment="jit_potential", session=None, reference=None, source="", verifier=verifier)
    verifier.close()


def _exported(ctx, module, function: str, n: int) -> evidence.Evidence:
    inputs = [["float64", [n, 3]], ["float64", [n]], ["float64", []], ["float64", []]]
    return evidence.receive(ctx, get("export_function")(module, function, inputs, [EPS2, G]), function)


def test_export_routes_and_sizes(ctx):
    jitted = _module(POTENTIAL + "potential_energy_jit = jax.jit(potential_energy)\n")
    static = _module(POTENTIAL + "potential_energy_jit = jax.jit(potential_energy, static_argnames=('eps2', 'G'))\n")
    looped = _module("""
        @jax.jit
        def potential_energy_jit(x, m, eps2, G):
            n = x.shape[0]
            return -G * sum(m[i] * m[j] / jnp.sqrt(jnp.sum((x[i] - x[j]) ** 2) + eps2)
                            for i in range(n) for j in range(i + 1, n))
    """)
    plain = _module(POTENTIAL + "potential_energy_jit = potential_energy\n")
    small, large = (_exported(ctx, jitted, "potential_energy_jit", n) for n in (3, 9))
    assert (small.route, large.route) == ("jit", "jit")
    assert small.operation_count == large.operation_count
    assert [shape for shape, _ in small.inputs] == [(3, 3), (3,), (), ()]
    with jax.enable_x64(True):
        expected = float(jitted.potential_energy_jit(X, M, EPS2, G))
    (seen,) = evidence.run(ctx, _exported(ctx, jitted, "potential_energy_jit", 5), X, M, EPS2, G)
    assert evidence.relative_difference(seen, expected) < 1e-12
    assert _exported(ctx, static, "potential_energy_jit", 3).route == "jit_constants"
    assert _exported(ctx, plain, "potential_energy_jit", 3).route == "wrapped"
    loop_small, loop_large = (_exported(ctx, looped, "potential_energy_jit", n) for n in (3, 9))
    assert loop_small.operation_count < loop_large.operation_count


def test_untrusted_programs_with_external_calls_are_refused():
    described = {"custom_calls": server.custom_calls("stablehlo.custom_call @lapack_dgetrf(%0)"),
                 "nr_devices": 1, "platforms": ["cpu"]}
    assert evidence._untrusted_program_problem(described) != ""
    assert evidence._untrusted_program_problem(dict(described, custom_calls=["shape_assertion"])) == ""
    text = '  %0 = stablehlo.add %a, %b : tensor<f64> loc(#loc3)\n#loc3 = loc("stablehlo.mul")'
    assert server.operation_histogram(text) == {"stablehlo.add": 1}


def test_recorder_sees_forces_that_do_not_come_from_pair_force():
    module = _module("""
        def vmap_forces(x, m, eps2=0.0, G=1.0):
            over_j = jax.vmap(pair_force, (None, 0, None, 0, None, None))
            _ = jax.vmap(over_j, (0, None, 0, None, None, None))(x, x, m, m, eps2 + 1.0, G)  # run, thrown away
            d = x[:, None, :] - x[None, :, :]
            r2 = jnp.sum(d**2, axis=-1) + eps2 + jnp.eye(x.shape[0])
            w = jnp.where(jnp.eye(x.shape[0], dtype=bool), 0.0, r2**-1.5)
            return -G * jnp.einsum("ij,ijk->ik", m[:, None] * m[None, :] * w, d)
    """)
    recorded = get("forces_with_recorded_pair_force")(module, X, M, EPS2, G, 3.0)
    assert max(recorded["levels"]) == 2
    own = np.asarray(module.vmap_forces(X, M, EPS2, G))
    assert evidence.relative_difference(recorded["forces"], own) < 1e-12  # unscaled: not pair_force's forces
