"""The grader's side of the verifier: start it, send it programs, bound what they cost.

One verifier per grading, started when the first export is requested (so its
JAX import overlaps the child's export) and reused for every program. Each
request runs under the call budget, enforced here: a program that spins is
killed with its process at the deadline, one that eats memory meets the
verifier's own limit (``MEMORY_BYTES``, RLIMIT_DATA and a cgroup) and kills
only the verifier. Either way the student function that program came from is
not run again in this grading, so a hostile program costs at most one budget
per exported function, and the grader's own memory never holds more than the
plain data that comes back.

The verifier also draws the inputs programs are checked on (``rng``), from
32 random bytes drawn per grading in the grader's process (never sent
anywhere) mixed with a digest of the staged submission. A digest alone would
not do: the child can read its own files, so at import it could compute the
inputs and tabulate the reference's answers to them in the program it
exports. The price is that two gradings of the same files run the programs
on different inputs; an honest program passes on any of them.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from ..child import codec
from ..sandbox.session import ChildCrashed, ChildError, ChildSession, ChildTimeout
from ..sandbox.spawn import GiB, Limits, MiB

RUNTIME = Path(__file__).resolve().parent / "runtime"
CODEC = Path(codec.__file__).resolve()
PACKAGE = "jaxgrade_verifier"
BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    f"from {PACKAGE}.server import main; main(sys.argv[2:])"
)
VERIFIER_RUN_AS = "65533:65533"  # a user of its own (numeric, no passwd entry needed): see verifier_user
MEMORY_BYTES = 2 * GiB  # import jax and a small compiled program need ~400 MB
STARTUP_SECONDS = 60.0  # Python and JAX imports on a loaded machine; no student bytes are involved yet


class VerifierUnavailable(ChildError):
    """The program was not run: it, or an earlier program of the same function, used up the verifier."""


class VerifierSession(ChildSession):
    """A ChildSession whose runtime is the verifier's server and that carries no submission."""

    def __init__(self, *, run_as: str | None = VERIFIER_RUN_AS, limits: Limits | None = None):
        limits = limits or Limits(memory_bytes=MEMORY_BYTES, fsize_bytes=8 * MiB)
        super().__init__(staged_dir=None, limits=limits, run_as=run_as)

    def _install(self, scratch: Path) -> tuple[str, Path, list[str]]:
        package = scratch / "runtime" / PACKAGE
        shutil.copytree(RUNTIME, package, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(CODEC, package / "codec.py")
        (package / "__init__.py").touch()
        return BOOTSTRAP, scratch / "runtime", []


class Verifier:
    """The verifier process of one grading (started lazily, restarted after a crash, closed by grading)."""

    def __init__(self, *, run_as: str | None = VERIFIER_RUN_AS, seed_material: bytes = b"",
                 limits: Limits | None = None, secret: bytes | None = None):
        self.session = VerifierSession(run_as=run_as, limits=limits)
        self.seed_material = bytes(seed_material)
        self.secret = os.urandom(32) if secret is None else bytes(secret)  # unknown to the submission
        self.spent: dict[str, str] = {}  # function -> why its programs are not run again
        self._ready_start = 0  # the session start that answered a ping

    def start(self) -> None:
        """Start the process if it is not running; returns once it exec'd, while it still imports JAX."""
        if not self.session.alive:
            self.session.close()
            self.session.start()

    def request(self, message: dict, *, function: str, budget: float):
        """One request about a program of ``function``; its reply's value, or StudentError/ChildError."""
        if function in self.spent:
            raise VerifierUnavailable(self.spent[function])
        self.start()
        if self._ready_start != self.session.starts:
            try:
                self.session.request({"op": "ping"}, timeout=max(2 * budget, STARTUP_SECONDS))
            except ChildError as exc:  # before any program arrived: the grader's trouble, not the student's
                self.session.close()
                raise VerifierUnavailable(f"the grader's program verifier did not start ({exc})") from None
            self._ready_start = self.session.starts
        try:
            return self.session.request(message, timeout=budget)
        except ChildTimeout:
            self.spent[function] = (f"a program exported from your {function} did not finish within its "
                                    f"{budget:.0f} s budget earlier; no other program of it is run")
            raise
        except ChildCrashed:
            self.spent[function] = (f"a program exported from your {function} stopped the process running it "
                                    "earlier (often: more memory than the limit); no other program of it is run")
            # For the instructor (run_autograder's stderr): what the verifier said before it stopped.
            print(f"verifier stopped on a program of {function}:\n{self.session.output_tail()[-2000:]}",
                  file=sys.stderr)
            raise

    def rng(self, label: str) -> np.random.Generator:
        """A generator for ``label``'s inputs, unknown to the submission in advance."""
        digest = hashlib.sha256(self.secret + self.seed_material + b"\0" + label.encode("utf-8")).digest()
        return np.random.default_rng(int.from_bytes(digest[:16], "little"))

    def close(self) -> None:
        self.session.close()
        self.session.discard_output()


def verifier_user(child_run_as: str | None) -> str | None:
    """The user the verifier runs as: its own when the child gets one, else none (as the child).

    Not the child's user: the kernel counts threads per user (RLIMIT_NPROC), and
    a verifier sharing the child's would eat the child's allowance, and the
    child could signal it.
    """
    return VERIFIER_RUN_AS if child_run_as else None


def wanted_by(registry) -> bool:
    """Whether the assignment's checks read exported programs (their module sets ``USES_EXPORTED_PROGRAMS``)."""
    modules = {check.fn.__module__ for check in registry.checks}
    return any(getattr(sys.modules.get(name), "USES_EXPORTED_PROGRAMS", False) for name in modules)


def submission_digest(root: Path) -> bytes:
    """SHA-256 over every file of the staged submission (names and contents, in a fixed order)."""
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            digest.update(str(path.relative_to(root)).encode("utf-8", "surrogateescape") + b"\0")
            if path.is_file() and not path.is_symlink():
                digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.digest()
