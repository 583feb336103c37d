"""Exported programs are read and run only in the confined verifier: a program that
spins costs one budget and no more, one that eats memory meets the verifier's own
limit and never grows the grader, and only plain data comes back."""
import ast
import resource
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from autograder.checking import evidence
from autograder.checking.framework import Context, Fail
from autograder.child import exporting
from autograder.verifier import Verifier, client
from autograder.verifier.runtime import server

BUDGET = 4.0
MiB = 2**20
F64 = jnp.float64


@pytest.fixture(scope="module")
def ctx(sandbox_uid):
    run_as = str(sandbox_uid) if sandbox_uid is not None else None
    verifier = Verifier(run_as=run_as, seed_material=b"tests")
    yield Context(assignment="demo", session=None, reference=None, source="", budget=BUDGET, verifier=verifier)
    verifier.close()


def _exported(fn, *shapes) -> dict:
    """The child's export reply for ``fn`` on float64 inputs of ``shapes``."""
    with jax.enable_x64(True):
        avals = [jax.ShapeDtypeStruct(shape, F64) for shape in shapes]
        return exporting.export_first([("jit", lambda: exporting.export(jax.jit(fn), *avals))])


def test_an_honest_program_is_described_and_run(ctx):
    program = evidence.receive(ctx, _exported(lambda x, a: jnp.sum(x**2) * a, (4,), ()), "honest")
    assert program.route == "jit" and program.inputs == [((4,), "float64"), ((), "float64")]
    assert program.operation_count > 0 and not program.has_loop
    (value,) = evidence.run(ctx, program, np.arange(4.0), 2.0)
    assert float(value) == 28.0


def _spin(x):
    _, acc = lax.while_loop(lambda c: c[0] < 10**12, lambda c: (c[0] + 1, c[1] * 0.999 + x[0]), (0, x[0]))
    return x + 0.0 * acc


def test_a_spinning_program_costs_one_budget_then_its_function_is_not_run_again(ctx):
    program = evidence.receive(ctx, _exported(_spin, (3,)), "spinning")
    assert program.has_loop
    start = time.monotonic()
    with pytest.raises(Fail, match="did not finish within"):
        evidence.run(ctx, program, np.ones(3))
    first = time.monotonic() - start
    assert BUDGET <= first < BUDGET + 15, f"the spinning program was stopped after {first:.1f} s"
    start = time.monotonic()
    with pytest.raises(Fail, match="Not run"):
        evidence.receive(ctx, _exported(_spin, (5,)), "spinning")
    assert time.monotonic() - start < 1.0, "a function whose program spun once must not be run again"
    other = evidence.receive(ctx, _exported(lambda x: 2 * x, (2,)), "other")  # a fresh verifier serves the rest
    assert evidence.run(ctx, other, np.ones(2))[0].tolist() == [2.0, 2.0]


def _hungry(x):
    n = 5 * 2**30 // 8  # 5 GiB of float64
    return x + 0.0 * jnp.sort(jnp.full((n,), x[0]) * jnp.arange(n))[-1]


def test_a_memory_eating_program_never_grows_the_grader(ctx):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    program = evidence.receive(ctx, _exported(_hungry, (3,)), "hungry")
    with pytest.raises(Fail):
        evidence.run(ctx, program, np.ones(3))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert after - before < 256 * MiB, f"the grader's peak memory grew by {(after - before) / MiB:.0f} MiB"
    if before < 768 * MiB:
        assert after < 1024 * MiB, f"the grader's peak memory reached {after / MiB:.0f} MiB"


def test_the_verifier_runtime_imports_no_grader_or_student_code():
    tree = ast.parse(open(server.__file__).read())
    absolute = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    absolute |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 0}
    relative = {f"{node.module or ''}:{alias.name}" for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.level > 0 for alias in node.names}
    assert absolute <= {"__future__", "collections", "os", "re", "sys", "jax", "numpy"}, absolute
    assert relative <= {":codec"}, relative
    assert server.STATE_NAME == exporting.STATE_NAME


def test_the_verifier_carries_no_submission(tmp_path):
    bootstrap, runtime, extra = client.VerifierSession(run_as=None)._install(tmp_path)
    assert extra == [] and not (tmp_path / "submission").exists()
    assert sorted(p.name for p in (runtime / client.PACKAGE).iterdir() if p.suffix == ".py") == [
        "__init__.py", "codec.py", "server.py"]


GRADE_AND_MEASURE = r"""
import json, sys, time
from pathlib import Path
from autograder.grading import grade_submission
start = time.monotonic()
data = grade_submission(submission=Path(sys.argv[1]), assignment=sys.argv[2], results_path=Path(sys.argv[3]),
                        budget=float(sys.argv[4]))
# VmHWM, not ru_maxrss: the latter keeps the peak of the process this one was forked from (a test worker).
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"wall_s": time.monotonic() - start, "score": data["score"], "grader_mb": peak_kb / 1024}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("case, budget", [("jit_potential/spinning_exported_program", 8.0),
                                          ("vmap_forces/memory_eating_exported_program", 60.0)])
def test_hostile_programs_cost_bounded_time_and_never_grow_the_grader(case, budget, tmp_path):
    """The grader's own peak memory stays under 1 GiB; a spinning program costs about a budget per function."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    submission = Path(__file__).resolve().parents[1] / "corpus" / "hostile" / case
    out = subprocess.run([sys.executable, "-c", GRADE_AND_MEASURE, str(submission), submission.parent.name,
                          str(tmp_path / "results.json"), str(budget)], capture_output=True, text=True, check=True)
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{case}: {measured}")  # the numbers docs/sandbox.md quotes
    assert measured["grader_mb"] < 1024, measured
    # The honest part of a grading takes well under a minute here; two functions may spin a budget each.
    assert measured["wall_s"] < 2 * budget + 120, measured


def test_the_verifier_starts_early_only_for_assignments_that_read_exported_programs():
    from autograder.checks import load_registry
    from autograder.verifier import wanted_by

    assert all(wanted_by(load_registry(a)) for a in ("jit_potential", "vmap_forces", "scan_integrator"))
    assert not any(wanted_by(load_registry(a)) for a in ("grad_forces", "hmc", "dtype_audit"))


def test_the_inputs_cannot_be_computed_by_the_submission():
    """Seeded with bytes drawn per grading, not only with what the child can read (its own files)."""
    first, second = Verifier(run_as=None, seed_material=b"files"), Verifier(run_as=None, seed_material=b"files")
    assert first.rng("f N=3").random() != second.rng("f N=3").random()
    again = Verifier(run_as=None, seed_material=b"files", secret=first.secret)
    assert first.rng("f N=3").random() == again.rng("f N=3").random()
