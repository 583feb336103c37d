"""Landlock through ctypes: restrict this process's own file, TCP and signal rights.

Landlock is a Linux security module that any process may use on itself, root
or not, so it is the one confinement that also works on an instructor's laptop.
A ruleset says which rights are *handled* (denied unless a rule grants them);
rules grant rights beneath directories or on single files; `restrict_self`
makes it permanent for this process and everything it executes.

Standard library only: the launcher imports this file by path before any
site-packages exist, and it must never import the grader package.

ABI history (highest version the kernel reports decides what is available):
1 filesystem basics, 2 REFER (cross-folder rename/link), 3 TRUNCATE,
4 TCP bind/connect, 5 IOCTL_DEV, 6 scopes (signals, abstract unix sockets).
"""
import ctypes
import os
import stat

# The Landlock system calls have the same numbers on every 64-bit architecture
# we support (x86_64, aarch64): they were added after the numbering was unified.
_SYS_CREATE_RULESET = 444
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446

_CREATE_RULESET_VERSION = 1 << 0
_RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5

NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1  # ABI 4

SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1  # ABI 6

# Rights that make sense on a single file (the kernel rejects the others there).
_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV

READ_EXECUTE = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
LIST_ONLY = FS_READ_DIR
# Everything a scratch folder needs, but not EXECUTE: nothing dropped there runs.
READ_WRITE = (
    FS_WRITE_FILE | FS_READ_FILE | FS_READ_DIR | FS_REMOVE_DIR | FS_REMOVE_FILE
    | FS_MAKE_DIR | FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_SYM
    | FS_REFER | FS_TRUNCATE
)
# A device node in GPU mode (gpu.py): open it read-write and use its ioctls (ABI 5), nothing more.
DEVICE = FS_READ_FILE | FS_WRITE_FILE | FS_IOCTL_DEV


class LandlockError(OSError):
    """A Landlock system call failed; `errno` says why."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel struct is packed: 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _syscall(number: int, *args) -> int:
    result = _libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        err = ctypes.get_errno()
        raise LandlockError(err, os.strerror(err))
    return result


def abi_version() -> int:
    """Highest Landlock ABI the kernel supports; 0 when Landlock is missing or disabled."""
    try:
        return _syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                        ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except LandlockError:
        return 0


def handled_fs_rights(abi: int) -> int:
    """All filesystem rights this ABI can deny."""
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def _attr_size(abi: int) -> int:
    # Older kernels reject a struct longer than they know unless the tail is zero;
    # sending exactly their size keeps the call valid everywhere.
    if abi >= 6:
        return 24
    if abi >= 4:
        return 16
    return 8


def _add_path_rule(ruleset_fd: int, path: str, rights: int, handled: int) -> None:
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= _FILE_RIGHTS
        attr = _PathBeneathAttr(rights & handled, fd)
        _syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset_fd), ctypes.c_int(_RULE_PATH_BENEATH),
                 ctypes.byref(attr), ctypes.c_uint32(0))
    finally:
        os.close(fd)


def restrict_self(*, read_execute: list[str], read_write: list[str], list_only: list[str] = (),
                  deny_tcp: bool = True, scope_signals: bool = True, devices: list[str] = ()) -> dict:
    """Confine this process (and what it executes) to the given paths.

    `read_execute`: folders or files that may be read and executed.
    `read_write`: folders or files that may be read and changed (no execute).
    `list_only`: folders whose entries may be listed (names only, and beneath).
    `devices`: device nodes that may be opened read-write with their ioctls (GPU mode).
    Paths that do not exist or cannot be opened are skipped (and so stay
    denied); a bad path never disables the rest. With `deny_tcp`, every TCP bind and
    connect is refused (ABI >= 4). With `scope_signals`, signals and abstract
    unix sockets cannot reach processes outside this domain (ABI >= 6).

    Needs no_new_privs (or CAP_SYS_ADMIN) first. Returns what was enforced:
    {"abi", "filesystem", "tcp", "scopes", "rules", "skipped"}. Raises
    LandlockError if Landlock is unavailable or a call fails.
    """
    abi = abi_version()
    if abi < 1:
        raise LandlockError(0, "Landlock is not supported or is disabled in this kernel")
    handled = handled_fs_rights(abi)
    attr = _RulesetAttr(handled, 0, 0)
    if deny_tcp and abi >= 4:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP
    if scope_signals and abi >= 6:
        attr.scoped = SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX_SOCKET
    ruleset_fd = _syscall(_SYS_CREATE_RULESET, ctypes.byref(attr),
                          ctypes.c_size_t(_attr_size(abi)), ctypes.c_uint32(0))
    rules, skipped = 0, []
    try:
        grants = ([(p, READ_EXECUTE) for p in read_execute] + [(p, READ_WRITE) for p in read_write]
                  + [(p, LIST_ONLY) for p in list_only] + [(p, DEVICE) for p in devices])
        for path, rights in grants:
            try:
                _add_path_rule(ruleset_fd, path, rights, handled)
                rules += 1
            except OSError as error:  # missing or out of reach: simply not granted
                skipped.append(f"{path}: {error.strerror}")
        _syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset_fd), ctypes.c_uint32(0))
    finally:
        os.close(ruleset_fd)
    return {
        "abi": abi,
        "filesystem": True,
        "tcp": bool(attr.handled_access_net),
        "scopes": bool(attr.scoped),
        "rules": rules,
        "skipped": skipped,
    }
