"""The public tests in the student template: they fail on the stubs with a
clear "not implemented yet", pass on the references, and catch typical
mistakes. Each run is plain ``pytest`` in a copy of ``student_template/``."""
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from autograder.checks import ASSIGNMENTS
from autograder.generate.rules import MIN_PUBLIC_TESTS, PUBLIC_TEST_KEYWORDS

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "student_template"


def run_public_tests(template: Path, report: Path) -> dict[str, str | None]:
    """Run pytest in ``template``; test id -> failure message (None if it passed)."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"],
        cwd=template, capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "HOME": str(template), "JAX_PLATFORMS": "cpu"},
    )
    assert report.exists(), f"pytest did not run:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    outcomes = {}
    for case in ElementTree.parse(report).iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if case.find("skipped") is not None:
            outcomes[test_id] = "skipped"
        else:
            outcomes[test_id] = None if problem is None else (problem.get("message") or "") + (problem.text or "")
    return outcomes


def template_copy(target: Path, *, references: dict[str, str] | None = None) -> Path:
    shutil.copytree(TEMPLATE, target, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    for name, source in (references or {}).items():
        (target / "assignments" / f"{name}.py").write_text(source, encoding="utf-8")
    return target


def reference_sources() -> dict[str, str]:
    return {name: (REPO / "solutions" / f"{name}.py").read_text(encoding="utf-8") for name in ASSIGNMENTS}


@pytest.fixture(scope="module")
def stub_outcomes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stubs")
    return run_public_tests(template_copy(folder / "template"), folder / "report.xml")


@pytest.fixture(scope="module")
def reference_outcomes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("references")
    template = template_copy(folder / "template", references=reference_sources())
    return run_public_tests(template, folder / "report.xml")


def test_every_public_test_fails_on_the_stubs_as_not_implemented(stub_outcomes):
    assert len(stub_outcomes) >= MIN_PUBLIC_TESTS * len(ASSIGNMENTS)
    for test_id, message in stub_outcomes.items():
        assert message is not None and message != "skipped", f"{test_id} passed on an unchanged stub"
        assert "Not implemented yet" in message, f"{test_id} failed without saying so:\n{message[:800]}"


def test_every_public_test_passes_on_the_references(reference_outcomes, stub_outcomes):
    assert sorted(reference_outcomes) == sorted(stub_outcomes)
    failures = {test_id: message for test_id, message in reference_outcomes.items() if message is not None}
    assert not failures, "public tests fail on the references:\n" + "\n\n".join(
        f"{test_id}:\n{message[:1500]}" for test_id, message in failures.items()
    )


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_each_assignment_checks_values_and_dtypes(name, stub_outcomes):
    tests = [test_id.split("::")[-1] for test_id in stub_outcomes if test_id.startswith(f"tests.test_{name}::")]
    # The rules of autograder/generate/rules.py (docs/authoring.md), held here on the tests pytest collected.
    for word in PUBLIC_TEST_KEYWORDS:  # "reference": compares with the fixture; "float32": float32 in, out
        assert any(word in test for test in tests), f"{name}: no test with {word!r} in its name"
    assert len(tests) >= MIN_PUBLIC_TESTS, f"{name}: only {tests}"


# Typical mistakes, made by editing the references. Each must fail the named
# public test, with a message that is not "not implemented".
MISTAKES = {
    "grad_forces": (
        "safe_r2 = jnp.where(mask, r2, jnp.ones_like(r2))",
        "safe_r2 = r2  # single where",
        "test_grad_forces::test_derivatives_finite_at_zero_softening",
    ),
    "jit_potential": (
        "@jax.jit  # SOLUTION\ndef potential_energy_jit",
        "@functools.partial(jax.jit, static_argnames=('eps2', 'G'))\ndef potential_energy_jit",
        "test_jit_potential::test_new_parameters_reuse_the_compiled_program",
    ),
    "vmap_forces": (
        "pair_forces = over_i_and_j(x, x, m, m, index, index)",
        "pair_forces = jnp.stack([over_j(x[i], x, m[i], m, i, index) for i in range(x.shape[0])])",
        "test_vmap_forces::test_traced_program_does_not_grow_with_n",
    ),
    "scan_integrator": (
        "return jax.lax.scan(step, state0, length=n_steps)",
        "states = [state0]\n"
        "    for _ in range(n_steps):\n"
        "        states.append(leapfrog_step(states[-1], dt, accel_fn))\n"
        "    return states[-1], jax.tree_util.tree_map(lambda *a: jax.numpy.stack(a), *states[1:])",
        "test_scan_integrator::test_built_on_scan",
    ),
    "hmc": (
        "(theta, p, _), _ = jax.lax.scan(step, carry, length=n_leapfrog)\n    return theta, p\n",
        "(theta, p, _), _ = jax.lax.scan(step, carry, length=n_leapfrog)\n"
        "    return theta, p + step_size * grad_log_prob(theta)  # one kick too many\n",
        "test_hmc::test_run_chain_matches_reference",
    ),
    "dtype_audit": (
        "return jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.complexfloating)",
        "return dtype in (jnp.float16, jnp.float32, jnp.float64)",
        "test_dtype_audit::test_low_precision_paths_match_reference",
    ),
}


@pytest.mark.slow
def test_public_tests_catch_typical_mistakes(tmp_path):
    sources = reference_sources()
    for name, (old, new, _) in MISTAKES.items():
        assert old in sources[name], f"solutions/{name}.py changed: update the mistake made in this test"
        sources[name] = sources[name].replace(old, new)
    sources["jit_potential"] = "import functools\n" + sources["jit_potential"]
    outcomes = run_public_tests(template_copy(tmp_path / "template", references=sources), tmp_path / "report.xml")
    for name, (_, _, expected_failure) in MISTAKES.items():
        test_id = "tests." + expected_failure
        message = outcomes[test_id]
        assert message is not None, f"{test_id} passed although {name} has a typical mistake"
        assert "Not implemented yet" not in message
