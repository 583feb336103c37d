"""What the hmc checks wait on, and the student runs those gates read.

The plumbing and the statistics count once the sampler samples: ``MOVES``
(hmc_step makes accepted moves an HMC step makes), ``STEP_EXACT`` (it matches
the reference on the Gaussian) and ``CHAIN`` (run_chain behaves like a
Metropolis chain). The student's steps and chain are fetched once per
grading (``ctx.remember``) and shared with the checks that grade them.
"""
from __future__ import annotations

import numpy as np

from ...checking.framework import Fail, Gate, Key, NotShown, as_float_array
from ...checking.property_inputs import Inputs, student_value
from ...child import names
from ...shipped import diagnosis_chain as chain
from . import cases
from .support import StepCase, compare_steps, evidence, require_step_results, variant_results


def student_steps(ctx, case: StepCase, *, typed=False):
    """The student's hmc_step for each (theta, seed) of ``case``, under one jit."""
    cases.start_references(ctx)  # with the first request to the child
    raw = ctx.program("hmc_steps", case.target, case.thetas, case.seeds, case.step_size, case.n_leapfrog, typed=typed)
    return require_step_results(raw, count=len(case.seeds), dim=len(case.thetas[0]))


GAUSSIAN_CHECK = "hmc_step matches the reference on a 2-D Gaussian (same keys: same positions and accept decisions)"
CHAIN_CHECK = "run_chain matches the reference: same samples and accept rate for the same key"



# -- gates: the plumbing and the statistics count once the sampler samples ----------
def seen_gaussian_steps(ctx):
    return ctx.remember("gaussian steps", lambda: student_steps(ctx, cases.gaussian_case()))


def seen_outside_steps(ctx):
    return ctx.remember("outside prior steps", lambda: student_steps(ctx, cases.outside_prior_case()))


def more_evidence(ctx, *, besides: str = ""):
    """The student's steps on the Gaussian and from outside a prior, fetched only when a diagnosis needs them
    to tell lookalike mistakes apart (a flipped Metropolis sign and a missing test accept alike on some cases)."""
    fetch = {"gaussian": lambda: evidence(seen_gaussian_steps(ctx), cases.gaussian_case()),
             "outside prior": lambda: evidence(seen_outside_steps(ctx), cases.outside_prior_case())}
    return lambda: [get() for name, get in fetch.items() if name != besides]


def step_problem(ctx) -> str | None:
    """The shared verdict on hmc_step on the Gaussian (None: it matches the reference); run_chain's checks read it."""
    def verdict():
        try:
            compare_steps(seen_gaussian_steps(ctx), cases.gaussian_case(), cases.reference_result(ctx, "gaussian"),
                          more=more_evidence(ctx, besides="gaussian"))
        except Fail as failure:
            return str(failure)
        return None

    return ctx.remember("gaussian step verdict", verdict)


def _verify_step_matches(ctx) -> None:
    problem = step_problem(ctx)
    if problem is not None:
        raise NotShown("does not match the reference", problem)


def _accepted_matches(seen, candidate) -> bool:
    """Some step both accepted, moved, and landed where ``candidate`` lands (1e-9, max-normalised)."""
    scale = max(float(np.max(np.abs(candidate.thetas))), 1e-300)
    same = np.max(np.abs(seen.thetas.astype(np.float64) - candidate.thetas), axis=1) <= 1e-9 * scale
    moved = np.any(seen.thetas != np.stack(cases.gaussian_case().thetas).astype(seen.thetas.dtype), axis=1)
    return bool(np.any(seen.accepted & candidate.accepted & same & moved))


def _verify_moves(ctx) -> None:
    """At least one accepted move that lands where the reference's proposal lands on the same key,
    or where a step with a named slip (swapped or shared keys, an extra kick, a negated momentum) lands: those
    mistakes cost the value checks, and the step is still an HMC step."""
    seen, expected = seen_gaussian_steps(ctx), cases.reference_result(ctx, "gaussian")
    if _accepted_matches(seen, expected):
        return
    if any(_accepted_matches(seen, variant) for variant in variant_results(cases.gaussian_case())):
        return
    raise NotShown(
        "never makes an accepted move that matches the reference",
        f"on the 2-D Gaussian the reference accepts {int(expected.accepted.sum())} of {len(expected.accepted)} "
        f"proposals; your step accepted {int(seen.accepted.sum())}, and none of them moved theta to where an HMC "
        "proposal from the same key lands.",
    )


def _verify_chain(ctx) -> None:
    """Loose: a Metropolis chain repeats its state where it rejects, about as often as it says.

    Its accept rate is held to the reference's only when hmc_step matches the reference:
    a chain built on a wrong hmc_step (a flipped Metropolis sign) is still a chain, and
    its checks then say to fix hmc_step first."""
    samples, rate = gaussian_chain(ctx)
    rate = float(np.asarray(rate, dtype=np.float64))
    _, expected_rate = cases.reference_result(ctx, "chain")
    repeats = float(np.mean(np.all(samples[1:] == samples[:-1], axis=1)))
    rate_is_off = abs(rate - expected_rate) > 0.2 and step_problem(ctx) is None
    if rate_is_off or not abs(repeats - (1 - rate)) <= 0.05:
        raise NotShown(
            "does not behave like an HMC chain",
            f"run_chain reported accept_rate {rate:.3f} (the reference's: {expected_rate:.3f}) and repeated its "
            f"previous sample at {repeats:.1%} of the steps; an HMC chain stays put exactly where it rejects, so "
            "that fraction should be about 1 - accept_rate.",
        )


MOVES = Gate("hmc_step", _verify_moves, counts="the key-convention and determinism checks",
             fix=f"make hmc_step follow the spec's steps (see the check {GAUSSIAN_CHECK!r}).")
STEP_EXACT = Gate("hmc_step", _verify_step_matches, counts="the checks that run it",
                  fix=f"make hmc_step match the reference (see the check {GAUSSIAN_CHECK!r}).")
CHAIN = Gate("run_chain", _verify_chain, counts="the sampling statistics",
             fix=f"build run_chain from hmc_step, one key per step (see the check {CHAIN_CHECK!r}).")


# -- hmc_step against the reference ------------------------------------------------
# -- run_chain ---------------------------------------------------------------------
CHAIN_PROBE_SAMPLES = chain.CHAIN_PROBE_SAMPLES


def gaussian_chain(ctx):
    """The student's run_chain on the Gaussian (cached): (samples (n, 2), accept_rate)."""

    def run():
        require_scan_chain(ctx)
        inputs = Inputs((Key(cases.CHAIN["seed"]), cases.GAUSSIAN_MEAN, cases.gaussian_case().target,
                         cases.CHAIN["step_size"], cases.CHAIN["n_leapfrog"], cases.CHAIN["n_samples"]),
                        label="the Gaussian chain")
        samples, rate = student_value(ctx, "run_chain", inputs, eager=True)  # log_prob built in the child: eager
        samples = as_float_array(samples, what="run_chain samples")
        fail_on(chain.chain_shape_verdict(samples, cases.CHAIN["n_samples"], 2))
        return samples, rate

    return ctx.remember("gaussian chain", run)


def require_scan_chain(ctx) -> None:
    args = [Key(0), cases.GAUSSIAN_MEAN, cases.gaussian_case().target, 0.5, 2]
    stats = [
        ctx.program(names.TRACED_PROGRAM, "run_chain", args + [n], static_argnums=[2, 3, 4, 5])
        for n in CHAIN_PROBE_SAMPLES
    ]
    fail_on(chain.chain_scan_verdict(stats, cases.CHAIN["n_samples"]))


def fail_on(message: str | None) -> None:
    """Fail with a shared verdict's message (autograder/shipped/); None passes."""
    if message is not None:
        raise Fail(message)
