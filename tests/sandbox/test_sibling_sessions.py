"""Two children of one grader live side by side (the student's child and the verifier):
closing one, as a deadline does, must not kill the other in the middle of a request."""
from __future__ import annotations

import threading

import pytest

from autograder.sandbox import Limits
from autograder.sandbox.session import ChildSession
from tests.sandbox.conftest import stage_toy_module

MODULE = '''
import time


def slow_double(x, seconds):
    time.sleep(seconds)
    return 2 * x
'''


@pytest.mark.slow
def test_closing_one_session_spares_the_other_sessions_child(tmp_path_factory, sandbox_uid):
    staged = stage_toy_module(tmp_path_factory, MODULE)
    run_as = str(sandbox_uid) if sandbox_uid is not None else None
    call = {"op": "call", "module": "toy", "function": "slow_double", "args": [21, 3.0], "kwargs": {},
            "transforms": []}
    with ChildSession(staged_dir=staged, limits=Limits(), run_as=run_as) as busy, \
            ChildSession(staged_dir=staged, limits=Limits(), run_as=run_as) as doomed:
        for session in (busy, doomed):
            session.request({"op": "import", "module": "toy"}, timeout=120)
        answer = {}
        worker = threading.Thread(target=lambda: answer.update(value=busy.request(call, timeout=60)))
        worker.start()
        threading.Event().wait(1.0)  # the busy child is sleeping inside its request now
        doomed.close()  # what a deadline does to the other child
        worker.join(timeout=60)
        assert answer.get("value") == 42, f"the busy child's request did not survive the other's close: {answer}"
        assert busy.starts == 1, "the busy child was restarted: it had been killed"


DAEMON = '''
import os
import time


def start_daemon(path):
    """Leave a process behind in a session of its own (a double fork); return its pid."""
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(write_end, str(os.getpid()).encode())
            time.sleep(3600)
        os._exit(0)
    os.close(write_end)
    return int(os.read(read_end, 32))


def slow_double(x, seconds):
    time.sleep(seconds)
    return 2 * x
'''


def _running(pid: int) -> bool:
    from autograder.sandbox.reaper import read_proc

    info = read_proc(pid)
    return info is not None and info.state != "Z"


@pytest.mark.slow
def test_sparing_the_other_child_never_spares_what_the_closed_child_started(tmp_path_factory, sandbox_uid):
    staged = stage_toy_module(tmp_path_factory, DAEMON)
    run_as = str(sandbox_uid) if sandbox_uid is not None else None
    with ChildSession(staged_dir=staged, limits=Limits(), run_as=run_as) as sibling, \
            ChildSession(staged_dir=staged, limits=Limits(), run_as=run_as) as doomed:
        for session in (sibling, doomed):
            session.request({"op": "import", "module": "toy"}, timeout=120)
        daemon = doomed.request({"op": "call", "module": "toy", "function": "start_daemon", "args": ["x"],
                                 "kwargs": {}, "transforms": []}, timeout=60)
        assert _running(daemon), "the daemon did not start: the test proves nothing"
        doomed.close()
        assert not _running(daemon), f"process {daemon}, which the closed child left behind, survived its close"
        assert sibling.alive, "the sibling child was killed"
