"""Seedance over the Volcano Engine tasks protocol (APIYI ``/seedance/api/v3``).

Writes: ``content[]`` (one text item, then ``image_url`` items with a ``role``: images may be
https URLs or ``data:`` URIs, so local files go inline), ``resolution`` lowercase, ``ratio``,
``duration`` (always sent), ``generate_audio`` (sent only when asked), ``seed``, ``watermark``
false. Every request carries ``Accept-Encoding: identity``: APIYI's gateway labels answers as gzip
otherwise. Reads: top-level ``id`` (``cgt-...``); ``status`` ``queued`` -> ``running`` ->
``succeeded`` | ``failed`` | ``expired`` (48 h); ``content.video_url`` (signed, another origin,
fetched without the key); ``usage.completion_tokens``; ``error.code``/``error.message``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from veo_tools.catalog import ENDPOINT_VOLCANO, Model
from veo_tools.channels._parse import read_json, read_timestamp
from veo_tools.channels._wire import image_url
from veo_tools.channels.base import DownloadResult, RemoteStatus, RemoteTask, VideoRequest
from veo_tools.errors import InvalidRequestError, ServerError
from veo_tools.protocols._common import checked_model, fetch_result, image_roles, submitted
from veo_tools.transport.http import ApiHttp

logger = logging.getLogger(__name__)

HEADERS = {"Accept-Encoding": "identity"}
_STATUSES: dict[str, RemoteStatus] = {
    "queued": "queued",
    "running": "in_progress",
    "succeeded": "completed",
    "failed": "failed",
    "expired": "failed",
    "cancelled": "failed",
}
EXPIRED = "The task expired before it ran (Seedance keeps a task at most 48 h); not billed."


def body(req: VideoRequest, model: Model) -> dict[str, Any]:
    """The create body, exactly as the Volcano Engine docs spell it."""
    content: list[dict[str, Any]] = [{"type": "text", "text": req.prompt}]
    for role, image in image_roles(req, model):
        content.append({"type": "image_url", "image_url": {"url": image_url(image)}, "role": role})
    out: dict[str, Any] = {
        "model": model.id,
        "content": content,
        "resolution": req.resolution or model.resolutions[0],
        "ratio": req.aspect_ratio or model.aspect_ratios[0],
        "duration": req.seconds or model.default_seconds,
        "watermark": False,
    }
    if req.audio is not None:
        out["generate_audio"] = req.audio
    if req.seed is not None:
        out["seed"] = req.seed
    return out


def task_path(remote_id: str) -> str:
    if not remote_id.strip():
        raise InvalidRequestError("The task id is empty.", field="task_id")
    return f"{ENDPOINT_VOLCANO}/{quote(remote_id.strip(), safe='')}"


def parse(answer: Mapping[str, Any], remote_id: str | None = None) -> RemoteTask:
    """A :class:`RemoteTask` from a Volcano task object."""
    found = answer.get("id") or answer.get("task_id") or remote_id
    if not found:
        raise ServerError("The Seedance API answered without a task id.")
    said = str(answer.get("status") or "queued").strip().lower()  # a create answers only an id
    status = _STATUSES.get(said)
    if status is None:
        logger.warning("unknown Seedance status %r, treating it as in progress", said)
        status = "in_progress"
    content = answer.get("content")
    url = content.get("video_url") if isinstance(content, Mapping) else None
    usage = answer.get("usage")
    tokens = usage.get("completion_tokens") if isinstance(usage, Mapping) else None
    return RemoteTask(
        remote_id=str(found),
        status=status,
        progress=100 if status == "completed" else 0,
        error=_error(answer, said) if status == "failed" else None,
        video_url=url if isinstance(url, str) and url.strip() else None,
        created_at=read_timestamp(answer.get("created_at")),
        completed_at=read_timestamp(answer.get("updated_at")) if status == "completed" else None,
        raw=dict(answer),
        tokens=tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None,
        # A hold is taken at submit and released when the task fails or expires.
        billed=False if status == "failed" else None,
    )


def _error(answer: Mapping[str, Any], said: str) -> str:
    if said == "expired":
        return EXPIRED
    error = answer.get("error")
    if isinstance(error, Mapping):
        code, message = error.get("code"), error.get("message")
        text = ": ".join(str(p) for p in (code, message) if p)
        if text:
            return text
    if isinstance(error, str) and error.strip():
        return error.strip()
    return "The Seedance task failed without a reason."


class VolcanoClient:
    """Seedance 2.0 / 2.5 over ``/seedance/api/v3/contents/generations/tasks``."""

    channel = "seedance"

    def __init__(self, http: ApiHttp) -> None:
        self._http = http

    async def submit(self, req: VideoRequest) -> RemoteTask:
        model = checked_model(req, self.channel)
        response = await self._http.request(
            "POST", ENDPOINT_VOLCANO, json=body(req, model), creates_task=True, headers=HEADERS
        )
        task = submitted(response, parse)
        logger.info("seedance task %s submitted (%s)", task.remote_id, model.id)
        return task

    async def get(self, remote_id: str) -> RemoteTask:
        response = await self._http.request("GET", task_path(remote_id), headers=HEADERS)
        return parse(read_json(response, what="the Seedance status query"), remote_id)

    async def download(
        self, remote_id: str, dest: Path, *, video_url: str | None = None
    ) -> DownloadResult:
        """Save the video from ``content.video_url`` (asked again when not known yet)."""
        if not video_url:
            video_url = (await self.get(remote_id)).video_url
        return await fetch_result(self._http, video_url, dest, what="Seedance")
