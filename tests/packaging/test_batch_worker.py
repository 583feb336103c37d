"""The long-lived grader of grade-batch: the same results as a grading alone, whatever
came before; a worker that dies costs nothing but a fresh grading of that student;
what it keeps across students is only what no student shapes."""
from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest

from autograder.batch.worker import GradingWorker
from autograder.checking import reuse
from autograder.grader_process import GraderSettings, run_grader
from autograder.packaging.bundle import PROJECT_ROOT

from .conftest import RUN_AS

CORPUS = PROJECT_ROOT / "tests" / "corpus"
# vmap_forces: its reference values are kept across students (reuse.py), and it grades in half
# the time of grad_forces.
ASSIGNMENT = "vmap_forces"
CORRECT = CORPUS / "correct" / ASSIGNMENT / "alias_vmap"
WRONG = CORPUS / "wrong" / ASSIGNMENT / "summed_over_wrong_axis"
# Production settings, with a uid of this test's own when root (as grade-batch gives each worker one):
# the child's thread allowance counts every process of its uid, so it must not share "nobody".
SETTINGS = GraderSettings(assignment=ASSIGNMENT, run_as="63900" if RUN_AS else "")


def comparable(data: dict) -> dict:
    """Results without what legitimately differs between two gradings: how long they took, and
    the process ids and cgroup names in the protections' details (which protections were active stays)."""
    extra = dict(data.get("extra_data", {}))
    extra["protections"] = {name: p.get("active") for name, p in extra.get("protections", {}).items()}
    return {k: v for k, v in dict(data, extra_data=extra).items() if k != "execution_time"}


@pytest.mark.slow
def test_a_submission_scores_the_same_alone_first_last_and_after_a_worker_dies(tmp_path):
    alone = {}
    for case in (CORRECT, WRONG):
        run = run_grader(SETTINGS, submission=case, results_path=tmp_path / f"{case.name}.json")
        assert run.problem is None, run.problem
        alone[case.name] = comparable(run.results)
    assert alone[CORRECT.name]["score"] > alone[WRONG.name]["score"], "the two cases must tell apart"

    with GradingWorker() as worker:
        seen = []
        for case in (WRONG, CORRECT, WRONG):  # the wrong one first, then last, after a correct one
            run = worker.grade(case, ASSIGNMENT, tmp_path / "batch.json", settings=SETTINGS)
            assert run.problem is None, run.problem
            seen.append((case.name, comparable(run.results)))
        assert worker.fallbacks == 0 and worker.restarts == 0, "a healthy worker grades every student itself"

        # The worker dies in the middle of a grading: that student is graded again, alone.
        # SIGKILL, as the OOM killer would: a SIGINT could be ignored by a disposition inherited from the test run
        killer = threading.Timer(0.5, lambda: os.killpg(worker._proc.pid, signal.SIGKILL))
        killer.start()
        run = worker.grade(CORRECT, ASSIGNMENT, tmp_path / "killed.json", settings=SETTINGS)
        killer.join()
        assert worker.fallbacks == 1, "the grading interrupted by the worker's death was not graded again"
        assert run.problem is None, run.problem
        seen.append((CORRECT.name, comparable(run.results)))

    for name, results in seen:
        assert results == alone[name], (
            f"{name}: the batch result differs from the grading alone:\n"
            f"{json.dumps(results, indent=1)[:3000]}\n---\n{json.dumps(alone[name], indent=1)[:3000]}"
        )


def square(x):
    return np.asarray(x) ** 2


def test_reference_values_are_kept_by_exact_input_and_handed_out_as_copies():
    reuse.forget()
    calls = []

    def compute(x):
        calls.append(1)
        return square(x)

    x = np.arange(3.0)
    key = reuse.key_of(square, (x,), {})
    first = reuse.remembered(key, lambda: compute(x))
    first[0] = 99.0  # a check that scribbles on its value changes nothing for the next student
    again = reuse.remembered(reuse.key_of(square, (np.arange(3.0),), {}), lambda: compute(x))
    assert len(calls) == 1 and again.tolist() == [0.0, 1.0, 4.0]
    nudged = x.copy()
    nudged[2] = np.nextafter(2.0, 3.0)  # one ulp apart is another input
    assert reuse.key_of(square, (nudged,), {}) != key
    assert reuse.key_of(square, (x.astype(np.float32),), {}) != key
    assert reuse.key_of(square, (x,), {"scale": 2.0}) != reuse.key_of(square, (x,), {"scale": 2})
    reuse.forget()


def test_closures_and_opaque_arguments_are_never_kept():
    def local(x):  # two closures of one name could compute different things
        return x

    assert reuse.key_of(local, (1.0,), {}) is None
    assert reuse.key_of(square, (lambda p: -p,), {}) is None
    assert reuse.key_of(square, (object(),), {}) is None
    assert reuse.key_of(square, (np.array([object()]),), {}) is None


def test_a_wedged_worker_is_stopped_at_the_time_limit(tmp_path):
    """A worker that never answers (here: a Python that reads and ignores requests) is stopped."""
    script = tmp_path / "python"
    script.write_text("#!/bin/sh\nexec cat > /dev/null\n")
    script.chmod(0o755)
    settings = GraderSettings(assignment=ASSIGNMENT, time_limit=1)
    with GradingWorker(python=str(script), fallback=False) as worker:
        run = worker.grade(Path(CORRECT), ASSIGNMENT, tmp_path / "r.json", settings=settings)
    assert run.results is None and "longer than 1 s" in run.problem
