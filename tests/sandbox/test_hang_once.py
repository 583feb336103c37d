"""A hang costs one budget: once a student function has used up its budget,
later requests that need it are answered at once instead of each waiting out
its own budget. The budget itself stays enforced here, in the parent."""
import time

import numpy as np
import pytest

import solutions.grad_forces as reference
from autograder.checking.framework import Context, explain_failure
from autograder.sandbox.session import (
    ChildSession,
    ChildTimeout,
    EarlierTimeout,
    student_functions,
)

BUDGET = 2.0
HANGING = '''
import jax.numpy as jnp


def potential_energy(x, m, eps2=0.0, G=1.0):
    return jnp.sum(m)


def grad_forces(x, m, eps2=0.0, G=1.0):
    while True:
        pass
'''
KNOWN = {"grad_forces", "potential_energy"}


@pytest.fixture
def context(tmp_path, sandbox_uid):
    package = tmp_path / "staged" / "assignments"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "grad_forces.py").write_text(HANGING)
    run_as = str(sandbox_uid) if sandbox_uid is not None else None
    with ChildSession(staged_dir=package.parent, run_as=run_as) as session:
        session.request({"op": "import", "module": "grad_forces"}, timeout=120)  # JAX import, not timed
        yield Context(assignment="grad_forces", session=session, reference=reference, source="", budget=BUDGET)


def _timed(call):
    start = time.monotonic()
    try:
        call()
    except ChildTimeout as exc:
        return time.monotonic() - start, exc
    raise AssertionError("expected the hanging function to time out")


def test_a_hanging_function_costs_one_budget_and_others_still_run(context):
    x, m = np.zeros((3, 3)), np.ones(3)
    first, exc = _timed(lambda: context.call("grad_forces", x, m))
    assert first >= BUDGET and not isinstance(exc, EarlierTimeout), (
        f"expected the first call to wait out its {BUDGET} s budget, it ended after {first:.2f} s with {exc!r}")
    again = [_timed(lambda: context.call("grad_forces", x, m)),
             _timed(lambda: context.program("call_compiled", "grad_forces", [x, m], {"eps2": 0.0}))]
    for seconds, exc in again:
        assert isinstance(exc, EarlierTimeout) and seconds < BUDGET / 4, (
            f"expected later grad_forces requests answered at once, one took {seconds:.2f} s ({exc!r}); "
            "the hang was paid more than once")
        assert f"grad_forces did not return within {BUDGET:.0f} s earlier; not called again" in str(exc), str(exc)
        assert "not called again" in explain_failure(exc)
    # Another function is unaffected (its first call restarts the child, so give it room).
    assert float(context.call("potential_energy", x, m, timeout=120)) == 3.0


def test_what_counts_as_the_same_function():
    call = {"op": "call", "function": "grad_forces", "args": [], "kwargs": {}}
    program = {"op": "program", "name": "call_compiled", "args": ["grad_forces", [1, 2], {"__dict__": []}]}
    attr = {"op": "program", "name": "energy_series", "args": [{"__attr__": "potential_energy", "module": "m"}]}
    builtin = {"op": "program", "name": "integrate_runs", "args": [{"__target__": "kepler"}, "kepler"]}
    assert student_functions(call, KNOWN) == {"grad_forces"}
    assert student_functions(program, KNOWN) == {"grad_forces"}
    assert student_functions(attr, KNOWN) == {"potential_energy"}
    assert student_functions(builtin, KNOWN) == {"program integrate_runs"}


def test_a_longer_budget_or_other_functions_are_still_tried(tmp_path):
    session = ChildSession(staged_dir=tmp_path)
    session.hangs.append((frozenset({"grad_forces"}), BUDGET))
    tried = []
    session.start = lambda: (tried.append(1), (_ for _ in ()).throw(RuntimeError("would start")))
    with pytest.raises(EarlierTimeout):
        session.request({"op": "call"}, timeout=BUDGET, functions=frozenset({"grad_forces", "potential_energy"}))
    for functions, timeout in ((frozenset({"grad_forces"}), 3 * BUDGET), (frozenset({"potential_energy"}), BUDGET)):
        with pytest.raises(RuntimeError, match="would start"):
            session.request({"op": "call"}, timeout=timeout, functions=functions)
    assert len(tried) == 2, "expected a longer budget and an untried function to reach the child"
