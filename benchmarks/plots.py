"""Figures for lecture slides, drawn from the report's raw numbers.

Every axis is labelled with its unit; times and errors that span decades
use log scales. One function per figure; each takes the section's raw
numbers (by backend) and a path, so figures can be redrawn from the JSON.
"""
import matplotlib

matplotlib.use("Agg")  # files only: no display on build machines

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

BACKEND_STYLE = {"cpu": "-", "gpu": "--"}
FIGURE_SIZE = (10, 4.2)


def _save(figure, path):
    figure.tight_layout()
    figure.savefig(path, dpi=130)
    plt.close(figure)


def _bars(axis, groups, series, *, ylabel):
    """Grouped bars on a log axis: ``series`` maps a label to one value per group."""
    width = 0.8 / max(1, len(series))
    positions = np.arange(len(groups))
    for index, (label, values) in enumerate(series.items()):
        heights = [np.nan if value is None else value for value in values]
        axis.bar(positions + (index - (len(series) - 1) / 2) * width, heights, width, label=label)
    axis.set_xticks(positions, groups, rotation=15, ha="right", fontsize=8)
    axis.set_yscale("log")
    axis.set_ylabel(ylabel)
    axis.legend(fontsize=8)
    axis.grid(axis="y", which="both", alpha=0.3)


def plot_grad_cost(raw_by_backend, path):
    figure, (times, ratios) = plt.subplots(1, 2, figsize=FIGURE_SIZE)
    for backend, raw in raw_by_backend.items():
        for dtype in ("float32", "float64"):
            cases = [case for case in raw["cases"] if case["dtype"] == dtype]
            sizes = [case["n"] for case in cases]
            style = BACKEND_STYLE[backend]
            times.plot(
                sizes,
                [case["potential"]["median_s"] for case in cases],
                style + "o",
                label=f"potential {dtype} ({backend})",
            )
            times.plot(
                sizes, [case["grad"]["median_s"] for case in cases], style + "s", label=f"grad {dtype} ({backend})"
            )
            ratios.plot(
                sizes, [case["grad_over_potential"] for case in cases], style + "o", label=f"{dtype} ({backend})"
            )
    times.set(
        xscale="log",
        yscale="log",
        xlabel="particles N",
        ylabel="time per call (s)",
        title="Jitted potential and grad forces",
    )
    ratios.axhspan(2, 4, color="green", alpha=0.12, label="reading: 2–4×")
    ratios.set(
        xscale="log",
        xlabel="particles N",
        ylabel="grad time / potential time",
        title="Cost of grad in potential evaluations",
    )
    ratios.set_ylim(bottom=0)
    for axis in (times, ratios):
        axis.legend(fontsize=8)
        axis.grid(which="both", alpha=0.3)
    _save(figure, path)


def plot_finite_differences(raw_by_backend, path):
    figure, axis = plt.subplots(figsize=(7.5, 4.4))
    groups, series = [], {"grad (jit)": [], "FD, jitted function": [], "FD, NumPy function": []}
    for backend, raw in raw_by_backend.items():
        forces, posterior = raw["forces"], raw["posterior"]
        groups += [f"forces, N = {forces['n']} ({backend})", f"posterior gradient, d = {posterior['d']} ({backend})"]
        series["grad (jit)"] += [forces["grad"]["median_s"], posterior["grad"]["median_s"]]
        series["FD, jitted function"] += [forces["jax_fd"]["median_s"], posterior["fd"]["median_s"]]
        series["FD, NumPy function"] += [forces.get("numpy_fd", {}).get("median_s"), None]
    _bars(axis, groups, series, ylabel="time per gradient (s)")
    axis.set_title("Reverse-mode grad vs central finite differences (float64)")
    _save(figure, path)


def plot_jit_speedup(raw_by_backend, path):
    figure, axis = plt.subplots(figsize=FIGURE_SIZE)
    groups, series = [], {"NumPy": [], "un-jitted jnp": [], "jit": []}
    for backend, raw in raw_by_backend.items():
        for example in raw["examples"]:
            groups.append(f"{example['example']}\n{example['size']}, {example['dtype']} ({backend})")
            series["NumPy"].append(example.get("numpy", {}).get("median_s"))
            series["un-jitted jnp"].append(example["eager"]["median_s"])
            series["jit"].append(example["jit"]["median_s"])
    _bars(axis, groups, series, ylabel="time per call (s)")
    axis.set_title("The reading's examples: NumPy vs un-jitted jax.numpy vs jit")
    _save(figure, path)


def plot_forces_scaling(raw_by_backend, path):
    from benchmarks.claims_vmap import METHOD_LABELS

    figure, axis = plt.subplots(figsize=(7, 4.6))
    for backend, raw in raw_by_backend.items():
        for method, label in METHOD_LABELS.items():
            points = [
                (case["n"], case[method]["median_s"])
                for case in raw["cases"]
                if method in case and "skipped" not in case[method]
            ]
            if points:
                sizes, seconds = zip(*points)
                axis.plot(sizes, seconds, BACKEND_STYLE[backend] + "o", label=f"{label} ({backend})")
    sizes = np.array(sorted({case["n"] for case in raw_by_backend["cpu"]["cases"]}), dtype=float)
    reference = raw_by_backend["cpu"]["cases"][0]["numpy"]["median_s"]
    axis.plot(sizes, reference * (sizes / sizes[0]) ** 2, ":", color="gray", label="∝ N² (from NumPy's first point)")
    axis.set(xscale="log", yscale="log", xlabel="particles N", ylabel="time per force evaluation (s)")
    axis.set_title("All-pairs forces, float64")
    axis.legend(fontsize=8)
    axis.grid(which="both", alpha=0.3)
    _save(figure, path)


def _system_labels(raw):
    return {
        "kepler": f"Kepler orbit, e = {raw['kepler_eccentricity']}",
        "plummer": f"Plummer sphere, N = {raw['plummer_n']}",
    }


def _plot_error_curves(axis, raw_by_backend, system, title, unit):
    for backend, raw in raw_by_backend.items():
        for dtype, runs in raw[system].items():
            run = next(run for run in runs if run["factor"] == 1)
            curve = np.abs(np.asarray(run["curve"]))
            time = (np.arange(len(curve)) * run["curve_stride"] + 1) / run["steps_per_orbit"]
            axis.plot(time, np.maximum(curve, 1e-18), BACKEND_STYLE[backend], lw=0.6, label=f"{dtype} ({backend})")
    axis.set(yscale="log", xlabel=f"time ({unit})", ylabel="|ΔE/E|", title=title)


def _plot_drift(axis, raw_by_backend, labels):
    """|mean ΔE/E over orbit k − mean over orbit 1|: what accumulates, oscillation averaged out."""
    markers = {"kepler": "o", "plummer": "s"}
    for backend, raw in raw_by_backend.items():
        for system in ("kepler", "plummer"):
            for dtype, runs in raw[system].items():
                means = np.asarray(next(run for run in runs if run["factor"] == 1)["orbit_means"])
                drift = np.abs(means[1:] - means[0])
                orbits = np.arange(2, len(means) + 1)
                axis.plot(
                    orbits,
                    np.maximum(drift, 1e-18),
                    BACKEND_STYLE[backend] + markers[system],
                    ms=3,
                    label=f"{labels[system]}, {dtype}",
                )
    axis.set(yscale="log", xlabel="orbit k (Plummer: crossing time)", ylabel="|⟨ΔE/E⟩ₖ − ⟨ΔE/E⟩₁|")
    axis.set_title("Orbit-averaged secular drift")


def plot_energy_error(raw_by_backend, path):
    figure, axes = plt.subplots(1, 3, figsize=(14, 4.4))
    labels = _system_labels(raw_by_backend["cpu"])
    _plot_error_curves(axes[0], raw_by_backend, "kepler", labels["kepler"], "orbits")
    _plot_drift(axes[1], raw_by_backend, labels)
    _plot_error_curves(axes[2], raw_by_backend, "plummer", labels["plummer"], "crossing times")
    for axis in axes:
        axis.legend(fontsize=7)
        axis.grid(which="both", alpha=0.3)
    _save(figure, path)


def plot_dt_convergence(raw_by_backend, path):
    figure, axis = plt.subplots(figsize=(7, 4.6))
    markers = {"kepler": "o", "plummer": "s"}
    labels = _system_labels(raw_by_backend["cpu"])
    for backend, raw in raw_by_backend.items():
        for system in ("kepler", "plummer"):
            for dtype, runs in raw[system].items():
                steps = np.array([run["steps_per_orbit"] for run in runs], dtype=float)
                axis.plot(
                    steps,
                    [run["max_abs"] for run in runs],
                    BACKEND_STYLE[backend] + markers[system],
                    label=f"{labels[system]}, {dtype} ({backend})",
                )
    kepler = raw_by_backend["cpu"]["kepler"]["float64"]
    steps = np.array([run["steps_per_orbit"] for run in kepler], dtype=float)
    axis.plot(steps, kepler[0]["max_abs"] * (steps / steps[0]) ** -2, ":", color="gray", label="∝ dt² (4× per halving)")
    axis.set(xscale="log", yscale="log", xlabel="steps per orbit (Plummer: per crossing time)", ylabel="max |ΔE/E|")
    axis.set_title("Leapfrog energy error vs time step")
    axis.legend(fontsize=7)
    axis.grid(which="both", alpha=0.3)
    _save(figure, path)


def plot_compile_vs_run(raw_by_backend, path):
    figure, axis = plt.subplots(figsize=FIGURE_SIZE)
    groups, series = [], {"first call (trace + compile + run)": [], "later call (median)": []}
    for backend, raw in raw_by_backend.items():
        for assignment, entry in raw.items():
            if "skipped" in entry:
                continue
            groups.append(f"{assignment} ({backend})")
            series["first call (trace + compile + run)"].append(entry["first_call"]["first_s"])
            series["later call (median)"].append(entry["later"]["median_s"])
    _bars(axis, groups, series, ylabel="time (s)")
    axis.set_title("First call vs later calls, per assignment reference")
    _save(figure, path)
