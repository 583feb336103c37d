"""Which paths the child may read: the grader's packages and checkout never,
even when they sit inside something the child needs (site-packages)."""
import sys
from pathlib import Path

from autograder.sandbox import fs_policy
from tests.sandbox.conftest import CHECKOUT


def _tree(root: Path) -> None:
    for folder in ("lib/numpy", "lib/secret_pkg", "checkout/.venv/site/jax", "checkout/solutions"):
        (root / folder).mkdir(parents=True)
    (root / "lib/open.py").write_text("")
    (root / "lib/numpy/core.py").write_text("")
    (root / "lib/sneaky").symlink_to(root / "checkout/solutions")


def test_split_grant_skips_hidden_entries_and_links_into_the_checkout(tmp_path):
    _tree(tmp_path)
    hidden, carve = [tmp_path / "lib/secret_pkg"], [tmp_path / "checkout"]
    granted, listed = fs_policy.expand_grant(tmp_path, hidden=hidden, carve=carve)
    assert set(granted) == {tmp_path / "lib/numpy", tmp_path / "lib/open.py"}, (
        f"expected only numpy and open.py granted, saw {sorted(map(str, granted))}")
    assert tmp_path / "lib" in listed, "a folder split around a hidden entry must stay listable for imports"
    assert tmp_path not in listed, "a folder split around the checkout must not be listable"


def test_explicit_grant_inside_the_checkout_is_honoured(tmp_path):
    _tree(tmp_path)
    site = tmp_path / "checkout/.venv/site"
    granted, _ = fs_policy.expand_grant(site, hidden=[], carve=[tmp_path / "checkout"])
    assert granted == [site], f"expected the venv's site-packages granted whole, saw {granted}"


def test_hidden_path_is_never_granted_even_when_asked_for(tmp_path):
    _tree(tmp_path)
    secret = tmp_path / "lib/secret_pkg"
    assert fs_policy.expand_grant(secret, hidden=[secret], carve=[]) == ([], [])


def test_grader_install_hooks_are_recognised(tmp_path):
    checkout = tmp_path / "checkout"
    entries = {
        "__editable__.jaxgrade-0.1.0.pth": "import __editable___jaxgrade_0_1_0_finder",
        "__editable___jaxgrade_0_1_0_finder.py": "MAPPING = {}",
        "jaxgrade-0.1.0.dist-info": None,
        "legacy.pth": f"{checkout}\n",
        "distutils-precedence.pth": "import os; var = 'SETUPTOOLS_USE_DISTUTILS'",
        "numpy": None,
    }
    for name, text in entries.items():
        if text is None:
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_text(text)
    hidden = {p.name for p in fs_policy.hidden_site_entries([tmp_path], checkout)}
    expected = {"__editable__.jaxgrade-0.1.0.pth", "__editable___jaxgrade_0_1_0_finder.py",
                "jaxgrade-0.1.0.dist-info", "legacy.pth"}
    assert hidden == expected, f"expected {sorted(expected)} hidden, saw {sorted(hidden)}"


def test_real_rules_cover_jax_but_not_the_grader(tmp_path):
    rules = fs_policy.build_rules(interpreter=sys.executable, scratch=tmp_path)
    granted = [Path(p) for p in rules["read_execute"] + rules["read_write"]]
    forbidden = [CHECKOUT / "autograder", CHECKOUT / "solutions", CHECKOUT / "tests"]
    inside = [str(p) for p in granted if any(p.is_relative_to(f) for f in forbidden)]
    around = [str(p) for p in granted if CHECKOUT.is_relative_to(p)]
    assert not inside and not around, (
        f"these grants expose the grader: inside it {inside}, around the checkout {around}")
    import jax
    jax_dir = Path(jax.__file__).resolve().parent
    assert any(jax_dir.is_relative_to(p) for p in granted), f"jax at {jax_dir} is not readable"
    assert str(tmp_path.resolve()) in rules["read_write"], rules["read_write"]
