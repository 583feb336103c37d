"""Public tests for ``assignments/jit_potential.py`` (a subset of the graded checks)."""
import jax
import jax.numpy as jnp
import numpy as np

from assignments import jit_potential as student
from fixture_inputs import load_fixture
from jaxgrade_diagnosis import TWO_BODY_POTENTIAL_FIX, jit_problem, jitted_verdict, potential_verdict
from public_helpers import assert_close, assert_dtype, count_compiles, export_route, graded_as, require

FIXTURE = load_fixture("jit_potential")


@graded_as("two_body_potential")
def test_two_body_potential():
    x, m = jnp.asarray([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]), jnp.ones(2)
    W = np.asarray(student.potential_energy_jit(x, m, 0.0, 1.0))
    require(potential_verdict(W, -0.5, G=1.0, tolerance=1e-12, law_fix=TWO_BODY_POTENTIAL_FIX,
                              what="potential_energy_jit of unit masses at (+1,0,0), (-1,0,0), G = 1, eps2 = 0"))


@graded_as("both_jitted")
def test_both_are_jitted():
    x, v, m = (FIXTURE[k] for k in ("x", "v", "m"))
    scalars = [float(FIXTURE["eps2"]), float(FIXTURE["G"])]
    for name, arrays in (("potential_energy_jit", [x, m]), ("total_energy_jit", [x, v, m])):
        route, failures = export_route(getattr(student, name), arrays, scalars)
        require(jitted_verdict(name, jit_problem(name, route, failures)))


def test_two_body_energies():
    x = jnp.asarray([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    v = jnp.asarray([[0.0, 0.5, 0.0], [0.0, -0.5, 0.0]])
    m = jnp.ones(2)
    K, W, E = student.total_energy_jit(x, v, m, 0.0, 1.0)
    fix = "K = sum m |v|^2 / 2 = 1/4 and W = -G m1 m2 / r = -1/2 here; return the tuple (K, W, E)."
    assert_close(K, 0.25, what="kinetic energy K of two unit masses at speed 1/2", tolerance=1e-12, fix=fix)
    assert_close(W, -0.5, what="potential energy W of two unit masses 2 apart", tolerance=1e-12, fix=fix)
    assert_close(E, -0.25, what="total energy E = K + W", tolerance=1e-12, fix=fix)
    W_alone = student.potential_energy_jit(x, m, 0.0, 1.0)
    assert_close(W_alone, -0.5, what="potential_energy_jit of the same pair", tolerance=1e-12, fix=fix)


def test_matches_reference_values():
    x, v, m = (jnp.asarray(FIXTURE[k]) for k in ("x", "v", "m"))
    eps2, G = float(FIXTURE["eps2"]), float(FIXTURE["G"])
    assert_close(student.potential_energy_jit(x, m, eps2, G), FIXTURE["potential"],
                 what="potential_energy_jit", tolerance=1e-10)
    K, W, E = student.total_energy_jit(x, v, m, eps2, G)
    assert_close(K, FIXTURE["kinetic"], what="total_energy_jit: K", tolerance=1e-10)
    assert_close(W, FIXTURE["total_potential"], what="total_energy_jit: W", tolerance=1e-10)
    assert_close(E, FIXTURE["total"], what="total_energy_jit: E", tolerance=1e-10)


def test_float32_in_float32_out():
    x, v, m = (jnp.asarray(FIXTURE[k], jnp.float32) for k in ("x", "v", "m"))
    eps2, G = float(FIXTURE["eps2"]), float(FIXTURE["G"])
    W = student.potential_energy_jit(x, m, eps2, G)
    assert_dtype(W, jnp.float32, what="potential_energy_jit of float32 inputs")
    for name, value in zip("KWE", student.total_energy_jit(x, v, m, eps2, G)):
        assert_dtype(value, jnp.float32, what=f"total_energy_jit: {name} of float32 inputs")
    assert_close(W, FIXTURE["potential"], what="float32 potential", tolerance=1e-5)


def test_new_parameters_reuse_the_compiled_program():
    # Sizes no other test uses, so the first call must compile.
    x5, m5 = jnp.asarray(FIXTURE["x"][:5]), jnp.asarray(FIXTURE["m"][:5])
    x6, m6 = jnp.asarray(FIXTURE["x"][:6]), jnp.asarray(FIXTURE["m"][:6])
    with count_compiles() as first_size:
        for eps2, G in ((0.01, 1.0), (0.02, 1.5), (0.0, 0.7)):
            jax.block_until_ready(student.potential_energy_jit(x5, m5, eps2, G))
    with count_compiles() as second_size:
        for eps2, G in ((0.01, 1.0), (0.03, 2.0)):
            jax.block_until_ready(student.potential_energy_jit(x6, m6, eps2, G))
    fix = ("How to fix: decorate potential_energy_jit with @jax.jit, keep eps2 and G traced (not in "
           "static_argnames), and do no eager jnp work outside the jitted function.")
    assert first_size.count == 1, (
        f"potential_energy_jit with N = 5 and three (eps2, G) pairs: expected exactly 1 compilation, "
        f"saw {first_size.count}. {fix}"
    )
    assert second_size.count == 1, (
        f"potential_energy_jit with a new N = 6: expected exactly 1 new compilation, "
        f"saw {second_size.count}. {fix}"
    )
