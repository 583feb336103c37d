"""The names of the sandbox's protections, and the summary instructors read.

The launcher reports every protection in MECHANISMS (the grader adds those in
APPLIED_BY_GRADER, which it applies from outside the child) as
`{name: {"active": bool, "detail": str}}`; a protection it could not apply is
reported inactive with the reason, never left out. Standard library only: the
launcher imports this file by path.
"""

# name -> (label, what a submission could do while this one is missing)
MECHANISMS = {
    "process_group": ("own process group",
                      "processes it starts could survive the end of grading"),
    "memory_limit": ("memory limit",
                     "it could exhaust memory and get the grader killed"),
    "process_limit": ("process/thread limit",
                      "a fork bomb could stall the machine"),
    "file_size_limit": ("file size limit",
                        "it could fill the disk"),
    "scratch_size_limit": ("scratch size limit",
                           "many files, each under the file size limit, could fill the disk"),
    "cpu_time_limit": ("CPU time limit",
                       "a busy loop is stopped only by the per-request timeout"),
    "no_core_dumps": ("no core dumps",
                      "a crash could write a large core file"),
    "network_namespace": ("private network namespace",
                          "the other network layers must stop network access"),
    "separate_user": ("separate user",
                      "it runs with the grader's own user rights"),
    "no_capabilities": ("no capabilities",
                        "a child left running as root keeps root's powers, some of "
                        "which pass Landlock (reading the grader's memory maps)"),
    "no_new_privileges": ("no new privileges",
                          "setuid programs could raise its privileges"),
    "landlock_filesystem": ("Landlock file access",
                            "it can read every file its user can read, "
                            "including hidden tests and reference solutions"),
    "landlock_network": ("Landlock TCP block",
                         "the other network layers must stop TCP"),
    "landlock_signals": ("Landlock signal scope",
                         "it could signal processes of its own user"),
    "seccomp": ("seccomp filter",
                "it could open network sockets and use ptrace or namespaces"),
}

# Applied from outside the child, by the grader (spawn.py), not by the launcher.
APPLIED_BY_GRADER = {"scratch_size_limit"}

# Missing one of these weakens the guarantee that hidden material stays hidden.
_CRITICAL_WHEN_ALONE = {"landlock_filesystem", "separate_user"}


def inactive(report: dict) -> list[str]:
    """Names from MECHANISMS that the report lists inactive or does not list."""
    return [name for name in MECHANISMS
            if not report.get(name, {}).get("active", False)]


def describe_protections(report: dict) -> str:
    """A short, instructor-facing summary of a launcher report.

    One headline line, then one line per missing protection: its label, why it
    is missing, and what a submission could do because of it.
    """
    missing = inactive(report)
    active_count = len(MECHANISMS) - len(missing)
    lines = [f"Sandbox: {active_count} of {len(MECHANISMS)} protections active."]
    if _CRITICAL_WHEN_ALONE <= set(missing):
        lines.append("WARNING: neither Landlock nor a separate user confines this "
                     "submission's file access; hidden tests and solutions are exposed "
                     "unless the files themselves are unreadable (chmod o=).")
    for name in missing:
        label, consequence = MECHANISMS[name]
        reason = report.get(name, {}).get("detail") or "not reported by the launcher"
        lines.append(f"- {label}: off ({reason}); {consequence}.")
    if report.get("gpu_mode", {}).get("active"):  # not a protection: what GPU mode opened
        lines.append(f"- {report['gpu_mode']['detail']}")
    return "\n".join(lines)
