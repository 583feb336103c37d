"""Stress the import of a correct submission: how often does its child die?

``python -m benchmarks.stress_import [--runs 300] [--modes suite cli] [--out DIR]``

Each run starts a fresh sandboxed child (the real ChildSession, as the grader
does) and imports a correct submission in it; the run fails when the child
dies (an abort inside XLA when a thread cannot start, a signal) or errs. Two
graders run side by side, as pytest-xdist's two workers or two parallel
`jaxgrade grade` runs do, while a third plays a hostile corpus case of the same
uid: a confined fork bomb, restarted again and again, that holds as many tasks
as its limit allows. Modes:

- ``suite``: the graders have JAX imported and a thread computing with it,
  as a pytest worker that graded earlier cases has;
- ``cli``: the graders are fresh processes without JAX, as `jaxgrade grade` is
  when it starts the child.

No retry is made here (grading.py retries an import once): the rate measured
is that of the cause. The largest thread count a child reached is reported
too, against the cgroup's pids.max. 300 runs take about 8 minutes on two
quiet cores. Results go to ``stress_import.json`` and ``stress_import.md``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORRECT = ROOT / "tests" / "corpus" / "correct" / "grad_forces" / "broadcast_double_where"
BOMB = ROOT / "tests" / "sandbox" / "hostile" / "spawn_many.py"
RESULTS = ROOT / "benchmarks" / "results"


def _jax_busy() -> None:
    """JAX imported and a thread of ours computing with it, as in a pytest worker."""
    import jax
    import jax.numpy as jnp

    step = jax.jit(lambda x: jnp.tanh(x @ x.T).sum())
    x = jnp.ones((64, 64))

    def spin():
        while True:
            step(x).block_until_ready()
            time.sleep(0.001)

    threading.Thread(target=spin, daemon=True).start()


def _threads(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            return int(next(line for line in status if line.startswith("Threads:")).split()[1])
    except (OSError, StopIteration):
        return 0


def worker(runs: int, mode: str) -> dict:
    """Import the correct submission `runs` times, each in a fresh child."""
    from autograder.sandbox.session import ChildError, ChildSession, StudentError
    from autograder.submission import stage_submission

    if mode == "suite":
        _jax_busy()
    outcomes = {"runs": 0, "deaths": 0, "errors": 0, "max_threads": 0, "failures": []}
    with tempfile.TemporaryDirectory(prefix="jaxgrade-stress-") as stage:
        staged = stage_submission(submission=CORRECT, module="grad_forces", dest=Path(stage))
        for _ in range(runs):
            session = ChildSession(staged_dir=staged.package_root)
            try:
                session.request({"op": "import", "module": "grad_forces"}, timeout=120)
                outcomes["max_threads"] = max(outcomes["max_threads"], _threads(session._proc.pid))
            except (ChildError, StudentError) as exc:
                key = "errors" if isinstance(exc, StudentError) else "deaths"
                outcomes[key] += 1
                outcomes["failures"].append(f"{exc}\n{session.output_tail()[-1500:]}")
            finally:
                session.close()
                session.discard_output()
            outcomes["runs"] += 1
    return outcomes


def bomber(stop_file: Path) -> int:
    """A confined fork bomb of the children's uid, restarted until `stop_file` appears."""
    from autograder.sandbox import Limits, become_subreaper, kill_everything, release, spawn_child

    become_subreaper()
    rounds = 0
    while not stop_file.exists():
        with tempfile.TemporaryDirectory(prefix="jaxgrade-stress-bomb-") as work:
            os.chmod(work, 0o711)
            scratch = Path(work) / "scratch"
            scratch.mkdir()
            (scratch / "child.py").write_bytes(BOMB.read_bytes())
            proc, report = spawn_child(argv=[sys.executable, "-I", str(scratch / "child.py"), "bomb", "2000"],
                                       scratch=scratch, env={}, limits=Limits(),
                                       stdout_path=Path(work) / "out", stderr_path=Path(work) / "err")
            deadline = time.monotonic() + 1  # hold its tasks a while (a graded call would, up to its budget)
            while time.monotonic() < deadline and proc.poll() is None and not stop_file.exists():
                time.sleep(0.05)
            kill_everything(proc.pid)
            proc.wait(timeout=10)
            release(report)
        rounds += 1
    return rounds


def _spawn_role(role: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "benchmarks.stress_import", *role], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)


def run_mode(mode: str, runs: int, graders: int) -> dict:
    stop = Path(tempfile.mkdtemp(prefix="jaxgrade-stress-stop-")) / "stop"
    started = time.monotonic()
    bomb = _spawn_role(["--role", "bomber", "--stop-file", str(stop)])
    share = [runs // graders + (i < runs % graders) for i in range(graders)]
    procs = [_spawn_role(["--role", "worker", "--runs", str(n), "--mode", mode]) for n in share]
    results = [json.loads(p.communicate()[0]) for p in procs]
    stop.touch()
    bomb_rounds = int(bomb.communicate()[0] or 0)
    stop.unlink()
    stop.parent.rmdir()
    total = {key: sum(r[key] for r in results) for key in ("runs", "deaths", "errors")}
    return {**total, "mode": mode, "graders": graders, "bomb_rounds": bomb_rounds,
            "abort_rate": total["deaths"] / max(total["runs"], 1),
            "max_child_threads": max(r["max_threads"] for r in results),
            "seconds": round(time.monotonic() - started, 1),
            "failures": [f for r in results for f in r["failures"]][:5]}


def _markdown(report: dict) -> str:
    lines = ["# Stress: importing a correct submission beside a same-uid fork bomb", "",
             f"Machine: {report['machine']}; code: {report['code']}.", "",
             "| mode | runs | child deaths | errors | death rate | largest child thread count | "
             "bomb rounds | seconds |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for m in report["modes"]:
        lines.append(f"| {m['mode']} | {m['runs']} | {m['deaths']} | {m['errors']} | {m['abort_rate']:.1%} | "
                     f"{m['max_child_threads']} | {m['bomb_rounds']} | {m['seconds']} |")
    lines += ["", "Rerun: `python -m benchmarks.stress_import --runs 300` (as root, about 8 minutes on two "
              "quiet cores). No import is retried here; the grader retries once."]
    for m in report["modes"]:
        for failure in m["failures"]:
            lines += ["", f"First failures ({m['mode']}):", "```", failure.strip()[-1200:], "```"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="imports per mode, all graders together")
    parser.add_argument("--modes", nargs="+", default=["suite", "cli"], choices=["suite", "cli"])
    parser.add_argument("--graders", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--label", default="this checkout", help="what code ran, for the report")
    parser.add_argument("--role", choices=["worker", "bomber"], help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="suite", help=argparse.SUPPRESS)
    parser.add_argument("--stop-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role == "worker":
        print(json.dumps(worker(args.runs, args.mode)), flush=True)
        os._exit(0)  # not through interpreter shutdown, which kills the JAX thread of suite mode mid-call
    if args.role == "bomber":
        print(bomber(args.stop_file))
        return 0
    modes = [run_mode(mode, args.runs, args.graders) for mode in args.modes]
    load = os.getloadavg()
    report = {"machine": f"{os.cpu_count()} cores, load average {load[0]:.1f} at the end",
              "code": args.label, "modes": modes}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "stress_import.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "stress_import.md").write_text(_markdown(report))
    print(_markdown(report))
    return 0 if all(m["deaths"] == 0 and m["errors"] == 0 for m in modes) else 1


if __name__ == "__main__":
    sys.exit(main())
