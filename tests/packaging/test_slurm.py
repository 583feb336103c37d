"""grade-batch --slurm against a real Slurm: a single-node cluster started on this machine.

The fixture starts munged, slurmctld and slurmd on localhost with a generated
key and slurm.conf in a temporary folder (the node declares one GPU so that
``--gres=gpu:1`` can be scheduled; it has none), grades a class of corpus
submissions through it and stops every daemon afterwards. Where Slurm is not
installed (Debian: ``apt-get install slurm-wlm munge``) or the tests do not run
as root, the cluster tests say so and skip.

The class is graded once on Slurm. The local ``grade-batch`` it is compared
with grades two of the submissions (a correct and a wrong one) itself and
reads the others' results files, which covers both halves of "the same
gradebook": the same gradings, and the same gradebook written from them. Every
Slurm-graded row is also checked against its corpus case's expect.json, which
the local grader meets (tests/grading/test_corpus.py).
``JAXGRADE_SLURM_LOCAL_ALL=1`` has the local run grade every submission.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import cli
from autograder.batch import grade as batch
from autograder.batch.grade import default_timeout
from autograder.batch.slurm import SlurmError, _minutes, batch_script, grade_batch_on_slurm
from autograder.batch.slurm_task import main as task_main
from autograder.batch.slurm_task import task_user
from autograder.checks import load_registry
from autograder.packaging.bundle import PROJECT_ROOT
from autograder.vocabulary import BATCH_FIRST_UID, CALL_BUDGET_SECONDS

CORPUS = PROJECT_ROOT / "tests" / "corpus"
ASSIGNMENT = "dtype_audit"
PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel")
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


# ---------------------------------------------------------------- the cluster

def _program(name: str) -> str | None:
    return shutil.which(name, path=SEARCH_PATH)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def slurm_conf(folder: Path, munge_socket: Path) -> str:
    """One node, localhost, 2 CPUs and one (declared, absent) GPU; every file in ``folder``."""
    return f"""\
ClusterName=jaxgrade
SlurmctldHost=localhost
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
AuthType=auth/munge
AuthInfo=socket={munge_socket}
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
MailProg=/bin/true
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
GresTypes=gpu
NodeName=localhost CPUs=2 RealMemory=1024 Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


class LocalSlurm:
    """munged + slurmctld + slurmd on localhost, everything under one folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.daemons: list[subprocess.Popen] = []
        self.env = dict(os.environ, SLURM_CONF=str(folder / "slurm.conf"), PATH=SEARCH_PATH)

    def start(self) -> None:
        munge = self.folder / "munge"
        for sub in ("state", "spool", "munge"):
            (self.folder / sub).mkdir(mode=0o700)
        key = munge / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        socket_path = munge / "munge.socket"
        (self.folder / "slurm.conf").write_text(slurm_conf(self.folder, socket_path))
        # A GPU without a device file is dropped by slurmd; /dev/null stands in for one (no GPU is behind it).
        (self.folder / "gres.conf").write_text("NodeName=localhost Name=gpu Count=1 File=/dev/null\n")
        self._daemon("munged", "--foreground", "--force", f"--key-file={key}", f"--socket={socket_path}",
                     f"--pid-file={munge}/munged.pid", f"--log-file={munge}/munged.log", f"--seed-file={munge}/seed")
        self._wait_for(socket_path.exists, "munged to open its socket")
        conf = str(self.folder / "slurm.conf")
        self._daemon("slurmctld", "-D", "-f", conf)
        self._daemon("slurmd", "-D", "-N", "localhost", "-f", conf)
        self._wait_for(lambda: self.node_state() == "idle", "the node to be idle")

    def _daemon(self, name: str, *args: str) -> None:
        log = open(self.folder / f"{name}.out", "wb")
        self.daemons.append(subprocess.Popen([_program(name), *args], stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, env=self.env))

    def node_state(self) -> str:
        done = self.run("sinfo", "--noheader", "--Node", "--format=%T", check=False)
        return done.stdout.strip()

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(argv, env=self.env, capture_output=True, text=True, check=check, timeout=60)

    def _wait_for(self, ready, what: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not ready():
            exited = [d.args[0] for d in self.daemons if d.poll() is not None]
            if exited or time.monotonic() > deadline:
                raise RuntimeError(f"waiting for {what}: {exited or 'timed out'}\n{self.logs()}")
            time.sleep(0.5)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}"
                         for p in sorted(self.folder.glob("*.out")) + sorted(self.folder.glob("*.log")))

    def stop(self) -> None:
        """Cancel what is left, then stop the daemons, slurmd first, munged last."""
        if any(d.args[0].endswith("slurmctld") and d.poll() is None for d in self.daemons):
            self.run("scancel", f"--user={os.getuid()}", check=False)
            deadline = time.monotonic() + 30
            while self.run("squeue", "--noheader", check=False).stdout.strip() and time.monotonic() < deadline:
                time.sleep(0.5)
        for daemon in reversed(self.daemons):
            if daemon.poll() is None:
                daemon.send_signal(signal.SIGTERM)
                try:
                    daemon.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    daemon.kill()
                    daemon.wait()


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    missing = [name for name in PROGRAMS if _program(name) is None]
    if missing:
        pytest.skip(f"Slurm is not installed here (no {', '.join(missing)}); "
                    "on Debian or Ubuntu: apt-get install slurm-wlm munge")
    if os.geteuid() != 0:
        pytest.skip("starting a Slurm cluster on localhost needs root (slurmd starts each job as its user)")
    cluster = LocalSlurm(tmp_path_factory.mktemp("slurm"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
    leftover = [d.args[0] for d in cluster.daemons if d.poll() is None]
    assert not leftover, f"daemons still running: {leftover}"


# ---------------------------------------------------------------- the class

def make_class(folder: Path) -> list[Path]:
    """6 dtype_audit cases of the corpus (every correct one, then wrong ones), and a .zip that is not a zip."""
    cases = (sorted(CORPUS.glob(f"correct/{ASSIGNMENT}/*")) + sorted(CORPUS.glob(f"wrong/{ASSIGNMENT}/*")))[:6]
    assert len(cases) == 6, cases
    for case in cases:
        shutil.copytree(case, folder / case.name, ignore=shutil.ignore_patterns("expect.json"))
    (folder / "not_a_zip.zip").write_bytes(b"this is not a zip file")
    return cases


def grade_batch_cli(class_dir: Path, csv_path: Path, *options: str, env: dict,
                    assignment: str = ASSIGNMENT) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "autograder.cli", "grade-batch", str(class_dir), "-a", assignment,
            "--csv", str(csv_path), *options]
    done = subprocess.run(argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    return done


def _key(check) -> str:
    """How expect.json and the gradebook's columns name a check: its identifier where checks have one."""
    return getattr(check, "id", check.name)


def read_rows(csv_path: Path) -> dict[str, dict]:
    with open(csv_path, newline="") as fh:
        return {row["submission"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def class_on_slurm(slurm, tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    cases = make_class(root / "class")
    csv_path = root / "slurm" / "gradebook.csv"
    done = grade_batch_cli(root / "class", csv_path, "--slurm", env=slurm.env)
    return root, cases, csv_path, done


@pytest.mark.slow
def test_each_slurm_row_is_what_the_corpus_expects(class_on_slurm):
    _, cases, csv_path, _ = class_on_slurm
    rows = read_rows(csv_path)
    assert sorted(rows) == sorted([c.name for c in cases] + ["not_a_zip"])
    registry = load_registry(ASSIGNMENT)
    for case in cases:
        expect, row = json.loads((case / "expect.json").read_text()), rows[case.name]
        failed = {_key(c) for c in registry.checks if float(row[_key(c)]) < c.points}
        assert failed == set(expect.get("failed", [])), f"{case.name}: failed {sorted(failed)}\n{row['note']}"
    assert float(rows["not_a_zip"]["score"]) == 0 and "zip was not unpacked" in rows["not_a_zip"]["note"]


@pytest.mark.slow
def test_the_slurm_gradebook_is_the_local_gradebook(class_on_slurm, tmp_path):
    root, cases, csv_path, _ = class_on_slurm
    local_results = tmp_path / "local-results"
    local_results.mkdir()
    regraded = {cases[0].name, cases[-1].name}  # a correct and a wrong submission, graded again locally
    if not os.environ.get("JAXGRADE_SLURM_LOCAL_ALL"):
        for results in csv_path.with_name("gradebook-results").glob("*.json"):
            if results.stem not in regraded:
                shutil.copy(results, local_results)
    local_csv = tmp_path / "local.csv"
    batch.grade_batch(directory=root / "class", assignment=ASSIGNMENT, csv_path=local_csv, results_dir=local_results,
                      jobs=2)
    assert local_csv.read_text() == csv_path.read_text()
    assert csv_path.with_name("gradebook-summary.md").read_text().startswith(f"# {ASSIGNMENT}: {len(cases) + 1} ")


@pytest.mark.slow
def test_the_job_id_is_shown_and_each_task_ran_as_a_uid_of_its_own(class_on_slurm):
    _, cases, csv_path, done = class_on_slurm
    assert "Submitted Slurm job " in done.stderr and f"{len(cases) + 1} array tasks" in done.stderr, done.stderr
    assert f"graded: {len(cases) + 1} (0 from an earlier run), not graded: 0" in done.stdout, done.stdout
    uids = [json.loads((csv_path.with_name("gradebook-results") / f"{c.name}.json").read_text())
            ["extra_data"]["protections"]["separate_user"]["uid"] for c in cases]
    assert len(set(uids)) == len(uids) and min(uids) >= int(BATCH_FIRST_UID), uids


@pytest.mark.slow
def test_a_second_run_submits_nothing_and_writes_the_same_gradebook(class_on_slurm, slurm):
    root, cases, csv_path, _ = class_on_slurm
    before = csv_path.read_text()
    done = grade_batch_cli(root / "class", csv_path, "--slurm", env=slurm.env)
    assert "Submitted" not in done.stderr, done.stderr
    assert f"graded: {len(cases) + 1} ({len(cases) + 1} from an earlier run)" in done.stdout, done.stdout
    assert csv_path.read_text() == before


@pytest.mark.slow
def test_gpu_tier_on_slurm_asks_for_a_gpu_and_reports_it_not_run_on_a_node_without_one(slurm, tmp_path):
    class_dir = tmp_path / "class"
    shutil.copytree(CORPUS / "correct" / "scan_integrator" / "kdk_scan_partial_jit", class_dir / "ada")
    csv_path = tmp_path / "gpu.csv"
    started = time.monotonic()
    done = grade_batch_cli(class_dir, csv_path, "--slurm", "--gpu", env=slurm.env, assignment="scan_integrator")
    seconds = time.monotonic() - started
    job_id = json.loads((tmp_path / "gpu-results" / "slurm" / "job.json").read_text())["job_id"]
    asked = slurm.run("squeue", "--noheader", "--states=all", f"--jobs={job_id}", "--format=%b").stdout
    assert "gpu:1" in asked, f"the task did not ask for a GPU: {asked!r}"
    results = json.loads((tmp_path / "gpu-results" / "ada.json").read_text())
    gpu = next(t for t in results["tests"] if t["name"] in {c.name for c in load_registry("scan_integrator").checks
                                                             if c.gpu})
    assert gpu["output"].startswith("Not run: no GPU visible inside the sandbox"), gpu["output"]
    assert gpu["score"] == 0 and results["score"] == results_max(results) - gpu["max_score"]
    assert results["extra_data"]["protections"]["gpu_mode"]["active"], "the sandbox ran in its GPU mode"
    assert float(read_rows(csv_path)["ada"]["score"]) == results["score"], done.stdout
    assert seconds < 120, f"grading with --gpu on a node without one took {seconds:.0f} s"


def _start_cli(class_dir: Path, csv_path: Path, *options: str, env: dict, log: Path) -> subprocess.Popen:
    argv = [sys.executable, "-m", "autograder.cli", "grade-batch", str(class_dir), "-a", ASSIGNMENT,
            "--csv", str(csv_path), "--slurm", *options]
    # Ctrl-C must reach the command as it reaches a user's: a SIGINT ignored by this test process
    # (a disposition some library may leave behind) would be inherited, so the default goes with it.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with open(log, "w") as out:
            return subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    finally:
        signal.signal(signal.SIGINT, previous)


def _wait_for_text(log: Path, text: str, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while text not in log.read_text():
        assert time.monotonic() < deadline, f"waited for {text!r}:\n{log.read_text()}"
        time.sleep(0.5)
    return log.read_text()


def _broken_zip_class(folder: Path) -> Path:
    """One submission that is rejected before any grader starts: the Slurm side alone, in seconds."""
    folder.mkdir()
    (folder / "eve.zip").write_bytes(b"this is not a zip file")
    return folder


@pytest.mark.slow
def test_a_cancelled_task_leaves_its_row_not_graded_and_the_next_run_grades_it(slurm, tmp_path):
    class_dir, csv_path, log = _broken_zip_class(tmp_path / "class"), tmp_path / "held.csv", tmp_path / "first.log"
    first = _start_cli(class_dir, csv_path, "--sbatch-option=--hold", env=slurm.env, log=log)
    _wait_for_text(log, "Submitted Slurm job")
    job_id = json.loads((tmp_path / "held-results" / "slurm" / "job.json").read_text())["job_id"]
    slurm.run("scancel", job_id)
    assert first.wait(timeout=120) == 0, log.read_text()
    row = read_rows(csv_path)["eve"]
    assert row["score"] == "" and f"Slurm task 0 of job {job_id} ended CANCELLED without results" in row["note"], row
    assert "not graded: 1" in log.read_text()
    grade_batch_cli(class_dir, csv_path, "--slurm", env=slurm.env)
    row = read_rows(csv_path)["eve"]
    assert row["score"] == "0" and "zip was not unpacked" in row["note"], row


@pytest.mark.slow
def test_a_run_stopped_while_waiting_leaves_the_job_and_the_next_run_waits_for_it(slurm, tmp_path):
    class_dir, csv_path = _broken_zip_class(tmp_path / "class"), tmp_path / "held.csv"
    first = _start_cli(class_dir, csv_path, "--sbatch-option=--hold", env=slurm.env, log=tmp_path / "first.log")
    _wait_for_text(tmp_path / "first.log", "Submitted Slurm job")
    job_id = json.loads((tmp_path / "held-results" / "slurm" / "job.json").read_text())["job_id"]
    first.send_signal(signal.SIGINT)
    first.wait(timeout=60)
    assert f"Slurm job {job_id} keeps running" in _wait_for_text(tmp_path / "first.log", "keeps running")
    second = _start_cli(class_dir, csv_path, env=slurm.env, log=tmp_path / "second.log")
    _wait_for_text(tmp_path / "second.log", f"Slurm job {job_id} from an earlier run is still running")
    slurm.run("scontrol", "release", job_id)
    assert second.wait(timeout=180) == 0, (tmp_path / "second.log").read_text()
    assert "Submitted" not in (tmp_path / "second.log").read_text(), "a second job was submitted"
    assert read_rows(csv_path)["eve"]["score"] == "0"


def results_max(results: dict) -> float:
    return sum(t["max_score"] for t in results["tests"])


# ---------------------------------------------------------------- without a cluster

def test_the_batch_script_asks_for_a_gpu_only_with_the_gpu_tier(tmp_path):
    common = dict(manifest=tmp_path / "m.json", tasks=3, assignment=ASSIGNMENT, log_folder=tmp_path, minutes=9,
                  partition="gpu", account="phys101", options=("--mem=4G",))
    with_gpu, without = batch_script(**common, gpu=True), batch_script(**common, gpu=False)
    assert "#SBATCH --gres=gpu:1\n" in with_gpu and "--gres" not in without
    for option in ("--array=0-2", "--partition=gpu", "--account=phys101", "--time=9", "--mem=4G"):
        assert f"#SBATCH {option}\n" in with_gpu
    assert with_gpu.splitlines()[-1].endswith(f"-m autograder.batch.slurm_task {tmp_path / 'm.json'}")


def test_each_array_task_has_a_uid_of_its_own():
    manifest = {"run_as": BATCH_FIRST_UID, "tasks": [["a"], ["b"], ["c"]]}
    users = [task_user(manifest, i) for i in range(3)]
    if os.geteuid() == 0:
        assert users == ["61000", "61001", "61002"]
    else:  # no user switch happens, so there is nothing to keep apart
        assert users == [BATCH_FIRST_UID] * 3


def test_the_task_program_refuses_to_run_outside_an_array(monkeypatch, capsys):
    monkeypatch.delenv("SLURM_ARRAY_TASK_ID", raising=False)
    assert task_main(["manifest.json"]) == 2
    assert "SLURM_ARRAY_TASK_ID" in capsys.readouterr().err


DOC = PROJECT_ROOT / "docs" / "slurm.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)


def test_the_docs_commands_use_only_options_grade_batch_has():
    options = {opt for param in cli.main.commands["grade-batch"].params for opt in param.opts}
    commands = _blocks("bash")[0].splitlines()
    assert len(commands) == 2 and all(c.startswith("jaxgrade grade-batch ") and "--slurm" in c for c in commands)
    used = {word.split("=")[0] for c in commands for word in shlex.split(c) if word.startswith("-")}
    assert used - {"--mem"} <= options, used - options


def test_the_docs_show_the_batch_script_that_is_submitted():
    """docs/slurm.md's script is batch_script's, for the docs' second command and folders."""
    results = Path("/shared/phys101/grades/scan_integrator-results")
    registry = load_registry("scan_integrator").for_grading(gpu_tier=True)
    timeout = default_timeout(CALL_BUDGET_SECONDS, registry)
    expected = batch_script(manifest=results / "slurm" / "manifest-k3j9x2qa.json", tasks=180,
                            assignment="scan_integrator", log_folder=results / "slurm", minutes=_minutes(timeout, 1),
                            gpu=True, partition="gpu", account="phys101", options=("--mem=8G",),
                            python="/shared/phys101/jaxgrade/.venv/bin/python")
    assert _blocks("sh") == [expected]
    assert f"{timeout:.0f} s for scan_integrator with its GPU tier" in " ".join(DOC.read_text().split())


def test_without_slurm_the_command_says_where_to_run_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no sbatch on it
    class_dir = _broken_zip_class(tmp_path / "class")
    with pytest.raises(SlurmError, match="`sbatch` was not found: run this on a Slurm login node"):
        grade_batch_on_slurm(directory=class_dir, assignment=ASSIGNMENT, csv_path=tmp_path / "g.csv")
