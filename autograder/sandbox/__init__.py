"""Parent side of the sandbox: start a confined child, describe it, clean up after it.

Student code never runs in the grader's process. `spawn_child` starts it
through `launcher.py`, which applies every protection this machine allows
(resource limits, network namespace, separate user, no_new_privs, Landlock,
seccomp) and reports which ones are active. `kill_everything` removes every
process the child started. See docs/sandbox.md for what holds where.
"""
from autograder.sandbox.protections import MECHANISMS, describe_protections
from autograder.sandbox.reaper import become_subreaper, kill_everything
from autograder.sandbox.spawn import Limits, SandboxStartError, release, spawn_child

__all__ = [
    "Limits",
    "MECHANISMS",
    "SandboxStartError",
    "become_subreaper",
    "describe_protections",
    "kill_everything",
    "release",
    "spawn_child",
]
