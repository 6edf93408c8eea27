"""Hostile video hosts on loopback: cut bodies (with and without a length), resumes, endless and
dribbling bodies, garbage. A video is saved whole or not at all, and a cut is fetched again."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from hostile import Seen, head, hostile_server
from mp4_support import mp4_bytes
from pydantic import SecretStr

from veo_tools.errors import DownloadError
from veo_tools.transport.http import ApiHttp

VIDEO = mp4_bytes(bytes(range(256)) * 1024)  # 256 KiB of media
HALF = len(VIDEO) // 2


async def _no_sleep(_seconds: float) -> None:
    return None


async def _fetch(url: str, dest: Path, **options: float) -> None:
    http = ApiHttp("https://api.example.test", SecretStr("sk-test-key-123456"), sleep=_no_sleep)
    for name, value in options.items():
        setattr(http, name, value)
    async with http:
        await http.download_to(url, dest, api=False)


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def test_a_body_cut_without_a_content_length_is_fetched_again(tmp_path: Path) -> None:
    async def cdn(seen: Seen, writer: asyncio.StreamWriter) -> None:
        body = VIDEO[:HALF] if len(server.seen) == 1 else VIDEO  # the first answer is cut
        writer.write(head(content_type="video/mp4") + body)

    async with hostile_server(cdn) as server:
        await _fetch(server.base_url + "/v.mp4", tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO and len(server.seen) == 2


async def test_a_body_cut_short_of_its_content_length_is_fetched_again(tmp_path: Path) -> None:
    async def cdn(seen: Seen, writer: asyncio.StreamWriter) -> None:
        body = VIDEO[:HALF] if len(server.seen) == 1 else VIDEO
        writer.write(head(content_type="video/mp4", content_length=str(len(VIDEO))) + body)

    async with hostile_server(cdn) as server:
        await _fetch(server.base_url + "/v.mp4", tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO and len(server.seen) == 2


def _ranged(*, honour: bool = True, shift: int = 0) -> object:
    """A host that advertises byte ranges, cuts its first answer in half, and answers a Range
    with 206 (or, when not ``honour``, the whole file again), its Content-Range off by ``shift``."""

    answered: list[Seen] = []

    async def cdn(seen: Seen, writer: asyncio.StreamWriter) -> None:
        answered.append(seen)
        wanted = seen.headers.get("range")
        if wanted is None:
            common = head(content_type="video/mp4", content_length=str(len(VIDEO)),
                          accept_ranges="bytes", etag='"v1"')  # fmt: skip
            writer.write(common + (VIDEO[:HALF] if len(answered) == 1 else VIDEO))
            return
        if not honour:
            writer.write(head(content_type="video/mp4", content_length=str(len(VIDEO))) + VIDEO)
            return
        start = int(wanted.removeprefix("bytes=").rstrip("-")) + shift
        rest = VIDEO[start:]
        writer.write(
            head(
                "206 Partial Content",
                content_type="video/mp4",
                content_length=str(len(rest)),
                content_range=f"bytes {start}-{len(VIDEO) - 1}/{len(VIDEO)}",
            )
            + rest
        )

    return cdn


async def test_a_cut_is_resumed_with_range_where_the_host_allows_it(tmp_path: Path) -> None:
    async with hostile_server(_ranged()) as server:  # type: ignore[arg-type]
        await _fetch(server.base_url + "/v.mp4", tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO
    first, second = server.seen
    assert "range" not in first.headers
    assert second.headers["range"] == f"bytes={HALF}-" and second.headers["if-range"] == '"v1"'


async def test_a_host_that_ignores_range_is_read_again_from_the_start(tmp_path: Path) -> None:
    async with hostile_server(_ranged(honour=False)) as server:  # type: ignore[arg-type]
        await _fetch(server.base_url + "/v.mp4", tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO and len(server.seen) == 2


async def test_a_resume_at_the_wrong_place_is_discarded_and_the_file_fetched_whole(
    tmp_path: Path,
) -> None:
    async with hostile_server(_ranged(shift=-100)) as server:  # type: ignore[arg-type]
        await _fetch(server.base_url + "/v.mp4", tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO
    assert [("range" in s.headers) for s in server.seen] == [False, True, False]


async def test_a_host_that_always_cuts_gives_up_after_three_tries_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    async def cdn(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(head(content_type="video/mp4") + VIDEO[:HALF])

    async with hostile_server(cdn) as server:
        with pytest.raises(DownloadError, match=r"ends inside the 'mdat' box.*tried 3 time"):
            await _fetch(server.base_url + "/v.mp4", tmp_path / "v.mp4")
    assert len(server.seen) == 3 and _leftovers(tmp_path) == []


async def test_an_endless_body_stops_at_the_size_cap(tmp_path: Path) -> None:
    async def cdn(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(head(content_type="video/mp4") + VIDEO[:64])
        while True:
            writer.write(b"\0" * 65536)
            await writer.drain()

    async with hostile_server(cdn) as server:
        with pytest.raises(DownloadError, match="larger than the 1 MiB cap"):
            await _fetch(server.base_url + "/v.mp4", tmp_path / "v.mp4", max_video_bytes=2**20)
    assert len(server.seen) == 1 and _leftovers(tmp_path) == []


async def test_a_content_length_over_the_cap_is_refused_before_reading(tmp_path: Path) -> None:
    async def cdn(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(head(content_type="video/mp4", content_length=str(50 * 2**30)) + VIDEO)

    async with hostile_server(cdn) as server:
        with pytest.raises(DownloadError, match="larger than the 1 MiB cap"):
            await _fetch(server.base_url + "/v.mp4", tmp_path / "v.mp4", max_video_bytes=2**20)
    assert len(server.seen) == 1 and _leftovers(tmp_path) == []


async def test_a_dribbling_host_is_cut_by_the_download_deadline(tmp_path: Path) -> None:
    async def cdn(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(head(content_type="video/mp4") + VIDEO[:64])
        for byte in VIDEO[64:]:  # one byte every 50 ms: no read time-out ever trips
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)

    started = time.monotonic()
    async with hostile_server(cdn) as server:
        with pytest.raises(DownloadError, match=r"did not finish within 0\.5 s"):
            await _fetch(server.base_url + "/v.mp4", tmp_path / "v.mp4", download_timeout=0.5)
    assert time.monotonic() - started < 3 and _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "body",
    [
        VIDEO[:40] + b"\xff\xfe\xfd\xfc" * 100,  # garbage after the ftyp box
        mp4_bytes()[:32] + b"\x00\x00\x00\x04moov",  # a box smaller than its header
        mp4_bytes() + b"\x00\x00\x00\x10\x01\x02\x03\x04" + bytes(8),  # a box with no name
    ],
    ids=["garbage-after-ftyp", "box-too-small", "unnamed-box"],
)
async def test_a_garbage_body_is_refused_without_fetching_it_again(
    tmp_path: Path, body: bytes
) -> None:
    async def cdn(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(head(content_type="video/mp4", content_length=str(len(body))) + body)

    async with hostile_server(cdn) as server:
        with pytest.raises(DownloadError, match="not a whole MP4"):
            await _fetch(server.base_url + "/v.mp4", tmp_path / "v.mp4")
    assert len(server.seen) == 1 and _leftovers(tmp_path) == []


async def test_a_whole_mp4_with_moov_after_mdat_is_saved(tmp_path: Path) -> None:
    late = mp4_bytes(moov_first=False)

    async def cdn(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(head(content_type="video/mp4") + late)

    async with hostile_server(cdn) as server:
        await _fetch(server.base_url + "/v.mp4", tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == late and len(server.seen) == 1
