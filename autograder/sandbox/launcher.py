"""Confine this process, report what held, then become the student's child process.

Run by the grader as

    python -I -S launcher.py '<config json>'

It is a fresh, single-threaded interpreter with no site-packages, so it can
safely do what a multi-threaded parent must not do between fork and exec.
Steps, in order: own session, cgroup (joined while still root), resource
limits, network namespace, separate user (with a private mount namespace first
when the interpreter is out of the user's reach, see reach.py), no
capabilities, no_new_privs, Landlock, seccomp. Each step that cannot
be applied (not root, old kernel, refused inside a container) is reported
inactive with the reason and the launch goes on; the parent decides what it
tolerates. Just
before exec, one JSON line `{"protections": {...}}` goes to the status fd,
which closes on a successful exec; if exec fails, a second line
`{"exec_error": ...}` follows. Anything unexpected is reported as
`{"fatal": ...}` and nothing runs (fail closed).

Config keys: argv, env, status_fd, limits {memory_bytes, nproc, fsize_bytes,
cpu_seconds}, run_as {uid, gid, name} or null, run_as_reason, gpu (bool: GPU mode, see gpu.py),
network_namespace (bool), drop_capabilities (bool, default true),
landlock {read_execute, read_write, list_only} or null, seccomp (bool),
reach (a reach.py plan, or null), cgroup (a cgroups.py plan, or null).
"""
import ctypes
import json
import os
import resource
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cgroups  # noqa: E402  (sibling file, imported by path on purpose)
import gpu  # noqa: E402
import landlock  # noqa: E402
import protections  # noqa: E402
import reach  # noqa: E402
import seccomp  # noqa: E402

_CLONE_NEWNET = 0x40000000
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAPBSET_DROP = 24
_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_CPU_GRACE_SECONDS = 2  # SIGXCPU at the soft limit, SIGKILL this much later

_libc = ctypes.CDLL(None, use_errno=True)


class Skipped(Exception):
    """A protection deliberately not applied; the message says why."""


def _os_error() -> OSError:
    err = ctypes.get_errno()
    return OSError(err, os.strerror(err))


def _attempt(report: dict, name: str, step) -> None:
    """Run one step; record it active with its detail, or inactive with the reason."""
    try:
        report[name] = {"active": True, "detail": step()}
    except Skipped as why:
        report[name] = {"active": False, "detail": str(why)}
    except (OSError, ValueError) as error:
        report[name] = {"active": False, "detail": f"refused by the system: {error}"}


def _set_limit(which: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    _, current_hard = resource.getrlimit(which)
    if current_hard != resource.RLIM_INFINITY and os.geteuid() != 0:
        hard = min(hard, current_hard)  # only root may raise a hard limit
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def _new_session() -> str:
    if os.getsid(0) != os.getpid():
        os.setsid()
    return f"session and process group {os.getpid()}"


def _join_cgroup(config: dict) -> dict:
    """Enter the cgroup the grader made (see cgroups.py); what held, or why not."""
    plan = config.get("cgroup")
    if not plan or "unavailable" in plan:
        return {"unavailable": (plan or {}).get("unavailable", "not requested")}
    try:
        cgroups.join(plan)
    except OSError as error:
        return {"unavailable": f"could not join the cgroup: {error.strerror}"}
    return plan


def _memory(limits: dict, cgroup: dict) -> str:
    # RLIMIT_DATA, not RLIMIT_AS: XLA and glibc reserve gigabytes of address
    # space they never touch (thread stacks, malloc arenas). DATA counts the
    # private writable memory actually mapped, which is what exhausts a machine.
    _set_limit(resource.RLIMIT_DATA, limits["memory_bytes"])
    detail = f"RLIMIT_DATA {_gib(limits['memory_bytes'])} of private writable memory per process"
    if cgroup.get("memory"):
        detail += f"; {cgroup['memory']} for all its processes together"
    return detail


def _file_size(limits: dict) -> str:
    _set_limit(resource.RLIMIT_FSIZE, limits["fsize_bytes"])
    return f"RLIMIT_FSIZE {_gib(limits['fsize_bytes'])} per file, output files included"


def _cpu(limits: dict) -> str:
    seconds = limits["cpu_seconds"]
    _set_limit(resource.RLIMIT_CPU, seconds, seconds + _CPU_GRACE_SECONDS)
    return f"RLIMIT_CPU {seconds} s of CPU time (all threads together)"


def _no_core() -> str:
    _set_limit(resource.RLIMIT_CORE, 0)
    return "RLIMIT_CORE 0"


def _network_namespace(config: dict) -> str:
    if not config.get("network_namespace"):
        raise Skipped("not requested")
    if os.geteuid() != 0:
        raise Skipped(f"needs root; running as uid {os.geteuid()}")
    if _libc.unshare(_CLONE_NEWNET) != 0:
        raise _os_error()
    return "new network namespace with no interface up, not even loopback"


def _make_reachable(config: dict) -> str:
    """Apply the grader's reach plan, or stop everything: the switch would fail without it."""
    try:
        return "; interpreter reached through a " + reach.apply_plan(config["reach"])
    except OSError as error:
        # Not an ordinary refusal: falling back would leave the child running as root.
        raise RuntimeError(f"could not make the interpreter reachable for the child's user: {error}") from None


def _separate_user(config: dict) -> str:
    target = config.get("run_as")
    if not target:
        raise Skipped(config.get("run_as_reason") or "not requested")
    reached = _make_reachable(config) if config.get("reach") else ""
    uid, gid = target["uid"], target["gid"]
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
        raise OSError(0, "user switch did not take effect")
    return f"running as {target.get('name') or uid} (uid {uid}, gid {gid}), no extra groups{reached}"


def _capability_mask(field: str) -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1], 16)


def _no_capabilities(config: dict) -> str:
    # Root keeps every capability across exec unless the bounding set is empty,
    # and capabilities let it past checks Landlock leaves to them (reading the
    # grader's /proc maps and environment, for one).
    if os.geteuid() != 0 and _capability_mask("CapPrm") == 0:
        return "the child's user holds no capabilities"
    if not config.get("drop_capabilities", True):
        raise Skipped("not requested")
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last_cap = int(f.read())
    for cap in range(last_cap + 1):
        if _libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise _os_error()
    _libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    return "capability bounding set emptied: the child execs with no capabilities"


def _threads_of_uid(uid: int) -> int:
    """Tasks (processes and threads) whose real uid is `uid`: what RLIMIT_NPROC counts."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue  # gone since the listing
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            total += int(fields.get("Threads", "1"))
    return total


def _process_limit(limits: dict, cgroup: dict, *, own_user: bool) -> str:
    # Where the cgroup's pids.max binds the child's own tree, it alone is the limit.
    # RLIMIT_NPROC counts every task of the real uid machine-wide, and concurrent
    # gradings share that uid: a limit set now as "what the uid runs + the allowance"
    # shrinks as soon as another child of the uid grows (XLA's threads, a fork bomb),
    # and this child's next pthread_create fails; XLA then aborts the import (SIGABRT).
    # Where no cgroup binds, RLIMIT_NPROC is all there is: a root grader then gives
    # each child a uid of its own (uids.py), so the count is this child's alone. It
    # never applies to root (uid 0), with or without capabilities.
    uid = os.getuid()
    if cgroup.get("pids"):
        held = f"{cgroup['pids']} tasks for the child's whole tree, whatever its uid"
        if uid != 0:
            held += (f"; RLIMIT_NPROC not lowered: it counts every task of uid {uid} on the machine, "
                     "which other gradings may share")
        return held
    if uid == 0:
        raise Skipped("RLIMIT_NPROC is set, but the kernel never applies it to root (uid 0), and no cgroup "
                      f"binds instead ({cgroup.get('unavailable', 'no pids controller')})")
    others = _threads_of_uid(uid) - 1  # this process is part of the child's own budget
    # Under the grader's own uid (no user of its own), that user's other processes keep
    # growing after this snapshot: leave them room, or the child's next thread fails.
    room = 0 if own_user else limits["shared_uid_room"]
    _set_limit(resource.RLIMIT_NPROC, others + limits["nproc"] + room)
    shared = f" + {room} of room for the user's other processes (uid {uid} is shared)" if room else ""
    return (f"RLIMIT_NPROC {others} + {limits['nproc']} tasks for uid {uid} "
            f"(processes and threads, the child itself included){shared}")


def _no_new_privileges() -> str:
    if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise _os_error()
    return "PR_SET_NO_NEW_PRIVS: exec cannot raise privileges"


def _landlock(config: dict, report: dict) -> None:
    rules = config.get("landlock")
    names = ("landlock_filesystem", "landlock_network", "landlock_signals")
    if not rules:
        for name in names:
            report[name] = {"active": False, "detail": "not requested"}
        return
    try:
        done = landlock.restrict_self(read_execute=rules["read_execute"],
                                      read_write=rules["read_write"],
                                      list_only=rules.get("list_only", []),
                                      devices=rules.get("devices", []))
    except OSError as error:
        for name in names:
            report[name] = {"active": False, "detail": f"Landlock unavailable: {error}"}
        return
    abi = done["abi"]
    report["landlock_filesystem"] = {"active": True, "detail": (
        f"ABI {abi}: {done['rules']} rules; read-only on the interpreter, its libraries "
        "and site-packages without the grader's packages; read-write only on scratch")}
    report["landlock_network"] = (
        {"active": True, "detail": "every TCP bind and connect refused"} if done["tcp"]
        else {"active": False, "detail": f"kernel Landlock ABI {abi} < 4 has no TCP rules"})
    report["landlock_signals"] = (
        {"active": True, "detail": "signals and abstract unix sockets cannot leave the sandbox"}
        if done["scopes"]
        else {"active": False, "detail": f"kernel Landlock ABI {abi} < 6 has no scopes"})


def _seccomp(config: dict) -> str:
    if not config.get("seccomp"):
        raise Skipped("not requested")
    return seccomp.install_filter()


def confine(config: dict) -> dict:
    """Apply every step to this process; returns the protections report."""
    limits = config["limits"]
    report: dict = {}
    _attempt(report, "process_group", _new_session)
    cgroup = _join_cgroup(config)
    _attempt(report, "memory_limit",
             lambda: _memory(limits, cgroup) + (gpu.lift_address_space_limit() if config.get("gpu") else ""))
    _attempt(report, "file_size_limit", lambda: _file_size(limits))
    _attempt(report, "cpu_time_limit", lambda: _cpu(limits))
    _attempt(report, "no_core_dumps", _no_core)
    _attempt(report, "network_namespace", lambda: _network_namespace(config))
    _attempt(report, "separate_user", lambda: _separate_user(config))
    _attempt(report, "no_capabilities", lambda: _no_capabilities(config))
    own_user = report["separate_user"]["active"]
    _attempt(report, "process_limit", lambda: _process_limit(limits, cgroup, own_user=own_user))
    _attempt(report, "no_new_privileges", _no_new_privileges)
    _landlock(config, report)
    _attempt(report, "seccomp", lambda: _seccomp(config))
    missing = set(protections.MECHANISMS) - set(report) - protections.APPLIED_BY_GRADER
    if missing:
        raise RuntimeError(f"launcher forgot to report {sorted(missing)}")
    return report


def _send(fd: int, message: dict) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def main(argv: list[str]) -> int:
    config = json.loads(argv[1])
    status_fd = config["status_fd"]
    os.set_inheritable(status_fd, False)  # closes by itself when exec succeeds
    try:
        os.umask(0o077)
        report = confine(config)
    except Exception as error:  # fail closed: report, and run nothing
        _send(status_fd, {"fatal": f"{type(error).__name__}: {error}"})
        return 126
    _send(status_fd, {"protections": report})
    # Python ignores these two; a non-Python child should get the defaults back.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    try:
        os.execve(config["argv"][0], config["argv"], config["env"])
    except OSError as error:
        _send(status_fd, {"exec_error": f"{config['argv'][0]}: {error.strerror}",
                          "errno": error.errno})
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv))
