"""Gates: a property check counts only once the function it measures computes
the assignment's quantity. The mechanism (memoised verdicts, the message, the
"fix first" headline) and the loose verdicts of the same physics."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import solutions.scan_integrator as reference
from autograder.checking import loose_gates
from autograder.checking.framework import Context, Fail, Gate, Gated, NotShown
from autograder.checks.physics import dynamics_fixtures as fx
from autograder.shipped import diagnosis


def _context() -> Context:
    return Context(assignment="scan_integrator", session=None, reference=None, source="")


def test_a_closed_gate_withholds_points_and_names_what_to_fix_first():
    calls = []

    def verify(ctx):
        calls.append(1)
        raise NotShown("does not move the particles", "the change of x is zero")

    gate = Gate("leapfrog_step", verify, fix="make it kick-drift-kick.", counts="the physics checks")
    ctx = _context()
    for _ in range(3):
        with pytest.raises(Gated) as caught:
            ctx.require(gate)
    assert len(calls) == 1  # decided once per grading, then reused
    message = str(caught.value)
    assert "leapfrog_step does not move the particles: the physics checks count once it does." in message
    assert "the change of x is zero" in message and "How to fix: make it kick-drift-kick." in message
    assert ctx.closed_gates() == ["leapfrog_step does not move the particles: the physics checks count once it does."]


def test_an_open_gate_costs_nothing_and_is_not_reported():
    gate = Gate("integrate", lambda ctx: None, fix="")
    ctx = _context()
    ctx.require(gate)
    assert ctx.closed_gates() == []


def test_fix_first_prefixes_a_dependent_failure_only_while_the_gate_is_closed():
    closed = Gate("leapfrog_step", lambda ctx: (_ for _ in ()).throw(NotShown("is wrong", "differs")), fix="")
    ctx = _context()
    with pytest.raises(Fail) as caught:
        with ctx.fix_first(closed, subject_check="one step"):
            raise Fail("energy error ratio 2.0")
    assert str(caught.value).startswith("Fix leapfrog_step first") and "energy error ratio 2.0" in str(caught.value)
    with pytest.raises(Fail) as caught:
        with _context().fix_first(Gate("leapfrog_step", lambda ctx: None, fix=""), subject_check="one step"):
            raise Fail("energy error ratio 2.0")
    assert str(caught.value) == "energy error ratio 2.0"
    assert ctx.closed_gates() == []  # a hint is not a gate


def _step_change(step):
    phase, m = fx.random_cluster(6, seed=11)
    accel = fx.pairwise_accel(m, 0.01)
    with fx.reference_x64():
        x, v = jnp.asarray(phase.x), jnp.asarray(phase.v)
        ref = reference.leapfrog_step(reference.State(x, v), 0.01, accel)
        seen = step(x, v, 0.01, accel)
    pairs = zip(seen, (ref.x, ref.v), (phase.x, phase.v))
    return [(np.asarray(s) - start, np.asarray(r) - start) for s, r, start in pairs]


@pytest.mark.parametrize("mistake", [m[0] for m in diagnosis.KNOWN_MISTAKES], ids=lambda f: f.__name__)
def test_every_consistent_step_passes_the_loose_step_gate(mistake):
    """Honest mistakes of order or factor cost the value checks, not the properties they have."""
    for moved, expected in _step_change(mistake):
        assert loose_gates.motion_mismatch(moved, expected) == ""


def test_a_step_that_returns_its_input_does_not():
    (moved_x, expected_x), _ = _step_change(lambda x, v, dt, a: (x, v))
    assert "is zero" in loose_gates.motion_mismatch(moved_x, expected_x)


def test_the_potential_gate_accepts_named_slips_and_rejects_placeholders():
    assert loose_gates.not_the_same_quantity(-1.0, -1.0) == ""
    assert loose_gates.not_the_same_quantity(-2.0, -1.0) == ""  # double-counted pairs
    assert loose_gates.not_the_same_quantity(-1.0 / 3.0, -1.0, G=3.0) == ""  # forgotten G
    assert "where the reference gives" in loose_gates.not_the_same_quantity(-4.7, -1.0, G=3.0)
    assert "NaN" in loose_gates.not_the_same_quantity(np.nan, -1.0)
