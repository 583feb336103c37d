"""Claim: the first call compiles, later calls only run.

Reading, section 2.2: "First call: slow (compilation overhead) ... ~100ms
(compilation + execution). Subsequent calls: fast (just execution) ...
~1ms". Measured here for each assignment's reference in ``solutions``: the
first call on a cold JAX cache (trace + compile + run, with JAX's own count
of XLA compilations) against the median of later calls.

``dtype_audit`` compiles nothing of its own (it inspects a pytree in
Python); its first call still pays for the small eager programs behind
``jnp.asarray`` and ``astype``, which is worth seeing next to the others.
"""
import functools

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.machine import put
from benchmarks.report import Section, Table, Verdict, backend_cells, judge
from benchmarks.systems import PLUMMER_CROSSING_TIME, plummer_sphere, random_positions
from benchmarks.timing import format_ratio, format_seconds, format_timing, time_call, time_first_call

EPS2 = 1e-4
SCAN_PARTICLES = 64  # the scan example integrates a small cluster: its cost is the steps
HMC_START = (0.3, 0.7)  # (Omega_m, h), inside the prior
HMC_STEP_SIZE = 0.002
HMC_LEAPFROG = 10


def _grad_forces_case(*, plan, device):
    from solutions.grad_forces import grad_forces

    x, m = random_positions(n=plan.compile_size)
    return jax.jit(grad_forces), put(device, x, m, np.asarray(EPS2))


def _jit_potential_case(*, plan, device):
    from solutions.jit_potential import total_energy_jit

    x, v, m = plummer_sphere(n=plan.compile_size)
    return total_energy_jit, put(device, x, v, m, np.asarray(EPS2), np.asarray(1.0))


def _vmap_forces_case(*, plan, device):
    from solutions.vmap_forces import vmap_forces

    x, m = random_positions(n=plan.compile_size)
    return jax.jit(vmap_forces), put(device, x, m, np.asarray(EPS2))


def _cluster_accel(x):
    from solutions.grad_forces import grad_forces

    n = x.shape[0]
    return grad_forces(x, jnp.full(n, 1.0 / n, x.dtype), EPS2) * n


def _scan_integrator_case(*, plan, device):
    from solutions.scan_integrator import State, integrate

    x, v, _ = plummer_sphere(n=SCAN_PARTICLES)
    x, v, dt = put(device, x, v, np.asarray(PLUMMER_CROSSING_TIME / 512))
    run = functools.partial(integrate, n_steps=plan.compile_steps, accel_fn=_cluster_accel)
    return run, (State(x, v), dt)


def _hmc_case(*, plan, device):
    from solutions.hmc import log_posterior, run_chain
    from solutions.jla import load_jla

    z, mu, cov = put(device, *load_jla())
    log_prob_fn = functools.partial(log_posterior, z=z, mu=mu, cov=cov)
    chain = jax.jit(run_chain, static_argnames=("log_prob_fn", "n_leapfrog", "n_samples"))
    key, theta0 = put(device, jax.random.PRNGKey(0), np.asarray(HMC_START))
    run = functools.partial(
        chain, log_prob_fn=log_prob_fn, step_size=HMC_STEP_SIZE, n_leapfrog=HMC_LEAPFROG, n_samples=plan.hmc_samples
    )
    return run, (key, theta0)


def _dtype_audit_case(*, plan, device):
    from solutions.dtype_audit import audit_dtypes, promote_floats

    x, v, m = plummer_sphere(n=plan.compile_size)
    # A realistic mixed state: NumPy and JAX arrays, float32 and float64, Python scalars.
    tree = {"x": x.astype(np.float32), "v": jnp.asarray(v, jnp.float32), "m": m, "step": 3, "eps2": 1e-4}

    def audit_and_promote(tree):
        return audit_dtypes(tree), promote_floats(tree)

    return audit_and_promote, (tree,)


CASES = {
    "grad_forces": ("jit(grad_forces), N = {compile_size}", _grad_forces_case),
    "jit_potential": ("total_energy_jit, N = {compile_size}", _jit_potential_case),
    "vmap_forces": ("jit(vmap_forces), N = {compile_size}", _vmap_forces_case),
    "scan_integrator": (f"integrate, N = {SCAN_PARTICLES}, {{compile_steps}} steps", _scan_integrator_case),
    "hmc": ("jit(run_chain) on the JLA posterior, {hmc_samples} samples", _hmc_case),
    "dtype_audit": ("audit_dtypes + promote_floats (eager)", _dtype_audit_case),
}


def measure_compile(*, plan, device):
    """First call on a cold cache vs later calls, per assignment reference."""
    results = {}
    for assignment, (label, build) in CASES.items():
        entry = {"what": label.format(**plan._asdict())}
        if assignment not in plan.compile_cases:
            entry["skipped"] = f"not measured: not in the {plan.name} plan"
            results[assignment] = entry
            continue
        try:
            fn, args = build(plan=plan, device=device)
        except Exception as error:  # a reference still being written must not sink the run
            entry["skipped"] = f"not measured: {type(error).__name__}: {error}"
            results[assignment] = entry
            continue
        first = time_first_call(fn, *args)
        later = time_call(fn, *args, repeats=plan.repeats, min_repeat_s=plan.min_repeat_s, warmup=0)
        entry.update(first_call=first.as_dict(), later=later.as_dict(), first_over_later=first.first_s / later.median_s)
        results[assignment] = entry
    return results


def _measured(raw):
    """Assignments that were measured and compile something (dtype_audit runs eagerly)."""
    return [name for name, entry in raw.items() if "skipped" not in entry and name != "dtype_audit"]


def _listing(raw, value):
    return ", ".join(f"{name} {value(raw[name])}" for name in _measured(raw))


def _all_values(raw_by_backend, value):
    return [value(raw[name]) for raw in raw_by_backend.values() for name in _measured(raw)]


def _first_call_s(entry):
    return entry["first_call"]["first_s"]


def _later_call_s(entry):
    return entry["later"]["median_s"]


def _first_over_later(entry):
    return entry["first_over_later"]


def _verdicts(raw_by_backend):
    rows = (
        ("first call (trace + compile + run)", "~100 ms", _first_call_s, format_seconds, 0.03, 0.3),
        ("later calls", "~1 ms", _later_call_s, format_seconds, 1e-4, 1e-2),
        ("first call / later call", "~100× (100 ms vs 1 ms)", _first_over_later, format_ratio, 10, 1000),
    )
    return [
        Verdict(
            claim,
            expected,
            *backend_cells(
                raw_by_backend, lambda raw, value=value, text=text: _listing(raw, lambda entry: text(value(entry)))
            ),
            judge(_all_values(raw_by_backend, value), low=low, high=high),
        )
        for claim, expected, value, text, low, high in rows
    ]


def compile_section(*, plan, raw_by_backend):
    rows = []
    for backend, raw in raw_by_backend.items():
        for assignment, entry in raw.items():
            if "skipped" in entry:
                rows.append((backend, assignment, entry["what"], entry["skipped"], "", "", "", ""))
                continue
            first = entry["first_call"]
            rows.append(
                (
                    backend,
                    assignment,
                    entry["what"],
                    format_seconds(first["first_s"]),
                    f"{format_seconds(first['compile_s'])} "
                    f"({first['compiles']} compile{'s' if first['compiles'] != 1 else ''})",
                    format_seconds(first["trace_s"]),
                    format_timing(entry["later"]),
                    format_ratio(entry["first_over_later"]),
                )
            )
    notes = [
        "Each first call starts from `jax.clear_caches()`, so it pays what a fresh process "
        "pays; inputs are built beforehand. XLA compile and trace seconds are JAX's own "
        "accounting (`jax.monitoring` events), counted during that call only.",
        "The ratio is large when a function runs fast (small inputs) and small when a run "
        "dominates (long scans, big N): compile time depends on the program's size, run time "
        "on the data's.",
    ]
    return Section(
        key="compile_vs_run",
        title="Compile time vs run time, per assignment reference",
        reading="“First call: slow (compilation overhead) ... ~100ms (compilation + execution)”; "
        "“Subsequent calls: fast (just execution) ... ~1ms (only execution)”.",
        verdicts=_verdicts(raw_by_backend),
        tables=[
            Table(
                "First call on a cold cache vs later calls: median (fastest–slowest repeat)",
                ("backend", "assignment", "what", "first call", "XLA compile", "trace", "later call", "first / later"),
                rows,
            )
        ],
        notes=notes,
        figures=["compile_vs_run.png"] if plan.make_plots else [],
        raw=raw_by_backend,
    )
