"""What the adapters share: the model check, image placement and a result URL fetched keyless."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from veo_tools.catalog import Model, get_model, validate_request
from veo_tools.channels._parse import read_json
from veo_tools.channels.base import DownloadResult, ImagePayload, RemoteTask, VideoRequest
from veo_tools.errors import (
    DownloadError,
    InvalidRequestError,
    ServerError,
    SubmitOutcomeUnknownError,
)
from veo_tools.transport.http import ApiHttp
from veo_tools.words import CHECK_STATUS, COMMANDS, LOOK_UP, Term, Words


def checked_model(req: VideoRequest, channel: str) -> Model:
    """The catalog model of ``req``, refused unless it belongs to ``channel`` and fits."""
    model = get_model(req.model)
    if model.channel != channel:
        raise InvalidRequestError(
            f"{model.id} is a {model.channel} model; this is the {channel} client.",
            field="model",
        )
    validate_request(
        model,
        seconds=req.seconds,
        resolution=req.resolution,
        aspect_ratio=req.aspect_ratio,
        image_count=len(req.images),
        image_role=req.image_role,
        audio=req.audio,
        local_images=sum(image.data is not None for image in req.images),
        seed=req.seed is not None,
        negative_prompt=bool(req.negative_prompt),
    )
    return model


def image_roles(req: VideoRequest, model: Model) -> list[tuple[str, ImagePayload]]:
    """Each image with its role: frames are first then last; references are all references."""
    role = req.image_role or ("frames" if model.takes_frames else "references")
    if role == "references":
        return [("reference_image", image) for image in req.images]
    return list(zip(("first_frame", "last_frame"), req.images, strict=False))


async def fetch_result(http: ApiHttp, url: str | None, dest: Path, *, what: str) -> DownloadResult:
    """Save the video at ``url``: streamed, checked and written atomically; the key is sent only
    to the API's own origin (a signed result URL elsewhere never receives it)."""
    if not url:
        raise DownloadError(
            Words(
                "{what} reported the task finished without a video URL; {again} in a minute; if "
                "it stays so, the APIYI console task log shows what happened.",
                what=what,
                again=Term(f"{CHECK_STATUS} again", f"run {COMMANDS[CHECK_STATUS]} TASK_ID again"),
            )
        )
    saved = await http.download_to(url, dest, api=http.is_api_url(url))
    return DownloadResult(saved, url)


def submitted(
    response: httpx.Response, parse: Callable[[Mapping[str, Any]], RemoteTask]
) -> RemoteTask:
    """The task a create request started. An answer we cannot read may still hide a paid task."""
    try:
        return parse(read_json(response, what="the submit"))
    except ServerError as exc:
        raise SubmitOutcomeUnknownError(
            Words(
                "The submit was accepted (HTTP {code}) but its answer could not be read "
                "({said}). A task may exist and be billed: do not submit again; check {look} or "
                "the APIYI console task log.",
                code=response.status_code,
                said=exc.message,
                look=LOOK_UP,
            )
        ) from exc
