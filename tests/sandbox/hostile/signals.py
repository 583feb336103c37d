"""Hostile child: try to signal the grader and a bystander process of the grader's user.

argv[1]: the grader's pid, argv[2]: a bystander's pid. With argv[3], a private
uid, it also signals every process it may, but only when it really runs as
that uid (anything else would reach bystanders far beyond this test).
Writes result.json.
"""
import json
import os
import signal
import sys

grader, bystander = int(sys.argv[1]), int(sys.argv[2])
result = {}


def attempt(name, action):
    try:
        action()
        result[name] = "ok"
    except OSError as error:
        result[name] = f"{type(error).__name__}: {error}"


attempt("probe_grader", lambda: os.kill(grader, 0))
attempt("probe_grader_group", lambda: os.killpg(os.getpgid(grader), 0))
attempt("usr1_bystander", lambda: os.kill(bystander, signal.SIGUSR1))
if sys.argv[3:] == [str(os.getuid())] and os.getuid() != 0:
    attempt("usr1_everyone", lambda: os.kill(-1, signal.SIGUSR1))

with open("result.json", "w") as out:
    json.dump(result, out)
