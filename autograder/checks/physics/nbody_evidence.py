"""Exported programs of the n-body functions ``f(arrays..., eps2, G)``, checked where nobody saw the inputs.

Shared by the assignments whose functions take particle arrays and the
scalars eps2 and G (jit_potential, vmap_forces). The export and the runs go
through ``evidence.py`` (the verifier); here are the inputs they run on,
drawn after the export from the verifier's generator, and the two
requirements before a program's structure counts: it computes the
assignment's quantity on systems the child never saw (against the
reference, as loosely as the gates), and it is the program the student's
function runs (against the child's answer on one more system drawn after the
export).
"""
from __future__ import annotations

import numpy as np

from ...checking import evidence, tolerances
from ...checking.framework import Fail
from ...child import names
from .nbody_systems import GRID, JITTER, ParticleSystem

BAKED = names.BAKED_ROUTES  # routes with eps2 and G fixed to numbers
CONSISTENCY_TOLERANCE = tolerances.CONSISTENCY  # the same program compiled twice: round-off only


def fresh_system(rng: np.random.Generator, n: int, *, softened: bool, eps2=None, G=None) -> ParticleSystem:
    """A system like ``nbody_systems.particle_systems`` draws (grid cells, jitter), from ``rng``."""
    cells = rng.permutation(GRID**3)[:n]
    spacing = rng.uniform(0.25, 4.0)
    centres = np.array(np.unravel_index(cells, (GRID,) * 3), dtype=np.float64).T
    x = (centres - (GRID - 1) / 2 + rng.uniform(-JITTER, JITTER, size=(n, 3))) * spacing
    m = rng.uniform(0.1, 10.0, size=n)
    drawn_G, drawn_eps2 = rng.uniform(0.2, 5.0), (rng.uniform(1e-3, 1.0) * spacing**2 if softened else 0.0)
    return ParticleSystem(x=x, m=m, eps2=float(drawn_eps2 if eps2 is None else eps2),
                          G=float(drawn_G if G is None else G))


def verified_programs(ctx, function: str, sizes, *, arrays, baked, same_quantity, own,
                      kinds=(True, False)) -> dict:
    """``{N: Evidence}``: ``function`` exported at each of ``sizes`` and shown to be the student's working program.

    ``arrays(system, rng)``: the array arguments (before eps2 and G); ``baked``:
    (eps2, G) for the routes that fix them; ``same_quantity(seen, expected,
    system)``: '' or why the outputs (flattened) are not the reference's
    quantity; ``own(system, arrays)``: the student's outputs, from the child;
    ``kinds``: softened or not, for the unseen systems. Raises Fail.
    """
    programs = {}
    for n in sizes:
        inputs = [["float64", list(a.shape)] for a in arrays(fresh_system(np.random.default_rng(0), n,
                                                                          softened=True), np.random.default_rng(0))]
        inputs += [["float64", []], ["float64", []]]
        program = evidence.export(ctx, function, names.EXPORT_FUNCTION, function, inputs, list(baked))
        programs[n] = program
        if program.route is None:
            continue
        # Drawn now, after the export: nothing the child has seen, and unknown to the submission.
        rng = evidence.verifier_of(ctx).rng(f"{function} N={n}")
        fixed = dict(zip(("eps2", "G"), baked)) if program.route in BAKED else {}
        for softened in kinds:
            system = fresh_system(rng, n, softened=softened, **fixed)
            args = arrays(system, rng)
            seen = _run(ctx, program, args, system)
            expected = _flat(ctx.reference64(function, *args, system.eps2, system.G))
            reason = same_quantity(seen, expected, system)
            if reason:
                raise Fail(
                    f"The compiled program exported from your {function} does not compute the assignment's "
                    f"quantity on new inputs ({system.describe()}): {reason}. The compile and size checks read "
                    "that program, so they count only once it computes what your function should."
                )
        system = fresh_system(rng, n, softened=True, **fixed)
        args = arrays(system, rng)
        worst = evidence.worst_difference(_run(ctx, program, args, system), _flat(own(system, args)))
        if not worst <= CONSISTENCY_TOLERANCE:
            raise Fail(
                f"The compiled program exported from your {function} does not reproduce what {function} returns "
                f"for the same new inputs ({system.describe()}; relative difference {worst:.2e}). The compile and "
                "size checks read that program, so they count only once it is the program your function runs. "
                "How to fix: keep the function pure (no state kept between calls, nothing that depends on how "
                "it is called)."
            )
    return programs


def _run(ctx, program, args, system) -> list:
    extra = [] if program.route in BAKED else [np.float64(system.eps2), np.float64(system.G)]
    return evidence.run(ctx, program, *args, *extra)


def _flat(value) -> list:
    """Outputs as float64 arrays ([] when they are not numbers: then nothing matches)."""
    try:
        parts = value if isinstance(value, (tuple, list)) else [value]
        return [np.asarray(v, dtype=np.float64) for v in parts]
    except (TypeError, ValueError):
        return []


