"""Checks of the hmc assignment: one HMC step, a chain, the supernova posterior.

The key convention in the spec makes HMC deterministic per key, so the
student's ``hmc_step`` is compared step for step with the reference on the
same keys: same accept decisions, same positions. Positions are compared to
1e-9 (max-normalised), loose enough that the comparison is about the
algorithm; whether the gradient comes from autodiff is a check of its own,
on a target whose custom gradient rule differs from its numerical derivative.

Step sizes are chosen so that 40-75% of the proposals are accepted (so a
missing Metropolis test shows) and every reference accept decision is at
least 0.03 away from its threshold in ``log u`` (float32 included; kept so by
tests/checks/test_hmc_checks.py), so a correct submission's decisions cannot
flip by round-off, on a GPU either.
"""
from __future__ import annotations

import numpy as np

from ...checking import tolerances
from ...checking.framework import CheckRegistry, Fail, Gate, NotShown, as_float_array
from ...checking.property_inputs import Inputs, student_value
from ...sandbox.session import StudentError
from ...shipped import diagnosis_chain as chain
from . import cases
from .fixture import public_fixture  # noqa: F401  (the public tests' fixture: `jaxgrade regenerate` reads it here)
from .gates import (
    CHAIN,
    CHAIN_CHECK,
    GAUSSIAN_CHECK,
    MOVES,
    STEP_EXACT,
    fail_on,
    gaussian_chain,
    more_evidence,
    seen_gaussian_steps,
    seen_outside_steps,
    step_problem,
    student_steps,
)
from .support import StepCase, compare_steps, momentum_diagnosis

REGISTRY = CheckRegistry("hmc")


@REGISTRY.check(GAUSSIAN_CHECK, points=1.5, public=True)
def gaussian_steps(ctx):
    case = cases.gaussian_case()
    message = compare_steps(seen_gaussian_steps(ctx), case, cases.reference_result(ctx, "gaussian"),
                            more=more_evidence(ctx, besides="gaussian"))
    outside = cases.outside_prior_case()  # the contract: a chain started outside the prior can move in
    return message + " " + compare_steps(seen_outside_steps(ctx), outside, cases.reference_result(ctx, "outside prior"),
                                         more=more_evidence(ctx, besides="outside prior"))


@REGISTRY.check(
    "hmc_step matches the reference on a banana-shaped density, and float32 positions stay float32", points=1
)
def banana_steps(ctx):
    messages = [
        compare_steps(
            student_steps(ctx, cases.banana_case()), cases.banana_case(), cases.reference_result(ctx, "banana"),
            more=more_evidence(ctx),
        )
    ]
    case32 = cases.banana_case(np.float32)
    seen32 = student_steps(ctx, case32)
    if seen32.thetas.dtype != np.float32:
        raise Fail(
            f"hmc_step with a float32 theta returned {seen32.thetas.dtype} positions; expected float32. Draw the "
            "momentum in theta's dtype, `jax.random.normal(key_p, theta.shape, theta.dtype)`, and keep "
            "constants as Python floats."
        )
    messages.append(compare_steps(seen32, case32, cases.reference_result(ctx, "banana float32"),
                                  tolerance=tolerances.FLOAT32, more=more_evidence(ctx)))
    return " ".join(messages)


@REGISTRY.check("hmc_step on the supernova posterior matches the reference (runs on your log_posterior)", points=1)
def supernova_steps(ctx):
    case = cases.supernova_case(ctx.reference)
    note = (
        "This check runs your hmc_step on YOUR log_posterior (the reference's never enters your process): "
        "if the log_posterior checks fail too, fix log_posterior first."
    )
    with ctx.fix_first(POSTERIOR_EXACT, subject_check=POSTERIOR_CHECK):
        return compare_steps(student_steps(ctx, case), case, cases.reference_result(ctx, "supernova"), note=note,
                             more=more_evidence(ctx))


def _flat_steps(ctx, *, custom_gradient: bool):
    case = cases.flat_case(custom_gradient=custom_gradient)
    return ctx.remember(("flat steps", custom_gradient), lambda: student_steps(ctx, case))


@REGISTRY.check("Random-key convention: the momentum comes from the first key of jax.random.split(key)", points=0.5)
def momentum_key(ctx):
    ctx.require(MOVES)
    case = cases.flat_case(custom_gradient=False)
    seen = _flat_steps(ctx, custom_gradient=False)
    # On a flat density the gradient is zero: theta moves by n_leapfrog * step_size * p0.
    momenta = seen.thetas / (case.n_leapfrog * case.step_size)
    for seed, momentum, accepted in zip(case.seeds, momenta, seen.accepted):
        if not accepted:
            raise Fail(
                f"hmc_step rejected a proposal on a flat log-density (key PRNGKey({seed})), where every proposal "
                "must be accepted: H does not change along the trajectory, so log_ratio = 0 and log u < 0.\n"
                "How to fix: accept iff `jnp.log(jax.random.uniform(key_u, dtype=theta.dtype)) < log_ratio`."
            )
        problem = momentum_diagnosis(momentum, seed=seed, d=len(momentum))
        if problem:
            raise Fail(
                f"hmc_step's momentum {problem}\n"
                f"  On a flat log-density (zero gradient) one HMC step moves theta by n_leapfrog * step_size * p0, "
                f"which reveals the momentum: for key PRNGKey({seed}) it was {momentum}.\n"
                "How to fix: `key_p, key_u = jax.random.split(key)`; "
                "`p0 = jax.random.normal(key_p, theta.shape, theta.dtype)`; the uniform uses key_u."
            )
    return "The momentum is drawn with the first key of split(key), as the convention says."


@REGISTRY.check(
    "Gradients come from jax.grad (a target whose custom gradient rule differs from its numerical derivative)", points=1
)
def autodiff_gradients(ctx):
    """A flat density whose custom_jvp rule gives the constant gradient g.
    Under a constant force the leapfrog moves theta by an extra
    (n_leapfrog * step_size)^2 / 2 * g, whatever the momentum; a
    finite-difference gradient is zero and adds nothing. Comparing the same
    key with and without the rule isolates the gradient from the key handling."""
    ctx.require(MOVES)
    flat, pushed = _flat_steps(ctx, custom_gradient=False), _flat_steps(ctx, custom_gradient=True)
    both = flat.accepted & pushed.accepted
    if both.sum() < len(both) // 2:
        raise Fail(
            "Could not measure the gradient: most proposals on a flat density were rejected, where log_ratio "
            "is (nearly) 0 and nearly all must be accepted. Fix the accept test first (see the Gaussian check)."
        )
    ref_flat, ref_pushed = cases.reference_result(ctx, "flat"), cases.reference_result(ctx, "flat with custom gradient")
    expected = (ref_pushed.thetas - ref_flat.thetas)[both]
    seen = (pushed.thetas - flat.thetas)[both]
    case = cases.flat_case(custom_gradient=True)
    scale = float(np.max(np.abs(expected)))
    if float(np.max(np.abs(seen - expected))) > 1e-8 * scale:
        zero = float(np.max(np.abs(seen))) < 1e-3 * scale
        raise Fail(
            f"With the gradient rule g = {cases.FLAT_SLOPE.tolist()} (and a flat value), "
            "the same key should move theta by an "
            f"extra (n_leapfrog * step_size)^2 / 2 * g = {expected[0].tolist()} compared with g = 0; yours moved it by "
            f"{seen[0].tolist()}."
            + (
                " That is what a numerical derivative gives: the function's values are flat, so finite differences "
                "see no gradient."
                if zero
                else ""
            )
            + "\nHow to fix: compute the leapfrog gradient with `jax.grad(log_prob_fn)`, which follows the "
            "function's own derivative rules, never with finite differences."
        )
    return (
        f"The leapfrog follows jax.grad ({int(both.sum())} of {len(both)} keys measured, step_size {case.step_size})."
    )


@REGISTRY.check(
    "Legacy PRNGKey and typed jax.random.key give the same step, and the same key gives the same result", points=0.5
)
def key_types_and_determinism(ctx):
    ctx.require(MOVES)  # the same wrong answer for every key type is not a key convention
    case = cases.gaussian_case()
    legacy = seen_gaussian_steps(ctx)
    try:
        typed = student_steps(ctx, case, typed=True)
    except StudentError as exc:
        raise Fail(
            f"hmc_step failed with a typed key, jax.random.key(seed): {exc.type_name}: {exc.message}\n"
            "How to fix: a typed key is a scalar array of key type, a legacy PRNGKey a uint32 array of shape "
            "(2,); code that works for both treats keys as opaque: `key_p, key_u = jax.random.split(key)`, "
            "never `keys[0, :]`, `key.shape` or arithmetic on the key."
        ) from None
    if not (
        np.allclose(typed.thetas, legacy.thetas, rtol=0, atol=1e-14) and np.array_equal(typed.accepted, legacy.accepted)
    ):
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


# -- non-finite proposals -----------------------------------------------------------
DIVERGING_CHECK = "A rejected step returns theta0 exactly, also when the proposal diverged (NaN on the leapfrog path)"


@REGISTRY.check(DIVERGING_CHECK, points=0.5)
def rejected_diverging_steps(ctx):
    """Paths that cross theta = 0 on a log-normal density end at NaN (four of the
    reference's fourteen; any HMC step's own momenta give some). Every step your code
    rejects must return theta0 bit for bit, which a blend
    ``theta + accepted * (theta1 - theta)`` breaks there (0 * NaN = NaN), and no step
    may accept a non-finite proposal. Which finite proposals are accepted is the
    key-for-key checks' business, so a key slip or a wrong leapfrog is not charged twice."""
    ctx.require(MOVES)  # a step that never moves returns theta0 on every key
    case = cases.diverging_case()
    seen = ctx.remember("diverging steps", lambda: student_steps(ctx, case))
    _, diverged = cases.reference_result(ctx, "diverging")
    for i in range(len(case.seeds)):
        if seen.accepted[i]:
            ok = bool(np.all(np.isfinite(seen.thetas[i])))
        else:
            ok = np.array_equal(seen.thetas[i].astype(np.float64), case.thetas[i])
        if not ok:
            raise Fail(_diverging_message(case, i, seen))
    return (f"{case.label}: every rejected step returns theta0 exactly, and no accepted one is NaN "
            f"({int(diverged.sum())} of the reference's {len(diverged)} proposals diverge here).")


def _diverging_message(case: StepCase, i: int, seen) -> str:
    start, seed = case.thetas[i], case.seeds[i]
    head = f"{case.label}, key PRNGKey({seed}), theta0 = {start.tolist()}: "
    if seen.accepted[i]:
        return head + (f"your step accepted a proposal that is not finite, {seen.thetas[i].tolist()}. The leapfrog "
                       "path crosses theta = 0, where log(theta) and its gradient are NaN, so H at the end is NaN. "
                       "How to fix: accept only when it is finite: `accepted = jnp.isfinite(h1) & (log_u < "
                       "log_ratio)` (a comparison with NaN is False, but `~(log_u >= log_ratio)` is True).")
    head += (f"your step rejected, so expected theta_new = theta0 = {start.tolist()} exactly; got "
             f"{seen.thetas[i].tolist()}. ")
    if not np.all(np.isfinite(seen.thetas[i])):
        return head + ("The proposal theta1 is NaN here (the path crosses theta = 0, where log(theta) and its "
                       "gradient are NaN). A blend such as `theta + accepted * (theta1 - theta)` then returns "
                       "theta + 0 * NaN = NaN (0 * inf is NaN too), not theta0. How to fix: select, do not blend: "
                       "`theta_new = jnp.where(accepted, theta1, theta)`.")
    return head + "How to fix: return theta0 itself on rejection: `theta_new = jnp.where(accepted, theta1, theta)`."


@REGISTRY.check(CHAIN_CHECK, points=1.5, public=True)
def chain_matches(ctx):
    samples, rate = gaussian_chain(ctx)
    expected_samples, expected_rate = cases.reference_result(ctx, "chain")
    # The verdict and its diagnosis are shared with the public test (autograder/shipped/diagnosis_chain.py).
    fail_on(chain.chain_verdict(samples, rate, expected_samples, expected_rate, seed=cases.CHAIN["seed"],
                                    theta0=cases.GAUSSIAN_MEAN, step_is_wrong=step_problem(ctx) is not None))
    return f"{cases.CHAIN['n_samples']} samples and the accept rate ({expected_rate:.3f}) match the reference."


@REGISTRY.check("run_chain samples a correlated 2-D Gaussian: mean and covariance within bounds", points=1)
def chain_statistics(ctx):
    ctx.require(MOVES, CHAIN)
    with ctx.fix_first(STEP_EXACT, subject_check=GAUSSIAN_CHECK):
        return _chain_statistics(ctx)


def _chain_statistics(ctx):
    samples, _ = gaussian_chain(ctx)
    bounds = cases.chain_bounds()
    mean_error = np.abs(samples.mean(axis=0) - cases.GAUSSIAN_MEAN) / np.sqrt(np.diag(cases.GAUSSIAN_COV))
    cov_error = np.abs(np.cov(samples.T) - cases.GAUSSIAN_COV) / np.sqrt(
        np.outer(np.diag(cases.GAUSSIAN_COV), np.diag(cases.GAUSSIAN_COV))
    )
    if mean_error.max() > bounds["mean"] or cov_error.max() > bounds["cov"]:
        raise Fail(
            f"{cases.CHAIN['n_samples']} samples of "
            f"N(mean={cases.GAUSSIAN_MEAN.tolist()}, cov={cases.GAUSSIAN_COV.tolist()}): the sample "
            f"mean should be within {bounds['mean']} standard deviations and the covariance within "
            f"{bounds['cov']} (relative to sigma_i sigma_j); yours: mean {samples.mean(axis=0)} (off by "
            f"{mean_error.max():.2f} sd), covariance {np.cov(samples.T).tolist()} (off by {cov_error.max():.2f}).\n"
            "How to fix: without the Metropolis test, or with a wrong Hamiltonian, the leapfrog's energy error "
            "biases the samples. Accept iff `log(uniform(key_u)) < H(theta0, p0) - H(theta1, p1)`, else keep theta0."
        )
    return f"Sample mean within {mean_error.max():.2f} sd and covariance within {cov_error.max():.2f} of the truth."


# -- log_posterior -----------------------------------------------------------------
VMAP_JIT = [{"kind": "vmap", "in_axes": [0, None, None, None]}, {"kind": "jit"}]


def _posterior_call(ctx, thetas, *, gradient=False):
    z, mu, cov = cases.jla_data()
    transforms = ([{"kind": "grad", "argnums": 0}] if gradient else []) + VMAP_JIT
    # Eager: the transforms already vmap and jit it, one compilation for every point.
    seen = student_value(ctx, "log_posterior", Inputs((thetas, z, mu, cov), label="log_posterior"),
                         transforms=transforms, eager=True)
    return as_float_array(seen, what="log_posterior")


def _posterior_values(ctx):
    """The student's log_posterior at cases.INSIDE_PRIOR and cases.OUTSIDE_PRIOR, one compiled call (cached)."""

    def run():
        values = _posterior_call(ctx, np.concatenate([cases.INSIDE_PRIOR, cases.OUTSIDE_PRIOR]))
        fail_on(chain.posterior_shape_verdict(values, len(cases.INSIDE_PRIOR) + len(cases.OUTSIDE_PRIOR)))
        return values[: len(cases.INSIDE_PRIOR)], values[len(cases.INSIDE_PRIOR):]

    return ctx.remember("posterior values", run)


POSTERIOR_CHECK = "log_posterior matches the reference inside the prior (values and gradients)"


def _verify_posterior(ctx) -> None:
    """log_posterior's values inside the prior match the reference's (the supernova steps run on it)."""
    expected_values, _ = cases.reference_result(ctx, "posterior")
    problem = chain.pointwise_verdict(_posterior_values(ctx)[0], expected_values, cases.INSIDE_PRIOR,
                                         what="log_posterior", tolerance=1e-10, fix=chain.POSTERIOR_FIX)
    if problem is not None:
        raise NotShown("does not match the reference", problem)


POSTERIOR_EXACT = Gate("log_posterior", _verify_posterior, counts="the checks that run it",
                       fix=f"make log_posterior match the reference (see the check {POSTERIOR_CHECK!r}).")


@REGISTRY.check(POSTERIOR_CHECK, points=1, public=True)
def posterior_inside(ctx):
    expected_values, expected_grads = cases.reference_result(ctx, "posterior")
    # The verdicts and their diagnoses are shared with the public test (autograder/shipped/diagnosis_chain.py).
    fail_on(chain.pointwise_verdict(_posterior_values(ctx)[0], expected_values, cases.INSIDE_PRIOR,
                                        what="log_posterior", tolerance=1e-10, fix=chain.POSTERIOR_FIX))
    seen_grads = _posterior_call(ctx, cases.INSIDE_PRIOR, gradient=True)
    fail_on(chain.pointwise_verdict(seen_grads, expected_grads, cases.INSIDE_PRIOR, what="jax.grad(log_posterior)",
                                        tolerance=1e-8, fix=chain.POSTERIOR_GRADIENT_FIX))
    return f"Values and gradients match at {len(cases.INSIDE_PRIOR)} points inside the prior."


@REGISTRY.check("log_posterior is -inf outside the prior, edges included", points=0.5)
def posterior_outside(ctx):
    seen = _posterior_values(ctx)[1]
    for theta, value in zip(cases.OUTSIDE_PRIOR, seen):
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
