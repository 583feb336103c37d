"""Slow calls add up: calls that each stay under their budget cost, together, about
one budget per set of functions, and all calls of a grading a bounded total. The
child is replaced by a stand-in that takes as long as told, so the accounting is
tested without waiting minutes."""
import time

import pytest

from autograder.checking.framework import explain_failure
from autograder.sandbox.session import ChildSession, ChildTimeout, GradingTimeSpent, SlowCalls

BUDGET = 1.0


class _Running:
    def poll(self):
        return None


def _stand_in(tmp_path, total_seconds=None):
    """A session whose 'child' answers each request after ``message['seconds']``."""
    session = ChildSession(staged_dir=tmp_path, total_seconds=total_seconds)
    session._proc = _Running()
    pending = {}
    session._send = lambda message, deadline: pending.update(message)

    def read_reply(request_id, deadline):
        time.sleep(max(min(pending["seconds"], deadline - time.monotonic()), 0.0))
        if time.monotonic() >= deadline:
            raise ChildTimeout(0)
        return {"id": request_id, "ok": True, "value": pending["seconds"]}

    session._read_reply = read_reply
    session.close = lambda: None  # nothing to kill
    return session


def _call(session, seconds, functions=("grad_forces",)):
    return session.request({"op": "call", "seconds": seconds}, timeout=BUDGET, functions=frozenset(functions))


def test_slow_calls_of_one_function_stop_after_about_one_budget(tmp_path):
    session = _stand_in(tmp_path)
    for _ in range(3):  # 3 x 0.4 s: the third passes one budget
        _call(session, 0.4 * BUDGET)
    began = time.monotonic()
    with pytest.raises(SlowCalls) as info:
        _call(session, 0.4 * BUDGET)
    assert time.monotonic() - began < 0.1, "expected a refusal at once, not another slow call"
    assert "grad_forces took 1 s in slow calls this grading, more than one 1 s budget" in str(info.value)
    assert "not called again" in explain_failure(info.value)
    with pytest.raises(SlowCalls):  # any request that runs grad_forces
        _call(session, 0.0, functions=("grad_forces", "potential_energy"))
    assert _call(session, 0.4 * BUDGET, functions=("potential_energy",)) == 0.4 * BUDGET  # others still run


def test_fast_calls_never_add_up(tmp_path):
    session = _stand_in(tmp_path)
    for _ in range(8):  # 8 x 0.2 s = 1.6 budgets, but none is slow
        _call(session, 0.2 * BUDGET)
    assert not session.slow, f"expected no slow calls recorded, saw {session.slow}"


def test_a_grading_has_a_total(tmp_path):
    session = _stand_in(tmp_path, total_seconds=1.5 * BUDGET)
    for function in ("a", "b", "c"):  # 3 x 0.6 s over three functions: each alone under a budget
        try:
            _call(session, 0.6 * BUDGET, functions=(function,))
        except GradingTimeSpent:
            break
    assert session.spent < 1.5 * BUDGET + 0.2, f"expected the total capped near 1.5 s, spent {session.spent:.2f} s"
    with pytest.raises(GradingTimeSpent, match="no further calls are made"):
        _call(session, 0.0, functions=("d",))
