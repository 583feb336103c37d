"""Wall-clock timing that is fair to JAX's asynchronous dispatch.

Rules every benchmark in this package follows:

- Warm up first: the first call of a jitted function traces and compiles;
  that cost is measured separately (``time_first_call``), never mixed in.
- Block on every result: JAX returns before the device has finished, so a
  timer stopped without ``jax.block_until_ready`` measures dispatch only.
- Repeat and take the median: the machine is shared, and the median ignores
  the occasional repeat that another process slowed down.
- Loop fast calls inside one repeat until it lasts ``min_repeat_s``, so a
  10-microsecond call is not drowned by the timer's own resolution.
"""
import statistics
import time
from typing import NamedTuple

import jax

_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
_TRACE_EVENT = "/jax/core/compile/jaxpr_trace_duration"


class Timing(NamedTuple):
    """Seconds per call: median over repeats, and the spread seen.

    Attributes:
        median_s: median of the per-call times of the repeats.
        min_s, max_s: fastest and slowest repeat (per call).
        repeats: number of timed repeats.
        calls_per_repeat: calls averaged inside each repeat.
    """

    median_s: float
    min_s: float
    max_s: float
    repeats: int
    calls_per_repeat: int

    def as_dict(self):
        return self._asdict()


class FirstCall(NamedTuple):
    """What the first call of a fresh function cost.

    Attributes:
        first_s: wall time of the first call (trace + compile + run).
        compile_s: XLA compile seconds reported by JAX during that call.
        trace_s: tracing seconds reported by JAX during that call.
        compiles: number of XLA compilations it triggered.
    """

    first_s: float
    compile_s: float
    trace_s: float
    compiles: int

    def as_dict(self):
        return self._asdict()


def _run_blocking(fn, args, kwargs):
    return jax.block_until_ready(fn(*args, **kwargs))


def _calls_per_repeat(fn, args, kwargs, *, min_repeat_s):
    """Smallest power of two of calls that lasts ``min_repeat_s``."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            _run_blocking(fn, args, kwargs)
        if time.perf_counter() - start >= min_repeat_s or calls >= 2**16:
            return calls
        calls *= 2


def time_side_by_side(calls, *, repeats, min_repeat_s=0.0, warmup=1):
    """Median seconds per call of several callables, their repeats interleaved.

    Repeats go round-robin (A, B, C, A, B, C, ...), so a burst of load from
    another process slows every candidate alike instead of one of them: the
    ratios between candidates stay honest on a shared machine.

    Args:
        calls: ``{label: (fn, args)}``; JAX results are blocked on, NumPy
            ones pass through.
        repeats: timed repeats per candidate (>= 1).
        min_repeat_s: loop each call inside a repeat until it lasts this long.
        warmup: untimed calls first (compilation, caches, page faults).

    Returns:
        ``{label: Timing}`` in seconds per call.
    """
    for fn, args in calls.values():
        for _ in range(warmup):
            _run_blocking(fn, args, {})
    counts = {label: _calls_per_repeat(fn, args, {}, min_repeat_s=min_repeat_s) for label, (fn, args) in calls.items()}
    samples = {label: [] for label in calls}
    for _ in range(max(1, repeats)):
        for label, (fn, args) in calls.items():
            start = time.perf_counter()
            for _ in range(counts[label]):
                _run_blocking(fn, args, {})
            samples[label].append((time.perf_counter() - start) / counts[label])
    return {
        label: Timing(
            median_s=statistics.median(per_call),
            min_s=min(per_call),
            max_s=max(per_call),
            repeats=len(per_call),
            calls_per_repeat=counts[label],
        )
        for label, per_call in samples.items()
    }


def time_call(fn, *args, repeats, min_repeat_s=0.0, warmup=1):
    """Median seconds per call of ``fn(*args)`` after warm-up (see ``time_side_by_side``)."""
    return time_side_by_side({"call": (fn, args)}, repeats=repeats, min_repeat_s=min_repeat_s, warmup=warmup)["call"]


class _CompileListener:
    """Sums JAX's compile and trace events while installed."""

    def __init__(self):
        self.compile_s = 0.0
        self.trace_s = 0.0
        self.compiles = 0

    def __call__(self, event, duration_s, **_):
        if event == _COMPILE_EVENT:
            self.compile_s += duration_s
            self.compiles += 1
        elif event == _TRACE_EVENT:
            self.trace_s += duration_s


def time_first_call(fn, *args, **kwargs):
    """Time one call of ``fn`` on a cold JAX cache.

    All of JAX's in-memory compilation caches are cleared first, so the
    call pays for tracing and XLA compilation exactly as a fresh Python
    process would. Build the inputs before calling this: creating arrays
    compiles small programs of its own.

    Returns:
        ``FirstCall`` with the wall time and JAX's own compile accounting.
    """
    jax.clear_caches()
    listener = _CompileListener()
    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        start = time.perf_counter()
        _run_blocking(fn, args, kwargs)
        first_s = time.perf_counter() - start
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)
    return FirstCall(
        first_s=first_s,
        compile_s=listener.compile_s,
        trace_s=listener.trace_s,
        compiles=listener.compiles,
    )


def time_once(fn, *args, **kwargs):
    """Seconds for a single blocking call (for baselines too slow to repeat)."""
    start = time.perf_counter()
    _run_blocking(fn, args, kwargs)
    return time.perf_counter() - start


def dispatch_floor(*, device, repeats, min_repeat_s):
    """Median time of the cheapest jitted call: the per-call overhead.

    Any jitted function costs at least this much per call on ``device``,
    whatever it computes; ratios between two small computations tend to 1
    when both sit near this floor.
    """
    add_one = jax.jit(lambda value: value + 1)
    value = jax.device_put(jax.numpy.zeros(3), device)
    return time_call(add_one, value, repeats=repeats, min_repeat_s=min_repeat_s)


def format_seconds(seconds):
    """Human units for a duration: '12.3 µs', '4.56 ms', '1.23 s'."""
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def format_ratio(ratio):
    """'3.1×' with three significant figures."""
    if ratio is None:
        return "—"
    return f"{ratio:.3g}×"


def format_timing(timing):
    """'24.4 ms (13.8–40.6)': the median, then the fastest and slowest repeat.

    ``timing`` is a ``Timing`` or its dict. A wide range means other
    processes competed for the CPU during the run; trust the ratios of
    side-by-side candidates more than any single number.
    """
    if not isinstance(timing, dict):
        timing = timing.as_dict()
    median = format_seconds(timing["median_s"])
    unit = median.split(" ")[1]
    scale = {"µs": 1e-6, "ms": 1e-3, "s": 1.0}[unit]
    low, high = (_in_unit(timing[key] / scale) for key in ("min_s", "max_s"))
    return f"{median} ({low}–{high})"


def _in_unit(value):
    """Three significant figures without exponents ('1090', not '1.09e+03')."""
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"
