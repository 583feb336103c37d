"""How big and how often: the sizes and repeat counts of one benchmark run.

A ``Plan`` is plain data, so the full run, the ``--quick`` smoke run and the
test suite's tiny run differ only in numbers, never in code paths.
"""
from typing import NamedTuple

from autograder.catalog import assignment_names

ALL_ASSIGNMENTS = assignment_names()
"""Every assignment of the tree (discovered from solutions/); those without a benchmark case are skipped."""


class Plan(NamedTuple):
    """Sizes and repeat counts for every claim group.

    Attributes:
        name: label written into the report ("full", "quick", "tiny").
        repeats: timed repeats per measurement; the report gives their median.
        min_repeat_s: each repeat loops the call until it has run at least
            this long, so microsecond calls are not lost in timer noise.
        grad_sizes: particle numbers N for the grad-vs-potential claim.
        fd_size: N for finite differences against grad.
        jit_elements: array length of the ``sum(x**2 + sin(x))`` example.
        jit_pair_size: N of the vectorised pairwise potential example.
        jit_loop_size: N of the reading's double-loop potential under jit
            (its compile time grows with N(N-1)/2, so keep it small).
        force_sizes: N for the forces comparison (loops, NumPy, vmap, jax-md).
        loop_budget_s: skip the Python-loop forces at an N whose predicted
            time for all repeats exceeds this.
        use_jax_md: measure jax-md's pair forces (importing it takes seconds).
        kepler_orbits: Kepler orbits integrated per run.
        kepler_steps_per_orbit: the reference time step is period / this.
        kepler_dt_factors: multiples of ``kepler_steps_per_orbit`` to run
            (1 and 2 are needed for the dt-halving ratio; the others draw
            the convergence plot).
        plummer_size: particles in the Plummer cluster.
        plummer_crossings: crossing times integrated for the cluster.
        plummer_steps_per_crossing: reference time step is t_cross / this.
        compile_size: N used when timing first calls against later calls.
        compile_steps: leapfrog steps in the compile-vs-run scan example.
        compile_cases: assignments timed for first call vs later calls.
        hmc_samples: chain length in the compile-vs-run HMC example.
        make_plots: write PNG figures (the tiny test plan may skip them).
    """

    name: str
    repeats: int
    min_repeat_s: float
    grad_sizes: tuple
    fd_size: int
    jit_elements: int
    jit_pair_size: int
    jit_loop_size: int
    force_sizes: tuple
    loop_budget_s: float
    use_jax_md: bool
    kepler_orbits: int
    kepler_steps_per_orbit: int
    kepler_dt_factors: tuple
    plummer_size: int
    plummer_crossings: int
    plummer_steps_per_crossing: int
    compile_size: int
    compile_steps: int
    compile_cases: tuple
    hmc_samples: int
    make_plots: bool


FULL = Plan(
    name="full",
    repeats=9,
    min_repeat_s=0.05,
    grad_sizes=(100, 1000),
    fd_size=100,
    jit_elements=1_000_000,
    jit_pair_size=1000,
    jit_loop_size=16,
    force_sizes=(100, 1000, 4096),
    loop_budget_s=20.0,
    use_jax_md=True,
    kepler_orbits=20,
    kepler_steps_per_orbit=1000,
    kepler_dt_factors=(0.5, 1, 2, 4),
    plummer_size=128,
    plummer_crossings=8,
    plummer_steps_per_crossing=512,
    compile_size=256,
    compile_steps=1000,
    compile_cases=ALL_ASSIGNMENTS,
    hmc_samples=200,
    make_plots=True,
)

QUICK = Plan(
    name="quick",
    repeats=3,
    min_repeat_s=0.005,
    grad_sizes=(100, 1000),
    fd_size=100,
    jit_elements=1_000_000,
    jit_pair_size=300,
    jit_loop_size=8,
    force_sizes=(100, 1000),
    loop_budget_s=2.0,
    use_jax_md=True,
    kepler_orbits=4,
    kepler_steps_per_orbit=500,
    kepler_dt_factors=(0.5, 1, 2, 4),
    plummer_size=64,
    plummer_crossings=2,
    plummer_steps_per_crossing=256,
    compile_size=128,
    compile_steps=200,
    compile_cases=ALL_ASSIGNMENTS,
    hmc_samples=50,
    make_plots=True,
)

# For the test suite: every code path, tiny sizes, a few seconds.
TINY = Plan(
    name="tiny",
    repeats=2,
    min_repeat_s=0.0,
    grad_sizes=(16,),
    fd_size=8,
    jit_elements=10_000,
    jit_pair_size=32,
    jit_loop_size=3,
    force_sizes=(8, 32),
    loop_budget_s=0.5,
    use_jax_md=False,
    kepler_orbits=2,
    kepler_steps_per_orbit=100,
    kepler_dt_factors=(1, 2),
    plummer_size=16,
    plummer_crossings=2,
    plummer_steps_per_crossing=32,
    compile_size=16,
    compile_steps=20,
    # The scan and HMC references take seconds to compile: covered by --quick.
    compile_cases=("grad_forces", "jit_potential", "vmap_forces", "dtype_audit"),
    hmc_samples=10,
    make_plots=True,
)

PLANS = {plan.name: plan for plan in (FULL, QUICK, TINY)}
