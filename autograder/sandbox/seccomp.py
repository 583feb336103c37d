"""A seccomp filter through ctypes: refuse network sockets and escape hatches.

The filter is a small classic-BPF program the kernel runs on every system call
of this process and everything it executes. It needs only no_new_privs, so it
works without root and inside most containers.

What it refuses, and why:
- `socket()` for every family except AF_UNIX (EACCES): no IPv4/IPv6, netlink
  or raw packet sockets, so no network even where no namespace could be made.
- io_uring (EPERM): its rings can open sockets without passing through here.
- debugging and reading other processes (ptrace, process_vm_*, pidfd_getfd, kcmp).
- new namespaces (unshare, setns, clone with CLONE_NEW* flags) and mounts,
  which could undo the other layers; kernel modules, kexec, bpf, perf, keyrings.
- clone3 answers ENOSYS: its flags live in memory BPF cannot read, and the C
  library then falls back to clone(), whose flags we can check.
Any other architecture's calling convention (e.g. 32-bit calls on a 64-bit
kernel) kills the process, since the numbers below would not apply.

Standard library only: imported by path from the launcher.
"""
import ctypes
import errno
import os
import platform

_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2

_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_RET_ALLOW = 0x7FFF0000

# Classic BPF opcodes (linux/bpf_common.h).
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JSET_K = 0x45
_RET_K = 0x06

# struct seccomp_data offsets: nr, arch, instruction pointer, args[6] (little endian).
_OFFSET_NR = 0
_OFFSET_ARCH = 4
_OFFSET_ARG0_LOW = 16

_AF_UNIX = 1
_X32_SYSCALL_BIT = 0x40000000
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET.
# (CLONE_NEWTIME shares its bit with the exit signal in clone(), so it is not here;
# it is reachable only through unshare/clone3, both refused.)
_CLONE_NAMESPACE_FLAGS = 0x7E020000

_BLOCKED_NAMES = (
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", "unshare", "setns",
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "open_by_handle_at", "name_to_handle_at", "swapon", "swapoff", "reboot",
    "acct", "quotactl", "settimeofday", "clock_settime", "adjtimex", "clock_adjtime",
    "syslog", "vhangup", "iopl", "ioperm",
)

_X86_64 = {
    "audit_arch": 0xC000003E,
    "socket": 41, "clone": 56, "clone3": 435,
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "pidfd_getfd": 438,
    "kcmp": 312, "kexec_load": 246, "kexec_file_load": 320, "init_module": 175,
    "finit_module": 313, "delete_module": 176, "mount": 165, "umount2": 166,
    "pivot_root": 155, "chroot": 161, "open_tree": 428, "move_mount": 429, "fsopen": 430,
    "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "unshare": 272,
    "setns": 308, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "keyctl": 250,
    "add_key": 248, "request_key": 249, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "open_by_handle_at": 304, "name_to_handle_at": 303,
    "swapon": 167, "swapoff": 168, "reboot": 169, "acct": 163, "quotactl": 179,
    "settimeofday": 164, "clock_settime": 227, "adjtimex": 159, "clock_adjtime": 305,
    "syslog": 103, "vhangup": 153, "iopl": 172, "ioperm": 173,
}

_AARCH64 = {
    "audit_arch": 0xC00000B7,
    "socket": 198, "clone": 220, "clone3": 435,
    "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "pidfd_getfd": 438,
    "kcmp": 272, "kexec_load": 104, "kexec_file_load": 294, "init_module": 105,
    "finit_module": 273, "delete_module": 106, "mount": 40, "umount2": 39,
    "pivot_root": 41, "chroot": 51, "open_tree": 428, "move_mount": 429, "fsopen": 430,
    "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "unshare": 97,
    "setns": 268, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282, "keyctl": 219,
    "add_key": 217, "request_key": 218, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "open_by_handle_at": 265, "name_to_handle_at": 264,
    "swapon": 224, "swapoff": 225, "reboot": 142, "acct": 89, "quotactl": 60,
    "settimeofday": 170, "clock_settime": 112, "adjtimex": 171, "clock_adjtime": 266,
    "syslog": 116, "vhangup": 58,
}

_TABLES = {"x86_64": _X86_64, "amd64": _X86_64, "aarch64": _AARCH64, "arm64": _AARCH64}


class SeccompError(OSError):
    """The filter could not be built for this machine or the kernel refused it."""


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8),
                ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def syscall_table(machine: str | None = None) -> dict:
    """System call numbers for this machine's architecture; SeccompError if unknown."""
    machine = (machine or platform.machine()).lower()
    if machine not in _TABLES:
        raise SeccompError(0, f"no system call table for architecture {machine!r}")
    return _TABLES[machine]


def _stmt(code: int, k: int) -> tuple:
    return (code, 0, 0, k)


def _jump(code: int, k: int, jt: int, jf: int) -> tuple:
    return (code, jt, jf, k)


def build_program(table: dict) -> list[tuple]:
    """The filter as (code, jt, jf, k) instructions; pure, so tests can read it."""
    prog = [
        _stmt(_LD_W_ABS, _OFFSET_ARCH),
        _jump(_JEQ_K, table["audit_arch"], 1, 0),
        _stmt(_RET_K, _RET_KILL_PROCESS),
        _stmt(_LD_W_ABS, _OFFSET_NR),
    ]
    if table is _X86_64:
        # x32 calls reuse x86_64 numbers with this bit set: refuse them all.
        prog += [_jump(_JSET_K, _X32_SYSCALL_BIT, 0, 1),
                 _stmt(_RET_K, _RET_ERRNO | errno.ENOSYS)]
    for name in (name for name in _BLOCKED_NAMES if name in table):
        prog += [_jump(_JEQ_K, table[name], 0, 1), _stmt(_RET_K, _RET_ERRNO | errno.EPERM)]
    prog += [_jump(_JEQ_K, table["clone3"], 0, 1), _stmt(_RET_K, _RET_ERRNO | errno.ENOSYS)]
    # The two argument checks come last: each reloads the accumulator and returns.
    prog += [
        _jump(_JEQ_K, table["clone"], 0, 4),
        _stmt(_LD_W_ABS, _OFFSET_ARG0_LOW),
        _jump(_JSET_K, _CLONE_NAMESPACE_FLAGS, 0, 1),
        _stmt(_RET_K, _RET_ERRNO | errno.EPERM),
        _stmt(_RET_K, _RET_ALLOW),
        _jump(_JEQ_K, table["socket"], 0, 4),
        _stmt(_LD_W_ABS, _OFFSET_ARG0_LOW),
        _jump(_JEQ_K, _AF_UNIX, 0, 1),
        _stmt(_RET_K, _RET_ALLOW),
        _stmt(_RET_K, _RET_ERRNO | errno.EACCES),
        _stmt(_RET_K, _RET_ALLOW),
    ]
    return prog


def install_filter() -> str:
    """Install the filter on this (single-threaded) process; returns a one-line summary.

    Needs no_new_privs first. Raises SeccompError on an unknown architecture or
    when the kernel refuses (e.g. seccomp disabled, or forbidden by a container).
    """
    table = syscall_table()
    prog = build_program(table)
    array = (_SockFilter * len(prog))(*[_SockFilter(*insn) for insn in prog])
    fprog = _SockFprog(len(prog), ctypes.cast(array, ctypes.POINTER(_SockFilter)))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p,
                           ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise SeccompError(err, os.strerror(err))
    blocked = len([n for n in _BLOCKED_NAMES if n in table])
    return (f"{platform.machine()}: sockets other than AF_UNIX refused, "
            f"{blocked} system calls refused (ptrace, mount, unshare, io_uring, ...), "
            "namespace flags on clone refused")
