"""The child's XLA flags: faster compiles where they were tested, nothing XLA could abort on elsewhere."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import xla_flags
from autograder.sandbox import Limits
from autograder.sandbox.session import ChildSession
from tests.sandbox.conftest import stage_toy_module

ROOT = Path(__file__).resolve().parents[2]

MODULE = '''
import os

import jax
import jax.numpy as jnp


def flags_and_value(n):
    """The XLA_FLAGS this process runs with, and a compiled reduction to show XLA took them."""
    value = jax.jit(lambda x: jnp.sum(jnp.sin(x) ** 2))(jnp.arange(n, dtype=jnp.float32))
    return os.environ.get("XLA_FLAGS"), float(value)
'''


def test_the_compile_flags_go_only_to_a_tested_jaxlib_and_never_to_the_gpu_tier(monkeypatch):
    fast = " ".join(xla_flags.THREAD_FLAGS + xla_flags.COMPILE_FLAGS)
    threads_only = " ".join(xla_flags.THREAD_FLAGS)

    def flags_with(version, *, gpu=False):
        monkeypatch.setattr(xla_flags, "installed_jaxlib", lambda: version)
        return xla_flags.child_xla_flags(gpu=gpu)

    assert flags_with("0.10.2") == fast
    assert flags_with("0.10.2", gpu=True) == threads_only
    for untested in ("0.1.0", "1.10.0", "0.11.0", "0.100.1"):  # XLA may abort on a flag it does not know
        assert flags_with(untested) == threads_only, untested
    assert flags_with("") == threads_only and flags_with(None) == threads_only  # no version known
    assert xla_flags.compile_flags_known(None) is False


def test_every_locked_jaxlib_is_one_the_compile_flags_were_tested_with():
    """When the lock moves to a new jaxlib, rerun this module and the corpus, then add its version."""
    locked = set(re.findall(r"^jaxlib==([^\s;]+)", (ROOT / "constraints.txt").read_text(), flags=re.M))
    assert locked, "constraints.txt pins no jaxlib"
    untested = sorted(v for v in locked if not xla_flags.compile_flags_known(v))
    assert not untested, (f"jaxlib {untested} is locked but COMPILE_FLAGS were tested only with "
                          f"{xla_flags.COMPILE_FLAGS_TESTED}: check the flags with it (this module, the corpus), "
                          "then add it to COMPILE_FLAGS_TESTED in autograder/sandbox/xla_flags.py")


def _jax_with_flags(flags: str) -> subprocess.CompletedProcess:
    code = "import jax, jax.numpy as jnp; print(float(jax.jit(lambda x: (x * x).sum())(jnp.arange(4.0))))"
    env = dict(os.environ, XLA_FLAGS=flags, JAX_PLATFORMS="cpu")
    return subprocess.run([sys.executable, "-I", "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_xla_aborts_on_an_unknown_flag_which_is_why_the_flags_are_version_gated():
    aborted = _jax_with_flags("--xla_jaxgrade_no_such_flag=true")
    assert aborted.returncode != 0 and "Unknown flag" in aborted.stderr, aborted.stderr[-2000:]


@pytest.mark.slow
def test_a_sandboxed_child_runs_with_the_flags_and_computes_the_same_value(tmp_path_factory, sandbox_uid):
    staged = stage_toy_module(tmp_path_factory, MODULE)
    run_as = str(sandbox_uid) if sandbox_uid is not None else None
    call = {"op": "call", "module": "toy", "function": "flags_and_value", "args": [1000], "kwargs": {},
            "transforms": []}
    with ChildSession(staged_dir=staged, limits=Limits(), run_as=run_as) as session:
        session.request({"op": "import", "module": "toy"}, timeout=120)
        flags, value = session.request(call, timeout=60)["__tuple__"]  # plain data, as the codec sends it
    assert flags == xla_flags.child_xla_flags(gpu=False)
    if xla_flags.compile_flags_known(xla_flags.installed_jaxlib()):
        assert all(flag in flags for flag in xla_flags.COMPILE_FLAGS)
    import numpy as np

    expected = float(np.sum(np.sin(np.arange(1000, dtype=np.float32)) ** 2, dtype=np.float64))
    assert value == pytest.approx(expected, rel=1e-5)  # float32: the same sum, up to rounding


def test_the_grader_gets_the_compile_flags_unless_its_environment_sets_xla_flags(monkeypatch):
    monkeypatch.setattr(xla_flags, "installed_jaxlib", lambda: "0.10.2")
    monkeypatch.setattr(xla_flags, "accelerator_plugin_installed", lambda: False)
    fast = " ".join(xla_flags.COMPILE_FLAGS)
    assert xla_flags.grader_xla_flags(gpu=False, environ={}) == fast
    assert xla_flags.grader_xla_flags(gpu=True, environ={}) is None
    assert xla_flags.grader_xla_flags(gpu=False, environ={"XLA_FLAGS": ""}) is None  # the instructor's, even empty
    monkeypatch.setattr(xla_flags, "accelerator_plugin_installed", lambda: True)  # its JAX may pick a GPU
    assert xla_flags.grader_xla_flags(gpu=False, environ={}) is None
    assert xla_flags.grader_xla_flags(gpu=False, environ={"JAX_PLATFORMS": "cpu"}) == fast
    monkeypatch.setattr(xla_flags, "installed_jaxlib", lambda: "0.99.0")
    assert xla_flags.grader_xla_flags(gpu=False, environ={"JAX_PLATFORMS": "cpu"}) is None


def test_jaxgrade_grade_gives_its_own_jax_the_grader_flags(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from autograder import cli

    expected = xla_flags.grader_xla_flags(gpu=False, environ={})
    monkeypatch.setenv("XLA_FLAGS", "")  # recorded, so that what the command sets is undone after the test
    monkeypatch.delenv("XLA_FLAGS")
    seen = {}

    def fake_grade(**kwargs):
        seen["flags"] = os.environ.get("XLA_FLAGS")
        raise RuntimeError("stop here")

    monkeypatch.setattr(cli, "grade_submission", fake_grade)
    outcome = CliRunner().invoke(cli.main, ["grade", str(tmp_path), "--assignment", "grad_forces",
                                            "--results", str(tmp_path / "results.json")])
    assert seen == {"flags": expected}, outcome.output


@pytest.mark.parametrize("gpu", [False, True])
def test_the_batch_worker_process_gives_its_own_jax_the_grader_flags(gpu):
    """The worker decides in its own interpreter (its jaxlib), before JAX starts, as `jaxgrade grade` does."""
    code = ("import os, sys; from autograder.batch.worker import serve; serve(1, gpu=sys.argv[1] == '1'); "
            "import jax; jax.numpy.zeros(1).block_until_ready(); print(os.environ.get('XLA_FLAGS'))")
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    done = subprocess.run([sys.executable, "-c", code, "1" if gpu else "0"], env=dict(env, JAX_PLATFORMS="cpu"),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    expected = None if gpu else xla_flags.grader_xla_flags(gpu=False, environ={"JAX_PLATFORMS": "cpu"})
    assert done.stdout.strip().splitlines()[-1] == str(expected)
