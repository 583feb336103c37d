"""Checks of the hmc assignment: one HMC step, a chain, the supernova posterior.

The key convention in the spec makes HMC deterministic per key, so the
student's ``hmc_step`` is compared step for step with the reference on the
same keys: same accept decisions, same positions. Positions are compared to
1e-9 (max-normalised), loose enough that the comparison is about the
algorithm; whether the gradient comes from autodiff is a check of its own,
on a target whose custom gradient rule differs from its numerical derivative.

Step sizes are chosen so that 40-80% of the proposals are accepted and every
reference accept decision is at least 0.03 away from its threshold in
``log u`` (measured; tests/checks/test_hmc_checks.py keeps it so), so a
correct submission's decisions cannot flip by round-off, on a GPU included.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from solutions.jla import load_jla

from . import dynamics_fixtures as fx
from .dynamics_fixtures import reference_x64
from .framework import Attr, CheckRegistry, Fail, Key, Target, as_float_array, require_close
from .hmc_support import StepCase, compare_steps, momentum_diagnosis, reference_steps, require_step_results

REGISTRY = CheckRegistry("hmc")

GAUSSIAN_MEAN = np.array([0.5, -1.0])
GAUSSIAN_COV = np.array([[1.0, 0.6], [0.6, 2.0]])
GAUSSIAN_PRECISION = np.linalg.inv(GAUSSIAN_COV)
CHAIN = {"seed": 2024, "step_size": 1.4, "n_leapfrog": 2, "n_samples": 2000}


def _starts(center, spread, count, *, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [np.asarray(center + spread * rng.normal(size=len(center)), dtype=dtype) for _ in range(count)]


def gaussian_case() -> StepCase:
    """16 steps from random starts, then the first start again with its own
    key (same result expected) and with a new key (a different proposal)."""
    starts = _starts(GAUSSIAN_MEAN, 1.5, 16, seed=1)
    return StepCase(
        label="2-D correlated Gaussian",
        target=Target("gaussian", {"mean": GAUSSIAN_MEAN, "precision": GAUSSIAN_PRECISION}),
        log_prob=fx.gaussian_log_prob(GAUSSIAN_MEAN, GAUSSIAN_PRECISION),
        thetas=starts + [starts[0], starts[0]],
        seeds=list(range(16)) + [0, 99],
        step_size=1.5,
        n_leapfrog=3,
    )


def banana_case(dtype=np.float64) -> StepCase:
    return StepCase(
        label=f"banana-shaped density ({np.dtype(dtype).name})",
        target=Target("banana", {"b": 0.1, "scale": 10.0}),
        log_prob=fx.banana_log_prob(0.1, 10.0),
        thetas=_starts(np.zeros(2), np.array([3.0, 1.0]), 12, seed=2, dtype=dtype),
        seeds=list(range(100, 112)),
        step_size=1.6,
        n_leapfrog=5,
    )


@functools.lru_cache(maxsize=1)
def jla_data():
    return load_jla()


def supernova_case(reference) -> StepCase:
    z, mu, cov = jla_data()
    starts = _starts(np.array([0.3, 0.7]), np.array([0.03, 0.007]), 10, seed=3)
    starts.append(np.array([0.3, 0.8985]))  # next to the prior edge: some proposals leave the prior
    return StepCase(
        label="JLA supernova posterior",
        target=Target("posterior_given_data", {"log_posterior": Attr("log_posterior"), "z": z, "mu": mu, "cov": cov}),
        log_prob=lambda theta: reference.log_posterior(theta, z, mu, cov),
        thetas=starts,
        seeds=list(range(200, 211)),
        step_size=0.011,
        n_leapfrog=3,
    )


FLAT_SLOPE = np.array([1e-3, -2e-3, 0.5e-3])


def flat_case(*, custom_gradient: bool) -> StepCase:
    """Steps from the origin of a flat density in 3-D: the gradient is zero, or,
    with ``custom_gradient``, the constant FLAT_SLOPE by a custom_jvp rule."""
    return StepCase(
        label="flat density with a custom gradient rule" if custom_gradient else "flat density",
        target=Target("flat_custom_gradient", {"slope": FLAT_SLOPE}) if custom_gradient else Target("flat"),
        log_prob=fx.flat_custom_gradient_log_prob(FLAT_SLOPE) if custom_gradient else fx.flat_log_prob,
        thetas=[np.zeros(3)] * 6,
        seeds=list(range(400, 406)),
        step_size=0.5,
        n_leapfrog=3,
    )


def _student_steps(ctx, case: StepCase, *, typed=False, seeds=None):
    seeds = case.seeds if seeds is None else seeds
    raw = ctx.program("hmc_steps", case.target, case.thetas, seeds, case.step_size, case.n_leapfrog, typed=typed)
    return require_step_results(raw, count=len(seeds), dim=len(case.thetas[0]), dtype=np.asarray(case.thetas[0]).dtype)


# -- hmc_step against the reference ------------------------------------------------
@REGISTRY.check("hmc_step matches the reference on a 2-D Gaussian (same keys: same positions and accept decisions)", points=1.5, public=True)
def gaussian_steps(ctx):
    case = gaussian_case()
    seen = ctx.remember("gaussian steps", lambda: _student_steps(ctx, case))
    return compare_steps(seen, case, ctx.reference)


@REGISTRY.check("hmc_step matches the reference on a banana-shaped density, and float32 positions stay float32", points=1)
def banana_steps(ctx):
    messages = [compare_steps(_student_steps(ctx, banana_case()), banana_case(), ctx.reference)]
    case32 = banana_case(np.float32)
    seen32 = _student_steps(ctx, case32)
    if seen32.thetas.dtype != np.float32:
        raise Fail(
            f"hmc_step with a float32 theta returned {seen32.thetas.dtype} positions; expected float32. Draw the "
            "momentum in theta's dtype, `jax.random.normal(key_p, theta.shape, theta.dtype)`, and keep "
            "constants as Python floats."
        )
    messages.append(compare_steps(seen32, case32, ctx.reference, tolerance=1e-5))
    return " ".join(messages)


@REGISTRY.check("hmc_step on the supernova posterior matches the reference (runs on your log_posterior)", points=1)
def supernova_steps(ctx):
    case = supernova_case(ctx.reference)
    note = (
        "This check runs your hmc_step on YOUR log_posterior (the reference's never enters your process): "
        "if the log_posterior checks fail too, fix log_posterior first."
    )
    return compare_steps(_student_steps(ctx, case), case, ctx.reference, note=note)


def _flat_steps(ctx, *, custom_gradient: bool):
    case = flat_case(custom_gradient=custom_gradient)
    return ctx.remember(("flat steps", custom_gradient), lambda: _student_steps(ctx, case))


@REGISTRY.check("Random-key convention: the momentum comes from the first key of jax.random.split(key)", points=1)
def momentum_key(ctx):
    case = flat_case(custom_gradient=False)
    seen = _flat_steps(ctx, custom_gradient=False)
    # On a flat density the gradient is zero: theta moves by n_leapfrog * step_size * p0.
    momenta = seen.thetas / (case.n_leapfrog * case.step_size)
    for seed, momentum, accepted in zip(case.seeds, momenta, seen.accepted):
        if not accepted:
            raise Fail(
                f"On a flat log-density H does not change along the trajectory, so log_ratio = 0 and every "
                f"proposal must be accepted (log u < 0); key PRNGKey({seed}) was rejected. Accept iff "
                "`jnp.log(jax.random.uniform(key_u, dtype=theta.dtype)) < log_ratio`."
            )
        problem = momentum_diagnosis(momentum, seed=seed, d=len(momentum))
        if problem:
            raise Fail(
                f"On a flat log-density (zero gradient) one HMC step moves theta by n_leapfrog * step_size * p0, "
                f"which reveals the momentum. For key PRNGKey({seed}) the momentum was {momentum}; {problem}\n"
                "How to fix: `key_p, key_u = jax.random.split(key)`; "
                "`p0 = jax.random.normal(key_p, theta.shape, theta.dtype)`; the uniform uses key_u."
            )
    return "The momentum is drawn with the first key of split(key), as the convention says."


@REGISTRY.check("Gradients come from jax.grad (a target whose custom gradient rule differs from its numerical derivative)", points=1)
def autodiff_gradients(ctx):
    """A flat density whose custom_jvp rule gives the constant gradient g.
    Under a constant force the leapfrog moves theta by an extra
    (n_leapfrog * step_size)^2 / 2 * g, whatever the momentum; a
    finite-difference gradient is zero and adds nothing. Comparing the same
    key with and without the rule isolates the gradient from the key handling."""
    flat, pushed = _flat_steps(ctx, custom_gradient=False), _flat_steps(ctx, custom_gradient=True)
    both = flat.accepted & pushed.accepted
    if both.sum() < len(both) // 2:
        raise Fail(
            "Could not measure the gradient: most proposals on a flat density were rejected, where log_ratio "
            "is (nearly) 0 and nearly all must be accepted. Fix the accept test first (see the Gaussian check)."
        )
    with reference_x64():
        ref_flat = reference_steps(ctx.reference, flat_case(custom_gradient=False))
        ref_pushed = reference_steps(ctx.reference, flat_case(custom_gradient=True))
    expected = (ref_pushed.thetas - ref_flat.thetas)[both]
    seen = (pushed.thetas - flat.thetas)[both]
    case = flat_case(custom_gradient=True)
    scale = float(np.max(np.abs(expected)))
    if float(np.max(np.abs(seen - expected))) > 1e-8 * scale:
        zero = float(np.max(np.abs(seen))) < 1e-3 * scale
        raise Fail(
            f"With the gradient rule g = {FLAT_SLOPE.tolist()} (and a flat value), the same key should move theta by an "
            f"extra (n_leapfrog * step_size)^2 / 2 * g = {expected[0].tolist()} compared with g = 0; yours moved it by "
            f"{seen[0].tolist()}."
            + (" That is what a numerical derivative gives: the function's values are flat, so finite differences "
               "see no gradient." if zero else "")
            + "\nHow to fix: compute the leapfrog gradient with `jax.grad(log_prob_fn)`, which follows the "
            "function's own derivative rules, never with finite differences."
        )
    return f"The leapfrog follows jax.grad ({int(both.sum())} of {len(both)} keys measured, step_size {case.step_size})."


@REGISTRY.check("Legacy PRNGKey and typed jax.random.key give the same step, and the same key gives the same result", points=0.5)
def key_types_and_determinism(ctx):
    case = gaussian_case()
    legacy = ctx.remember("gaussian steps", lambda: _student_steps(ctx, case))
    typed = _student_steps(ctx, case, typed=True)
    if not (np.allclose(typed.thetas, legacy.thetas, rtol=0, atol=1e-14) and np.array_equal(typed.accepted, legacy.accepted)):
        raise Fail(
            "hmc_step gave different results for jax.random.key(seed) (typed) and jax.random.PRNGKey(seed) "
            "(legacy), which hold the same random bits. Treat the key as opaque: only pass it to "
            "jax.random functions (split, normal, uniform); do not index it or read its shape."
        )
    first, same_key, new_key = legacy.thetas[0], legacy.thetas[-2], legacy.thetas[-1]
    if not np.array_equal(first, same_key):
        raise Fail("The same key and start gave two different results: all randomness must come from the key argument.")
    if np.array_equal(first, new_key) and legacy.accepted[-1]:
        raise Fail(
            "Two different keys gave the same accepted proposal from the same start: the momentum ignores the "
            "key (numpy.random or a fixed key?). Draw it with `jax.random.normal(key_p, ...)`."
        )
    return "Typed and legacy keys agree; the result is a function of the key."


# -- run_chain ---------------------------------------------------------------------
CHAIN_PROBE_SAMPLES = (4, 16)
CHAIN_SKIP = (
    "Skipped because run_chain is not built on lax.scan: its traced program grows with n_samples "
    "({short} equations for n_samples = {n_short}, {long} for n_samples = {n_long}), so the "
    "{n} samples this check draws would unroll and compile for minutes. Loop with "
    "`jax.lax.scan(step, theta0, keys)` over `keys = jax.random.split(key, n_samples)`."
)


def _gaussian_chain(ctx):
    """The student's run_chain on the Gaussian (cached): (samples (n, 2), accept_rate)."""

    def run():
        _require_scan_chain(ctx)
        samples, rate = ctx.call(
            "run_chain", Key(CHAIN["seed"]), GAUSSIAN_MEAN, Target("gaussian", {"mean": GAUSSIAN_MEAN, "precision": GAUSSIAN_PRECISION}),
            CHAIN["step_size"], CHAIN["n_leapfrog"], CHAIN["n_samples"],
        )
        samples = as_float_array(samples, what="run_chain samples")
        if samples.shape != (CHAIN["n_samples"], 2):
            raise Fail(f"run_chain samples: expected shape ({CHAIN['n_samples']}, 2) (n_samples, d), got {samples.shape}.")
        return samples, rate

    return ctx.remember("gaussian chain", run)


def _require_scan_chain(ctx) -> None:
    args = [Key(0), GAUSSIAN_MEAN, Target("gaussian", {"mean": GAUSSIAN_MEAN, "precision": GAUSSIAN_PRECISION}), 0.5, 2]
    stats = [ctx.program("traced_program", "run_chain", args + [n], static_argnums=[2, 3, 4, 5]) for n in CHAIN_PROBE_SAMPLES]
    (n_short, short), (n_long, long) = zip(CHAIN_PROBE_SAMPLES, stats)
    if long["n_eqns"] > short["n_eqns"] + 5:
        raise Fail(CHAIN_SKIP.format(short=short["n_eqns"], long=long["n_eqns"], n_short=n_short, n_long=n_long, n=CHAIN["n_samples"]))


@functools.lru_cache(maxsize=None)
def _reference_chain(reference):
    with reference_x64():
        log_prob = fx.gaussian_log_prob(GAUSSIAN_MEAN, GAUSSIAN_PRECISION)
        samples, rate = reference.run_chain(
            jax.random.PRNGKey(CHAIN["seed"]), jnp.asarray(GAUSSIAN_MEAN), log_prob,
            CHAIN["step_size"], CHAIN["n_leapfrog"], CHAIN["n_samples"],
        )
        return np.asarray(samples), float(rate)


@REGISTRY.check("run_chain matches the reference: same samples and accept rate for the same key", points=1.5, public=True)
def chain_matches(ctx):
    samples, rate = _gaussian_chain(ctx)
    expected_samples, expected_rate = _reference_chain(ctx.reference)
    rate_array = np.asarray(rate)
    if rate_array.shape != () or rate_array.dtype.kind != "f":
        raise Fail(f"accept_rate should be a floating scalar array, got {rate!r:.80} (dtype {rate_array.dtype}, shape {rate_array.shape}). Return `jnp.mean(accepted.astype(samples.dtype))`.")
    require_close(
        samples, expected_samples, what=f"run_chain samples ({CHAIN['n_samples']} steps, key PRNGKey({CHAIN['seed']}))",
        tolerance=1e-9,
        fix="split once, `keys = jax.random.split(key, n_samples)`, and give step i `keys[i]` (scan over keys); "
        "record the state AFTER each step; do not split the key again inside the loop.",
    )
    if abs(float(rate_array) - expected_rate) > 1e-12:
        raise Fail(f"accept_rate: expected {expected_rate:.6f} (the fraction of accepted steps), got {float(rate_array):.6f}.")
    return f"{CHAIN['n_samples']} samples and the accept rate ({expected_rate:.3f}) match the reference."


@REGISTRY.check("run_chain samples a correlated 2-D Gaussian: mean and covariance within bounds", points=1)
def chain_statistics(ctx):
    samples, _ = _gaussian_chain(ctx)
    bounds = chain_bounds()
    mean_error = np.abs(samples.mean(axis=0) - GAUSSIAN_MEAN) / np.sqrt(np.diag(GAUSSIAN_COV))
    cov_error = np.abs(np.cov(samples.T) - GAUSSIAN_COV) / np.sqrt(np.outer(np.diag(GAUSSIAN_COV), np.diag(GAUSSIAN_COV)))
    if mean_error.max() > bounds["mean"] or cov_error.max() > bounds["cov"]:
        raise Fail(
            f"{CHAIN['n_samples']} samples of N(mean={GAUSSIAN_MEAN.tolist()}, cov={GAUSSIAN_COV.tolist()}): the sample "
            f"mean should be within {bounds['mean']} standard deviations and the covariance within "
            f"{bounds['cov']} (relative to sigma_i sigma_j); yours: mean {samples.mean(axis=0)} (off by "
            f"{mean_error.max():.2f} sd), covariance {np.cov(samples.T).tolist()} (off by {cov_error.max():.2f}).\n"
            "How to fix: without the Metropolis test, or with a wrong Hamiltonian, the leapfrog's energy error "
            "biases the samples. Accept iff `log(uniform(key_u)) < H(theta0, p0) - H(theta1, p1)`, else keep theta0."
        )
    return f"Sample mean within {mean_error.max():.2f} sd and covariance within {cov_error.max():.2f} of the truth."


def chain_bounds() -> dict:
    """Bounds on the sample mean (in sd) and covariance (relative to sigma_i sigma_j).

    Measured with CHAIN's settings: the reference's errors are 0.01 and 0.06
    for the fixed key (0.03 and 0.08 at worst over four other keys, about 2
    standard errors); without the Metropolis test the covariance is off by
    1.25, with the course reading's extra kick by 0.27.
    """
    return {"mean": 0.15, "cov": 0.15}


# -- log_posterior -----------------------------------------------------------------
INSIDE_PRIOR = np.array([[om, h] for om in (0.05, 0.2, 0.3, 0.45, 0.9) for h in (0.55, 0.7, 0.85)])
OUTSIDE_PRIOR = np.array([
    [0.0, 0.7], [1.0, 0.7], [0.3, 0.5], [0.3, 0.9],  # the edges (open intervals)
    [-0.1, 0.7], [1.2, 0.7], [0.3, 0.4], [0.3, 1.0], [-0.5, 1.5],
])
VMAP_JIT = [{"kind": "vmap", "in_axes": [0, None, None, None]}, {"kind": "jit"}]


def _posterior_call(ctx, thetas, *, gradient=False):
    z, mu, cov = jla_data()
    transforms = ([{"kind": "grad", "argnums": 0}] if gradient else []) + VMAP_JIT
    return as_float_array(ctx.call("log_posterior", thetas, z, mu, cov, transforms=transforms), what="log_posterior")


@functools.lru_cache(maxsize=None)
def _reference_posterior(reference):
    z, mu, cov = jla_data()
    with reference_x64():
        fn = jax.jit(jax.vmap(reference.log_posterior, in_axes=(0, None, None, None)))
        grad = jax.jit(jax.vmap(jax.grad(reference.log_posterior), in_axes=(0, None, None, None)))
        return np.asarray(fn(INSIDE_PRIOR, z, mu, cov)), np.asarray(grad(INSIDE_PRIOR, z, mu, cov))


def _require_pointwise_close(seen, expected, *, what, tolerance, fix):
    scale = np.maximum(np.abs(expected).reshape(len(expected), -1).max(axis=1), 1.0)
    error = np.abs(seen - expected).reshape(len(expected), -1).max(axis=1) / scale
    worst = int(np.argmax(error))
    if seen.shape != expected.shape or error[worst] > tolerance:
        raise Fail(
            f"{what} at theta = (Omega_m, h) = {tuple(INSIDE_PRIOR[worst])}: expected {expected[worst]}, got "
            f"{seen[worst]} (relative error {error[worst]:.1e}, tolerance {tolerance:.0e}).\nHow to fix: {fix}"
        )


@REGISTRY.check("log_posterior matches the reference inside the prior (values and gradients)", points=1, public=True)
def posterior_inside(ctx):
    expected_values, expected_grads = _reference_posterior(ctx.reference)
    fix = (
        "follow the handout's Pen (1999) formula term by term (s^3 = (1 - Omega_m)/Omega_m, eta(1) - eta(1/(1+z)), "
        "D_L = (c/H0)(1+z)[...] with H0 = 100 h, mu = 25 + 5 log10 D_L) and the likelihood -1/2 r^T C^-1 r "
        "through a Cholesky solve."
    )
    _require_pointwise_close(_posterior_call(ctx, INSIDE_PRIOR), expected_values, what="log_posterior", tolerance=1e-10, fix=fix)
    seen_grads = _posterior_call(ctx, INSIDE_PRIOR, gradient=True)
    _require_pointwise_close(
        seen_grads, expected_grads, what="jax.grad(log_posterior)", tolerance=1e-8,
        fix=fix + " NaN gradients inside the prior usually come from evaluating the model at an unsafe point "
        "in a jnp.where branch: replace theta by a harmless value before the model, then mask.",
    )
    return f"Values and gradients match at {len(INSIDE_PRIOR)} points inside the prior."


@REGISTRY.check("log_posterior is -inf outside the prior, edges included", points=0.5)
def posterior_outside(ctx):
    seen = _posterior_call(ctx, OUTSIDE_PRIOR)
    for theta, value in zip(OUTSIDE_PRIOR, seen):
        if not np.isneginf(value):
            edge = " (an edge: the prior intervals are open, so the edges are outside)" if _on_edge(theta) else ""
            raise Fail(
                f"log_posterior at theta = (Omega_m, h) = {tuple(theta)}{edge}: expected -inf, got {value}.\n"
                "How to fix: `inside = (0 < Om) & (Om < 1) & (0.5 < h) & (h < 0.9)` with strict "
                "inequalities, then `jnp.where(inside, log_likelihood, -jnp.inf)`."
            )
    return "-inf at every point outside the prior and on its edges."


def _on_edge(theta) -> bool:
    return bool(theta[0] in (0.0, 1.0) or theta[1] in (0.5, 0.9))
