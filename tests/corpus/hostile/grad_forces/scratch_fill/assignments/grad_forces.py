"""Fills the disk at import: 26 files of 60 MiB (1.5 GiB), each under the 64 MiB file size limit.

The grader watches the size of the child's scratch folder and stops the child
once it passes the scratch limit: the import fails with "wrote more than ...
MB", nothing scores, and the disk keeps its space.
"""
import os

block = b"\0" * (1 << 20)
for i in range(26):
    with open(os.path.join(os.environ.get("TMPDIR", "."), f"fill{i}.bin"), "wb") as fh:
        for _ in range(60):
            fh.write(block)
        fh.flush()


def potential_energy(x, m, eps2=0.0, G=1.0):
    return 0.0


def grad_forces(x, m, eps2=0.0, G=1.0):
    return x
