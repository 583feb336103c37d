"""Assignments are discovered from their own files, and an incomplete one is refused, naming what is missing."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder import catalog
from autograder.generate import GenerationError, regenerate
from autograder.generate.rules import assignment_problems
from autograder.generate.scaffold import ScaffoldError, planned_files

REPO = Path(__file__).resolve().parents[2]
SIX = ("grad_forces", "jit_potential", "vmap_forces", "scan_integrator", "hmc", "dtype_audit")


def test_the_six_assignments_are_discovered_in_course_order():
    names = catalog.assignment_names(REPO)
    assert names[: len(SIX)] == SIX, names
    assert "jla" in catalog.shared_modules(REPO) and "jla" not in names
    checks = REPO / "autograder" / "checks"
    assert (checks / "physics").is_dir() and "physics" not in names  # a helper package, no REGISTRY
    assert catalog.get("hmc", REPO).checks == checks / "hmc" / "__init__.py"  # an assignment as a package
    assert catalog.get("grad_forces", REPO).checks == checks / "grad_forces.py"
    assert catalog.get("grad_forces", REPO).title == "Forces by automatic differentiation"


def test_the_committed_assignments_meet_every_rule():
    assert assignment_problems(REPO) == []


def test_registries_belong_to_their_assignment():
    for assignment in catalog.discover(REPO):
        registry = assignment.registry()
        assert registry.assignment == assignment.name and registry.checks, assignment.name
        assert assignment.points == sum(c.points for c in registry.checks) > 0


@pytest.fixture
def root(tmp_path) -> Path:
    """A bare tree holding one complete scaffolded assignment, ``demo``."""
    for folder in ("solutions/handouts", "solutions/public_tests", "autograder/checks"):
        (tmp_path / folder).mkdir(parents=True)
    for path, text in planned_files(name="demo", root=tmp_path).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_scaffolded_assignment_is_complete(root):
    assert catalog.assignment_names(root) == ("demo",)
    assert catalog.get("demo", root).number == 1
    assert assignment_problems(root) == []


@pytest.mark.parametrize(("remove", "named"), [
    ("solutions/handouts/demo.md", "missing handout solutions/handouts/demo.md"),
    ("solutions/public_tests/test_demo.py", "missing public tests solutions/public_tests/test_demo.py"),
    ("autograder/checks/demo.py", "missing checks module autograder/checks/demo.py"),
    ("tests/corpus/correct/demo", "no correct corpus case"),
    ("tests/corpus/wrong/demo", "no wrong corpus case"),
])
def test_regenerate_refuses_an_incomplete_assignment_naming_what_is_missing(root, remove, named):
    target = root / remove
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    for check in (True, False):
        with pytest.raises(GenerationError, match="incomplete") as refused:
            regenerate(root=root, check=check)
        assert named in str(refused.value)


def test_public_test_rules(root):
    tests = root / "solutions" / "public_tests" / "test_demo.py"
    text = tests.read_text().replace("def test_forces_keep_float32", "def test_forces_keep_single")
    tests.write_text(text.replace("def test_energy_matches_reference", "def test_energy_value"))
    problems = "\n".join(assignment_problems(root))
    assert "no test with 'float32' in its name" in problems
    assert "no test with 'reference' in its name" not in problems  # test_forces_match_reference remains
    tests.write_text("def test_only(): pass\n")
    assert "1 tests, at least 4 needed" in "\n".join(assignment_problems(root))


def test_a_solution_module_is_never_skipped_in_silence(root):
    (root / "solutions" / "loader.py").write_text("VALUE = 1\n")
    problems = "\n".join(assignment_problems(root))
    assert "solutions/loader.py: no solution markers" in problems
    assert "missing handout solutions/handouts/loader.md" in problems
    (root / "solutions" / "loader.py").write_text("SHARED_MODULE = True\nVALUE = 1\n")
    assert assignment_problems(root) == []
    assert catalog.shared_modules(root) == ("loader",)


def test_companions_without_a_reference_are_reported(root):
    (root / "solutions" / "demo.py").rename(root / "solutions" / "demo_old.py")
    problems = "\n".join(assignment_problems(root))
    assert "solutions/handouts/demo.md: a handout without a reference" in problems
    assert "autograder/checks/demo.py: a checks module with a REGISTRY but no reference" in problems


def test_checks_as_a_package_are_found_and_an_orphan_package_reported(root):
    checks = root / "autograder" / "checks"
    (checks / "demo").mkdir()
    (checks / "demo.py").rename(checks / "demo" / "__init__.py")
    assert catalog.get("demo", root).checks == checks / "demo" / "__init__.py"
    assert catalog.get("demo", root).diagnosis == checks / "demo" / "diagnosis.py"
    assert assignment_problems(root) == []
    (root / "solutions" / "demo.py").rename(root / "solutions" / "demo_old.py")
    problems = "\n".join(assignment_problems(root))
    assert "autograder/checks/demo/__init__.py: a checks module with a REGISTRY but no reference" in problems


def test_handout_heading_and_numbers(root):
    handout = root / "solutions" / "handouts" / "demo.md"
    handout.write_text("# Demo\n")
    assert "the first line must read '# Assignment <N>: <title>'" in "\n".join(assignment_problems(root))


def test_new_refuses_taken_and_invalid_names(root):
    with pytest.raises(ScaffoldError, match="taken"):
        planned_files(name="demo", root=root)
    for bad in ("Demo", "class", "two words", "_private"):
        with pytest.raises(ScaffoldError, match="identifier"):
            planned_files(name=bad, root=root)
    assert "# Assignment 2:" in planned_files(name="second", root=root)["solutions/handouts/second.md"]


def test_every_command_acts_on_the_course_tree_it_is_run_in(tmp_path):
    """The current folder (or --root) when it is a course tree; None when that is the imported tree already."""
    assert catalog.tree_to_use(None, catalog.PROJECT_ROOT) is None
    assert catalog.tree_to_use(None, tmp_path) is None  # not a course: the installed tree
    (tmp_path / "solutions").mkdir()
    (tmp_path / "autograder" / "checks").mkdir(parents=True)
    assert catalog.tree_to_use(None, tmp_path) == tmp_path.resolve()
    assert catalog.tree_to_use(tmp_path, catalog.PROJECT_ROOT) == tmp_path.resolve()
    with pytest.raises(ValueError, match="not a course tree"):
        catalog.tree_to_use(tmp_path / "solutions", tmp_path)


def test_an_assignments_own_diagnosis_ships_with_its_template(tmp_path):
    from autograder.generate.regenerate import assignment_diagnoses

    (tmp_path / "autograder" / "checks").mkdir(parents=True)
    (tmp_path / "autograder" / "checks" / "demo_diagnosis.py").write_text("def verdict(seen): return None\n")
    shipped = assignment_diagnoses([catalog.Assignment("demo", tmp_path), catalog.Assignment("other", tmp_path)])
    assert shipped == {"tests/jaxgrade_demo_diagnosis.py": b"def verdict(seen): return None\n"}
