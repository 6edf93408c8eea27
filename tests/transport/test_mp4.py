"""The MP4 box walk: whole files pass, cut files are 'truncated', anything else is garbage."""

from __future__ import annotations

from pathlib import Path

import pytest
from mp4_support import FTYP, MOOV, box, large_box, mp4_bytes

from veo_tools.sandbox import sample_video
from veo_tools.transport.mp4 import check_mp4

SIZE_ZERO_MDAT = FTYP + MOOV + b"\x00\x00\x00\x00mdat" + bytes(500)


@pytest.mark.parametrize(
    "data",
    [
        sample_video(),
        mp4_bytes(),
        mp4_bytes(moov_first=False),
        FTYP + MOOV + large_box(b"mdat", bytes(1000)),
        SIZE_ZERO_MDAT,
        FTYP + box(b"free") + MOOV + box(b"mdat", b"x"),
    ],
    ids=["sandbox-sample", "moov-first", "mdat-first", "largesize", "size-zero", "free-box"],
)
def test_a_whole_mp4_passes_the_walk(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    assert check_mp4(path) is None


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (mp4_bytes()[:-10], "ends inside the 'mdat' box"),
        (mp4_bytes()[: len(FTYP) + 4], "ends inside a box header"),
        (FTYP + box(b"mdat", bytes(100)), "no 'moov' box"),
        (FTYP + MOOV + large_box(b"mdat", bytes(100))[:12], "ends inside the 'mdat' box header"),
        (b"", "empty"),
    ],
    ids=["mid-mdat", "mid-header", "moov-never-came", "mid-largesize", "empty"],
)
def test_a_cut_file_is_reported_as_truncated(tmp_path: Path, data: bytes, says: str) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    problem = check_mp4(path)
    assert problem is not None and problem.truncated and says in problem.reason


@pytest.mark.parametrize(
    "data",
    [
        MOOV + FTYP + box(b"mdat", b"x"),
        FTYP + b"\x00\x00\x00\x03moov" + bytes(20),
        FTYP + box(b"\x00\x01\x02\x03", bytes(10)) + MOOV,
        box(b"moov", bytes(8)),
    ],
    ids=["ftyp-not-first", "size-below-header", "unnamed-box", "no-ftyp"],
)
def test_garbage_is_not_mistaken_for_a_cut(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(data)
    problem = check_mp4(path)
    assert problem is not None and not problem.truncated
