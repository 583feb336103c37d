"""The request loop that runs inside the sandboxed child.

It imports the student's modules, calls their functions on inputs the grader
sends, and sends back plain data. It never sees expected values, thresholds,
hidden checks or reference solutions: the grader decides, the child measures.

Started as ``python -I -c <bootstrap> REQUEST_FD REPLY_FD SUBMISSION_DIR``.
"""
from __future__ import annotations

import importlib
import os
import sys
import time
import traceback

MAX_MESSAGE_CHARS = 4000
MAX_TRACEBACK_FRAMES = 12


def _configure_jax():
    import jax

    # The contract: 64-bit mode is on before any submission is imported, and
    # float32 matrix products are exact (no TF32) so GPU runs grade like CPU runs.
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_default_matmul_precision", "highest")
    return jax


def describe_devices() -> list:
    """The devices JAX sees in this sandbox: ``[{"platform", "kind"}]`` (platform "gpu" for CUDA)."""
    import jax

    return [{"platform": str(d.platform), "kind": str(getattr(d, "device_kind", ""))[:80]} for d in jax.devices()]


def _clean_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Printable text only, capped: exception messages may hold hostile bytes."""
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else "?" for ch in str(text))
    return text if len(text) <= limit else text[: limit - 20] + " ... [truncated]"


def describe_exception(exc: BaseException, submission_dir: str) -> dict:
    """The exception as data, with the traceback trimmed to the student's own files."""
    frames = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(frame.filename).startswith(submission_dir + os.sep):
            rel = os.path.relpath(frame.filename, submission_dir)
            frames.append(f'  File "{rel}", line {frame.lineno}, in {frame.name}\n    {frame.line or ""}'.rstrip())
    try:
        # Scratch paths differ every run; without them the same submission gets the same text.
        message = str(exc).replace(submission_dir + os.sep, "").replace(os.path.dirname(submission_dir), "<sandbox>")
    except Exception:
        message = "<message could not be converted to text>"
    return {
        "type": _clean_text(type(exc).__name__, 200),
        "message": _clean_text(message),
        "traceback": _clean_text("\n".join(frames[-MAX_TRACEBACK_FRAMES:])),
    }


class Server:
    def __init__(self, submission_dir: str):
        self.submission_dir = os.path.abspath(submission_dir)
        self.modules: dict = {}

    def module(self, name: str):
        if name not in self.modules:
            if not name.isidentifier():
                raise ValueError(f"not a module name: {name!r}")
            self.modules[name] = importlib.import_module(f"assignments.{name}")
        return self.modules[name]

    def handle(self, request: dict):
        from . import codec, notebook_loader, probes, programs

        op = request.get("op")
        if op == "ping":
            return "pong"
        if op == "import":
            devices = describe_devices()  # before the student's code runs, so it cannot rewrite the answer
            start = time.perf_counter()
            self.module(request["module"])
            seconds = time.perf_counter() - start
            cell_errors = notebook_loader.cell_errors(request["module"])  # a notebook's failing cells
            return {"seconds": seconds, "devices": devices, "cell_errors": cell_errors}
        resolve = probes.Resolver(self).resolve
        args = [resolve(a) for a in request.get("args", [])]
        kwargs = {str(k): resolve(v) for k, v in request.get("kwargs", {}).items()}
        if op == "call":
            fn = getattr(self.module(request["module"]), request["function"])
            fn = probes.apply_transforms(fn, request.get("transforms", []))
            return codec.encode_value(probes.block(fn(*args, **kwargs)))
        if op == "program":
            program = programs.get(request["name"])
            mod = self.module(request["module"]) if request.get("module") else None
            return codec.encode_value(probes.block(program(mod, *args, **kwargs)))
        raise ValueError(f"unknown op {op!r}")

    def serve(self, request_fd: int, reply_fd: int):
        from . import codec

        def read_chunk(n):
            return os.read(request_fd, n)

        while True:
            try:
                request = codec.read_frame(read_chunk)
            except codec.FrameError:
                return
            try:
                reply = {"ok": True, "value": self.handle(request)}
            except BaseException as exc:  # the student's SystemExit/KeyboardInterrupt too
                reply = {"ok": False, "error": describe_exception(exc, self.submission_dir)}
            codec.write_frame(reply_fd, dict(reply, id=request.get("id")))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    request_fd, reply_fd, submission_dir = int(argv[0]), int(argv[1]), argv[2]
    sys.path.insert(0, submission_dir)
    from . import notebook_loader

    submission_dir = os.path.abspath(submission_dir)
    # A notebook's cells run one by one; a failing cell is described like any student error.
    notebook_loader.install(lambda exc: describe_exception(exc, submission_dir))
    sys.setrecursionlimit(5000)
    _configure_jax()
    Server(submission_dir).serve(request_fd, reply_fd)
    # Skip interpreter teardown: student atexit hooks and threads get no say.
    os._exit(0)
