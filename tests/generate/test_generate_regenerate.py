"""``regenerate``: the committed tree is current, and drift of every kind is found and fixed."""
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder.generate import GenerationError, MarkerError, regenerate
from autograder.generate.fixture_files import fixture_difference, npz_bytes, read_npz
from autograder.generate.regenerate import SHARED_MODULES

REPO = Path(__file__).resolve().parents[2]


def copy_repo(target: Path) -> Path:
    """The parts of the repository that generation reads and writes."""
    # autograder/checks and tests/corpus: the rules every assignment must meet read them.
    for folder in ("solutions", "assignments", "student_template", "autograder/checks", "tests/corpus"):
        shutil.copytree(REPO / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for module in SHARED_MODULES:
        (target / "autograder" / module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / "autograder" / module, target / "autograder" / module)
    return target


def test_committed_tree_is_up_to_date():
    drift = regenerate(root=REPO, check=True)
    assert drift == [], f"generated files differ from solutions/ (run `jaxgrade regenerate`): {drift}"


@pytest.fixture(scope="module")
def drifted(tmp_path_factory):
    """A copy of the repository with a changed reference and hand-made drift.

    Returns the copy and what ``regenerate`` reported before writing,
    while writing, and after writing.
    """
    root = copy_repo(tmp_path_factory.mktemp("repo"))
    reference = root / "solutions" / "grad_forces.py"
    source = reference.read_text(encoding="utf-8")
    old_line = "    return -G * (m @ inverse_distances @ m)\n"
    assert old_line in source, "solutions/grad_forces.py changed: update this test's edit"
    source = source.replace(old_line, "    return -1.5 * G * (m @ inverse_distances @ m)\n")
    source = source.replace("Softened gravitational potential energy", "Softened potential energy (edited)")
    reference.write_text(source, encoding="utf-8")

    (root / "assignments" / "leftover.py").write_text("stale = True\n")
    (root / "student_template" / "tests" / "old").mkdir()
    (root / "student_template" / "tests" / "old" / "test_old.py").write_text("def test_old(): pass\n")
    (root / "student_template" / "handouts" / "hmc.md").unlink()
    # Rounding noise far below the tolerance, in a file whose bytes now differ.
    fixture_path = root / "student_template" / "tests" / "fixtures" / "vmap_forces.npz"
    arrays = read_npz(fixture_path.read_bytes())
    arrays["forces"] = arrays["forces"] * (1 + 1e-13)
    np.savez(fixture_path, **arrays)

    before = regenerate(root=root, check=True)
    written = regenerate(root=root)
    after = regenerate(root=root, check=True)
    return root, before, written, after


EXPECTED_DRIFT = sorted([
    "assignments/grad_forces.py",
    "assignments/leftover.py",
    "student_template/assignments/grad_forces.py",
    "student_template/handouts/hmc.md",
    "student_template/notebooks/grad_forces.ipynb",  # the handout notebook carries the stub's docstring
    "student_template/tests/fixtures/grad_forces.npz",
    "student_template/tests/old/test_old.py",
])


@pytest.mark.slow
def test_check_reports_exactly_the_drift(drifted):
    _, before, _, _ = drifted
    assert before == EXPECTED_DRIFT


@pytest.mark.slow
def test_regenerate_writes_the_drift_and_is_then_clean(drifted):
    root, _, written, after = drifted
    assert written == EXPECTED_DRIFT
    assert after == []
    assert not (root / "assignments" / "leftover.py").exists()
    assert not (root / "student_template" / "tests" / "old").exists()
    handout = (root / "student_template" / "handouts" / "hmc.md").read_text(encoding="utf-8")
    source = (REPO / "solutions" / "handouts" / "hmc.md").read_text(encoding="utf-8")
    assert handout.startswith(source.split("| Check | Points")[0].rstrip()[:200])
    assert "| Check | Points |" in handout  # the registry's points table, added to "How it is graded"


@pytest.mark.slow
def test_changed_reference_changes_stub_and_fixture(drifted):
    root, _, _, _ = drifted
    for folder in ("assignments", "student_template/assignments"):
        stub = (root / folder / "grad_forces.py").read_text(encoding="utf-8")
        assert "Softened potential energy (edited)" in stub
        assert "-1.5 * G" not in stub
    new = read_npz((root / "student_template/tests/fixtures/grad_forces.npz").read_bytes())
    old = read_npz((REPO / "student_template/tests/fixtures/grad_forces.npz").read_bytes())
    np.testing.assert_allclose(new["potential"], 1.5 * old["potential"], rtol=1e-12)
    np.testing.assert_allclose(new["forces"], 1.5 * old["forces"], rtol=1e-12)
    np.testing.assert_array_equal(new["x"], old["x"])


def test_broken_marker_stops_generation_with_file_and_line(tmp_path):
    root = copy_repo(tmp_path)
    reference = root / "solutions" / "vmap_forces.py"
    lines = reference.read_text(encoding="utf-8").splitlines(keepends=True)
    end_line = next(i for i, line in enumerate(lines) if line.strip() == "# END SOLUTION")
    del lines[end_line]
    reference.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(MarkerError, match=r"solutions/vmap_forces\.py:\d+: (unterminated|nested)"):
        regenerate(root=root, check=True)


def test_missing_handout_is_named(tmp_path):
    root = copy_repo(tmp_path)
    (root / "solutions" / "handouts" / "hmc.md").unlink()
    with pytest.raises(GenerationError, match=r"hmc: missing handout solutions/handouts/hmc\.md"):
        regenerate(root=root, check=True)


def test_stub_that_does_not_import_is_named(tmp_path):
    root = copy_repo(tmp_path)
    reference = root / "solutions" / "dtype_audit.py"
    source = reference.read_text(encoding="utf-8")
    assert "import jax.numpy as jnp\n" in source and "dtype=jnp.float64" in source
    # The default argument needs jnp when the stub is imported.
    reference.write_text(source.replace("import jax.numpy as jnp\n", "import jax.numpy as jnp  # SOLUTION\n", 1))
    with pytest.raises(GenerationError, match=r"assignments/dtype_audit\.py: the generated stub does not import"):
        regenerate(root=root, check=True)


def test_npz_bytes_are_reproducible_and_loadable():
    arrays = {"b": np.arange(3.0), "a": np.asarray("text"), "c": np.asarray(True)}
    first, second = npz_bytes(arrays), npz_bytes(dict(reversed(list(arrays.items()))))
    assert first == second
    loaded = read_npz(first)
    assert sorted(loaded) == ["a", "b", "c"]
    np.testing.assert_array_equal(loaded["b"], arrays["b"])
    assert str(loaded["a"]) == "text"


@pytest.mark.parametrize(
    ("change", "reported"),
    [
        (lambda a: {**a, "x": a["x"] * (1 + 1e-12)}, None),
        (lambda a: {**a, "x": a["x"] * (1 + 1e-6)}, "x: values changed"),
        (lambda a: {**a, "x": a["x"].astype(np.float32)}, "x: float32"),
        (lambda a: {**a, "x": a["x"][:2]}, "x: float64[2]"),
        (lambda a: {k: v for k, v in a.items() if k != "n"}, "arrays"),
        (lambda a: {**a, "n": np.int64(4)}, "n: values changed"),
        (lambda a: {**a, "label": np.asarray("abcd")}, "label: values changed"),
    ],
    ids=["rounding-noise", "changed-value", "dtype", "shape", "missing-key", "integer", "string"],
)
def test_fixture_difference(change, reported):
    old = {"x": np.asarray([1.0, -2.0, 3e-17]), "n": np.int64(3), "label": np.asarray("name")}
    message = fixture_difference(change(old), old)
    if reported is None:
        assert message is None
    else:
        assert message is not None and reported in message, message


def test_fixtures_are_computed_again_whenever_an_input_changes(tmp_path):
    """The per-process memo of fixtures is keyed on every byte the worker reads, never on the folder alone."""
    from autograder.generate.regenerate import _inputs_digest

    root = copy_repo(tmp_path)
    stubs = {"grad_forces.py": b"def f(): pass\n"}
    first = _inputs_digest(root, stubs)
    assert _inputs_digest(root, stubs) == first
    assert _inputs_digest(root, {"grad_forces.py": b"def f(): return 1\n"}) != first
    reference = root / "solutions" / "grad_forces.py"
    reference.write_text(reference.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    edited = _inputs_digest(root, stubs)
    assert edited != first
    checks = next((root / "autograder" / "checks").rglob("*.py"))
    checks.write_text(checks.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    both_edited = _inputs_digest(root, stubs)
    assert both_edited != edited
    (root / "solutions" / "__pycache__").mkdir(exist_ok=True)
    (root / "solutions" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert _inputs_digest(root, stubs) == both_edited, "bytecode caches are not inputs"
