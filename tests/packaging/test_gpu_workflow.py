"""The GPU runner's GitHub Actions workflow: valid YAML, pinned actions, the --gpu batch, artifacts.

Parsed here with PyYAML and read as GitHub Actions would read it; no runner runs it in the test suite.
"""
import re

import yaml
from click.testing import CliRunner

from autograder.cli import main
from autograder.packaging.gpu_workflow import render_gpu_workflow

PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def _workflow(assignment="scan_integrator") -> dict:
    return yaml.safe_load(render_gpu_workflow(assignment))


def test_workflow_is_valid_yaml_for_a_self_hosted_gpu_runner():
    flow = _workflow()
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads a bare `on` as True
    assert {"push", "schedule", "workflow_dispatch"} <= set(triggers)
    assert triggers["schedule"][0]["cron"].count(" ") == 4
    (job,) = flow["jobs"].values()
    assert job["runs-on"] == ["self-hosted", "gpu"]
    assert flow["permissions"] == {"contents": "read"}
    assert flow["env"]["ASSIGNMENT"] == "scan_integrator"
    assert "@ASSIGNMENT@" not in render_gpu_workflow("scan_integrator")


def test_every_action_is_pinned_to_a_commit():
    steps = next(iter(_workflow()["jobs"].values()))["steps"]
    used = [s["uses"] for s in steps if "uses" in s]
    assert used, "expected actions in the workflow"
    loose = [u for u in used if not PINNED.match(u)]
    assert not loose, f"expected every action pinned to a full commit sha, these are not: {loose}"


def test_it_installs_the_cuda_extra_refuses_without_a_gpu_grades_with_gpu_and_uploads_everything():
    steps = next(iter(_workflow()["jobs"].values()))["steps"]
    script = "\n".join(s.get("run", "") for s in steps)
    assert '-c constraints.txt -e ".[cuda]"' in script
    assert "platform == 'gpu'" in script, "the job must stop when JAX sees no GPU instead of grading zeros"
    assert re.search(r"jaxgrade grade-batch submissions/ .*--gpu", script)
    upload = next(s for s in steps if "upload-artifact" in s.get("uses", ""))
    assert upload["if"] == "always()"
    paths = upload["with"]["path"].strip().splitlines()
    assert paths == ["grades/${{ env.ASSIGNMENT }}.csv", "grades/${{ env.ASSIGNMENT }}-summary.md",
                     "grades/${{ env.ASSIGNMENT }}-results/"]


def test_jaxgrade_writes_the_workflow(tmp_path):
    result = CliRunner().invoke(main, ["build", "gpu-workflow", "hmc", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = tmp_path / "jaxgrade-gpu-hmc.yml"
    assert written.read_text() == render_gpu_workflow("hmc")
    assert yaml.safe_load(written.read_text())["env"]["ASSIGNMENT"] == "hmc"
