"""Play the grader: start a child that leaves processes behind, then kill them all.

argv[1]: JSON {"scratch", "child", "run_as", "subreaper", "uid_net"}. Prints
JSON: how many pids the child reported, which of them survived
kill_everything, and how long it took. Afterwards it cleans up for real
(uid net on), so even a failing run leaves nothing behind.
"""
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from autograder.sandbox import (  # noqa: E402
    Limits,
    become_subreaper,
    kill_everything,
    release,
    spawn_child,
)
from autograder.sandbox.reaper import read_proc  # noqa: E402

plan = json.loads(sys.argv[1])
scratch = Path(plan["scratch"])
scratch.mkdir()
shutil.copy(plan["child"], scratch / "child.py")
if plan["subreaper"]:
    assert become_subreaper(), "PR_SET_CHILD_SUBREAPER was refused"
proc, report = spawn_child(
    argv=[sys.executable, "-I", str(scratch / "child.py"), *plan["args"]], scratch=scratch, env={},
    limits=Limits(nproc=plan.get("nproc", 256)), stdout_path=scratch.parent / "driver-out",
    stderr_path=scratch.parent / "driver-err", run_as=plan["run_as"])
uid = report["separate_user"].get("uid")
deadline = time.monotonic() + 60
while not (scratch / "result.json").exists():
    assert proc.poll() is None and time.monotonic() < deadline, "child died or hung before reporting"
    time.sleep(0.02)
result = json.loads((scratch / "result.json").read_text())
start = time.monotonic()
signalled = kill_everything(proc.pid, uid=uid if plan["uid_net"] else None)
seconds = time.monotonic() - start
proc.wait(timeout=10)
alive = [read_proc(pid) for pid in result["pids"]]
survivors = [info.pid for info in alive if info is not None and info.state != "Z"]
print(json.dumps({"pids": len(result["pids"]), "survivors": survivors, "signalled": signalled,
                  "seconds": seconds, "error": result.get("error"), "uid": uid,
                  "daemon": result.get("daemon"), "report": report}))
if uid is not None:
    kill_everything(proc.pid, uid=uid)
release(report)
