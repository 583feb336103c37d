"""The README opens with the two commands a newcomer copies, and CI runs exactly those.

Before them CI may install system packages with apt-get (Slurm and munge, for
tests/packaging/test_slurm.py), and nothing else: no Python package, no
interpreter, no option of its own.
"""
from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _bash_blocks(text: str) -> list[str]:
    return re.findall(r"^```bash\n(.*?)^```", text, flags=re.M | re.S)


def _ci_blocks() -> list[str]:
    """What .ci/run would run: its own extraction, executed for real."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    definition = script[script.index("block() {"):script.index("\nfor n in")]
    blocks = []
    for n in (1, 2):
        done = subprocess.run(
            ["bash", "-c", f"{definition}\nblock {n}"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        blocks.append(done.stdout)
    return blocks


def test_ci_runs_the_readme_blocks_verbatim():
    assert _ci_blocks() == _bash_blocks(README)[:2]


SYSTEM_PACKAGES = {"slurm-wlm", "munge"}  # what tests/packaging/test_slurm.py starts its cluster from
APT_COMMAND = re.compile(
    r"(DEBIAN_FRONTEND=noninteractive )?apt-get (update|install)( -[-\w]+)*(?P<names>( [a-z0-9][a-z0-9.+-]*)*)"
)


def _commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_ci_installs_only_system_packages_before_the_readme_blocks():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    before = _commands(script[:script.index("block() {")])
    assert before[:2] == ["set -euo pipefail", 'cd "$(dirname "$0")/.."'], before
    apt = before[2:]
    assert apt, "CI should install the system packages the Slurm test needs"
    installed = set()
    for command in apt:
        match = APT_COMMAND.fullmatch(command)
        assert match, f".ci/run runs {command!r} before the README's blocks; only apt-get update/install belong there"
        installed |= set(match["names"].split())
    assert installed == SYSTEM_PACKAGES
    loop = _commands(script[script.index("\nfor n in"):])
    assert loop[0] == "for n in 1 2; do" and loop[-1] == "done", "nothing may run after the README's blocks"


def test_setup_block_works_with_any_python3_and_the_lock():
    setup = _bash_blocks(README)[0]
    words = shlex.split(setup)
    assert words[:3] == ["python3", "-m", "venv"], "the setup must start from the machine's own python3"
    assert "-c" in words and words[words.index("-c") + 1] == "constraints.txt", "install with the lock as constraints"
    sample = Path(words[words.index("grade") + 1])
    assert (ROOT / sample / "expect.json").exists(), f"the README grades {sample}, which is not a corpus case"
    assert "/usr/bin/" not in setup and "pyenv" not in setup


def test_readme_states_a_measured_suite_time():
    assert "@SUITE_TIME@" not in README
    assert re.search(r"The test suite takes about \d+ minutes", README)
