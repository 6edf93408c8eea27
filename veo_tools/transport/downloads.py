"""Write a streamed video body to disk: temp file, checks, fsync, atomic rename.

The body is never held in memory; it is written as the network delivers it. On any failure the
temp file is removed and nothing is left at the destination.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import httpx

from veo_tools.errors import DownloadError, InvalidRequestError
from veo_tools.transport.error_map import read_server_message

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


def _expected_length(response: httpx.Response) -> int | None:
    encoding = response.headers.get("content-encoding", "identity").lower()
    raw = response.headers.get("content-length")
    if raw is None or encoding not in ("", "identity") or not raw.strip().isdigit():
        return None
    return int(raw)


#: Flush written data to disk in the background every this many bytes, so the final fsync (which
#: makes the file durable before it is renamed into place) has little left to do.
FLUSH_EVERY = 32 * 1024 * 1024


async def _copy_body(response: httpx.Response, out: BinaryIO, *, expected_mp4: bool) -> int:
    """Copy the body as the network delivers it (no re-chunking), checking its first bytes."""
    written = flushed = 0
    head = b""
    content_type = response.headers.get("content-type", "")
    syncing: asyncio.Future[None] | None = None
    try:
        async for chunk in response.aiter_bytes():
            if expected_mp4 and len(head) < 8:
                head += chunk[: 8 - len(head)]
                if len(head) >= 8 and not _has_ftyp(head):
                    raise _not_a_video(chunk[:_PEEK_BYTES], content_type, "not an MP4 body")
            out.write(chunk)
            written += len(chunk)
            if written - flushed >= FLUSH_EVERY and (syncing is None or syncing.done()):
                out.flush()
                flushed = written
                # Disk writes overlap the network instead of all happening at the end.
                syncing = asyncio.ensure_future(asyncio.to_thread(os.fdatasync, out.fileno()))
        out.flush()
    finally:
        if syncing is not None:
            await asyncio.gather(syncing, return_exceptions=True)
    # The last flush can still take a while: keep the event loop (progress, polling) free.
    await asyncio.to_thread(os.fsync, out.fileno())
    return written


def _check_file(tmp: Path, written: int, expected: int | None, *, expected_mp4: bool) -> None:
    if expected is not None and written != expected:
        raise DownloadError(
            f"Incomplete download: received {written} of {expected} bytes. Try the download again."
        )
    if written == 0:
        raise DownloadError("The download was empty (0 bytes). Try the download again.")
    if expected_mp4:
        with tmp.open("rb") as handle:
            head = handle.read(8)
        if not _has_ftyp(head):
            raise DownloadError(
                f"The downloaded file is not an MP4 (no 'ftyp' box, {written} bytes). Try the "
                "download again; if it persists the task output is unusable."
            )


async def save_video(response: httpx.Response, dest: Path, *, expected_mp4: bool = True) -> Path:
    """Stream ``response``'s body into ``dest`` atomically; refuse JSON/HTML and non-MP4 bodies."""
    content_type = response.headers.get("content-type", "").lower()
    if any(kind in content_type for kind in _NOT_VIDEO_TYPES):
        what = "HTML" if "html" in content_type else "JSON" if "json" in content_type else "text"
        raise _not_a_video(await read_limited(response), content_type, what)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(dest)
    try:
        with tmp.open("wb") as out:
            written = await _copy_body(response, out, expected_mp4=expected_mp4)
        _check_file(tmp, written, _expected_length(response), expected_mp4=expected_mp4)
        os.replace(tmp, dest)
    except httpx.TransportError as exc:
        tmp.unlink(missing_ok=True)
        raise DownloadError(
            f"The download was cut ({type(exc).__name__}). Try the download again."
        ) from exc
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
