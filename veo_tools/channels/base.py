"""Types shared by both channel clients: what goes out and what comes back.

Both clients have the same method names: ``submit(request) -> RemoteTask``,
``get(remote_id) -> RemoteTask`` and ``download(remote_id, dest, ...) -> DownloadResult``; the
Reverse client adds ``stream(request)`` and ``complete(request)`` for the chat-completions endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

RemoteStatus = Literal["queued", "in_progress", "completed", "failed"]


@dataclass(frozen=True)
class ImagePayload:
    """One reference image, checked and ready to send.

    Exactly one of ``data`` (bytes read from a file or a ``data:`` URL) and ``url`` (an https URL
    passed through) is set.
    """

    mime: str | None
    data: bytes | None = None
    url: str | None = None
    filename: str = "image"
    #: sha256 of the bytes, or of the URL when only a URL is known; part of the fingerprint.
    digest: str = ""

    def __repr__(self) -> str:
        size = f"{len(self.data)} bytes" if self.data is not None else self.url
        return f"ImagePayload({self.filename!r}, {self.mime}, {size})"


@dataclass(frozen=True)
class VideoRequest:
    """A request already validated against the catalog, in engine terms (not wire terms)."""

    model: str
    prompt: str
    seconds: int | None = None
    resolution: str | None = None
    aspect_ratio: str | None = None
    images: tuple[ImagePayload, ...] = ()
    negative_prompt: str | None = None
    seed: int | None = None
    #: How ``images`` are used: ``"frames"`` (first, then last) or ``"references"``; ``None``
    #: lets the model's catalog entry decide (its first image role).
    image_role: Literal["frames", "references"] | None = None
    #: ``False`` asks for a silent video where the model lets one choose; ``None``: its default.
    audio: bool | None = None


@dataclass(frozen=True)
class RemoteTask:
    """A task as the API describes it, normalised from whichever spelling the server used."""

    remote_id: str
    status: RemoteStatus
    progress: int = 0
    error: str | None = None
    video_url: str | None = None
    created_at: int | None = None
    completed_at: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    #: Output tokens the API reports having billed (Seedance ``usage.completion_tokens``).
    tokens: int | None = None
    #: Whether this outcome is billed, when the protocol says so against the usual rule (a Grok
    #: moderation block ends ``failed`` and is billed); ``None``: the usual rule applies.
    billed: bool | None = None


@dataclass(frozen=True)
class StreamEvent:
    """One step of a streamed (chat-completions) generation.

    ``kind="progress"`` carries the text of the chunk and a percentage where one could be read;
    ``kind="result"`` is the last event and carries the video URL.
    """

    kind: Literal["progress", "result"]
    text: str = ""
    progress: int | None = None
    video_url: str | None = None
    completion_id: str | None = None


@dataclass(frozen=True)
class DownloadResult:
    """Where a video was saved, and the remote URL it came from (Reverse only; Official serves
    bytes from ``/content`` and has no URL)."""

    path: Path
    video_url: str | None = None


class ChannelClient(Protocol):
    """What both channel clients share (each adds keyword options to ``download``)."""

    async def submit(self, req: VideoRequest) -> RemoteTask: ...

    async def get(self, remote_id: str) -> RemoteTask: ...

    async def download(self, remote_id: str, dest: Path) -> DownloadResult: ...
