"""Verdicts of the hmc assignment's HMC steps, and the mistakes they name.

Like ``diagnosis.py``: the grader's public checks call these functions on
what the sandboxed child sent back, and the student template ships this
module as ``tests/jaxgrade_diagnosis_sampling.py`` for its public tests to
call on what the student's code returned in-process, on the same keys and
inputs. The same mistake gets the same verdict and the same words.

The key convention makes an HMC step deterministic per key, so a wrong step
usually matches one of a few well-known variants exactly: no Metropolis test,
the course reading's extra momentum kick, the two keys swapped, one key for
both draws, no move out of a -inf start. Each is computed here (float64) from
the same keys; a step that matches one is named. The verdicts on run_chain and
log_posterior are in ``diagnosis_chain.py``.
"""
from __future__ import annotations

import functools

import numpy as np


# -- the well-known variants of one HMC step ------------------------------------------
def hamiltonian(theta, p, log_prob):
    """H = -log_prob(theta) + |p|^2 / 2."""
    import jax.numpy as jnp

    return -log_prob(theta) + 0.5 * jnp.sum(p**2)


def trajectory(theta, p, log_prob, step_size, n_leapfrog, *, extra_kick):
    """n_leapfrog velocity-Verlet steps from (theta, p), each (d,); with ``extra_kick`` one half kick more."""
    import jax

    thetas, ps = leapfrog_path(theta, p, log_prob, step_size, n_leapfrog)
    theta, p = thetas[-1], ps[-1]
    if extra_kick:  # the course reading's snippet: one more half kick at the end
        p = p + step_size / 2 * jax.grad(log_prob)(theta)
    return theta, p


def leapfrog_path(theta, p, log_prob, step_size, n_steps):
    """Positions and momenta after 0, 1, ..., n_steps velocity-Verlet steps from (theta, p) (d,): (n_steps + 1, d) each.

    A ``lax.scan``, so one compilation serves every n_steps' worth of steps.
    """
    import jax
    import jax.numpy as jnp

    grad = jax.grad(log_prob)

    def step(state, _):
        theta, p = state
        p = p + step_size / 2 * grad(theta)
        theta = theta + step_size * p
        p = p + step_size / 2 * grad(theta)
        return (theta, p), (theta, p)

    _, (thetas, ps) = jax.lax.scan(step, (theta, p), None, length=n_steps)
    return jnp.concatenate([theta[None], thetas]), jnp.concatenate([p[None], ps])


@functools.cache
def jitted_all_variants():
    """``steps(keys (k, 2), thetas (k, d), log_prob, step_size, n_leapfrog)``, jitted (built once).

    Returns ``{variant: (theta_new (k, d), accepted (k,), theta1 (k, d))}`` for
    "reference" (the spec's step) and every key of VARIANTS, all from one
    compilation per problem: the variants share their momentum draws and
    trajectories (four paths of n_leapfrog + 1 steps give every end point).
    """
    import jax
    import jax.numpy as jnp

    @functools.partial(jax.jit, static_argnums=(2, 3, 4))
    def steps(keys, thetas, log_prob, step_size, n_leapfrog):
        def one(key, theta):
            key_p, key_u = jax.random.split(key)
            normal = lambda k: jax.random.normal(k, theta.shape, theta.dtype)  # noqa: E731
            log_u = {name: jnp.log(jax.random.uniform(k, dtype=theta.dtype))
                     for name, k in (("key_p", key_p), ("key_u", key_u), ("key", key))}
            p0s = {"key_p": normal(key_p), "key_u": normal(key_u), "key": normal(key)}
            p0s["negated"] = -p0s["key_p"]
            paths = jax.vmap(lambda p: leapfrog_path(theta, p, log_prob, step_size, n_leapfrog + 1))(
                jnp.stack(list(p0s.values())))
            end = {name: (paths[0][i], paths[1][i]) for i, name in enumerate(p0s)}  # (n + 2, d) each

            def outcome(momentum, steps_taken, uniform, rule="spec", extra_kick=False):
                theta_path, p_path = end[momentum]
                theta1, p1 = theta_path[steps_taken], p_path[steps_taken]
                if extra_kick:  # the course reading's snippet: one more half kick at the end
                    p1 = p1 + step_size / 2 * jax.grad(log_prob)(theta1)
                h0, h1 = hamiltonian(theta, p0s[momentum], log_prob), hamiltonian(theta1, p1, log_prob)
                log_ratio = h1 - h0 if rule == "flipped sign" else h0 - h1
                accepted = jnp.isfinite(h1) & (log_u[uniform] < log_ratio)
                if rule == "finite start only":
                    accepted = accepted & jnp.isfinite(h0)
                if rule == "always accept":  # every finite proposal
                    accepted = jnp.isfinite(h1)
                return jnp.where(accepted, theta1, theta), accepted, theta1

            n = n_leapfrog
            return {
                "reference": outcome("key_p", n, "key_u"),
                "swapped keys": outcome("key_u", n, "key_p"),
                "momentum from the unsplit key": outcome("key", n, "key_u"),
                "uniform from the unsplit key": outcome("key_p", n, "key"),
                "one key": outcome("key", n, "key"),
                "flipped sign": outcome("key_p", n, "key_u", "flipped sign"),
                "always accept": outcome("key_p", n, "key_u", "always accept"),
                "negated momentum": outcome("negated", n, "key_u"),
                "extra kick": outcome("key_p", n, "key_u", extra_kick=True),
                "one leapfrog step too many": outcome("key_p", n + 1, "key_u"),
                "one leapfrog step too few": outcome("key_p", max(n - 1, 0), "key_u"),
                "finite start only": outcome("key_p", n, "key_u", "finite start only"),
            }

        return jax.vmap(one)(keys, thetas)

    return steps


_RECENT: dict = {}  # the last few problems' variants: matching asks for one variant at a time


def all_variant_steps(seeds, thetas, log_prob, step_size: float, n_leapfrog: int) -> dict:
    """``{variant: (theta_new (k, d), accepted (k,), theta1 (k, d))}`` for PRNGKey(seed) and start, float64, NumPy."""
    import jax
    import jax.numpy as jnp

    starts = np.stack([np.asarray(t, dtype=np.float64) for t in thetas])
    memo = (tuple(int(s) for s in seeds), starts.shape, starts.tobytes(), log_prob, float(step_size),
            int(n_leapfrog))
    if memo not in _RECENT:
        with jax.enable_x64(True):
            keys = jnp.stack([jax.random.PRNGKey(int(seed)) for seed in seeds])
            found = jitted_all_variants()(keys, jnp.asarray(starts), log_prob, float(step_size), int(n_leapfrog))
            found = {name: tuple(np.asarray(a) for a in arrays) for name, arrays in found.items()}
        while len(_RECENT) >= 32:
            _RECENT.pop(next(iter(_RECENT)))
        _RECENT[memo] = found
    return _RECENT[memo]


def variant_steps(variant: str, seeds, thetas, log_prob, step_size: float, n_leapfrog: int, *, proposals=False):
    """The variant's ``(theta_new (k, d), accepted (k,))`` for PRNGKey(seed) and start, float64, NumPy.

    ``variant`` is "reference" (the spec's step) or a key of VARIANTS. With
    ``proposals``, the end points of the trajectories (k, d) come third.
    """
    new, accepted, theta1 = all_variant_steps(seeds, thetas, log_prob, step_size, n_leapfrog)[variant]
    return (new, accepted, theta1) if proposals else (new, accepted)


# Variant -> (first line: the mistake, in hmc_step; how to fix). Checked in this order; the
# first that reproduces every step is named (the key variants come before "one key", which
# some problems cannot tell from them: its first line then still names a real mistake).
SPLIT = "`key_p, key_u = jax.random.split(key)`"
VARIANTS = {
    "swapped keys": (
        "your step draws the momentum with the second key and the uniform with the first (split order swapped).",
        f"use {SPLIT} in that order: the momentum from key_p, the uniform from key_u.",
    ),
    "momentum from the unsplit key": (
        "your step draws the momentum with the unsplit `key` instead of `key_p`.",
        f"split first, {SPLIT}, then `p0 = jax.random.normal(key_p, theta.shape, theta.dtype)`.",
    ),
    "uniform from the unsplit key": (
        "your step draws the Metropolis uniform with the unsplit `key` instead of `key_u`.",
        f"split first, {SPLIT}, then `u = jax.random.uniform(key_u, dtype=theta.dtype)`.",
    ),
    "one key": (
        "your step uses the same key for the momentum and the uniform draw (correlated random numbers).",
        f"split first: {SPLIT}; the momentum from key_p, the uniform from key_u.",
    ),
    "flipped sign": (
        "your Metropolis test has its sign flipped: it uses log_ratio = H1 - H0 instead of H0 - H1.",
        "`log_ratio = H(theta0, p0) - H(theta1, p1)`: a proposal that lowers the energy is always accepted.",
    ),
    "always accept": (
        "your step accepts every proposal: the Metropolis test is missing.",
        "accept iff `jnp.log(jax.random.uniform(key_u, dtype=theta.dtype)) < log_ratio` (and H at the end is "
        "finite), else return theta0.",
    ),
    "negated momentum": (
        "your step flips the sign of the momentum it draws (p0 = -normal(key_p)).",
        "`p0 = jax.random.normal(key_p, theta.shape, theta.dtype)`, unchanged; flipping the momentum at the "
        "end of the trajectory is harmless, flipping it at the start is not the spec's step.",
    ),
    "extra kick": (
        "your step matches the course reading's snippet, which applies one half kick too many at the end, so H "
        "at the end is wrong.",
        "each of the n_leapfrog steps is half kick, drift, half kick, nothing more.",
    ),
    "one leapfrog step too many": (
        "your step takes n_leapfrog + 1 leapfrog steps.",
        "exactly n_leapfrog velocity-Verlet steps (`jax.lax.scan(..., length=n_leapfrog)` or "
        "`jax.lax.fori_loop(0, n_leapfrog, ...)`).",
    ),
    "one leapfrog step too few": (
        "your step takes n_leapfrog - 1 leapfrog steps.",
        "exactly n_leapfrog velocity-Verlet steps (`jax.lax.scan(..., length=n_leapfrog)` or "
        "`jax.lax.fori_loop(0, n_leapfrog, ...)`).",
    ),
    "finite start only": (
        "your step rejects every proposal from a start where the log-probability is -inf (H(theta0, p0) = +inf).",
        "the contract accepts iff H(theta1, p1) is finite and log(u) < log_ratio: from outside the prior "
        "log_ratio = +inf, so a proposal that ends inside is accepted and the chain moves in. Two usual causes: "
        "testing the start too (test only the end point: `accepted = jnp.isfinite(H1) & (log_u < H0 - H1)`), "
        "or a gradient that is NaN outside the prior, as finite differences of -inf are (use "
        "`jax.grad(log_prob_fn)`: where the density is flat at -inf its gradient is 0 and the momentum carries "
        "theta in).",
    ),
}
STEP_FIX = (
    "follow the spec's key convention and steps exactly: split, momentum from key_p in theta's dtype, "
    "n_leapfrog velocity-Verlet steps with jax.grad, H at both ends, accept iff H1 is finite and "
    "log(u) < log_ratio."
)
DECISION_FIX = (
    "the trajectories are right, so look at the accept test: `log_ratio = H(theta0, p0) - H(theta1, p1)` with "
    "H = -log_prob + |p|^2 / 2, `u = jax.random.uniform(key_u, dtype=theta.dtype)`, accept iff H1 is finite "
    "and `jnp.log(u) < log_ratio`, and return theta0 where rejected."
)
BLEND_FIX = (
    "select with `jnp.where(accepted, theta1, theta0)`: an arithmetic blend such as "
    "`accepted * theta1 + (1 - accepted) * theta0` gives 0 * inf = NaN where the rejected proposal is not finite."
)


LOOKALIKES = {
    frozenset({"flipped sign", "always accept"}): (
        "your step accepts every proposal on these steps: its Metropolis test is missing, or its sign is flipped "
        "(log_ratio = H1 - H0 instead of H0 - H1: where the leapfrog's energy error is positive, as here, that "
        "accepts everything too).",
        "`log_ratio = H(theta0, p0) - H(theta1, p1)`; accept iff H1 is finite and "
        "`jnp.log(jax.random.uniform(key_u, dtype=theta.dtype)) < log_ratio`, else return theta0.",
    ),
    frozenset({"momentum from the unsplit key", "one key"}): (
        "your step draws the momentum with the unsplit `key` instead of `key_p` (whether the uniform uses `key` "
        "too, these steps cannot tell).",
        f"split first, {SPLIT}: the momentum from key_p, the uniform from key_u.",
    ),
}
"""Variants that some problems cannot tell apart: when all of a group match, its words name them together."""


def _reproduces(variant, seen_thetas, seen_accepted, seeds, thetas, log_prob, step_size, n_leapfrog) -> bool:
    variant_thetas, accepted = variant_steps(variant, seeds, thetas, log_prob, step_size, n_leapfrog)
    return bool(np.array_equal(accepted, seen_accepted)
                and np.allclose(variant_thetas, seen_thetas, rtol=1e-6, atol=1e-9))


def _evidence(more) -> list:
    """``more`` as a list; a function is called, and if the student's code fails there, there is no evidence."""
    if not callable(more):
        return list(more)
    try:
        return list(more())
    except Exception:  # the student's step failed on the other problem: it cannot settle the question
        return []


def matching_variant(seen_thetas, seen_accepted, seeds, thetas, log_prob, step_size, n_leapfrog, *, more=()):
    """``(mistake, fix)`` of the first well-known variant the steps reproduce exactly, if any.

    ``more``: the same student's steps on other problems, each ``(seen_thetas, seen_accepted,
    seeds, thetas, log_prob, step_size, n_leapfrog)``, to tell lookalikes apart (or a
    function returning them, called only when needed).
    """
    args = (seen_thetas, seen_accepted, seeds, thetas, log_prob, step_size, n_leapfrog)
    first, others = None, None
    for variant in VARIANTS:  # in order, stopping at the first that every problem agrees with
        if not _reproduces(variant, *args):
            continue
        others = _evidence(more) if others is None else others
        if others and not all(_reproduces(variant, *other) for other in others):
            first = first or variant  # a lookalike on this problem only: look further
            continue
        for group, words in LOOKALIKES.items():
            if variant in group:
                matched = [v for v in VARIANTS if v in group and (v == variant or _reproduces(v, *args))]
                if len(matched) > 1:
                    resolved = [v for v in matched if others and all(_reproduces(v, *o) for o in others)]
                    return VARIANTS[resolved[0]] if len(resolved) == 1 else words
        return VARIANTS[variant]
    return VARIANTS[first] if first else None


def _unnamed_mistake(seen_thetas, seen_accepted, seeds, thetas, log_prob, step_size, n_leapfrog):
    """``(mistake, fix)`` from where the steps land, when no well-known variant matches."""
    _, _, proposals = variant_steps("reference", seeds, thetas, log_prob, step_size, n_leapfrog, proposals=True)
    starts = np.stack(thetas).astype(np.float64)
    seen = seen_thetas.astype(np.float64)
    scale = max(float(np.max(np.abs(proposals[np.isfinite(proposals)]), initial=1.0)), 1e-300)
    near = lambda a: np.max(np.abs(seen - a), axis=1) <= 1e-6 * scale  # noqa: E731
    if np.any(~np.isfinite(seen) & np.isfinite(starts).all(axis=1, keepdims=True)):
        return ("your step returns NaN or inf where it should return theta0 or a finite proposal.", BLEND_FIX)
    if np.all(near(starts) | near(proposals)):
        return ("your step proposes the right points but decides differently whether to accept them.", DECISION_FIX)
    return ("your step's proposals differ from the reference's (momentum draw or leapfrog trajectory).", STEP_FIX)


def steps_verdict(seen_thetas, seen_accepted, expected_thetas, expected_accepted, *, label: str, thetas, seeds,
                  log_prob, step_size: float, n_leapfrog: int, tolerance: float = 1e-9, note: str = "",
                  more=()) -> str | None:
    """hmc_step from each ``thetas[i]`` (d,) with PRNGKey(``seeds[i]``) against the reference.

    ``seen_thetas``/``expected_thetas``: (k, d); ``seen_accepted``/``expected_accepted``:
    (k,) bool. None when every accept decision agrees and every position is
    within ``tolerance`` (max-normalised), else expected / seen / how to fix.
    ``more``: the student's steps on other problems (see ``matching_variant``).
    """
    seen_thetas, expected_thetas = np.asarray(seen_thetas), np.asarray(expected_thetas, dtype=np.float64)
    seen_accepted, expected_accepted = np.asarray(seen_accepted, dtype=bool), np.asarray(expected_accepted, dtype=bool)
    scale = max(float(np.max(np.abs(expected_thetas))), 1e-300)
    error = np.max(np.abs(seen_thetas.astype(np.float64) - expected_thetas), axis=1) / scale
    decided_differently = np.flatnonzero(seen_accepted != expected_accepted)
    off = decided_differently if decided_differently.size else np.flatnonzero(~(error <= tolerance))
    if not off.size:
        return None
    i = int(off[0])
    args = (seen_thetas, seen_accepted, seeds, thetas, log_prob, step_size, n_leapfrog)
    mistake, fix = matching_variant(*args, more=more) or _unnamed_mistake(*args)
    lines = [
        f"hmc_step on the {label}: {mistake}",
        f"  step_size = {step_size}, n_leapfrog = {n_leapfrog}: {len(decided_differently)} of {len(seeds)} accept "
        f"decisions differ from the reference's, and {int(np.sum(~(error <= tolerance)))} positions differ by more "
        f"than {tolerance:.0e} (max-normalised).",
        f"  first difference: key PRNGKey({seeds[i]}), theta = {np.asarray(thetas[i]).tolist()}: expected "
        f"theta_new = {expected_thetas[i].tolist()}, accepted = {bool(expected_accepted[i])}; got "
        f"{seen_thetas[i].tolist()}, accepted = {bool(seen_accepted[i])}.",
        "How to fix: " + fix,
    ]
    if note:
        lines.append(note)
    return "\n".join(lines)
