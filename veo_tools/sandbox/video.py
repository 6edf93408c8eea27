"""Sending the MP4: whole, or cut short behind an honest ``Content-Length`` (the truncate fault)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.responses import Response, StreamingResponse

_CHUNK = 16 * 1024


def video_response(data: bytes, *, truncate: bool = False) -> Response:
    """``video/mp4`` with ``Content-Length``; when ``truncate``, only the first half is sent."""
    headers = {"Content-Length": str(len(data)), "Accept-Ranges": "none"}
    if not truncate:
        return Response(data, media_type="video/mp4", headers=headers)
    return StreamingResponse(
        _chunks(data[: len(data) // 2]), media_type="video/mp4", headers=headers
    )


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), _CHUNK):
        yield data[start : start + _CHUNK]
