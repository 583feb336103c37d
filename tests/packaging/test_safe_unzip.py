"""Student zips are unpacked only when every entry stays inside its folder and within size caps."""
from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from autograder.batch.safe_unzip import UnsafeArchive, ZipLimits, extract_zip


def make_zip(path: Path, entries: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def test_a_normal_zip_unpacks_and_skips_finder_junk(tmp_path):
    archive = make_zip(tmp_path / "ok.zip", {
        "repo/assignments/grad_forces.py": b"x = 1\n",
        "__MACOSX/repo/._grad_forces.py": b"junk",
        "repo/.DS_Store": b"junk",
    })
    written = extract_zip(archive, tmp_path / "out")
    assert written == ["repo/assignments/grad_forces.py"]
    assert (tmp_path / "out/repo/assignments/grad_forces.py").read_bytes() == b"x = 1\n"


@pytest.mark.parametrize(
    "name, reason",
    [("../escape.py", "outside the folder"), ("a/../../escape.py", "outside the folder"),
     ("/etc/cron.d/job", "absolute path"), ("C:/windows/evil.py", "absolute path"),
     ("..\\escape.py", "outside the folder")],
)
def test_entries_that_escape_are_refused_before_anything_is_written(tmp_path, name, reason):
    archive = make_zip(tmp_path / "bad.zip", {"fine.py": b"x = 1\n", name: b"pwned"})
    with pytest.raises(UnsafeArchive, match=reason):
        extract_zip(archive, tmp_path / "out")
    assert not any((tmp_path / "out").iterdir()), "nothing may be left behind from a refused zip"
    assert not (tmp_path / "escape.py").exists()


def test_symbolic_links_are_refused(tmp_path):
    archive = make_zip(tmp_path / "link.zip", {"a.py": b""}, symlinks={"solutions": "/work/solutions"})
    with pytest.raises(UnsafeArchive, match="symbolic link"):
        extract_zip(archive, tmp_path / "out")


def test_size_and_count_caps(tmp_path):
    limits = ZipLimits(max_files=3, max_file_bytes=1000, max_total_bytes=2500)
    big = make_zip(tmp_path / "big.zip", {"big.bin": b"0" * 1001})
    with pytest.raises(UnsafeArchive, match="1001 bytes; the limit is 1000"):
        extract_zip(big, tmp_path / "out1", limits=limits)
    many = make_zip(tmp_path / "many.zip", {f"f{i}.py": b"" for i in range(4)})
    with pytest.raises(UnsafeArchive, match="4 files; the limit is 3"):
        extract_zip(many, tmp_path / "out2", limits=limits)
    total = make_zip(tmp_path / "total.zip", {f"f{i}.bin": b"0" * 900 for i in range(3)})
    with pytest.raises(UnsafeArchive, match="unpacks to 2700 bytes"):
        extract_zip(total, tmp_path / "out3", limits=limits)


def test_a_compression_bomb_is_refused_by_its_declared_size(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * (11 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    with pytest.raises(UnsafeArchive, match="limit"):
        extract_zip(path, tmp_path / "out")


def test_garbage_is_not_a_zip(tmp_path):
    path = tmp_path / "garbage.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(UnsafeArchive, match="not a readable zip"):
        extract_zip(path, tmp_path / "out")


def test_a_name_given_twice_is_refused(tmp_path):
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr("a.py", b"1")
        archive.writestr("a.py", b"2")
    with pytest.raises(UnsafeArchive, match="clash"):
        extract_zip(path, tmp_path / "out")
