"""docs/authoring.md cannot rot: its Python examples run, in a process with 64-bit mode
off as in the grader (the worked example's commands run in test_scaffold.py)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "authoring.md"


def python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), flags=re.S | re.M)


def test_every_python_example_of_the_guide_runs(tmp_path):
    blocks = python_blocks()
    assert len(blocks) >= 4, "docs/authoring.md lost its examples"
    script = tmp_path / "authoring_examples.py"
    script.write_text("".join(f"# --- example {i + 1} ---\n{block}\n" for i, block in enumerate(blocks)))
    env = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    done = subprocess.run([sys.executable, str(script)], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env=dict(env, JAX_PLATFORMS="cpu", PYTHONPATH=str(REPO)))
    assert done.returncode == 0, f"an example of docs/authoring.md failed:\n{done.stderr[-3000:]}"
    assert "best finite difference" in done.stdout


def test_the_guide_states_every_rule():
    from autograder.generate.rules import MIN_PUBLIC_TESTS, PUBLIC_TEST_KEYWORDS

    text = " ".join(GUIDE.read_text(encoding="utf-8").split())
    assert f"at least {MIN_PUBLIC_TESTS} tests" in text
    for word in PUBLIC_TEST_KEYWORDS:
        assert f"`{word}` in its name" in text
    phrases = ("SHARED_MODULE = True", "# Assignment <N>: <title>", "ctx.reference64", "scores zero", '"score": "full"')
    for phrase in phrases:
        assert phrase in text, phrase
