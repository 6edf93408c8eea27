"""Wan and HappyHorse over APIYI's DashScope async passthrough (``/wan/api/v1``).

Writes: ``{model, input: {prompt, negative_prompt, media: [{type, url}]}, parameters:
{resolution (uppercase "720P"), ratio, duration (an integer, always sent), watermark false,
seed}}`` with the header ``X-DashScope-Async: enable``. Media must be public https URLs: a local
file or a ``data:`` URI is refused before anything is sent. Reads: the create answer's
``output.task_id``; polls ``GET /v1/tasks/{task_id}``: top-level ``status`` (``submitted``,
``in_progress``, ``completed``, ``failed``; DashScope's own ``output.task_status`` spellings
``PENDING``/``RUNNING``/``SUCCEEDED``/``FAILED`` are read too), coarse ``progress``,
``result_url`` (another origin, fetched without the key), ``error.message``/``fail_reason``
(execution errors keep their ``[InvalidParameter]``-style prefix).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from veo_tools.catalog import ENDPOINT_DASHSCOPE, Model
from veo_tools.channels._parse import find_video_url, read_json, read_progress, read_status
from veo_tools.channels.base import DownloadResult, ImagePayload, RemoteTask, VideoRequest
from veo_tools.errors import InvalidRequestError, ServerError
from veo_tools.protocols._common import checked_model, fetch_result, image_roles, submitted
from veo_tools.transport.http import ApiHttp

logger = logging.getLogger(__name__)

HEADERS = {"X-DashScope-Async": "enable"}
POLL_PATH = "/v1/tasks"


def https_only(image: ImagePayload, model: Model) -> str:
    """The image's public https URL; anything else is refused with the next step."""
    if image.data is None and image.url and image.url.lower().startswith("https://"):
        return image.url
    raise InvalidRequestError(local_image_refusal(model), field="images")


def local_image_refusal(model: Model) -> str:
    return (
        f"{model.id} takes images as public https URLs only (no local files or data: URIs): "
        "upload the image somewhere public and pass its https URL, or use a Seedance model, "
        "which takes local files."
    )


def body(req: VideoRequest, model: Model) -> dict[str, Any]:
    """The create body, as APIYI's DashScope pages spell it."""
    media = [
        {"type": role, "url": https_only(image, model)} for role, image in image_roles(req, model)
    ]
    inp: dict[str, Any] = {"prompt": req.prompt}
    if req.negative_prompt:
        inp["negative_prompt"] = req.negative_prompt
    if media:
        inp["media"] = media
    parameters: dict[str, Any] = {
        "resolution": (req.resolution or model.resolutions[0]).upper(),
        "ratio": req.aspect_ratio or model.aspect_ratios[0],
        "duration": int(req.seconds or model.default_seconds),
        "watermark": False,
    }
    if req.seed is not None:
        parameters["seed"] = req.seed
    return {"model": model.id, "input": inp, "parameters": parameters}


def task_path(remote_id: str) -> str:
    if not remote_id.strip():
        raise InvalidRequestError("The task id is empty.", field="task_id")
    return f"{POLL_PATH}/{quote(remote_id.strip(), safe='')}"


def parse(answer: Mapping[str, Any], remote_id: str | None = None) -> RemoteTask:
    """A :class:`RemoteTask` from a create answer or a poll answer."""
    output = answer.get("output")
    output = output if isinstance(output, Mapping) else {}
    found = answer.get("task_id") or output.get("task_id") or answer.get("id") or remote_id
    if not found:
        raise ServerError("The DashScope API answered without a task id.")
    status = read_status(answer.get("status") or output.get("task_status") or "submitted")
    url = find_video_url(answer) or find_video_url(output)
    return RemoteTask(
        remote_id=str(found),
        status=status,
        progress=read_progress(answer.get("progress"), status),
        error=_error(answer, output) if status == "failed" else None,
        video_url=url if status == "completed" else None,
        raw=dict(answer),
        billed=False if status == "failed" else None,  # failed tasks are not billed
    )


def _error(answer: Mapping[str, Any], output: Mapping[str, Any]) -> str:
    for where in (answer, output):
        error = where.get("error")
        if isinstance(error, Mapping) and error.get("message"):
            return str(error["message"])
        for key in ("fail_reason", "message"):
            if isinstance(where.get(key), str) and where[key].strip():
                return str(where[key]).strip()
    return "The task failed without a reason."


class DashScopeClient:
    """Wan3.0, Wan2.7 and HappyHorse over the DashScope async passthrough."""

    channel = "wan"

    def __init__(self, http: ApiHttp) -> None:
        self._http = http

    async def submit(self, req: VideoRequest) -> RemoteTask:
        model = checked_model(req, self.channel)
        response = await self._http.request(
            "POST", ENDPOINT_DASHSCOPE, json=body(req, model), creates_task=True, headers=HEADERS
        )
        task = submitted(response, parse)
        logger.info("dashscope task %s submitted (%s)", task.remote_id, model.id)
        return task

    async def get(self, remote_id: str) -> RemoteTask:
        response = await self._http.request("GET", task_path(remote_id))
        return parse(read_json(response, what="the DashScope status query"), remote_id)

    async def download(
        self, remote_id: str, dest: Path, *, video_url: str | None = None
    ) -> DownloadResult:
        """Save the video from ``result_url`` (asked again when not known yet)."""
        if not video_url:
            video_url = (await self.get(remote_id)).video_url
        return await fetch_result(self._http, video_url, dest, what="DashScope")
