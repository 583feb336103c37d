"""Public tests for ``assignments/vmap_forces.py`` (a subset of the graded checks).

The value tests run the graded checks' own verdicts (``jaxgrade_diagnosis``).
"""
import jax
import jax.numpy as jnp
import numpy as np

from assignments import vmap_forces as student
from fixture_inputs import load_fixture
from jaxgrade_diagnosis import PAIR_FORCE_FIX, VMAP_SUM_FIX, forces_verdict
from public_helpers import assert_close, assert_dtype, assert_finite, equation_count, graded_as, require

FIXTURE = load_fixture("vmap_forces")

# Compiled once and shared by the tests below: compiling a whole function is
# much faster than running it operation by operation.
vmap_forces = jax.jit(student.vmap_forces)


@graded_as("pair_force_values")
def test_pair_force_matches_reference():
    x_i, x_j = jnp.asarray([1.0, 0.0, 0.0]), jnp.asarray([-1.0, 0.0, 0.0])
    unsoftened = np.asarray(student.pair_force(x_i, x_j, 1.0, 1.0, eps2=0.0, G=1.0))
    require(forces_verdict(unsoftened, [-0.25, 0.0, 0.0], G=1.0, tolerance=1e-12, law_fix=PAIR_FORCE_FIX,
                           what="pair_force on (+1,0,0) from (-1,0,0), unit masses (G = 1, eps2 = 0)"))
    softened = student.pair_force(x_i, x_j, 1.0, 1.0, eps2=1.0, G=1.0)
    assert_close(softened, [-2.0 / 5.0**1.5, 0.0, 0.0], what="pair_force with eps2 = 1",
                 tolerance=1e-12, fix="Soften with (|x_i - x_j|^2 + eps2)^(3/2) and nothing else.")
    x, m = jnp.asarray(FIXTURE["x"]), jnp.asarray(FIXTURE["m"])
    eps2, G = float(FIXTURE["eps2"]), float(FIXTURE["G"])
    seen = np.asarray(student.pair_force(x[0], x[1], m[0], m[1], eps2=eps2, G=G))
    require(forces_verdict(seen, FIXTURE["pair_force_01"], G=G, tolerance=1e-10, law_fix=PAIR_FORCE_FIX,
                           what=f"pair_force(x[0], x[1], m[0], m[1]) (N = 8, eps2 = {eps2}, G = {G})"))


@graded_as("force_values")
def test_matches_reference_values():
    x, m = jnp.asarray(FIXTURE["x"]), jnp.asarray(FIXTURE["m"])
    G = float(FIXTURE["G"])
    for eps2, suffix in ((float(FIXTURE["eps2"]), ""), (0.0, "_eps0")):
        seen = np.asarray(vmap_forces(x, m, eps2, G))
        require(forces_verdict(seen, FIXTURE[f"forces{suffix}"], G=G, m=FIXTURE["m"], tolerance=1e-10,
                               law_fix=VMAP_SUM_FIX,
                               what=f"vmap_forces (N = 8, eps2 = {eps2}, G = {G}), index (particle, axis)"))


def test_float32_in_float32_out():
    x, m = jnp.asarray(FIXTURE["x"], jnp.float32), jnp.asarray(FIXTURE["m"], jnp.float32)
    F = vmap_forces(x, m, float(FIXTURE["eps2"]), float(FIXTURE["G"]))
    assert_dtype(F, jnp.float32, what="vmap_forces of float32 inputs")
    assert_close(F, FIXTURE["forces"], what="float32 forces", tolerance=1e-5)


def test_gradient_finite_at_zero_softening():
    x, m = jnp.asarray(FIXTURE["x"][:4]), jnp.asarray(FIXTURE["m"][:4])
    gradient = jax.jit(jax.grad(lambda positions: jnp.sum(student.vmap_forces(positions, m, eps2=0.0) ** 2)))(x)
    assert_finite(gradient, what="gradient of sum(vmap_forces**2) at eps2 = 0 (distinct particles)")


def test_traced_program_does_not_grow_with_n():
    sizes = {}
    for n in (4, 16):
        x, m = jnp.ones((n, 3)) * jnp.arange(n)[:, None], jnp.ones(n)
        sizes[n] = equation_count(jax.make_jaxpr(lambda x, m: student.vmap_forces(x, m, eps2=0.01))(x, m))
    assert sizes[4] == sizes[16], (
        f"the traced program of vmap_forces has {sizes[4]} equations for N = 4 but {sizes[16]} for N = 16; "
        "expected the same size. Replace Python loops over particles by two nested jax.vmap calls."
    )
