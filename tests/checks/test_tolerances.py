"""One tolerance module, one finiteness checker: the assignments read their numbers from it."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.checking import tolerances
from autograder.checking.verdicts import Fail
from autograder.checks import grad_forces, jit_potential, vmap_forces
from autograder.checks.physics import nbody_evidence
from autograder.checks.scan_integrator import evidence as scan_evidence
from autograder.shipped import diagnosis


def test_the_finiteness_verdict_says_how_many_where_and_how_to_fix():
    value = np.array([[1.0, np.nan], [np.inf, 2.0]])
    assert tolerances.first_non_finite(value) == (0, 1)
    assert tolerances.first_non_finite(np.ones(3)) is None
    with pytest.raises(Fail) as failed:
        tolerances.require_finite_array(value, what="forces", fix="Mask the self-pair.")
    assert str(failed.value) == ("forces: expected finite values, got 2 NaN/inf entries, the first at index (0, 1). "
                                 "How to fix: Mask the self-pair.")
    tolerances.require_finite_array([1.0, 2.0], what="forces", fix="")  # a list is one array


def test_the_assignments_use_the_shared_numbers():
    assert tolerances.FLOAT32 == diagnosis.FLOAT32_TOLERANCE == 1e-5  # the public tests read the shipped one
    for module in (grad_forces, jit_potential, vmap_forces):
        assert module.VALUE_TOLERANCE == tolerances.VALUES == 1e-12, module.__name__
        assert module.FLOAT32_TOLERANCE == tolerances.FLOAT32, module.__name__
    assert grad_forces.JIT_TOLERANCE == tolerances.JIT == 1e-10
    for value in (grad_forces.AUTODIFF_TOLERANCE, vmap_forces.SCALED_TOLERANCE, nbody_evidence.CONSISTENCY_TOLERANCE,
                  scan_evidence.CONSISTENCY_TOLERANCE):
        assert value == tolerances.CONSISTENCY == 1e-9
