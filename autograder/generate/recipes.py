"""Recipes for the public-test fixtures: reference answers on fixed inputs.

Students never receive ``solutions/``; their public tests compare against
numbers the references produced here. Each recipe draws its inputs from a
NumPy generator with a fixed seed, calls the reference, and returns a flat
dict of arrays holding both the inputs and the answers, so a public test
needs nothing but the ``.npz`` file and ``fixture_inputs.py`` (the
non-array inputs: accelerations, log densities, the audit pytree).

Recipes run in a separate process with 64-bit mode on (see ``worker.py``).
"""
from __future__ import annotations

import json

import jax
import jax.numpy as jnp
import numpy as np


def _positions_and_masses(rng, n):
    """(n, 3) positions from a unit normal and (n,) masses in [0.5, 1.5)."""
    return rng.normal(size=(n, 3)), rng.uniform(0.5, 1.5, size=n)


def _numpy(value):
    return np.asarray(value)


def grad_forces_fixture(*, reference, inputs, jla):
    potential_energy, grad_forces = jax.jit(reference.potential_energy), jax.jit(reference.grad_forces)
    rng = np.random.default_rng(101)
    x, m = _positions_and_masses(rng, 8)
    eps2, G = 0.01, 1.3
    return {
        "x": x, "m": m, "eps2": np.float64(eps2), "G": np.float64(G),
        "potential": _numpy(potential_energy(x, m, eps2, G)),
        "forces": _numpy(grad_forces(x, m, eps2, G)),
        "potential_eps0": _numpy(potential_energy(x, m, 0.0, G)),
        "forces_eps0": _numpy(grad_forces(x, m, 0.0, G)),
    }


def jit_potential_fixture(*, reference, inputs, jla):
    rng = np.random.default_rng(202)
    x, m = _positions_and_masses(rng, 8)
    v = rng.normal(scale=0.3, size=(8, 3))
    eps2, G = 0.05, 0.7
    kinetic, potential, total = reference.total_energy_jit(x, v, m, eps2, G)
    return {
        "x": x, "v": v, "m": m, "eps2": np.float64(eps2), "G": np.float64(G),
        "potential": _numpy(reference.potential_energy_jit(x, m, eps2, G)),
        "kinetic": _numpy(kinetic), "total_potential": _numpy(potential), "total": _numpy(total),
    }


def vmap_forces_fixture(*, reference, inputs, jla):
    vmap_forces = jax.jit(reference.vmap_forces)
    rng = np.random.default_rng(303)
    x, m = _positions_and_masses(rng, 8)
    eps2, G = 0.02, 1.0
    return {
        "x": x, "m": m, "eps2": np.float64(eps2), "G": np.float64(G),
        "pair_force_01": _numpy(reference.pair_force(x[0], x[1], m[0], m[1], eps2=eps2, G=G)),
        "forces": _numpy(vmap_forces(x, m, eps2, G)),
        "forces_eps0": _numpy(vmap_forces(x, m, 0.0, G)),
    }


def scan_integrator_fixture(*, reference, inputs, jla):
    rng = np.random.default_rng(404)
    x0, v0 = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    dt, n_steps = 0.05, 25
    state0 = reference.State(x=x0, v=v0)
    one_step = reference.leapfrog_step(state0, dt, inputs.harmonic_accel)
    final, trajectory = reference.integrate(state0, dt, n_steps, inputs.harmonic_accel)
    return {
        "x0": x0, "v0": v0, "dt": np.float64(dt), "n_steps": np.int64(n_steps),
        "step_x": _numpy(one_step.x), "step_v": _numpy(one_step.v),
        "final_x": _numpy(final.x), "final_v": _numpy(final.v),
        "trajectory_x": _numpy(trajectory.x), "trajectory_v": _numpy(trajectory.v),
    }


def hmc_fixture(*, reference, inputs, jla):
    # Compiled whole: running HMC operation by operation is many times slower.
    hmc_step = jax.jit(reference.hmc_step, static_argnames=("log_prob_fn", "n_leapfrog"))
    run_chain = jax.jit(reference.run_chain, static_argnames=("log_prob_fn", "n_leapfrog", "n_samples"))
    log_posterior = jax.jit(reference.log_posterior)
    theta0 = np.asarray([0.8, -0.4])
    step_size, n_leapfrog, n_samples = 0.4, 6, 40
    log_prob = inputs.standard_normal_log_prob
    theta1, accepted = hmc_step(jax.random.PRNGKey(7), theta0, log_prob, step_size, n_leapfrog)
    samples, accept_rate = run_chain(jax.random.PRNGKey(11), theta0, log_prob, step_size, n_leapfrog, n_samples)
    z, mu, cov = jla.load_jla()
    thetas = np.asarray([[0.3, 0.7], [0.25, 0.72], [0.35, 0.68]])
    worked_theta = np.asarray([0.3, 0.7])
    return {
        "theta0": theta0, "step_size": np.float64(step_size),
        "n_leapfrog": np.int64(n_leapfrog), "n_samples": np.int64(n_samples),
        "step_key_seed": np.int64(7), "chain_key_seed": np.int64(11),
        "step_theta": _numpy(theta1), "step_accepted": _numpy(accepted),
        "chain_samples": _numpy(samples), "chain_accept_rate": _numpy(accept_rate),
        "posterior_thetas": thetas,
        "posterior_values": np.asarray([log_posterior(t, z, mu, cov) for t in thetas]),
        "posterior_grad": _numpy(jax.jit(jax.grad(reference.log_posterior))(thetas[0], z, mu, cov)),
        "worked_theta": worked_theta,
        "worked_mu": _numpy(_single_bin_mu(log_posterior, worked_theta, z=0.5)),
    }


def _single_bin_mu(log_posterior, theta, *, z):
    """The model's mu(z), read off log_posterior with one bin of unit variance.

    With mu_obs = 0 the log posterior is -mu(z)^2 / 2, and mu > 0 here.
    """
    value = log_posterior(theta, np.asarray([z]), np.asarray([0.0]), np.eye(1))
    return np.sqrt(-2.0 * np.asarray(value))


def dtype_audit_fixture(*, reference, inputs, jla):
    tree = inputs.example_tree()
    reports = [
        {"path": r.path, "shape": list(r.shape), "dtype": r.dtype, "weak_type": bool(r.weak_type)}
        for r in reference.audit_dtypes(tree)
    ]

    def promoted_dtypes(dtype):
        promoted = reference.promote_floats(tree, dtype=dtype)
        return [str(jnp.asarray(leaf).dtype) for leaf in jax.tree_util.tree_leaves(promoted)]

    return {
        "reports_json": np.asarray(json.dumps(reports, sort_keys=True)),
        "low_precision_64": np.asarray(reference.low_precision_paths(tree), dtype=str),
        "low_precision_32": np.asarray(reference.low_precision_paths(tree, min_bits=32), dtype=str),
        "promoted_dtypes_64": np.asarray(promoted_dtypes(jnp.float64), dtype=str),
        "promoted_dtypes_32": np.asarray(promoted_dtypes(jnp.float32), dtype=str),
    }


# assignment -> recipe(reference=<solutions module>, inputs=<fixture_inputs
# module>, jla=<JLA loader module>) -> {array name: array}
RECIPES = {
    "grad_forces": grad_forces_fixture,
    "jit_potential": jit_potential_fixture,
    "vmap_forces": vmap_forces_fixture,
    "scan_integrator": scan_integrator_fixture,
    "hmc": hmc_fixture,
    "dtype_audit": dtype_audit_fixture,
}


