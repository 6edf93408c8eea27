"""Grok Imagine over the OpenAI Videos endpoints (``/v1/videos``), GrokOfficial token group.

Writes: ``model``, ``prompt``, ``seconds`` (a string, as the OpenAI Videos API spells it) and
``size`` (``WxH``) are always sent: the API's defaults (480p, 8 s) are billed too. An image goes
as one multipart ``input_reference`` file (the first frame), like the Official Veo client; an
https URL is refused (it would have to be fetched by this package). Reads: the shared tolerant
task reader; a task that ends ``completed`` with ``error.code == "moderation_blocked"`` and no
video is a failure, and it is billed (APIYI: "a moderation block is billed as usual").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from veo_tools.catalog import ENDPOINT_VIDEOS, Model
from veo_tools.channels._parse import parse_task, read_json
from veo_tools.channels._wire import file_part, task_path
from veo_tools.channels.base import DownloadResult, RemoteTask, VideoRequest
from veo_tools.protocols._common import checked_model, submitted
from veo_tools.transport.http import ApiHttp

logger = logging.getLogger(__name__)

MODERATION = "moderation_blocked"
MODERATION_MESSAGE = (
    "Blocked by Grok's content moderation: no video, and billed all the same (APIYI bills "
    "moderation blocks). Rephrase the prompt (or change the image) before trying again."
)
_URL_HINT = "Grok takes the image as an uploaded file: pass a local file or a data: URL."


def body(req: VideoRequest, model: Model) -> dict[str, Any]:
    resolution = req.resolution or model.resolutions[0]
    aspect_ratio = req.aspect_ratio or model.aspect_ratios[0]
    return {
        "model": model.id,
        "prompt": req.prompt,
        "seconds": str(req.seconds or model.default_seconds),
        "size": model.size(resolution, aspect_ratio),
    }


def parse(answer: Mapping[str, Any], remote_id: str | None = None) -> RemoteTask:
    task = parse_task(answer, remote_id=remote_id)
    error = answer.get("error")
    code = error.get("code") if isinstance(error, Mapping) else None
    if code == MODERATION:
        return RemoteTask(
            remote_id=task.remote_id,
            status="failed",
            progress=100,
            error=MODERATION_MESSAGE,
            created_at=task.created_at,
            raw=task.raw,
            billed=True,
        )
    return task


class GrokClient:
    """``grok-imagine-video`` (and 1.5, 1.5-lite) over ``/v1/videos``."""

    channel = "grok"

    def __init__(self, http: ApiHttp) -> None:
        self._http = http

    async def submit(self, req: VideoRequest) -> RemoteTask:
        model = checked_model(req, self.channel)
        fields = body(req, model)
        if req.images:
            response = await self._http.request(
                "POST",
                ENDPOINT_VIDEOS,
                data={k: str(v) for k, v in fields.items()},
                files=[file_part(req.images[0], url_hint=_URL_HINT)],
                creates_task=True,
            )
        else:
            response = await self._http.request(
                "POST", ENDPOINT_VIDEOS, json=fields, creates_task=True
            )
        task = submitted(response, parse)
        logger.info("grok task %s submitted (%s)", task.remote_id, model.id)
        return task

    async def get(self, remote_id: str) -> RemoteTask:
        response = await self._http.request("GET", task_path(remote_id))
        return parse(read_json(response, what="the status query"), remote_id)

    async def download(self, remote_id: str, dest: Path) -> DownloadResult:
        """Save the MP4 from ``/content`` (with the key, on the API's origin)."""
        path = task_path(remote_id, "/content")
        return DownloadResult(await self._http.download_to(path, dest, api=True))
