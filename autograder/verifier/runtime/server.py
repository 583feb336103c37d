"""The request loop of the verifier: exported programs read and run, confined.

Runs inside the sandbox (the same launcher as the student's child, its own
memory limit), started as ``python -I -c <bootstrap> RUNTIME REQUEST_FD
REPLY_FD``. It imports JAX, NumPy and the two files beside it, never a
student module, and it never sees a reference or an expected value: it
deserializes the programs the child exported, says what they contain and
runs them on the inputs the grader sends. Only plain data goes back.

Requests (framed JSON, see ``codec.py``):

- ``{"op": "ping"}``: "pong" once JAX is imported (the grader waits on it);
- ``{"op": "load", "program": <uint8 npy>}``: a description of the program
  (operations, custom calls, inputs, devices, platforms) and a key to run it by;
- ``{"op": "run", "key": k, "args": [...]}``: the program's outputs, flattened
  (``[array, ...]`` in pytree order).
"""
from __future__ import annotations

import collections
import os
import re
import sys

STATE_NAME = "jaxgrade.State"  # as child/exporting.py names the assignment's State
MAX_OUTPUT_BYTES = 16 * 1024 * 1024  # what one run may send back
MAX_OPERATION_KINDS = 400
_OPERATION = re.compile(r"\b((?:stablehlo|chlo|mhlo|func)\.[a-z_][a-z0-9_]*)")
_CUSTOM_CALL_TARGET = re.compile(r"custom_call\s*@([\w.$-]+)|call_target_name\s*=\s*\"([^\"]*)\"")


def operation_histogram(text: str) -> dict:
    """StableHLO operations of a module's text, location lines excluded."""
    counts: collections.Counter = collections.Counter()
    for line in text.splitlines():
        if not line.lstrip().startswith("#loc"):
            counts.update(_OPERATION.findall(line.split(" loc(")[0]))
    return dict(counts.most_common(MAX_OPERATION_KINDS))


def custom_calls(text: str) -> list:
    """Targets of the module's custom calls ("custom_call" alone when one names no target)."""
    targets = {a or b for a, b in _CUSTOM_CALL_TARGET.findall(text)}
    if "custom_call" in text and not targets:
        targets.add("custom_call")
    return sorted(targets)


class Verifier:
    def __init__(self):
        import jax

        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_default_matmul_precision", "highest")
        self.jax = jax
        self.programs: dict = {}
        self.State = collections.namedtuple("State", ["x", "v"])
        try:
            jax.export.register_namedtuple_serialization(self.State, serialized_name=STATE_NAME)
        except ValueError:
            pass

    def load(self, payload) -> dict:
        import numpy as np

        from . import codec

        blob = np.asarray(codec.decode_value(payload), dtype=np.uint8).tobytes()
        program = self.jax.export.deserialize(bytearray(blob))
        text = program.mlir_module()
        key = str(len(self.programs))
        self.programs[key] = program
        return {
            "key": key,
            "operations": operation_histogram(text),
            "custom_calls": custom_calls(text),
            "nr_devices": int(program.nr_devices),
            "platforms": [str(p) for p in program.platforms],
            "inputs": [[[int(d) for d in a.shape], str(a.dtype)] for a in program.in_avals],
        }

    def run(self, key: str, args: list) -> list:
        import numpy as np

        from . import codec

        program = self.programs[key]
        values = self._as_inputs(program, [self._argument(codec.decode_value(a)) for a in args])
        with self.jax.default_device(self.jax.devices("cpu")[0]):
            leaves = self.jax.tree_util.tree_leaves(program.call(*values))
        arrays = [np.asarray(leaf) for leaf in leaves]
        if sum(a.nbytes for a in arrays) > MAX_OUTPUT_BYTES:
            raise ValueError(f"the program's outputs exceed {MAX_OUTPUT_BYTES} bytes")
        return [codec.encode_array(a) for a in arrays]

    def _as_inputs(self, program, values: list) -> list:
        """``values`` cast to the dtypes of the program's inputs (a float64 grader, a float32 export)."""
        import numpy as np

        leaves, tree = self.jax.tree_util.tree_flatten(values)
        if len(leaves) != len(program.in_avals):
            return values  # the call itself says what is wrong
        cast = [np.asarray(leaf, dtype=aval.dtype) for leaf, aval in zip(leaves, program.in_avals)]
        return self.jax.tree_util.tree_unflatten(tree, cast)

    def _argument(self, value):
        if isinstance(value, dict) and getattr(value, "type_name", None) == "State":
            return self.State(value["x"], value["v"])
        return value

    def handle(self, request: dict):
        op = request.get("op")
        if op == "ping":
            return "pong"
        if op == "load":
            return self.load(request["program"])
        if op == "run":
            return self.run(str(request["key"]), list(request.get("args", [])))
        raise ValueError(f"unknown op {op!r}")


def serve(request_fd: int, reply_fd: int) -> None:
    from . import codec

    verifier = Verifier()  # JAX imported before the first request: the grader overlaps this with the child's work
    while True:
        try:
            request = codec.read_frame(lambda n: os.read(request_fd, n))
        except codec.FrameError:
            return
        try:
            reply = {"ok": True, "value": verifier.handle(request)}
        except Exception as exc:  # an unreadable or failing program: its kind, for the grader to explain
            reply = {"ok": False, "error": {"type": type(exc).__name__, "message": str(exc)[:1500]}}
        codec.write_frame(reply_fd, dict(reply, id=request.get("id")))


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    serve(int(argv[0]), int(argv[1]))
    os._exit(0)
