"""Whether the GPU tier runs, decided from what the sandboxed child sees.

The GPU tier is part of an assignment's grading only when the instructor asks
for it (`jaxgrade grade --gpu`, `grade-batch --gpu`, the GPU runner workflow).
Then its checks are always in the maximum score, on every row of a gradebook
alike; where the child sees no GPU they are reported *not run*: score 0,
status failed, and the reason. A check that did not run is never a pass, and
GPU-size work never falls back to the CPU.

``scale="reduced"`` runs the same checks at test size (tens of particles, a
few hundred steps) on whatever device the child has: the test suite uses it to
run the whole GPU-tier path on a CPU. It is never the default.
"""
from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import NOT_RUN

SCALES = ("full", "reduced")
NO_GPU_REASON = NOT_RUN + (
    " no GPU visible inside the sandbox (the child's JAX devices: {devices}). This check needs a GPU; "
    "it counts 0 here so that every submission graded with the GPU tier has the same maximum score. "
    "Nothing is wrong with your code because of this: your instructor's grading machine has no usable GPU "
    "(see the README's \"Grading on a GPU runner\")."
)


@dataclass(frozen=True)
class GpuTier:
    """How the GPU tier is graded in one run.

    scale: "full" (the sizes in the checks, needs a GPU in the child) or
        "reduced" (the same code at test size, on any device).
    devices: the child's JAX devices, ``[{"platform", "kind"}]``, from its import reply.
    """

    scale: str = "full"
    devices: tuple = ()

    def __post_init__(self):
        if self.scale not in SCALES:
            raise ValueError(f"GPU-tier scale must be one of {SCALES}, got {self.scale!r}")

    @property
    def child_has_gpu(self) -> bool:
        return any(d.get("platform") == "gpu" for d in self.devices)

    @property
    def reduced(self) -> bool:
        return self.scale == "reduced"

    def not_run_reason(self) -> str | None:
        """Why the GPU-tier checks do not run in this grading, or None when they do."""
        if self.child_has_gpu or self.reduced:
            return None
        seen = ", ".join(f"{d.get('platform')} ({d.get('kind')})" for d in self.devices) or "none reported"
        return NO_GPU_REASON.format(devices=seen)

    def describe(self) -> dict:
        """For results' extra_data: what the tier saw and whether it ran."""
        return {
            "scale": self.scale,
            "devices": [dict(d) for d in self.devices],
            "ran": self.not_run_reason() is None,
        }


def devices_from_import_reply(reply) -> tuple:
    """The child's device list from its import reply, as plain dicts (nothing else trusted)."""
    devices = reply.get("devices") if isinstance(reply, dict) else None
    if not isinstance(devices, list):
        return ()
    return tuple(
        {"platform": str(d.get("platform", ""))[:20], "kind": str(d.get("kind", ""))[:80]}
        for d in devices[:64]
        if isinstance(d, dict)
    )
