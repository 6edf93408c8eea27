"""The Official channel (Google AI Studio passthrough): ``/v1/videos`` submit, poll, download.

Wire rules this client never breaks: ``seconds`` is always a string and always sent (the
server's default when it is absent is contradictory in the docs), ``size`` is derived from
resolution and aspect ratio, ``duration`` and ``generateAudio`` are never sent, and an image goes
as exactly one multipart ``input_reference`` file with the metadata flattened into form fields.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from veo_tools.catalog import ENDPOINT_VIDEOS, Model
from veo_tools.channels._parse import parse_task, read_json, submitted_task
from veo_tools.channels._wire import checked_model, file_part, task_path
from veo_tools.channels.base import DownloadResult, RemoteTask, VideoRequest
from veo_tools.errors import DownloadError, InvalidRequestError
from veo_tools.transport.http import ApiHttp
from veo_tools.words import CHECK_STATUS, Words, call

logger = logging.getLogger(__name__)

_URL_HINT = (
    "The Official channel does not accept remote image URLs: download the image and pass a local "
    "file or a data: URL."
)


def json_body(req: VideoRequest, model: Model) -> dict[str, Any]:
    """The text-to-video JSON body, exactly as the docs spell it."""
    resolution = req.resolution or model.resolutions[0]
    aspect_ratio = req.aspect_ratio or model.aspect_ratios[0]
    metadata: dict[str, Any] = {"resolution": resolution, "aspectRatio": aspect_ratio}
    if req.seed is not None:
        metadata["seed"] = req.seed
    if req.negative_prompt:
        metadata["negativePrompt"] = req.negative_prompt
    return {
        "model": model.id,
        "prompt": req.prompt,
        "seconds": str(req.seconds or model.default_seconds),
        "size": model.size(resolution, aspect_ratio),
        "metadata": metadata,
    }


def form_fields(req: VideoRequest, model: Model) -> dict[str, str]:
    """The image-to-video form fields: the JSON body with ``metadata.*`` flattened."""
    body = json_body(req, model)
    metadata = body.pop("metadata")
    return {name: str(value) for name, value in {**body, **metadata}.items()}


class OfficialClient:
    """``veo-3.1-generate-preview`` / ``veo-3.1-fast-generate-preview`` over ``/v1/videos``."""

    channel = "official"

    def __init__(self, http: ApiHttp, *, time_scale: float = 1.0) -> None:
        self._http = http
        self.time_scale = time_scale

    async def submit(self, req: VideoRequest) -> RemoteTask:
        model = checked_model(req, "official")
        if req.images:
            response = await self._http.request(
                "POST",
                ENDPOINT_VIDEOS,
                data=form_fields(req, model),
                files=[file_part(req.images[0], url_hint=_URL_HINT)],
                creates_task=True,
            )
        else:
            response = await self._http.request(
                "POST", ENDPOINT_VIDEOS, json=json_body(req, model), creates_task=True
            )
        task = submitted_task(response)
        logger.info("official task %s submitted (%s)", task.remote_id, model.id)
        return task

    async def get(self, remote_id: str) -> RemoteTask:
        response = await self._http.request("GET", task_path(remote_id))
        return parse_task(read_json(response, what="the status query"), remote_id=remote_id)

    async def download(
        self,
        remote_id: str,
        dest: Path,
        *,
        race_retries: int = 5,
        race_delay: float = 4.0,
        time_scale: float | None = None,
    ) -> DownloadResult:
        """Save the MP4 from ``/content``. Right after completion the API may answer 400 for a
        few seconds (documented); that answer is retried ``race_retries`` times."""
        path = task_path(remote_id, "/content")
        delay = race_delay * (self.time_scale if time_scale is None else time_scale)
        for attempt in range(race_retries + 1):
            try:
                return DownloadResult(await self._http.download_to(path, dest, api=True))
            except InvalidRequestError as exc:
                if exc.status_code != 400:
                    raise
                if attempt == race_retries:
                    raise _not_ready(exc, race_retries) from exc
                logger.info(
                    "video %s not downloadable yet (400); retry in %.1f s", remote_id, delay
                )
                await self._http.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def _not_ready(exc: InvalidRequestError, retries: int) -> DownloadError:
    return DownloadError(
        Words(
            "The video is still not downloadable after {retries} retries ({said}). If {status} "
            "says completed, wait a minute and download again.",
            retries=retries,
            said=exc.words,
            status=call(CHECK_STATUS),
        ),
        status_code=400,
    )
