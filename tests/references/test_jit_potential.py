"""Validation of solutions/jit_potential.py: values, compile counts, program size.

Compiles are counted with the ``jax.monitoring`` backend-compile event, which
sees every real XLA compile (including a ``jax.jit`` created inside a call).
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from solutions.jit_potential import potential_energy_jit, total_energy_jit

from ._support import analytic_potential, count_compiles, count_equations, random_configuration


def _inputs(seed, n, dtype=np.float64):
    """Device arrays built up front: eager array creation compiles too."""
    x, m = random_configuration(seed, n, dtype=dtype)
    v = np.random.default_rng(seed + 1000).normal(size=(n, 3)).astype(dtype)
    return jnp.asarray(x), jnp.asarray(v), jnp.asarray(m)


def test_is_a_jit_compiled_callable():
    assert hasattr(potential_energy_jit, "lower") and hasattr(total_energy_jit, "lower"), (
        "expected jax.jit-wrapped module attributes"
    )


def test_two_body_potential():
    x = jnp.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    assert float(potential_energy_jit(x, jnp.ones(2), 0.0, 1.0)) == pytest.approx(-0.5, abs=1e-15)


def test_energies_match_the_pair_sum():
    x, v, m = _inputs(seed=21, n=10)
    K, W, E = total_energy_jit(x, v, m, 0.02, 1.5)
    expected_K = 0.5 * float(np.sum(np.asarray(m) * np.sum(np.asarray(v) ** 2, axis=1)))
    expected_W = analytic_potential(x, m, 0.02, 1.5)
    assert float(K) == pytest.approx(expected_K, rel=1e-14)
    assert float(W) == pytest.approx(expected_W, rel=1e-13)
    assert float(E) == pytest.approx(expected_K + expected_W, rel=1e-13)
    assert float(potential_energy_jit(x, m, 0.02, 1.5)) == pytest.approx(expected_W, rel=1e-13)


def test_new_values_reuse_the_compiled_program():
    first, second = _inputs(seed=22, n=7), _inputs(seed=23, n=7)
    potential_energy_jit(first[0], first[2], 0.0, 1.0)  # compile for N = 7
    with count_compiles() as compiles:
        potential_energy_jit(second[0], second[2], 0.3, 2.5).block_until_ready()
        potential_energy_jit(first[0], second[2], 1e-4, 0.5).block_until_ready()
    assert compiles.count == 0, (
        f"expected no recompilation for new values of x, m, eps2, G; saw {compiles.count}"
    )


def test_new_eps2_and_G_arrays_reuse_the_compiled_program():
    x, v, m = _inputs(seed=24, n=5)
    eps2_a, eps2_b, G_a, G_b = (jnp.asarray(value) for value in (0.0, 0.2, 1.0, 3.0))
    total_energy_jit(x, v, m, eps2_a, G_a)
    with count_compiles() as compiles:
        total_energy_jit(x, v, m, eps2_b, G_b)[2].block_until_ready()
    assert compiles.count == 0, f"eps2/G arrays with new values recompiled {compiles.count} time(s)"


def test_a_new_n_compiles_exactly_once():
    x, _, m = _inputs(seed=25, n=13)
    x_other, _, m_other = _inputs(seed=26, n=13)
    with count_compiles() as compiles:
        potential_energy_jit(x, m, 0.0, 1.0).block_until_ready()
        potential_energy_jit(x_other, m_other, 0.1, 1.0).block_until_ready()
    assert compiles.count == 1, f"expected exactly one compile for a new N, saw {compiles.count}"


def test_traced_program_size_does_not_grow_with_n():
    sizes = {}
    for n in (4, 16, 64):
        x, v, m = _inputs(seed=27, n=n)
        sizes[n] = (
            count_equations(jax.make_jaxpr(potential_energy_jit)(x, m, 0.0, 1.0)),
            count_equations(jax.make_jaxpr(total_energy_jit)(x, v, m, 0.0, 1.0)),
        )
    assert len(set(sizes.values())) == 1, f"jaxpr sizes (W, total) by N: {sizes}"


def test_float32_in_gives_float32_out():
    x, v, m = _inputs(seed=28, n=6, dtype=np.float32)
    outputs = (potential_energy_jit(x, m, 0.0, 1.0), *total_energy_jit(x, v, m, 0.0, 1.0))
    assert [value.dtype for value in outputs] == [jnp.float32] * 4


def test_eps2_zero_has_finite_gradients():
    x, _, m = _inputs(seed=29, n=6)
    dW_dx, dW_dm = jax.grad(potential_energy_jit, argnums=(0, 1))(x, m, 0.0, 1.0)
    assert np.all(np.isfinite(dW_dx)) and np.all(np.isfinite(dW_dm)), (
        "expected finite dW/dx and dW/dm at eps2 = 0 (mask self-pairs before dividing)"
    )
