"""What grading a class costs: a mixed synthetic class through ``jaxgrade grade-batch``.

A class of ``--per-assignment`` submissions for each of the six assignments is
copied from the corpus (correct and wrong cases in turn) and graded with
``grade-batch --jobs 2``, one assignment after another, by two implementations
in the same run: this tree, and a baseline tree (``--baseline``: another
checkout, e.g. the main branch) or this tree with ``reuse=False`` (one
``jaxgrade grade`` process per submission). The two are interleaved assignment
by assignment, so load from other processes hits both alike; compare their
ratio, not the seconds. Reported: total and per-grading wall time, the figure
for 200 students x 6 assignments, peak memory of one grading (the largest
grader process plus the largest sandboxed child and verifier: the 768 MB target) and of the
whole batch, the ratio to the floor (a fresh process that imports JAX and calls
the reference once), and where one grading's time goes (``--breakdown``).

Run: ``.venv/bin/python -m benchmarks.class_scale [--quick] [--baseline /path/to/main]``
Writes ``benchmarks/results/class_scale.{json,md}`` (``--quick``: ``results/quick/``).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CLASS_SIZE = 200
TARGET_MB = 768.0
RUN_AS = "63000"  # first uid of the batch's children: one per job


# -- the class ---------------------------------------------------------------------
def corpus_cases(assignment: str) -> list[Path]:
    """Correct and wrong cases of ``assignment``, alternating, so a class of any size is mixed."""
    def cases(kind):
        return sorted(p.parent for p in (ROOT / "tests" / "corpus" / kind / assignment).glob("*/expect.json"))

    correct, wrong = cases("correct"), cases("wrong")
    mixed = []
    for k in range(max(len(correct), len(wrong))):
        mixed += [c[k] for c in (correct, wrong) if k < len(c)]
    return mixed


def build_class(folder: Path, assignment: str, size: int) -> Path:
    """``size`` submissions of ``assignment`` in ``folder``, one subfolder each."""
    cases = corpus_cases(assignment)
    for k in range(size):
        case = cases[k % len(cases)]
        shutil.copytree(case, folder / f"s{k:03d}_{case.parent.parent.name}_{case.name}",
                        ignore=shutil.ignore_patterns("expect.json", "__pycache__"))
    return folder


# -- memory of a process tree ------------------------------------------------------
class TreeSampler(threading.Thread):
    """Peak RSS of ``pid``'s process tree: summed, and the largest grader and child processes."""

    def __init__(self, pid: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_total = self.peak_grader = self.peak_child = self.peak_verifier = 0
        self.done = threading.Event()

    def run(self) -> None:
        import psutil

        root = psutil.Process(self.pid)
        while not self.done.is_set():
            total = 0
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for process in processes:
                try:
                    rss, cmd = process.memory_info().rss, " ".join(process.cmdline())
                except psutil.Error:
                    continue
                total += rss
                if "jaxgrade_child" in cmd:
                    self.peak_child = max(self.peak_child, rss)
                elif "jaxgrade_verifier" in cmd:  # the grading's second confined process (exported programs)
                    self.peak_verifier = max(self.peak_verifier, rss)
                elif "batch.worker" in cmd or " grade " in cmd:
                    self.peak_grader = max(self.peak_grader, rss)
            self.peak_total = max(self.peak_total, total)
            time.sleep(self.interval)


def grade_class(tree: Path, folder: Path, assignment: str, out: Path, *, jobs: int, reuse: bool) -> dict:
    """Grade the class in ``folder`` with the code in ``tree``; wall time, scores and peaks."""
    csv = out / f"{assignment}.csv"
    call = (f"from pathlib import Path; from autograder.batch import grade_batch; "
            f"grade_batch(directory=Path({str(folder)!r}), assignment={assignment!r}, csv_path=Path({str(csv)!r}), "
            f"jobs={jobs}, run_as={RUN_AS!r}" + ("" if reuse else ", reuse=False") + ")")
    env = dict(os.environ, PYTHONPATH=str(tree))
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", call], cwd=tree, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    sampler = TreeSampler(process.pid)
    sampler.start()
    code = process.wait()
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    scores = {}
    for results in sorted((out / f"{assignment}-results").glob("*.json")):
        scores[results.stem] = json.loads(results.read_text()).get("score")
    return {"wall_s": wall, "exit": code, "scores": scores, "peak_total_mb": sampler.peak_total / 2**20,
            "peak_grader_mb": sampler.peak_grader / 2**20, "peak_child_mb": sampler.peak_child / 2**20,
            "peak_verifier_mb": sampler.peak_verifier / 2**20}


# -- where one grading's time goes -------------------------------------------------
BREAKDOWN = r"""
import collections, json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from autograder.xla_flags import use_grader_flags
use_grader_flags(gpu=False)  # the XLA flags `jaxgrade grade` runs with
import jax  # noqa: F401
t_jax = time.perf_counter() - t0
from autograder import grading
from autograder.checking import framework, properties
from autograder.sandbox import session
spent = collections.Counter()
def timed(owner, name, label):
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label(args) if callable(label) else label] += time.perf_counter() - start
    setattr(owner, name, wrapper)
timed(session.ChildSession, "start", "(of which: sandbox setup and process start)")
timed(session.ChildSession, "request", lambda a: "child: start + JAX import + student import"
      if a[1].get("op") == "import" else "child: the student's calls and compilations")
timed(properties, "reference64", "grader: reference values and compilations")
timed(framework, "draw_examples", "grader: hypothesis draws")
rows = []
for label in ("first grading in a process", "next grading in the same process"):
    spent.clear()
    start = time.perf_counter()
    grading.grade_submission(submission=Path(sys.argv[1]), assignment=sys.argv[2], results_path=Path(sys.argv[3]))
    wall = time.perf_counter() - start
    row = {"grading": label, "wall_s": wall, **spent}
    inner = sum(v for k, v in spent.items() if not k.startswith("("))  # sandbox setup is inside a request
    row["grader: checks, comparisons, results"] = wall - inner
    rows.append(row)
rows[0]["grader: Python start + JAX import"] = t_jax
print(json.dumps(rows))
"""


def breakdown(assignment: str, scratch: Path) -> list[dict]:
    case = next(c for c in corpus_cases(assignment) if "correct" in c.parts)
    out = subprocess.run([sys.executable, "-c", BREAKDOWN, str(case), assignment, str(scratch / "b.json")],
                         cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def floor(assignment: str) -> float:
    from .grading_latency import FLOOR

    out = subprocess.run([sys.executable, "-c", FLOOR, assignment], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["wall_s"]


# -- the report --------------------------------------------------------------------
def summarise(runs: dict, size: int, jobs: int) -> dict:
    total = sum(r["wall_s"] for r in runs.values())
    n = size * len(runs)
    return {"total_s": total, "gradings": n, "per_grading_s": total / n,
            "class_200x6_min": total / n * CLASS_SIZE * 6 / 60, "core_s_per_grading": total * jobs / n}


def _one_grading_mb(run: dict) -> float:
    """An upper bound on one grading's memory: its largest grader, child and verifier processes."""
    return run["peak_grader_mb"] + run["peak_child_mb"] + run.get("peak_verifier_mb", 0.0)


def to_markdown(report: dict) -> str:
    new, base = report["summary"]["this"], report["summary"]["baseline"]
    lines = [
        "# A class graded: time and memory",
        "",
        f"Machine: {report['machine']}; load average {report['load_before']} before the run and "
        f"{report['load_after']} after (a shared machine: compare the ratios, not the seconds). "
        f"Class: {report['size']} submissions per assignment from the corpus (correct and wrong cases in turn), "
        f"six assignments, `grade-batch --jobs {report['jobs']}`. Baseline: {report['baseline']}; both graded "
        "in the same run, interleaved assignment by assignment.",
        "",
        "| | total (s) | gradings | wall per grading (s) | core-s per grading | 200 x 6 (min) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, s in (("baseline", base), ("this tree", new)):
        lines.append(f"| {name} | {s['total_s']:.0f} | {s['gradings']} | {s['per_grading_s']:.2f} | "
                     f"{s['core_s_per_grading']:.2f} | {s['class_200x6_min']:.0f} |")
    lines += ["", f"This tree takes **{new['total_s'] / base['total_s']:.2f}x** the baseline's time. "
              "In a batch, each job keeps one long-lived grader (autograder/batch/worker.py): JAX, the checks, "
              "the drawn inputs and the reference's values and compilations are paid for once per job; every "
              "student is still graded in a fresh sandboxed child of their own. Rerun on a quiet machine: "
              "`python -m benchmarks.class_scale --baseline <other checkout>` (`--quick`: 4 per assignment).", "",
              "| assignment | baseline (s) | this tree (s) | ratio | floor (s) | per grading / floor | scores equal "
              "| peak grader + child + verifier (MB): baseline / this | peak of the whole batch (MB) |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for a, row in report["assignments"].items():
        b, t = row["baseline"], row["this"]
        per = t["wall_s"] * report["jobs"] / report["size"]
        one = _one_grading_mb(t)
        base_one = _one_grading_mb(b)
        lines.append(f"| {a} | {b['wall_s']:.1f} | {t['wall_s']:.1f} | {t['wall_s'] / b['wall_s']:.2f}x | "
                     f"{row['floor_s']:.2f} | {per / row['floor_s']:.1f}x | "
                     f"{'yes' if b['scores'] == t['scores'] else 'NO'} | {base_one:.0f} / {one:.0f} | "
                     f"{t['peak_total_mb']:.0f} |")
    lines += ["", "Per grading / floor: core-seconds per grading in the batch over the floor (a fresh process "
              f"importing JAX and calling the reference once). Peak grader + child + verifier: the largest "
              f"grading process plus the largest sandboxed child and verifier seen (target <= {TARGET_MB:g} MB; the "
              "maxima may come from different moments, so their sum bounds one grading from above; a baseline "
              "run without the verifier's column counts grader and child only). Scores equal: whether both "
              "trees gave every submission the same score; a baseline that is an older grader scores "
              "differently wherever its checks have changed since (new checks, points moved, evidence "
              "the older one could be fooled by), so a NO there compares two gradings, not a fault; "
              "tests/packaging/test_batch_worker.py holds one tree's batch to its gradings alone.", ""]
    if report.get("breakdown"):
        lines += ["## Where one grading's time goes (s)", "",
                  "A correct submission graded twice in one process, timed inside: the first grading pays for "
                  "what a long-lived grader keeps; the second is what each student of a class costs.", ""]
        labels = sorted({k for rows in report["breakdown"].values() for r in rows for k in r} - {"grading", "wall_s"})
        lines += ["| assignment | grading | wall | " + " | ".join(labels) + " |",
                  "| --- | --- | --- | " + " | ".join("---" for _ in labels) + " |"]
        for a, rows in report["breakdown"].items():
            for r in rows:
                lines.append(f"| {a} | {r['grading']} | {r['wall_s']:.2f} | "
                             + " | ".join(f"{r.get(k, 0.0):.2f}" for k in labels) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    from autograder.checks import ASSIGNMENTS

    from .grading_latency import machine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 submissions per assignment, into results/quick/")
    parser.add_argument("--per-assignment", type=int, default=None, help="submissions per assignment (default 12)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a checkout to compare with (default: this tree, one process per submission)")
    parser.add_argument("--assignment", action="append", choices=ASSIGNMENTS)
    parser.add_argument("--no-breakdown", action="store_true")
    args = parser.parse_args(argv)
    size = args.per_assignment or (4 if args.quick else 12)
    assignments = args.assignment or ASSIGNMENTS
    baseline_tree = args.baseline.resolve() if args.baseline else ROOT
    report = {"machine": machine(), "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg()), "size": size,
              "jobs": args.jobs, "assignments": {}, "breakdown": {},
              "baseline": str(args.baseline) if args.baseline else "this tree, one `jaxgrade grade` process each"}
    with tempfile.TemporaryDirectory(prefix="class-scale-") as tmp:
        tmp = Path(tmp)
        for a in assignments:
            folder = build_class(tmp / "class" / a, a, size)
            row = {"floor_s": floor(a)}
            for name, tree, reuse in (("baseline", baseline_tree, args.baseline is not None), ("this", ROOT, True)):
                out = tmp / name
                out.mkdir(exist_ok=True)
                row[name] = grade_class(tree, folder, a, out, jobs=args.jobs, reuse=reuse)
                print(f"{a} {name}: {row[name]['wall_s']:.1f} s", file=sys.stderr, flush=True)
            report["assignments"][a] = row
            if not args.no_breakdown:
                report["breakdown"][a] = breakdown(a, tmp)
    report["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    report["summary"] = {name: summarise({a: r[name] for a, r in report["assignments"].items()}, size, args.jobs)
                         for name in ("baseline", "this")}
    out_dir = RESULTS / "quick" if args.quick else RESULTS
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "class_scale.json").write_text(json.dumps(report, indent=2) + "\n")
    (out_dir / "class_scale.md").write_text(to_markdown(report))
    print(to_markdown(report))


if __name__ == "__main__":
    main()
