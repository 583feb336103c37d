"""Loader for the JLA binned supernova distance moduli.

The data are the 31 redshift bins of the JLA type Ia supernova sample and
their covariance (Betoule et al. 2014, A&A 568, A22, Appendix E), stored in
``data/jla/`` next to this file:

- ``jla_mub.txt``: 31 rows ``z mu``;
- ``jla_mub_covmatrix.txt``: the 31 x 31 covariance of ``mu``, 961 numbers,
  one per line, row-major.
"""
from pathlib import Path

import numpy as np

SHARED_MODULE = True  # students receive this loader unchanged: it is not an assignment
DATA_DIR = Path(__file__).parent / "data" / "jla"
N_BINS = 31


def load_jla():
    """Return the JLA binned distance moduli and their covariance.

    Returns:
        ``(z, mu, cov)`` as float64 NumPy arrays of shapes (31,), (31,) and
        (31, 31): bin redshifts, distance moduli (mag) and their covariance
        (mag^2).
    """
    table = np.loadtxt(DATA_DIR / "jla_mub.txt", dtype=np.float64, ndmin=2)
    covariance = np.loadtxt(DATA_DIR / "jla_mub_covmatrix.txt", dtype=np.float64)
    if table.shape != (N_BINS, 2) or covariance.size != N_BINS**2:
        raise ValueError(
            f"expected {N_BINS} rows of 'z mu' and {N_BINS**2} covariance entries in "
            f"{DATA_DIR}, found a {table.shape} table and {covariance.size} entries; "
            "restore the data files shipped with the course"
        )
    return table[:, 0].copy(), table[:, 1].copy(), covariance.reshape(N_BINS, N_BINS)
