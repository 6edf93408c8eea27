"""Checking a Seedance create body the way Ark does, with Ark's 400 shape.

Rules (APIYI's Seedance pages and the 2.5 launch notice): ``content`` holds one text item and
image items with roles ``first_frame`` / ``last_frame`` / ``reference_image`` (frames and
references do not mix; a last frame needs a first); an image url is https, a ``data:`` image or an
``asset://`` id; at most 9 images on 2.0, 30 on 2.5; ``resolution`` lowercase, 1080p only on 2.5
and 2.0 standard, no 4k; ``ratio`` from the list or ``adaptive`` (2.5 wants ``adaptive`` with
frames); ``duration`` an integer, 4–15 on 2.0 (default 5), 4–30 or -1 on 2.5 (default -1, the
model picks: 10 s here, as APIYI measured).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse

from veo_tools.sandbox.assets import sniff_image_mime
from veo_tools.sandbox.replies import Reply
from veo_tools.sandbox.specs import SimModel

ROLES = ("first_frame", "last_frame", "reference_image")
#: What Seedance 2.5 renders when ``duration`` is -1 (APIYI's test picked 10 s).
MODEL_PICKED_SECONDS = 10
_MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class VolcanoRequest:
    prompt: str
    resolution: str
    ratio: str
    seconds: int
    image_count: int
    generate_audio: bool
    seed: int
    watermark: bool
    return_last_frame: bool


def invalid(message: str, param: str) -> Reply:
    return Reply(
        JSONResponse(
            {
                "error": {
                    "code": "InvalidParameter",
                    "message": f"The parameter `{param}` specified in the request is not valid: "
                    f"{message}",
                    "param": param,
                    "type": "BadRequest",
                }
            },
            status_code=400,
        )
    )


def parse_volcano(spec: SimModel, body: dict[str, Any]) -> VolcanoRequest:
    prompt, roles = _content(spec, body.get("content"))
    resolution = _resolution(spec, body.get("resolution", spec.default_resolution))
    ratio = body.get("ratio", "adaptive")
    if ratio not in spec.ratios:
        raise invalid(f"use one of {', '.join(spec.ratios)}", "ratio")
    frames = {"first_frame", "last_frame"} & set(roles)
    if frames and ratio != "adaptive" and spec.frames_need_adaptive:
        raise invalid("first and last frame generation requires ratio `adaptive`", "ratio")
    return VolcanoRequest(
        prompt=prompt,
        resolution=resolution,
        ratio=ratio,
        seconds=_duration(spec, body.get("duration", spec.default_seconds)),
        image_count=len(roles),
        generate_audio=_flag(body, "generate_audio", True),
        seed=_seed(body.get("seed", -1)),
        watermark=_flag(body, "watermark", False),
        return_last_frame=_flag(body, "return_last_frame", False),
    )


def _content(spec: SimModel, content: object) -> tuple[str, list[str]]:
    if not isinstance(content, list) or not content:
        raise invalid("content must be a non-empty array of text and image_url items", "content")
    texts: list[str] = []
    images: list[dict[str, Any]] = []
    for item in content:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "text" and isinstance(item.get("text"), str):
            texts.append(item["text"])
        elif kind == "image_url":
            images.append(item)
        else:
            raise invalid("each item needs type `text` (with text) or `image_url`", "content")
    if len(texts) > 1:
        raise invalid("at most one text item is allowed", "content")
    roles = [_image(item, len(images)) for item in images]
    _check_roles(spec, roles)
    if not texts and not images:
        raise invalid("give a text prompt or an image", "content")
    return (texts[0] if texts else ""), roles


def _image(item: dict[str, Any], count: int) -> str:
    image = item.get("image_url")
    url = image.get("url") if isinstance(image, dict) else None
    if not isinstance(url, str) or not url:
        raise invalid("image_url.url is required", "content.image_url")
    if url.startswith("data:"):
        _check_data_uri(url)
    elif not url.startswith(("https://", "asset://")):
        raise invalid("an image url must be https://, a data: URI or asset://", "content.image_url")
    role = item.get("role", "first_frame" if count == 1 else None)
    if role not in ROLES:
        raise invalid(f"role must be one of {', '.join(ROLES)}", "content.role")
    return str(role)


def _check_data_uri(url: str) -> None:
    header, _, payload = url.partition(",")
    if not header.startswith("data:image/") or ";base64" not in header:
        raise invalid("a data URI must be data:image/<format>;base64,…", "content.image_url")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise invalid("the data URI is not valid Base64", "content.image_url") from None
    if sniff_image_mime(data) is None:
        raise invalid("the image must be JPEG, PNG or WebP", "content.image_url")


def _check_roles(spec: SimModel, roles: list[str]) -> None:
    if len(roles) > spec.max_images:
        raise invalid(f"{spec.id} takes at most {spec.max_images} images", "content")
    frames = [r for r in roles if r != "reference_image"]
    if frames and len(frames) != len(roles):
        raise invalid("first/last frames cannot be mixed with reference images", "content.role")
    if roles.count("first_frame") > 1 or roles.count("last_frame") > 1:
        raise invalid("at most one first_frame and one last_frame", "content.role")
    if "last_frame" in roles and "first_frame" not in roles:
        raise invalid("a last_frame needs a first_frame", "content.role")


def _resolution(spec: SimModel, value: object) -> str:
    if value in spec.resolutions:
        return str(value)
    raise invalid(
        f"{value!r} is not supported by {spec.id}; use one of {', '.join(spec.resolutions)}",
        "resolution",
    )


def _duration(spec: SimModel, value: object) -> int:
    if type(value) is not int:
        raise invalid("duration must be an integer number of seconds", "duration")
    if value == -1 and spec.default_seconds == -1:
        return MODEL_PICKED_SECONDS
    if not spec.min_seconds <= value <= spec.max_seconds:
        allowed = f"{spec.min_seconds}-{spec.max_seconds}"
        if spec.default_seconds == -1:
            allowed += " or -1"
        raise invalid(f"{value} is out of range for {spec.id} ({allowed})", "duration")
    return value


def _flag(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise invalid("must be true or false", name)
    return value


def _seed(value: object) -> int:
    if type(value) is not int or not -1 <= value <= _MAX_SEED:
        raise invalid(f"seed must be an integer in [-1, {_MAX_SEED}]", "seed")
    return value
