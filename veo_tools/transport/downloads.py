"""Write a streamed video body to disk: temp file, checks, fsync, atomic rename.

The body is never held in memory; it is written as the network delivers it, up to a size cap.
It is complete only when its length matches ``Content-Length`` (when sent) and its top-level MP4
boxes tile the file (:mod:`veo_tools.transport.mp4`): a CDN that closes the connection early
without a length is caught too. A body cut short is fetched again a bounded number of times,
resumed with ``Range`` when the server advertised ``Accept-Ranges: bytes`` and answers 206 with
a matching ``Content-Range`` (otherwise from the start). On any failure the temp file is removed
and nothing is left at the destination.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import httpx

from veo_tools.errors import DownloadError, InvalidRequestError
from veo_tools.transport.error_map import read_server_message
from veo_tools.transport.mp4 import check_mp4

logger = logging.getLogger(__name__)

_PEEK_BYTES = 64 * 1024
_NOT_VIDEO_TYPES = ("application/json", "text/html", "text/plain", "application/problem+json")


def is_json_response(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "").lower()


def temp_path_for(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.part-{secrets.token_hex(6)}")


async def read_limited(response: httpx.Response, limit: int = _PEEK_BYTES) -> bytes:
    """At most ``limit`` bytes of a streamed body (enough for an error message)."""
    buffer = bytearray()
    async for chunk in response.aiter_bytes():
        buffer.extend(chunk)
        if len(buffer) >= limit:
            break
    return bytes(buffer[:limit])


def _not_a_video(body: bytes, content_type: str, what: str) -> DownloadError:
    message = read_server_message(body, content_type)
    return DownloadError(
        f"The download answered {what} instead of a video: {message.text}. The video may not be "
        "ready yet or its link expired: check the task status, then download again."
    )


def _has_ftyp(head: bytes) -> bool:
    return len(head) >= 8 and head[4:8] == b"ftyp"


#: The largest video saved unless the settings say otherwise (``Settings.max_video_bytes``).
DEFAULT_MAX_VIDEO_BYTES = 2 * 1024**3
#: Tries per download: a body cut short is fetched again (resumed where the server allows).
DOWNLOAD_ATTEMPTS = 3
#: Flush written data to disk in the background every this many bytes, so the final fsync (which
#: makes the file durable before it is renamed into place) has little left to do.
FLUSH_EVERY = 32 * 1024 * 1024
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+)\s*$", re.I)

#: Opens the same download again with extra headers (``Range``); yields the streamed response.
Reopen = Callable[[Mapping[str, str]], AbstractAsyncContextManager[httpx.Response]]


class _Cut(Exception):
    """The body ended early: fetching it again (or the rest of it) may well succeed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Progress:
    """What is on disk so far and what the server said about the whole file."""

    written: int = 0
    total: int | None = None
    ranges: bool = False
    etag: str | None = None

    def resume_headers(self) -> dict[str, str]:
        if not (self.ranges and self.written and self.total):
            return {}
        headers = {"Range": f"bytes={self.written}-"}
        if self.etag and not self.etag.startswith("W/"):
            headers["If-Range"] = self.etag  # a changed file comes back whole (200)
        return headers


def _expected_length(response: httpx.Response) -> int | None:
    encoding = response.headers.get("content-encoding", "identity").lower()
    raw = response.headers.get("content-length")
    if raw is None or encoding not in ("", "identity") or not raw.strip().isdigit():
        return None
    return int(raw)


def _start_at(response: httpx.Response, state: _Progress) -> int:
    """Where this response's bytes go: 0 for a whole body, the resume point for a valid 206."""
    if response.status_code != 206:
        state.total = _expected_length(response)
        return 0
    match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
    first, total = (int(match.group(1)), int(match.group(3))) if match else (-1, None)
    if first != state.written or (state.total is not None and total != state.total):
        state.written, state.ranges = 0, False  # start over without Range next time
        raise _Cut("the server resumed at the wrong place")
    state.total = total
    return first


def _too_large(size: int, limit: int) -> DownloadError:
    return DownloadError(
        f"The video is larger than the {limit / 1024**2:.0f} MiB cap ({size} bytes or more); "
        "nothing was saved. A Veo clip is a few MB: the link does not serve a single video. "
        "Raise Settings.max_video_bytes only if you expect files this large."
    )


async def _copy_body(
    response: httpx.Response, out: BinaryIO, state: _Progress, *, limit: int, expected_mp4: bool
) -> None:
    """Append the body as the network delivers it (no re-chunking), checking its first bytes."""
    head = b""
    flushed = state.written
    content_type = response.headers.get("content-type", "")
    syncing: asyncio.Future[None] | None = None
    try:
        async for chunk in response.aiter_bytes():
            if expected_mp4 and state.written < 8:
                head += chunk[: 8 - len(head)]
                if len(head) >= 8 and not _has_ftyp(head):
                    raise _not_a_video(chunk[:_PEEK_BYTES], content_type, "not an MP4 body")
            if state.written + len(chunk) > limit:
                raise _too_large(state.written + len(chunk), limit)
            out.write(chunk)
            state.written += len(chunk)
            if state.written - flushed >= FLUSH_EVERY and (syncing is None or syncing.done()):
                out.flush()
                flushed = state.written
                # Disk writes overlap the network instead of all happening at the end.
                syncing = asyncio.ensure_future(asyncio.to_thread(os.fdatasync, out.fileno()))
    except httpx.TransportError as exc:
        kind = type(exc).__name__
        raise _Cut(f"the connection broke after {state.written} bytes ({kind})") from exc
    finally:
        out.flush()
        if syncing is not None:
            await asyncio.gather(syncing, return_exceptions=True)


async def _take(
    response: httpx.Response, out: BinaryIO, state: _Progress, *, limit: int, expected_mp4: bool
) -> None:
    """Write one response's body at its place in the file."""
    _refuse_non_video(response)
    start = _start_at(response, state)
    out.seek(start)
    out.truncate(start)
    state.written = start
    state.ranges = response.headers.get("accept-ranges", "").strip().lower() == "bytes"
    state.etag = response.headers.get("etag")
    if state.total is not None and state.total > limit:
        raise _too_large(state.total, limit)
    await _copy_body(response, out, state, limit=limit, expected_mp4=expected_mp4)


def _check_file(tmp: Path, state: _Progress, *, expected_mp4: bool) -> None:
    if state.total is not None and state.written != state.total:
        raise _Cut(f"received {state.written} of {state.total} bytes")
    if state.written == 0:
        raise _Cut("the body was empty")
    if not expected_mp4:
        return
    problem = check_mp4(tmp)
    if problem is not None and problem.truncated:
        raise _Cut(f"the MP4 is incomplete: {problem.reason}")
    if problem is not None:
        raise DownloadError(
            f"The downloaded file is not a whole MP4 ({problem.reason}; {state.written} bytes). "
            "Try the download again; if it persists the task output is unusable."
        )


def _refuse_non_video(response: httpx.Response) -> None:
    content_type = response.headers.get("content-type", "").lower()
    if any(kind in content_type for kind in _NOT_VIDEO_TYPES):
        what = "HTML" if "html" in content_type else "JSON" if "json" in content_type else "text"
        raise _NotVideo(what)


class _NotVideo(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


async def _fill(
    response: httpx.Response,
    out: BinaryIO,
    tmp: Path,
    reopen: Reopen | None,
    *,
    limit: int,
    attempts: int,
    expected_mp4: bool,
) -> int:
    """Write the video into ``out``, fetching again (resuming where allowed) after a cut."""
    state = _Progress()
    for attempt in range(1, attempts + 1):
        try:
            if attempt == 1:
                await _take(response, out, state, limit=limit, expected_mp4=expected_mp4)
            else:
                assert reopen is not None
                async with reopen(state.resume_headers()) as again:
                    await _take(again, out, state, limit=limit, expected_mp4=expected_mp4)
            await asyncio.to_thread(os.fsync, out.fileno())  # keep the loop free meanwhile
            _check_file(tmp, state, expected_mp4=expected_mp4)
            return state.written
        except _Cut as cut:
            if reopen is None or attempt == attempts:
                raise DownloadError(
                    f"Incomplete download: {cut.reason} (tried {attempt} time(s)); nothing was "
                    "saved. Try the download again later."
                ) from None
            how = "resuming" if state.resume_headers() else "starting over"
            logger.warning("download cut (%s); %s, try %d", cut.reason, how, attempt + 1)
    raise AssertionError("unreachable")  # pragma: no cover


async def save_video(
    response: httpx.Response,
    dest: Path,
    *,
    reopen: Reopen | None = None,
    max_bytes: int = DEFAULT_MAX_VIDEO_BYTES,
    attempts: int = DOWNLOAD_ATTEMPTS,
    expected_mp4: bool = True,
) -> Path:
    """Stream ``response``'s body into ``dest`` atomically; refuse JSON/HTML, non-MP4, cut and
    oversized bodies. With ``reopen``, a cut body is fetched again up to ``attempts`` times."""
    try:
        _refuse_non_video(response)
    except _NotVideo as exc:
        content_type = response.headers.get("content-type", "")
        raise _not_a_video(await read_limited(response), content_type, exc.what) from None
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(dest)
    try:
        with tmp.open("w+b") as out:
            written = await _fill(
                response,
                out,
                tmp,
                reopen,
                limit=max_bytes,
                attempts=attempts,
                expected_mp4=expected_mp4,
            )
        os.replace(tmp, dest)
    except _NotVideo as exc:
        tmp.unlink(missing_ok=True)
        raise DownloadError(
            f"The download answered {exc.what} instead of a video when fetched again. The link "
            "may have expired: check the task status, then download again."
        ) from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DownloadError(
            f"Could not write the video to {dest.parent} ({exc.strerror}). Free some space or set "
            "VEO_TOOLS_OUTPUT_DIR to a writable directory, then try the download again."
        ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    logger.info("saved video %s (%d bytes)", dest, written)
    return dest


def checked_video_url(url: str) -> str:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise InvalidRequestError(
            f"Refusing to download {url[:80]!r}: only http and https video URLs are fetched."
        )
    return url


def video_host_error(response: httpx.Response) -> DownloadError:
    message = read_server_message(response.content, response.headers.get("content-type", ""))
    status = response.status_code
    hint = (
        "the link may have expired (Reverse video URLs last about 24 h): check the task status"
        if status in (401, 403, 404, 410)
        else "try the download again"
    )
    return DownloadError(
        f"The video host answered HTTP {status} ({message.text}); {hint}.", status_code=status
    )
