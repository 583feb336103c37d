"""Play a grader with fewer privileges (a laptop user; root inside Docker without
CAP_SYS_ADMIN) and run hostile children, each to the end.

argv[1]: JSON {"home": folder we own, "runs": [{"name", "args"}], "hostile": folder,
"run_as": user for the children}. Prints JSON: one {"report", "result",
"stderr"} per run, in order.
"""
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from autograder.sandbox import Limits, spawn_child  # noqa: E402

plan = json.loads(sys.argv[1])
home = Path(plan["home"])
outcomes = []
for index, run in enumerate(plan["runs"]):
    scratch = home / f"scratch{index}"
    scratch.mkdir()
    shutil.copy(Path(plan["hostile"]) / f"{run['name']}.py", scratch / "child.py")
    proc, report = spawn_child(
        argv=[sys.executable, "-I", str(scratch / "child.py"), *run["args"]], scratch=scratch,
        env={}, limits=Limits(nproc=64), stdout_path=home / f"out{index}",
        stderr_path=home / f"err{index}", run_as=plan["run_as"])
    proc.wait(timeout=60)
    result = scratch / "result.json"
    outcomes.append({"report": report,
                     "result": json.loads(result.read_text()) if result.exists() else None,
                     "stderr": (home / f"err{index}").read_text()[-1000:]})
print(json.dumps(outcomes))
