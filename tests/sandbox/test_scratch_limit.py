"""What the child writes in all is capped: many files, each under the file size
limit, stop at the scratch limit with a clear reason, and the next call runs in a
fresh child."""
from __future__ import annotations

import pytest

from autograder.sandbox import Limits
from autograder.sandbox.scratch_watch import scratch_usage
from autograder.sandbox.session import ChildCrashed, ChildSession
from tests.sandbox.conftest import stage_toy_module

MiB = 2**20
MODULE = '''
import os


def fill(files, mib):
    block = b"x" * (1 << 20)
    for i in range(files):
        with open(os.path.join(os.environ["TMPDIR"], f"fill{i}"), "wb") as fh:
            for _ in range(mib):
                fh.write(block)
    return files * mib


def double(x):
    return 2 * x
'''


def test_usage_counts_disk_blocks_not_links(tmp_path):
    (tmp_path / "a").write_bytes(b"x" * MiB)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b").write_bytes(b"x" * MiB)
    (tmp_path / "link").symlink_to("/usr")
    used, entries = scratch_usage(tmp_path)
    assert 2 * MiB <= used < 3 * MiB and entries == 4, (used, entries)


@pytest.mark.slow
def test_writing_past_the_scratch_limit_stops_the_child(tmp_path_factory, sandbox_uid):
    staged = stage_toy_module(tmp_path_factory, MODULE)
    limits = Limits(fsize_bytes=16 * MiB, scratch_bytes=32 * MiB)
    run_as = str(sandbox_uid) if sandbox_uid is not None else None
    with ChildSession(staged_dir=staged, limits=limits, run_as=run_as) as session:
        session.request({"op": "import", "module": "toy"}, timeout=120)
        assert session.protections["scratch_size_limit"]["active"], session.protections
        with pytest.raises(ChildCrashed, match="wrote more than 32 MB to disk") as info:
            # 40 files of 8 MiB: each under the file size limit, 320 MiB together
            session.request({"op": "call", "module": "toy", "function": "fill", "args": [40, 8], "kwargs": {},
                             "transforms": []}, timeout=60)
        assert "write less" in str(info.value)
        reply = session.request({"op": "call", "module": "toy", "function": "double", "args": [2], "kwargs": {},
                                 "transforms": []}, timeout=60)
        assert reply == 4, reply
