"""Precise writers shared by both channel clients: model checks, file parts, paths, chat bodies."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from veo_tools.catalog import ENDPOINT_VIDEOS, Channel, Model, get_model, validate_request
from veo_tools.channels.base import ImagePayload, VideoRequest
from veo_tools.errors import InvalidRequestError

FilePart = tuple[str, tuple[str, bytes, str]]


def checked_model(req: VideoRequest, channel: Channel) -> Model:
    """The catalog model of ``req``, refused locally unless it belongs to ``channel`` and the
    request fits it (the engine validates too; a client must be safe on its own)."""
    model = get_model(req.model)
    if model.channel != channel:
        raise InvalidRequestError(
            f"{model.id} is a {model.channel.title()} model; this is the {channel.title()} "
            "channel client.",
            field="model",
        )
    validate_request(
        model,
        seconds=req.seconds,
        resolution=req.resolution,
        aspect_ratio=req.aspect_ratio,
        image_count=len(req.images),
    )
    return model


def task_path(remote_id: str, suffix: str = "") -> str:
    """``/v1/videos/{id}[suffix]`` with the id escaped, so an id can never change the path."""
    if not remote_id.strip():
        raise InvalidRequestError("The task id is empty.", field="task_id")
    return f"{ENDPOINT_VIDEOS}/{quote(remote_id.strip(), safe='')}{suffix}"


def _mime(image: ImagePayload) -> str:
    return image.mime or mimetypes.guess_type(image.filename)[0] or "application/octet-stream"


def _filename(image: ImagePayload) -> str:
    name = PurePath(image.filename).name or "image"
    if PurePath(name).suffix:
        return name
    return name + (mimetypes.guess_extension(_mime(image)) or "")


def file_part(image: ImagePayload, *, url_hint: str) -> FilePart:
    """One multipart ``input_reference`` file part. URLs are not fetched by this package."""
    if image.data is None:
        raise InvalidRequestError(
            f"This endpoint uploads image files and does not accept remote URLs ({image.url!r}); "
            f"veo-tools does not fetch them. {url_hint}",
            field="images",
        )
    return ("input_reference", (_filename(image), image.data, _mime(image)))


def image_url(image: ImagePayload) -> str:
    """A data URL for bytes, or the https URL passed through (for ``image_url`` chat parts)."""
    if image.data is not None:
        return f"data:{_mime(image)};base64,{base64.b64encode(image.data).decode('ascii')}"
    if image.url and image.url.lower().startswith("https://"):
        return image.url
    raise InvalidRequestError(
        f"Image {image.filename!r} has neither bytes nor an https URL; pass a local file, a "
        "data: URL or an https URL.",
        field="images",
    )


def chat_payload(req: VideoRequest, *, stream: bool) -> dict[str, Any]:
    """The chat-completions body: a plain string, or text + ``image_url`` parts for frames."""
    content: str | list[dict[str, Any]] = req.prompt
    if req.images:
        content = [{"type": "text", "text": req.prompt}] + [
            {"type": "image_url", "image_url": {"url": image_url(image)}} for image in req.images
        ]
    return {
        "model": req.model,
        "stream": stream,
        "messages": [{"role": "user", "content": content}],
    }
