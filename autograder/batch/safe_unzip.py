"""Unpacking a student's zip without trusting it.

Every entry is checked before anything is written: no absolute paths, no
``..``, no links or device files, no encryption, and caps on the number of
files and their sizes (declared and actually read), so a crafted archive can
neither write outside its folder nor fill the disk. Finder and Explorer
leftovers (``__MACOSX/``, ``.DS_Store``) are skipped.
"""
from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

JUNK_PARTS = {"__MACOSX", ".DS_Store", "Thumbs.db"}


@dataclass(frozen=True)
class ZipLimits:
    max_files: int = 500
    max_file_bytes: int = 10 * 1024 * 1024
    max_total_bytes: int = 50 * 1024 * 1024


class UnsafeArchive(Exception):
    """The zip was refused; the message says why, in terms a student can act on."""


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The entry's relative path, or None for junk; raises UnsafeArchive if it escapes."""
    name = info.filename.replace("\\", "/")
    if "\x00" in name:
        raise UnsafeArchive(f"entry {info.filename!r} has a NUL byte in its name")
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        raise UnsafeArchive(f"entry {info.filename!r} is an absolute path; zip the files themselves")
    if ".." in path.parts:
        raise UnsafeArchive(f"entry {info.filename!r} points outside the folder (..)")
    if JUNK_PARTS.intersection(path.parts):
        return None
    return path


def _check_kind(info: zipfile.ZipInfo) -> None:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise UnsafeArchive(f"entry {info.filename!r} is a symbolic link; zip real files only")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise UnsafeArchive(f"entry {info.filename!r} is not a regular file or folder")
    if info.flag_bits & 0x1:
        raise UnsafeArchive(f"entry {info.filename!r} is encrypted; submit an unencrypted zip")


def plan_extraction(archive: zipfile.ZipFile, limits: ZipLimits) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """The entries to write, after checking every one of them."""
    planned, total = [], 0
    for info in archive.infolist():
        _check_kind(info)
        path = _member_path(info)
        if path is None or info.is_dir():
            continue
        if info.file_size > limits.max_file_bytes:
            raise UnsafeArchive(
                f"entry {info.filename!r} is {info.file_size} bytes; the limit is {limits.max_file_bytes}")
        total += info.file_size
        planned.append((info, path))
    if len(planned) > limits.max_files:
        raise UnsafeArchive(f"the zip holds {len(planned)} files; the limit is {limits.max_files}")
    if total > limits.max_total_bytes:
        raise UnsafeArchive(f"the zip unpacks to {total} bytes; the limit is {limits.max_total_bytes}")
    return planned


def _copy_bounded(source, target: Path, limit: int) -> int:
    written = 0
    with open(target, "xb") as out:
        while chunk := source.read(64 * 1024):
            written += len(chunk)
            if written > limit:
                raise UnsafeArchive(f"entry {target.name!r} unpacks to more than its declared size")
            out.write(chunk)
    return written


def extract_zip(zip_path: Path, dest: Path, *, limits: ZipLimits = ZipLimits()) -> list[str]:
    """Unpack ``zip_path`` into the empty or new folder ``dest``; return the files written."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise ValueError(f"{dest} must be empty")
    try:
        with zipfile.ZipFile(zip_path) as archive:
            planned = plan_extraction(archive, limits)
            written, total = [], 0
            for info, path in planned:
                target = dest.joinpath(*path.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source:
                    total += _copy_bounded(source, target, min(info.file_size, limits.max_file_bytes))
                if total > limits.max_total_bytes:
                    raise UnsafeArchive(f"the zip unpacks to more than {limits.max_total_bytes} bytes")
                written.append(path.as_posix())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        _empty(dest)
        raise UnsafeArchive(f"not a readable zip file ({exc})") from None
    except UnsafeArchive:
        _empty(dest)
        raise
    except OSError as exc:  # a name given twice, or a file where a folder must go
        _empty(dest)
        clash = f"{exc.strerror}: {Path(exc.filename or '?').name}"
        raise UnsafeArchive(f"the zip's entries clash with each other ({clash})") from None
    return written


def _empty(folder: Path) -> None:
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
