"""Hostile child: leave processes behind, and hide some of them.

argv[1] == "crowd": 64 forked sleepers, a daemon in its own session (setsid),
and a double-forked orphan; argv[1] == "bomb": fork until refused (at most
argv[2] times). Writes result.json with every pid, then sleeps until killed.
"""
import json
import os
import sys
import time


def sleeper():
    time.sleep(600)
    os._exit(0)


def fork_sleeper():
    pid = os.fork()
    if pid == 0:
        sleeper()
    return pid


def hidden(start_session):
    """Fork twice; the grandchild outlives its parent. Returns the grandchild's pid."""
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        if start_session:
            os.setsid()
        grandchild = os.fork()
        if grandchild == 0:
            sleeper()
        os.write(write_end, str(grandchild).encode())
        os._exit(0)
    os.close(write_end)
    pid = int(os.read(read_end, 32))
    os.wait()
    return pid


result = {"pids": []}
if sys.argv[1] == "crowd":
    result["pids"] += [fork_sleeper() for _ in range(64)]
    result["daemon"] = hidden(start_session=True)
    result["orphan"] = hidden(start_session=False)
    result["pids"] += [result["daemon"], result["orphan"]]
else:
    result["error"] = None
    for _ in range(int(sys.argv[2])):
        try:
            result["pids"].append(fork_sleeper())
        except OSError as error:
            result["error"] = f"{type(error).__name__}: {error}"
            break
with open("result.tmp", "w") as out:
    json.dump(result, out)
os.rename("result.tmp", "result.json")
time.sleep(600)
